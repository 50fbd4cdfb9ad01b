// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose batch`: grade a whole class. Validates the lab file for every item before anything
// runs, skips the items a previous batch completed, runs the rest here (batch/local_runner.hpp) or
// as a Slurm job array (batch/slurm.hpp), and writes OUT/summary.csv and OUT/summary.json.
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "batch/batch.hpp"
#include "batch/capacity.hpp"
#include "batch/local_runner.hpp"
#include "batch/slurm.hpp"
#include "cli/commands.hpp"
#include "cli/version.hpp"
#include "common/unique_fd.hpp"
#include "supervisor/state_dir.hpp"
#include "sys/file_io.hpp"

namespace srcompose::cli {
namespace {

// Loads the lab file once per item, with the item's variables and project: every mistake shows
// before any instance starts. Warnings are printed for the first item only (they repeat).
// Every image of every item's lab is collected for --slurm's node check.
Result<spec::Lab> check_items(const std::filesystem::path& file, const GlobalOptions& global,
                              batch::BatchSetup& setup) {
  std::optional<spec::Lab> first;
  for (const auto& item : setup.items) {
    auto options = load_options(global);
    options.project_name = batch::project_name(setup.prefix, item);
    for (const auto& [name, value] : item.variables)
      options.environment[name] = value;
    auto result = spec::load_lab_file(file, options);
    if (!first) print_warnings(result.warnings);
    if (!result.lab) {
      for (const auto& diagnostic : result.diagnostics)
        std::fprintf(stderr, "%s\n", diagnostic.to_string().c_str());
      return Error::message("item " + item.name + ": " + std::to_string(result.diagnostics.size()) +
                            " error(s) in " + file.string());
    }
    for (const auto& container : result.lab->containers) {
      bool known = std::any_of(setup.images.begin(), setup.images.end(), [&](const auto& image) {
        return image.kind == container.rootfs.kind && image.path == container.rootfs.path;
      });
      if (!known) setup.images.push_back(container.rootfs);
    }
    if (!first) first = std::move(*result.lab);
  }
  return std::move(*first);
}

// The lab's name with the first item's variables: the prefix of every project (unless -p).
Result<std::string> lab_name(const std::filesystem::path& file, const GlobalOptions& global,
                             const batch::Item& first) {
  auto options = load_options(global);
  for (const auto& [name, value] : first.variables)
    options.environment[name] = value;
  auto result = spec::load_lab_file(file, options);
  if (!result.lab) {
    for (const auto& diagnostic : result.diagnostics)
      std::fprintf(stderr, "%s\n", diagnostic.to_string().c_str());
    return Error::message("item " + first.name + ": " + std::to_string(result.diagnostics.size()) +
                          " error(s) in " + file.string());
  }
  return result.lab->name;
}

Result<batch::BatchSetup> prepare(const GlobalOptions& global, const BatchArguments& arguments) {
  batch::BatchSetup setup;
  std::filesystem::path file =
      global.file.empty() ? default_lab_file() : std::filesystem::absolute(global.file);
  if (file.empty()) return Error::message("no lab file: give one with -f");
  setup.lab_file = file;
  auto items = batch::read_items(arguments.items);
  if (!items) return std::move(items).error();
  setup.items = std::move(*items);
  if (!global.project.empty()) {
    if (!spec::is_project_name(global.project))
      return Error::message("project name \"" + global.project +
                            "\" (from -p): " + spec::project_name_rule());
    setup.prefix = global.project;
  } else {
    auto name = lab_name(file, global, setup.items.front());
    if (!name) return std::move(name).error();
    setup.prefix = *name;
  }
  if (auto status = batch::assign_keys(setup.items, setup.prefix); !status)
    return std::move(status).error();
  auto lab = check_items(file, global, setup);
  if (!lab) return std::move(lab).error();
  setup.run_container = arguments.run.empty() ? "grader" : arguments.run;
  if (!lab->find_container(setup.run_container))
    return Error::message("no container " + setup.run_container + " in " + file.string() +
                          (arguments.run.empty() ? ": name the one to run with --run" : ""));
  for (const auto& container : lab->containers)
    setup.containers.push_back(container.name);
  setup.jobs =
      arguments.jobs > 0 ? arguments.jobs : batch::default_jobs(*lab, batch::host_capacity());
  setup.out = std::filesystem::absolute(arguments.results.empty() ? "results" : arguments.results);
  if (!global.state_dir.empty()) {
    setup.global_arguments.push_back("--state-dir");
    setup.global_arguments.push_back(std::filesystem::absolute(global.state_dir).string());
  }
  for (const auto& env_file : global.env_files) {
    setup.global_arguments.push_back("--env-file");
    setup.global_arguments.push_back(std::filesystem::absolute(env_file).string());
  }
  return setup;
}

// One batch at a time writes OUT: held until the process ends.
Result<UniqueFd> lock_results(const std::filesystem::path& out) {
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) return Error::message("mkdir " + out.string() + ": " + error.message());
  auto path = out / ".batch.lock";
  UniqueFd lock(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!lock) return Error::last_errno("open " + path.string());
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK)
      return Error::message("another srcompose batch writes " + out.string());
    return Error::last_errno("flock " + path.string());
  }
  return lock;
}

