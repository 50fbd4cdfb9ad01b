// SPDX-License-Identifier: GPL-2.0-or-later
#include "batch/slurm.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "batch/progress.hpp"
#include "common/lines.hpp"
#include "common/unique_fd.hpp"
#include "rootfs/image.hpp"
#include "rootfs/sha256.hpp"
#include "supervisor/spawn.hpp"
#include "supervisor/state_dir.hpp"
#include "sys/file_io.hpp"
#include "sys/host_command.hpp"

namespace srcompose::batch {
namespace {

namespace asio = boost::asio;

std::string join_quoted(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words)
    text += (text.empty() ? "" : " ") + shell_quote(word);
  return text;
}

// The part of the script every task runs before and after its item's case.
constexpr const char* kPrologue = R"SH(set -u
host=$(hostname)
started_at=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
start_ms=$(date +%s%3N)
# The task's end record: the fields srcompose batch reads (batch/results.hpp).
item_end() {
  local end_ms ended_at message=${2//\"/}
  message=${message//\\/}
  end_ms=$(date +%s%3N)
  ended_at=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
  printf '{"exit_code":%d,"started_at":"%s","ended_at":"%s","duration_ms":%d,"host":"%s","error":"%s"}\n' \
    "$1" "$started_at" "$ended_at" $((end_ms - start_ms)) "$host" "$message" >"$dir/done.json.tmp" &&
    mv -f "$dir/done.json.tmp" "$dir/done.json"
}
# A node that cannot run the item as this batch expects: the task fails, saying why.
refuse() {
  echo "srcompose batch: task ${SLURM_ARRAY_TASK_ID} ($item) on $host: $1" >&2
  item_end 125 "$1 (on $host)"
  exit 1
}
)SH";

constexpr const char* kRun = R"SH(interrupted=0
trap 'interrupted=1' TERM INT
"${instance[@]}" </dev/null >"$dir/run.out" 2>&1
code=$?
# Ended by Slurm (scancel, time limit): no end record, the item stays to be run. Slurm signals every
# process of the task at once, so an instance that had not yet set up its handlers died halfway
# through creating its lab: `down` removes what it left (nothing when it tore its lab down itself).
if [ "$interrupted" != 0 ]; then
  "${cleanup[@]}" </dev/null >>"$dir/run.out" 2>&1
  exit 143
fi
item_end "$code" ""
)SH";

}  // namespace

std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

Result<NodeRequirements> node_requirements(const std::filesystem::path& srcompose,
                                           std::string version_text,
                                           const std::vector<spec::Rootfs>& images) {
  NodeRequirements node;
  node.srcompose = srcompose;
  while (!version_text.empty() && version_text.back() == '\n')
    version_text.pop_back();
  node.version_text = std::move(version_text);
  std::set<std::filesystem::path> seen;
  for (const auto& image : images) {
    std::filesystem::path file =
        image.kind == spec::RootfsKind::builtin_busybox ? rootfs::kHostBusybox : image.path;
    if (!seen.insert(file).second) continue;
    if (image.kind == spec::RootfsKind::directory) {
      node.unchecked_images.push_back(file);
      continue;
    }
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Error::last_errno("open " + file.string());
    auto digest = rootfs::sha256_fd(fd.get(), file.string());
    if (!digest) return std::move(digest).error();
    node.image_digests.emplace_back(file, std::move(*digest));
  }
  return node;
}

