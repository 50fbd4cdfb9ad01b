// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose events [NAME...] [--json]`: the lab's events (supervisor/event_log.hpp), what the
// state directory holds so far and then each new one as the supervisor appends it, until the lab is
// down. Woken by inotify on the state directory (an append, a rotation, the directory's removal)
// and by the supervisor's pidfd (a supervisor killed before it could say "down"): no polling.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <set>

#include "cli/commands.hpp"
#include "common/terminal_text.hpp"
#include "supervisor/project_lock.hpp"
#include "sys/process.hpp"

namespace srcompose::cli {
namespace {

namespace json = supervisor::json;

struct EventsArguments {
  std::vector<std::string> containers;  // only these containers' events (and the lab's)
  bool json = false;                    // the lines as the supervisor wrote them
};

// "2026-11-28T22:30:00.123456Z exit web (exit_code=3, signal=0, ...)": compose's text form, one
// event a line; NAME is the container, or the project for the lab's own events.
std::string as_text(const json::object& event) {
  auto text_of = [](const json::value& value) {
    return value.is_string() ? std::string(value.get_string()) : json::serialize(value);
  };
  std::string line;
  for (const char* key : {"time", "type"}) {
    if (const auto* value = event.if_contains(key)) line += text_of(*value) + " ";
  }
  const auto* name = event.if_contains("container");
  if (!name) name = event.if_contains("project");
  if (name) line += text_of(*name);
  std::string details;
  for (const auto& field : event) {
    if (field.key() == "time" || field.key() == "type" || field.key() == "project" ||
        field.key() == "container")
      continue;
    details +=
        (details.empty() ? "" : ", ") + std::string(field.key()) + "=" + text_of(field.value());
  }
  if (!details.empty()) line += " (" + details + ")";
  return line;
}

class EventPrinter {
 public:
  EventPrinter(const EventsArguments& arguments, bool terminal)
      : containers_(arguments.containers.begin(), arguments.containers.end()),
        json_(arguments.json),
        terminal_(terminal) {}

  // Prints the complete lines of `text` (keeping an incomplete last one for the next call).
  // Returns true once the lab's "down" event has been read: nothing follows it.
  bool feed(std::string& pending, std::string_view text) {
    pending += text;
    bool down = false;
    size_t start = 0;
    for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1)
      down = line(std::string_view(pending).substr(start, end - start)) || down;
    pending.erase(0, start);
    std::fflush(stdout);
    return down;
  }

