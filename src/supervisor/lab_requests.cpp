// SPDX-License-Identifier: GPL-2.0-or-later
// The LabSupervisor's answers to control requests: ps, down, and the per-container lifecycle
// commands (stop, start, restart, kill, pause, unpause).
#include <signal.h>

#include <algorithm>

#include <boost/asio/co_spawn.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "supervisor/lab_supervisor.hpp"
#include "supervisor/spawn.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

json::object failure(const std::string& message) {
  return {{"ok", false}, {"error", message}};
}

// "timeout_ms" (`-t` of down, stop and restart), when given.
std::optional<std::chrono::milliseconds> request_timeout(const json::object& request) {
  auto value = request.if_contains("timeout_ms");
  if (!value || !value->is_int64() || value->as_int64() < 0) return std::nullopt;
  return std::chrono::milliseconds(value->as_int64());
}

}  // namespace

asio::awaitable<json::object> LabSupervisor::handle_request(const json::object& request) {
  auto command_value = request.if_contains("command");
  if (!command_value || !command_value->is_string())
    co_return failure("the request names no command");
  std::string command(command_value->as_string());

  if (command == "ps") {
    json::array containers;
    for (const auto& instance : instances_)
      containers.emplace_back(to_json(instance->status()));
    co_return json::object{
        {"ok", true}, {"project", plan_.project}, {"containers", std::move(containers)}};
  }
  if (command == "down") {
    if (auto timeout = request_timeout(request)) options_.stop_timeout = timeout;
    if (auto volumes = request.if_contains("volumes"); volumes && volumes->is_bool())
      remove_persistent_ = remove_persistent_ || volumes->as_bool();
    request_shutdown("`srcompose down` was asked");
    co_await down_.wait();
    co_return json::object{{"ok", true}, {"report", final_report_}};
  }

  auto targets = request_targets(request);
  if (!targets) co_return failure(targets.error().to_string());
  if (command == "wait") co_return co_await wait_request(*targets);
  int signal_number = SIGKILL;
  if (auto value = request.if_contains("signal"); value && value->is_int64()) {
    signal_number = static_cast<int>(value->as_int64());
  }
  co_return co_await lifecycle_request(command, *targets, signal_number, request_timeout(request));
}

Result<std::vector<ContainerInstance*>> LabSupervisor::request_targets(
    const json::object& request) {
  std::vector<ContainerInstance*> targets;
  if (auto names = request.if_contains("containers"); names && names->is_array()) {
    for (const auto& name : names->as_array()) {
      if (!name.is_string()) return Error::message("container names must be strings");
      ContainerInstance* instance = find(std::string_view(name.as_string()));
      if (!instance) {
        return Error::message("no container " + std::string(name.as_string()) + " in lab " +
                              plan_.project);
      }
      targets.push_back(instance);
    }
  }
  if (targets.empty()) {
    for (auto& instance : instances_)
      targets.push_back(instance.get());
  }
  return targets;
}

// `srcompose wait NAME...`: the reply comes once every named container has ended for good (or the
// lab went down), with each one's last exit code, null for one that never ran.
asio::awaitable<json::object> LabSupervisor::wait_request(
    const std::vector<ContainerInstance*>& targets) {
  json::array exit_codes;
  for (auto* instance : targets) {
    co_await instance->finished().wait();
    if (instance->last_end()) {
      exit_codes.emplace_back(instance->last_end()->exit_code);
    } else {
      exit_codes.emplace_back(nullptr);
    }
  }
  co_return json::object{{"ok", true}, {"exit_codes", std::move(exit_codes)}};
}

Status LabSupervisor::start_again(ContainerInstance& instance) {
  if (created_only_.erase(&instance) > 0) {
    // Made by `up --no-start`: the created containers it depends on start with it (their
    // conditions are then waited for as in `up`).
    for (const auto& dependency : instance.plan().lifecycle.depends_on) {
      ContainerInstance* other = find(dependency.container);
      if (other && created_only_.contains(other)) (void)start_again(*other);
    }
    if (!instance.finished().is_set()) {
      asio::co_spawn(io_, container_task(instance), log_escaped("container_task"));
      return {};
    }
  }
  if (!instance.finished().is_set()) return {};  // already running or starting: nothing to do
  instance.rearm();
  asio::co_spawn(io_, container_task(instance), log_escaped("container_task"));
  return {};
}

Status LabSupervisor::apply_lifecycle(std::string_view command, ContainerInstance& instance,
                                      int signal_number) {
  if (command == "start" || command == "restart") return start_again(instance);
  if (command == "kill") return instance.send_signal(signal_number);
  if (command == "pause") return instance.pause();
  if (command == "unpause") return instance.unpause();
  return {};  // stop: done before, for all targets at once
}

asio::awaitable<json::object> LabSupervisor::lifecycle_request(
    std::string_view command, const std::vector<ContainerInstance*>& targets, int signal_number,
    std::optional<std::chrono::milliseconds> stop_timeout) {
  if (shutdown_requested_.is_set()) co_return failure("the lab is going down");
  constexpr std::string_view kCommands[] = {"stop", "start", "restart", "kill", "pause", "unpause"};
  if (std::find(std::begin(kCommands), std::end(kCommands), command) == std::end(kCommands))
    co_return failure("unknown command " + std::string(command));
  const bool starts = command == "start" || command == "restart";
  if (command == "stop" || command == "restart") {
    // Dependents first, as in a teardown of the whole lab.
    for (auto it = targets.rbegin(); it != targets.rend(); ++it)
      co_await (*it)->stop(stop_timeout);
  }
  std::string errors;
  auto note = [&](const std::string& error) { errors += (errors.empty() ? "" : "; ") + error; };
  for (auto* instance : targets) {
    if (auto status = apply_lifecycle(command, *instance, signal_number); !status)
      note("container " + instance->name() + ": " + status.error().to_string());
  }
  for (auto* instance : starts ? targets : std::vector<ContainerInstance*>{}) {
    co_await (instance->started().wait() || instance->finished().wait());
    if (!instance->started().is_set()) note(instance->start_error());
  }
  write_state();
  if (!errors.empty()) co_return failure(errors);
  co_return json::object{{"ok", true}};
}

}  // namespace srcompose::supervisor