std::string job_script(const BatchSetup& setup, const std::vector<size_t>& to_run,
                       const NodeRequirements& node,
                       const std::vector<std::string>& sbatch_arguments) {
  std::string script = "#!/bin/bash\n";
  script += "# srcompose batch: " + std::to_string(to_run.size()) + " item(s) of " +
            setup.lab_file.string() + ", one task each; results in " + setup.out.string() + "\n";
  if (!sbatch_arguments.empty())
    script += "# submitted as: sbatch --parsable " + join_quoted(sbatch_arguments) + " SCRIPT\n";
  script += "#SBATCH --job-name=srcompose-" + setup.prefix + "\n";
  script += "#SBATCH --array=0-" + std::to_string(to_run.empty() ? 0 : to_run.size() - 1) + "%" +
            std::to_string(setup.jobs) + "\n";
  script += "#SBATCH --output=" + (setup.out / ".slurm" / "task-%a.out").string() + "\n";
  script += kPrologue;
  script += "case \"${SLURM_ARRAY_TASK_ID:-}\" in\n";
  for (size_t task = 0; task < to_run.size(); ++task) {
    const Item& item = setup.items[to_run[task]];
    script += "  " + std::to_string(task) + ")\n";
    script += "    item=" + shell_quote(item.name) + "\n";
    script += "    dir=" + shell_quote((setup.out / item.key).string()) + "\n";
    for (const auto& [name, value] : item.variables)
      script += "    export " + name + "=" + shell_quote(value) + "\n";
    script +=
        "    instance=(" + join_quoted(instance_argv(setup, item, node.srcompose.string())) + ")\n";
    script += "    cleanup=(" +
              join_quoted(instance_down_argv(setup, item, node.srcompose.string())) + ")\n";
    script += "    ;;\n";
  }
  script +=
      "  *) echo \"srcompose batch: no item for task ${SLURM_ARRAY_TASK_ID:-}\" >&2; exit 1 ;;\n"
      "esac\n"
      "rm -rf -- \"$dir\" && mkdir -p -- \"$dir\" || exit 1\n";
  script += "# This node must run the srcompose and the images the batch was submitted with.\n";
  script += "srcompose=" + shell_quote(node.srcompose.string()) + "\n";
  script += "expected_version=" + shell_quote(node.version_text) + "\n";
  script += R"SH([ -x "$srcompose" ] || refuse "no srcompose at $srcompose"
version=$("$srcompose" version 2>&1)
if [ "$version" != "$expected_version" ]; then
  nl=$'\n'
  refuse "srcompose differs: this node has '${version%%"$nl"*}', the batch was submitted with '${expected_version%%"$nl"*}'"
fi
)SH";
  for (const auto& [file, digest] : node.image_digests) {
    script += "digest=$(sha256sum <" + shell_quote(file.string()) + " 2>/dev/null)\n";
    script += "[ \"${digest%% *}\" = " + digest + " ] ||\n  refuse " +
              shell_quote("image " + file.string() + " differs: sha256 ") + "\"${digest%% *}\"" +
              shell_quote(", the batch was submitted with " + digest) + "\n";
  }
  for (const auto& directory : node.unchecked_images)
    script += "# not checked (a directory image has no digest): " + directory.string() + "\n";
  script += kRun;
  return script;
}

namespace {

// sbatch, squeue and scancel: short commands whose output is read, run to their end with the
// default deadline (a Slurm controller that does not answer fails the call instead of hanging).
Result<sys::HostCommandOutput> run_slurm_command(std::vector<std::string> argv) {
  sys::HostCommand command;
  command.argv = std::move(argv);
  return sys::run_host_command(command);
}

struct ArrayState {
  bool gone = false;
  size_t running = 0;
};

// squeue's view of the array: gone once no task is pending, running or completing.
Result<ArrayState> poll_array(const std::string& job_id) {
  auto captured = run_slurm_command({"squeue", "-h", "-r", "-j", job_id, "-o", "%T"});
  if (!captured) return std::move(captured).error();
  ArrayState state;
  if (captured->status.exit_code != 0) {
    // After the job left the controller's memory squeue says it does not know the id.
    if (captured->err.find("Invalid job id") != std::string::npos) {
      state.gone = true;
      return state;
    }
    return Error::message("squeue: " + captured->err);
  }
  size_t lines = 0;
  for (std::string_view line : split_lines(captured->out)) {
    if (!line.empty()) ++lines;
    if (line == "RUNNING" || line == "COMPLETING") ++state.running;
  }
  state.gone = lines == 0;
  return state;
}

class SlurmWait {
 public:
  SlurmWait(const BatchSetup& setup, const std::vector<size_t>& to_run, size_t already_done,
            std::string job_id, bool terminal)
      : setup_(setup),
        to_run_(to_run),
        job_id_(std::move(job_id)),
        reporter_(terminal),
        signals_(io_, SIGINT, SIGTERM),
        timer_(io_) {
    progress_.total = setup.items.size();
    progress_.done = already_done;
    progress_.jobs = setup.jobs;
    reported_.assign(to_run.size(), false);
  }

  Result<LocalRun> run() {
    asio::co_spawn(io_, watch_signals(), supervisor::log_escaped("slurm signals"));
    asio::co_spawn(io_, poll(), supervisor::log_escaped("slurm poll"));
    io_.run();
    reporter_.finish();
    if (error_) return std::move(*error_);
    return outcome_;
  }

