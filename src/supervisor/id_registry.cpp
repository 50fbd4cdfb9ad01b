#include "supervisor/id_registry.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "rootfs/fs.hpp"
#include "spec/load.hpp"

namespace srcompose::supervisor {
namespace {

constexpr const char* kRegistry = "id-ranges";
constexpr size_t kMaxRegistrySize = 4 << 20;

struct Entry {
  std::string project;
  spec::IdRange range;
};

// The registry, opened beneath the state root's fd (never through a symlink) and locked.
struct LockedRegistry {
  UniqueFd root;
  UniqueFd file;
};

Result<LockedRegistry> lock_registry(const StatePaths& paths, bool create) {
  auto root = open_state_root(paths.root, create);
  if (!root) return std::move(root).error();
  LockedRegistry registry{std::move(*root), {}};
  if (!registry.root) return registry;
  const int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0);
  registry.file.reset(::openat(registry.root.get(), kRegistry, flags, 0600));
  const std::string path = (paths.root / kRegistry).string();
  if (!registry.file) {
    if (errno == ENOENT && !create) return registry;
    return Error::last_errno("open " + path);
  }
  struct stat status {};
  if (::fstat(registry.file.get(), &status) < 0) return Error::last_errno("fstat " + path);
  if (!S_ISREG(status.st_mode) || (status.st_uid != 0 && status.st_uid != ::geteuid()))
    return Error::message(path + " is not a regular file of ours: refused");
  // Blocks while another `up` or `down` updates it: a few reads and writes, never a long wait.
  while (::flock(registry.file.get(), LOCK_EX) < 0) {
    if (errno != EINTR) return Error::last_errno("flock " + path);
  }
  return registry;
}

// Lines that do not parse are dropped: a registry cut short by a crash costs at most a re-pick.
Result<std::vector<Entry>> read_entries(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) return Error::last_errno("lseek id-ranges");
  auto text = rootfs::fs::read_all(fd, kRegistry, kMaxRegistrySize);
  if (!text) return std::move(text).error();
  std::vector<Entry> entries;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    Entry entry;
    uint64_t first = 0, count = 0;
    if (!(fields >> entry.project >> first >> count) || !spec::is_project_name(entry.project) ||
        count == 0 || first + count > (uint64_t{1} << 32)) {
      continue;
    }
    entry.range = spec::IdRange{0, static_cast<uint32_t>(first), static_cast<uint32_t>(count)};
    entries.push_back(std::move(entry));
  }
  return entries;
}

Status write_entries(int fd, const std::vector<Entry>& entries) {
  std::string text;
  for (const auto& entry : entries) {
    text += entry.project + " " + std::to_string(entry.range.outside) + " " +
            std::to_string(entry.range.count) + "\n";
  }
  if (::ftruncate(fd, 0) < 0) return Error::last_errno("truncate id-ranges");
  for (size_t written = 0; written < text.size();) {
    ssize_t n =
        ::pwrite(fd, text.data() + written, text.size() - written, static_cast<off_t>(written));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::last_errno("write id-ranges");
    }
    written += static_cast<size_t>(n);
  }
  return {};
}

// A lab is up while its state directory exists beneath the root.
bool is_up(int root_fd, const std::string& project) {
  struct stat status {};
  return ::fstatat(root_fd, project.c_str(), &status, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISDIR(status.st_mode);
}

}  // namespace

Status reserve_id_ranges(const StatePaths& paths, const spec::Lab& lab, plan::LabPlan& plan) {
  auto registry = lock_registry(paths, /*create=*/true);
  if (!registry) return std::move(registry).error().context("id range registry");
  auto entries = read_entries(registry->file.get());
  if (!entries) return std::move(entries).error().context("id range registry");
  std::vector<Entry> kept;
  std::vector<spec::IdRange> taken_elsewhere;
  for (auto& entry : *entries) {
    if (entry.project == paths.project || !is_up(registry->root.get(), entry.project)) continue;
    taken_elsewhere.push_back(entry.range);
    kept.push_back(std::move(entry));
  }
  plan::avoid_id_ranges(plan, lab, taken_elsewhere);
  for (const auto& range : plan::host_id_ranges(plan))
    kept.push_back({paths.project, range});
  if (auto status = write_entries(registry->file.get(), kept); !status)
    return std::move(status).error().context("id range registry");
  return {};
}

Status release_id_ranges(const StatePaths& paths) {
  auto registry = lock_registry(paths, /*create=*/false);
  if (!registry) return std::move(registry).error().context("id range registry");
  if (!registry->file) return {};
  auto entries = read_entries(registry->file.get());
  if (!entries) return std::move(entries).error().context("id range registry");
  std::erase_if(*entries, [&](const Entry& entry) { return entry.project == paths.project; });
  if (auto status = write_entries(registry->file.get(), *entries); !status)
    return std::move(status).error().context("id range registry");
  return {};
}

}  // namespace srcompose::supervisor
