// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/sync.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>

namespace srcompose::runtime {

// One flat case per step, long but plain; -Wswitch keeps it complete.
std::string_view step_name(Step step) {  // NOLINT(readability-function-size)
  switch (step) {
    case Step::setup_fds:
      return "set up stdio";
    case Step::wait_for_parent:
      return "wait for the parent";
    case Step::become_root:
      return "become root in the user namespace";
    case Step::parent_death_signal:
      return "prctl(PR_SET_PDEATHSIG)";
    case Step::time_namespace:
      return "time namespace";
    case Step::cgroup_namespace:
      return "unshare(CLONE_NEWCGROUP)";
    case Step::make_mounts_private:
      return "make mounts private";
    case Step::attach_root:
      return "attach the root filesystem";
    case Step::create_target:
      return "create mount target";
    case Step::resolve_target:
      return "resolve mount target";
    case Step::mount:
      return "mount";
    case Step::mask:
      return "mask";
    case Step::readonly_path:
      return "make read-only";
    case Step::symlink:
      return "symlink";
    case Step::pivot_root:
      return "pivot_root";
    case Step::detach_old_root:
      return "detach the old root";
    case Step::remount_root_readonly:
      return "remount the root read-only";
    case Step::sethostname:
      return "sethostname";
    case Step::setdomainname:
      return "setdomainname";
    case Step::dumpable:
      return "prctl(PR_SET_DUMPABLE)";
    case Step::fork_workload:
      return "fork the workload";
    case Step::reset_signals:
      return "reset signals";
    case Step::setsid:
      return "setsid";
    case Step::controlling_terminal:
      return "ioctl(TIOCSCTTY)";
    case Step::setgroups:
      return "setgroups";
    case Step::setresgid:
      return "setresgid";
    case Step::setresuid:
      return "setresuid";
    case Step::capabilities:
      return "capabilities";
    case Step::chdir:
      return "chdir";
    case Step::no_new_privs:
      return "prctl(PR_SET_NO_NEW_PRIVS)";
    case Step::close_fds:
      return "close_range";
    case Step::seccomp:
      return "seccomp";
    case Step::exec:
      return "exec";
    case Step::join_cgroup:
      return "join cgroup";
    case Step::join_time_namespace:
      return "setns(time namespace)";
    case Step::setns:
      return "setns";
    case Step::stdio:
      return "set up stdio";
    case Step::fork_into_container:
      return "fork into the container";
    case Step::setrlimit:
      return "setrlimit";
  }
  return "unknown step";
}

int send_message(int socket_fd, const SyncMessage& message, int fd) {
  iovec data{const_cast<SyncMessage*>(&message), sizeof message};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
  if (fd >= 0) {
    header.msg_control = control.data();
    header.msg_controllen = control.size();
    cmsghdr* item = CMSG_FIRSTHDR(&header);
    item->cmsg_level = SOL_SOCKET;
    item->cmsg_type = SCM_RIGHTS;
    item->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(item), &fd, sizeof fd);
  }
  while (::sendmsg(socket_fd, &header, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

void report_failure(int socket_fd, Step step, int error_number, int32_t detail) {
  SyncMessage message;
  message.kind = SyncMessage::failed;
  message.step = static_cast<int32_t>(step);
  message.error_number = error_number;
  message.detail = detail;
  (void)send_message(socket_fd, message);
  ::_exit(127);
}

int receive_go(int socket_fd, int* fds, size_t* count) {
  SyncMessage message;
  iovec data{&message, sizeof message};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(kMaxPassedFds * sizeof(int))> control{};
  header.msg_control = control.data();
  header.msg_controllen = control.size();
  ssize_t received = 0;
  while ((received = ::recvmsg(socket_fd, &header, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) return errno;
  }
  // EOF: the parent died (or gave up) before telling us to go on.
  if (received == 0) return EPIPE;
  if (static_cast<size_t>(received) != sizeof message || message.kind != SyncMessage::go) {
    return EPROTO;
  }
  if (header.msg_flags & MSG_CTRUNC) return EMSGSIZE;
  *count = 0;
  for (cmsghdr* item = CMSG_FIRSTHDR(&header); item; item = CMSG_NXTHDR(&header, item)) {
    if (item->cmsg_level != SOL_SOCKET || item->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (item->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    std::memcpy(fds + *count, CMSG_DATA(item), n * sizeof(int));
    *count += n;
  }
  return 0;
}

Status send_go(int socket_fd, const std::vector<UniqueFd>& fds) {
  if (fds.size() > kMaxPassedFds) {
    return Error::message("too many mounts to pass to the container (" +
                          std::to_string(fds.size()) + ", at most " +
                          std::to_string(kMaxPassedFds) + ")");
  }
  SyncMessage message;
  message.kind = SyncMessage::go;
  iovec data{&message, sizeof message};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  std::vector<char> control;
  if (!fds.empty()) {
    control.resize(CMSG_SPACE(fds.size() * sizeof(int)));
    header.msg_control = control.data();
    header.msg_controllen = control.size();
    cmsghdr* item = CMSG_FIRSTHDR(&header);
    item->cmsg_level = SOL_SOCKET;
    item->cmsg_type = SCM_RIGHTS;
    item->cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
    for (size_t i = 0; i < fds.size(); ++i) {
      int fd = fds[i].get();
      std::memcpy(CMSG_DATA(item) + i * sizeof(int), &fd, sizeof fd);
    }
  }
  while (::sendmsg(socket_fd, &header, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return Error::last_errno("sendmsg(go)");
  }
  return {};
}

Result<Received> try_receive_message(int socket_fd, UniqueFd* fd) {
  SyncMessage message;
  iovec data{&message, sizeof message};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
  header.msg_control = control.data();
  header.msg_controllen = control.size();
  ssize_t received = 0;
  while ((received = ::recvmsg(socket_fd, &header, MSG_CMSG_CLOEXEC | MSG_DONTWAIT)) < 0) {
    if (errno == EAGAIN) return Received{};
    if (errno != EINTR) return Error::last_errno("recvmsg(sync socket)");
  }
  for (cmsghdr* item = CMSG_FIRSTHDR(&header); item; item = CMSG_NXTHDR(&header, item)) {
    if (item->cmsg_level != SOL_SOCKET || item->cmsg_type != SCM_RIGHTS) continue;
    int passed = -1;
    std::memcpy(&passed, CMSG_DATA(item), sizeof passed);
    UniqueFd owned(passed);  // closed here unless the caller asked for it
    if (fd) *fd = std::move(owned);
  }
  if (received == 0) return Received{Received::end_of_file, {}};
  if (static_cast<size_t>(received) != sizeof message) {
    return Error::message("sync socket: malformed message of " + std::to_string(received) +
                          " bytes");
  }
  return Received{Received::got_message, message};
}

Result<std::optional<SyncMessage>> receive_message(int socket_fd, int timeout_ms, UniqueFd* fd) {
  pollfd wait{socket_fd, POLLIN, 0};
  int ready = 0;
  while ((ready = ::poll(&wait, 1, timeout_ms)) < 0) {
    if (errno != EINTR) return Error::last_errno("poll(sync socket)");
  }
  if (ready == 0) return Error::from_errno("wait for the container", ETIMEDOUT);
  auto received = try_receive_message(socket_fd, fd);
  if (!received) return std::move(received).error();
  if (received->kind == Received::end_of_file) return std::optional<SyncMessage>{};
  if (received->kind == Received::nothing_yet) {
    return Error::message("sync socket: readable but empty");
  }
  return std::optional<SyncMessage>{received->message};
}

Error failure_error(const SyncMessage& message, const std::vector<std::string>& details) {
  std::string operation(step_name(static_cast<Step>(message.step)));
  if (message.detail >= 0 && static_cast<size_t>(message.detail) < details.size()) {
    operation += " " + details[static_cast<size_t>(message.detail)];
  }
  return Error::from_errno(std::move(operation), message.error_number);
}

}  // namespace srcompose::runtime