 private:
  asio::awaitable<void> poll() {
    size_t failures = 0;
    for (;;) {
      auto state = poll_array(job_id_);
      collect_ended();
      if (!state) {
        // squeue can fail for a moment (the controller is busy): give up only when it keeps on.
        if (++failures >= 10) {
          error_ = std::move(state).error();
          break;
        }
      } else {
        failures = 0;
        progress_.running = state->running;
        if (state->gone) break;
      }
      reporter_.update(progress_);
      timer_.expires_after(std::chrono::seconds(1));
      boost::system::error_code ignored;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    progress_.running = 0;
    collect_ended();
    signals_.cancel();
  }

  // Prints the items whose done.json appeared since the last look.
  void collect_ended() {
    for (size_t task = 0; task < to_run_.size(); ++task) {
      if (reported_[task]) continue;
      const Item& item = setup_.items[to_run_[task]];
      if (!std::filesystem::exists(setup_.out / item.key / kItemEndFile)) continue;
      reported_[task] = true;
      auto result = read_item_result(item, project_name(setup_.prefix, item), setup_.out,
                                     setup_.run_container);
      ++progress_.done;
      if (result.outcome != Outcome::done) ++progress_.failed;
      if (result.end) {
        ++ended_here_;
        total_duration_ += std::chrono::milliseconds(result.end->duration_ms);
        progress_.mean_duration = total_duration_ / ended_here_;
      }
      reporter_.line(describe_result(result, setup_.run_container) +
                     (result.end ? " on " + result.end->host : ""));
    }
  }

  asio::awaitable<void> watch_signals() {
    for (;;) {
      boost::system::error_code error;
      int signal_number =
          co_await signals_.async_wait(asio::redirect_error(asio::use_awaitable, error));
      if (error) co_return;
      if (outcome_.interrupted) continue;
      outcome_.interrupted = true;
      outcome_.signal = signal_number;
      reporter_.line("interrupted: cancelling job " + job_id_ +
                     " (its running instances tear their labs down)");
      auto cancelled = run_slurm_command({"scancel", job_id_});
      if (!cancelled) {
        reporter_.line("scancel " + job_id_ + ": " + cancelled.error().to_string());
      } else if (cancelled->status.exit_code != 0) {
        reporter_.line("scancel " + job_id_ + ": " + cancelled->err);
      }
    }
  }

  const BatchSetup& setup_;
  const std::vector<size_t>& to_run_;
  std::string job_id_;
  ProgressReporter reporter_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer timer_;
  Progress progress_;
  std::vector<bool> reported_;
  size_t ended_here_ = 0;
  std::chrono::milliseconds total_duration_{0};
  std::optional<Error> error_;
  LocalRun outcome_;
};

}  // namespace

Result<LocalRun> run_slurm(const BatchSetup& setup, const std::vector<size_t>& to_run,
                           size_t already_done, const std::string& script,
                           const std::vector<std::string>& sbatch_arguments, bool terminal) {
  if (to_run.empty()) return LocalRun{};
  auto slurm_dir = setup.out / ".slurm";
  std::error_code error;
  std::filesystem::create_directories(slurm_dir, error);
  if (error) return Error::message("mkdir " + slurm_dir.string() + ": " + error.message());
  auto script_file = slurm_dir / "job.sh";
  if (auto status = sys::write_file_atomically(script_file, script); !status)
    return std::move(status).error();
  std::vector<std::string> argv{"sbatch", "--parsable"};
  argv.insert(argv.end(), sbatch_arguments.begin(), sbatch_arguments.end());
  argv.push_back(script_file.string());
  auto submitted = run_slurm_command(argv);
  if (!submitted) return std::move(submitted).error().context("sbatch");
  if (submitted->status.exit_code != 0)
    return Error::message("sbatch failed (exit code " +
                          std::to_string(submitted->status.exit_code) + "): " + submitted->err);
  // --parsable: "JOBID" or "JOBID;CLUSTER".
  std::string job_id = submitted->out.substr(0, submitted->out.find_first_of(";\n"));
  if (job_id.empty()) return Error::message("sbatch printed no job id");
  std::fprintf(stderr, "srcompose: batch: submitted job array %s (%zu tasks, %u at a time)\n",
               job_id.c_str(), to_run.size(), setup.jobs);
  SlurmWait wait(setup, to_run, already_done, job_id, terminal);
  return wait.run();
}

}  // namespace srcompose::batch