Status write_summary(const batch::BatchSetup& setup,
                     const std::vector<batch::ItemResult>& results) {
  if (auto status = sys::write_file_atomically(setup.out / "summary.csv",
                                               batch::summary_csv(results, setup.containers));
      !status)
    return status;
  return sys::write_file_atomically(
      setup.out / "summary.json",
      batch::summary_json(results, setup.lab_file.string(), setup.run_container));
}

// argv[0] as a path: itself when it names one, else found in PATH like the shell did.
std::filesystem::path program_path(const std::string& argv0) {
  if (argv0.find('/') != std::string::npos) return std::filesystem::absolute(argv0);
  const char* path = std::getenv("PATH");
  std::string_view directories = path ? path : "/usr/bin:/bin";
  while (!directories.empty()) {
    auto directory = directories.substr(0, directories.find(':'));
    directories.remove_prefix(std::min(directories.size(), directory.size() + 1));
    auto candidate = std::filesystem::path(directory.empty() ? "." : directory) / argv0;
    if (::access(candidate.c_str(), X_OK) == 0) return std::filesystem::absolute(candidate);
  }
  return argv0;
}

Result<batch::LocalRun> run_through_slurm(const batch::BatchSetup& setup,
                                          const BatchArguments& arguments,
                                          const std::vector<size_t>& to_run, size_t skipped) {
  auto node =
      batch::node_requirements(program_path(arguments.program), version_text(), setup.images);
  if (!node) return std::move(node).error();
  auto script = batch::job_script(setup, to_run, *node, arguments.slurm_arguments);
  if (arguments.slurm_dry_run) {
    std::fputs(script.c_str(), stdout);
    return batch::LocalRun{};
  }
  return batch::run_slurm(setup, to_run, skipped, script, arguments.slurm_arguments,
                          ::isatty(STDERR_FILENO) != 0);
}

}  // namespace

int run_batch(const GlobalOptions& global, const BatchArguments& arguments) {
  auto setup = prepare(global, arguments);
  if (!setup) return report_error(setup.error());
  std::optional<UniqueFd> lock;
  if (!arguments.slurm_dry_run) {
    auto locked = lock_results(setup->out);
    if (!locked) return report_error(locked.error());
    lock = std::move(*locked);
  }

  std::vector<size_t> to_run;
  size_t complete = 0;
  auto before = batch::read_results(*setup);
  for (size_t i = 0; i < before.size(); ++i) {
    if (before[i].outcome == batch::Outcome::done) ++complete;
    if (arguments.rerun || before[i].outcome != batch::Outcome::done) to_run.push_back(i);
  }
  size_t skipped = setup->items.size() - to_run.size();
  setup->jobs =
      std::max<unsigned>(1, std::min<unsigned>(setup->jobs, static_cast<unsigned>(to_run.size())));
  std::fprintf(stderr,
               "srcompose: batch: %zu items of %s, %zu to run (%zu complete), %u at a time, "
               "results in %s\n",
               setup->items.size(), setup->lab_file.c_str(), to_run.size(), complete, setup->jobs,
               setup->out.c_str());
  batch::LocalRun local;
  if (arguments.slurm || arguments.slurm_dry_run) {
    auto slurm = run_through_slurm(*setup, arguments, to_run, skipped);
    if (!slurm) return report_error(slurm.error());
    if (arguments.slurm_dry_run) return 0;
    local = *slurm;
  } else {
    local =
        batch::run_local(*setup, to_run, skipped, "/proc/self/exe", ::isatty(STDERR_FILENO) != 0);
  }

  auto results = batch::read_results(*setup);
  if (auto status = write_summary(*setup, results); !status) return report_error(status.error());
  size_t counts[3] = {0, 0, 0};
  for (const auto& result : results)
    ++counts[static_cast<int>(result.outcome)];
  std::fprintf(stderr,
               "srcompose: batch: %zu done, %zu failed to run, %zu not run; summary in %s\n",
               counts[0], counts[1], counts[2], (setup->out / "summary.csv").c_str());
  if (local.interrupted) return 128 + local.signal;
  return counts[1] + counts[2] > 0 ? 1 : 0;
}

}  // namespace srcompose::cli