 private:
  bool line(std::string_view text) {
    boost::system::error_code error;
    auto value = json::parse(text, error);
    if (error || !value.is_object()) return false;  // not written by a supervisor: skipped
    const auto& event = value.get_object();
    const auto* container = event.if_contains("container");
    bool wanted = containers_.empty() || !container || !container->is_string() ||
                  containers_.contains(std::string(container->get_string()));
    if (wanted) {
      std::string out = json_ ? std::string(text) : as_text(event);
      // The text quotes container output (an exit reason, an error): never drives the terminal.
      if (terminal_) out = for_terminal(out);
      out += '\n';
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
    const auto* type = event.if_contains("type");
    return type && type->is_string() && type->get_string() == "down" && !container;
  }

  std::set<std::string, std::less<>> containers_;
  bool json_;
  bool terminal_;
};

// One events file being read: the rotation renames it, so it is read through its descriptor to
// its end, whatever its name is by then.
struct EventFile {
  UniqueFd fd;
  ino_t inode = 0;
  std::string pending;  // an incomplete last line
};

EventFile open_events(const std::filesystem::path& path) {
  EventFile file;
  file.fd.reset(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  struct stat info {};
  if (file.fd && ::fstat(file.fd.get(), &info) == 0) file.inode = info.st_ino;
  return file;
}

// Reads `file` to its end. True when the "down" event was among the lines.
bool read_to_end(EventFile& file, EventPrinter& printer) {
  bool down = false;
  std::array<char, 65536> buffer;
  while (file.fd) {
    ssize_t n = ::read(file.fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    down =
        printer.feed(file.pending, std::string_view(buffer.data(), static_cast<size_t>(n))) || down;
  }
  return down;
}

// What is new since the last call: the rest of the file being read, then, when the supervisor has
// rotated it meanwhile (events.jsonl is another inode), the new file from its start.
bool read_new_events(EventFile& current, const std::filesystem::path& path, EventPrinter& printer) {
  bool down = read_to_end(current, printer);
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && info.st_ino != current.inode) {
    current = open_events(path);
    down = read_to_end(current, printer) || down;
  }
  return down;
}

// The container names the state file lists (empty when it cannot be read).
std::vector<std::string> lab_containers(const supervisor::StatePaths& paths) {
  std::vector<std::string> names;
  auto state = read_state(paths);
  if (!state) return names;
  auto containers = decode_containers(*state, paths.state_file().string());
  if (!containers) return names;
  for (const auto& container : *containers)
    names.push_back(container.name);
  return names;
}

// inotify on the state directory: an append, a rotation (a rename or creation in it), its removal.
// ENOENT: the lab is not up.
Result<UniqueFd> watch_state_dir(const std::filesystem::path& dir) {
  UniqueFd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify) return Error::last_errno("inotify_init1");
  if (::inotify_add_watch(inotify.get(), dir.c_str(),
                          IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF |
                              IN_ONLYDIR | IN_DONT_FOLLOW) < 0) {
    return Error::last_errno("inotify_add_watch " + dir.string());
  }
  return inotify;
}

// Reads what inotify has queued; true when the directory itself is gone (removed or moved).
bool drain_watch(int inotify) {
  bool gone = false;
  alignas(inotify_event) std::array<char, 4096> buffer;
  for (ssize_t n; (n = ::read(inotify, buffer.data(), buffer.size())) > 0;) {
    for (ssize_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
      if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) gone = true;
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
  return gone;
}

// Prints each new event until the "down" event, the directory's removal or the supervisor's end.
// The last lines are read even then: the open file still holds them.
Status follow(EventFile& current, const std::filesystem::path& path, EventPrinter& printer,
              int inotify, int supervisor_pidfd) {
  std::array<pollfd, 2> waits{pollfd{inotify, POLLIN, 0}, pollfd{supervisor_pidfd, POLLIN, 0}};
  for (;;) {
    if (::poll(waits.data(), waits.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return Error::last_errno("poll");
    }
    bool gone = drain_watch(inotify) || waits[1].revents != 0;
    if (read_new_events(current, path, printer) || gone) return {};
  }
}

int run_events(const GlobalOptions& global, const EventsArguments& arguments) {
  auto project = resolve_project(global, /*need_lab=*/false);
  if (!project) return report_error(project.error());
  const auto& paths = project->paths;
  if (auto checked = supervisor::check_state_dir(paths); !checked)
    return report_error(checked.error());
  auto not_up = [&] { return report_error(Error::message("lab " + project->name + " is not up")); };
  // Watched before the first read: nothing written between the read and the watch is missed.
  auto inotify = watch_state_dir(paths.dir);
  if (!inotify)
    return inotify.error().error_number() == ENOENT ? not_up() : report_error(inotify.error());
  auto known = lab_containers(paths);
  for (const auto& name : arguments.containers) {
    if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end())
      return report_error(Error::message("no container " + name + " in lab " + project->name));
  }
  // A supervisor that is gone (killed, or the lab left behind by a crash) writes nothing more: the
  // events so far are printed and that is all.
  UniqueFd supervisor_pidfd;
  if (auto owner = supervisor::ProjectLock::owner(paths)) {
    if (auto pidfd = sys::open_pidfd(*owner)) supervisor_pidfd = std::move(*pidfd);
  }

  EventPrinter printer(arguments, ::isatty(STDOUT_FILENO) == 1);
  const auto path = paths.events_file();
  EventFile rotated = open_events(path.string() + ".1");
  if (read_to_end(rotated, printer)) return 0;
  EventFile current = open_events(path);
  if (!current.fd && !supervisor_pidfd) return not_up();
  if (read_new_events(current, path, printer) || !supervisor_pidfd) return 0;
  auto followed = follow(current, path, printer, inotify->get(), supervisor_pidfd.get());
  return followed ? 0 : report_error(followed.error());
}

}  // namespace

void add_events_command(CLI::App& app, GlobalOptions& global, int& status) {
  auto arguments = std::make_shared<EventsArguments>();
  auto* events = app.add_subcommand(
      "events", "Print the lab's events (start, exit, OOM kill, restart, health) as they happen");
  events->add_option("containers", arguments->containers,
                     "Only these containers' events and the lab's (default: all)");
  events->add_flag("--json", arguments->json, "One JSON object a line (for scripts)");
  events->callback([arguments, &global, &status] { status = run_events(global, *arguments); });
}

}  // namespace srcompose::cli
