#include "supervisor/state_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/unique_fd.hpp"

namespace srcompose::supervisor {

std::filesystem::path state_root(const std::string& override_root) {
  if (!override_root.empty()) return std::filesystem::absolute(override_root);
  if (const char* env = std::getenv("SRCOMPOSE_STATE_DIR"); env && *env) {
    return std::filesystem::absolute(env);
  }
  return kDefaultStateRoot;
}

StatePaths state_paths(const std::filesystem::path& root, const std::string& project) {
  return StatePaths{root / project};
}

namespace {

Status make_directory(const std::filesystem::path& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) {
    return Error::last_errno("mkdir " + path.string());
  }
  // mkdir's mode is filtered by the umask; the state directory must be exactly private.
  if (::chmod(path.c_str(), mode) < 0) return Error::last_errno("chmod " + path.string());
  return {};
}

}  // namespace

Status create_state_dir(const StatePaths& paths) {
  std::error_code error;
  std::filesystem::create_directories(paths.dir.parent_path(), error);
  if (error) return Error::from_errno("mkdir " + paths.dir.parent_path().string(), error.value());
  if (auto status = make_directory(paths.dir, 0700); !status) return status;
  return make_directory(paths.logs_dir(), 0700);
}

Status remove_state_dir(const StatePaths& paths) {
  std::error_code error;
  std::filesystem::remove_all(paths.dir, error);
  if (error) return Error::from_errno("remove " + paths.dir.string(), error.value());
  return {};
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  auto temporary = path;
  temporary += ".tmp";
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return Error::last_errno("open " + temporary.string());
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::last_errno("write " + temporary.string());
    }
    written += static_cast<size_t>(n);
  }
  fd.reset();
  if (::rename(temporary.c_str(), path.c_str()) < 0) {
    return Error::last_errno("rename " + temporary.string() + " " + path.string());
  }
  return {};
}

Result<std::string> read_small_file(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error::last_errno("open " + path.string());
  std::string content;
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::last_errno("read " + path.string());
    }
    if (n == 0) return content;
    content.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace srcompose::supervisor
