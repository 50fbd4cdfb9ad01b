// SPDX-License-Identifier: GPL-2.0-or-later
// The built-in busybox image, made from the host's busybox-static without running anything of a
// container: the applet list comes from the host's own binary.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string_view>

#include "common/lines.hpp"
#include "rootfs/fs.hpp"
#include "rootfs/image.hpp"
#include "sys/file_io.hpp"
#include "sys/host_command.hpp"

namespace srcompose::rootfs {
namespace {

struct DirectorySpec {
  const char* path;
  mode_t mode;
};

// The usual skeleton; /tmp and /var/tmp sticky and world-writable, /root private.
constexpr std::array<DirectorySpec, 15> kDirectories = {{
    {"bin", 0755},
    {"sbin", 0755},
    {"usr", 0755},
    {"usr/bin", 0755},
    {"usr/sbin", 0755},
    {"etc", 0755},
    {"proc", 0555},
    {"sys", 0555},
    {"dev", 0755},
    {"tmp", 01777},
    {"root", 0700},
    {"home", 0755},
    {"var", 0755},
    {"var/tmp", 01777},
    {"run", 0755},
}};

constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
constexpr std::string_view kGroup =
    "root:x:0:\n"
    "nogroup:x:65534:\n";

// Runs the host's `/bin/busybox --list-full` ("bin/sh", "usr/bin/awk", ...) with an empty
// environment and returns its output. It answers at once; the deadline only guards against a broken
// binary in its place.
Result<std::string> list_applets() {
  sys::HostCommand command;
  command.argv = {kHostBusybox, "--list-full"};
  command.environment = std::vector<std::string>{};
  command.deadline = std::chrono::seconds(30);
  auto listed = sys::run_host_command(command);
  if (!listed) return std::move(listed).error();
  if (listed->status.exit_code != 0) {
    return Error::message(std::string(kHostBusybox) + " --list-full failed (exit code " +
                          std::to_string(listed->status.exit_code) + "): " + listed->err);
  }
  return std::move(listed->out);
}

// "usr/bin/awk" -> "../../bin/busybox"; nullopt for anything outside the four bin directories.
std::optional<std::string> applet_target(std::string_view entry) {
  size_t slash = entry.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view directory = entry.substr(0, slash);
  std::string_view name = entry.substr(slash + 1);
  if (name.empty() || name == "busybox" || name == "." || name == "..") return std::nullopt;
  if (directory == "bin") return std::string("busybox");
  if (directory == "sbin") return std::string("../bin/busybox");
  if (directory == "usr/bin" || directory == "usr/sbin") return std::string("../../bin/busybox");
  return std::nullopt;
}

// pread/write from `offset` of the source to the target's current position, until EOF.
Status copy_by_hand(int source_fd, loff_t offset, int target_fd) {
  std::array<char, 1 << 16> buffer{};
  while (true) {
    ssize_t n = ::pread(source_fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::last_errno("read " + std::string(kHostBusybox));
    if (n == 0) return {};
    offset += n;
    auto status = sys::write_all(target_fd, {buffer.data(), static_cast<size_t>(n)}, "bin/busybox");
    if (!status) return status;
  }
}

Status copy_executable(int source_fd, int bin_fd) {
  UniqueFd target(
      ::openat(bin_fd, "busybox", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755));
  if (!target) return Error::last_errno("create bin/busybox");
  loff_t offset = 0;
  while (true) {
    ssize_t n = ::copy_file_range(source_fd, &offset, target.get(), nullptr, 1 << 30, 0);
    if (n < 0 && errno == EINTR) continue;
    // Across filesystems Linux 5.19+ answers EXDEV (and some filesystems EINVAL/EOPNOTSUPP): the
    // host's busybox and the storage dir are often on different ones, so copy by hand.
    if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS)) {
      if (auto status = copy_by_hand(source_fd, offset, target.get()); !status) return status;
      break;
    }
    if (n < 0) return Error::last_errno("copy_file_range " + std::string(kHostBusybox));
    if (n == 0) break;
  }
  if (::fchmod(target.get(), 0755) < 0) return Error::last_errno("chmod bin/busybox");
  return {};
}

}  // namespace

Status build_busybox_image(int busybox_fd, const std::filesystem::path& destination) {
  UniqueFd root(::open(destination.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Error::last_errno("open " + destination.string());
  for (const auto& directory : kDirectories) {
    auto fd = fs::make_directory_at(root.get(), directory.path, directory.mode, 0, 0);
    if (!fd) return std::move(fd).error().context("busybox image");
  }
  auto bin = fs::open_directory_at(root.get(), "bin");
  if (!bin) return bin.error();
  if (auto status = copy_executable(busybox_fd, bin->get()); !status) return status;

  auto applets = list_applets();
  if (!applets) return std::move(applets).error().context("busybox image");
  for (std::string_view line : split_lines(*applets)) {
    std::string entry(line);
    auto target = applet_target(entry);
    if (!target) continue;
    if (::symlinkat(target->c_str(), root.get(), entry.c_str()) < 0 && errno != EEXIST) {
      return Error::last_errno("symlink " + entry + " -> " + *target);
    }
    // Every applet is also reachable as /bin/NAME: lab files written for one busybox layout (the
    // issue's own example runs "/bin/httpd", which --list-full puts in usr/sbin) work on this one.
    std::string in_bin = "bin/" + entry.substr(entry.rfind('/') + 1);
    if (in_bin != entry && ::symlinkat("busybox", root.get(), in_bin.c_str()) < 0 &&
        errno != EEXIST) {
      return Error::last_errno("symlink " + in_bin + " -> busybox");
    }
  }

  auto etc = fs::open_directory_at(root.get(), "etc");
  if (!etc) return etc.error();
  if (auto status =
          sys::write_file_atomically_at(etc->get(), "passwd", kPasswd, 0644, sys::FileOwner{0, 0});
      !status) {
    return status;
  }
  return sys::write_file_atomically_at(etc->get(), "group", kGroup, 0644, sys::FileOwner{0, 0});
}

}  // namespace srcompose::rootfs
