// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/host_command.hpp"

// Boost.Process v1 on std::filesystem: no link dependency on Boost.Filesystem.
#define BOOST_PROCESS_USE_STD_FS 1

#include <sys/wait.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/process/args.hpp>
#include <boost/process/async.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/io.hpp>
#include <boost/process/search_path.hpp>
#include <future>
#include <system_error>

namespace srcompose::sys {
namespace {

namespace bp = boost::process;

std::string describe(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv)
    text += (text.empty() ? "" : " ") + arg;
  return text;
}

bp::environment environment_of(const HostCommand& command) {
  if (!command.environment) return boost::this_process::environment();
  bp::environment environment;
  for (const auto& entry : *command.environment) {
    size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) continue;
    environment[entry.substr(0, equals)] = entry.substr(equals + 1);
  }
  return environment;
}

Result<std::filesystem::path> executable_of(const std::string& program) {
  if (program.find('/') != std::string::npos) return std::filesystem::path(program);
  auto found = bp::search_path(program);
  if (found.empty()) return Error::from_errno("find " + program + " in PATH", ENOENT);
  return found;  // a std::filesystem::path (BOOST_PROCESS_USE_STD_FS)
}

// Boost.Process reports the raw wait status once the child is reaped.
ExitStatus exit_status_of(int native_status) {
  if (WIFSIGNALED(native_status)) return {128 + WTERMSIG(native_status), WTERMSIG(native_status)};
  return {WEXITSTATUS(native_status), 0};
}

}  // namespace

Result<HostCommandOutput> run_host_command(const HostCommand& command) {
  if (command.argv.empty()) return Error::message("run a host program: no program given");
  const std::string what = describe(command.argv);
  auto executable = executable_of(command.argv[0]);
  if (!executable) return std::move(executable).error().context("run " + what);
  const std::vector<std::string> args(command.argv.begin() + 1, command.argv.end());

  boost::asio::io_context loop;
  std::future<std::string> out, err;
  std::error_code launch_error;
  // The io_context makes Boost.Process write stdin and read both pipes asynchronously, so that
  // neither pipe can fill up and block the program. on_exit keeps the loop running until the exit
  // is seen (a SIGCHLD signal_set and waitpid of this pid only); without it the loop ends with the
  // output and the exit status is never collected.
  std::error_code wait_error;
  bp::child child(
      executable->string(), bp::args(args), environment_of(command),
      (bp::std_in < boost::asio::buffer(command.input)), (bp::std_out > out), (bp::std_err > err),
      loop, launch_error,
      bp::on_exit([&wait_error](int, const std::error_code& error) { wait_error = error; }));
  if (launch_error) return Error::from_errno("start " + what, launch_error.value());

  loop.run_for(command.deadline);
  if (!loop.stopped()) {
    std::error_code ignored;
    child.terminate(ignored);  // SIGKILL and reap
    return Error::message(what + ": still running after " +
                          std::to_string(command.deadline.count()) + " ms, killed");
  }
  if (wait_error) return Error::from_errno("wait for " + what, wait_error.value());
  HostCommandOutput result;
  result.out = out.get();
  result.err = err.get();
  result.status = exit_status_of(child.native_exit_code());
  return result;
}

}  // namespace srcompose::sys
