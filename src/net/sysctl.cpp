// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/sysctl.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/unique_fd.hpp"

namespace srcompose::net {

Status write_sysctl(const std::string& key, std::string_view value) {
  std::string path = "/proc/sys/" + key;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return Error::last_errno("open " + path);
  ssize_t written = ::write(fd.get(), value.data(), value.size());
  if (written < 0) return Error::last_errno("write " + path);
  if (static_cast<size_t>(written) != value.size()) {
    return Error::from_errno("write " + path + " (short)", EIO);
  }
  return {};
}

bool kernel_has_ipv6() {
  static const bool has = [] {
    struct stat ignored {};
    return !(::stat("/proc/sys/net/ipv6", &ignored) != 0 && errno == ENOENT);
  }();
  return has;
}

Status disable_ipv6(const std::string& ifname) {
  if (!kernel_has_ipv6()) return {};
  return write_sysctl("net/ipv6/conf/" + ifname + "/disable_ipv6", "1");
}

}  // namespace srcompose::net
