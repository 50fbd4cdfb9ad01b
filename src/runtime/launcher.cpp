// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime/config_codec.hpp"
#include "runtime/exec_helper.hpp"
#include "sys/open_files_limit.hpp"
#include "sys/sealed_binary.hpp"
#include "sys/syscalls.hpp"

extern char** environ;

namespace srcompose::runtime {

namespace {

constexpr int kLauncherSocket = 3;    // the launcher's end, in the launcher
constexpr size_t kChildFdCount = 5;   // ChildFds' own five, always passed to a container
constexpr size_t kHelperFdCount = 5;  // an exec helper's sync, stdin, stdout, stderr, init pidfd
// Those five, an exec helper's time namespace, the cgroup files (v1 `tasks`, or an exec's
// cgroup.procs) and the cgroup2 directory to clone into.
constexpr size_t kMaxRequestFds = kChildFdCount + 1 + kMaxCgroupTasksFds + 1;
constexpr uint32_t kRequestMagic = 0x53524c33;  // "SRL3": this build's request layout
// A config carries the whole argv and environment (up to the kernel's ARG_MAX) and the seccomp
// program in one record; the sender's buffer bounds a SOCK_SEQPACKET record.
constexpr int kMaxRequestBytes = 8 << 20;

enum class RequestKind : uint16_t { container = 1, exec_helper = 2 };

// The request's fds come in this order: a container's ChildFds five (an exec helper's five, then
// its time namespace when `time_namespace` is 1), `cgroup_fd_count` cgroup files, then the cgroup2
// directory when `clone_into_cgroup` is 1. `flags`: a container's CLONE_NEW* for clone3, an exec
// helper's for setns.
struct RequestHeader {
  uint32_t magic = kRequestMagic;
  RequestKind kind = RequestKind::container;
  uint16_t cgroup_fd_count = 0;
  uint16_t clone_into_cgroup = 0;
  uint16_t time_namespace = 0;
  uint64_t flags = 0;
};

struct Reply {
  int32_t error_number = 0;
  int32_t pid = -1;
};

// One record with `fds` attached as SCM_RIGHTS.
int send_record(int socket, const void* bytes, size_t size, const int* fds, size_t fd_count) {
  iovec data{const_cast<void*>(bytes), size};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(kMaxRequestFds * sizeof(int))> control{};
  if (fd_count > 0) {
    header.msg_control = control.data();
    header.msg_controllen = CMSG_SPACE(fd_count * sizeof(int));
    cmsghdr* item = CMSG_FIRSTHDR(&header);
    item->cmsg_level = SOL_SOCKET;
    item->cmsg_type = SCM_RIGHTS;
    item->cmsg_len = CMSG_LEN(fd_count * sizeof(int));
    std::memcpy(CMSG_DATA(item), fds, fd_count * sizeof(int));
  }
  while (::sendmsg(socket, &header, MSG_NOSIGNAL) < 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

// One record into `buffer`; the fds it carries (at most `max_fds`, O_CLOEXEC) into `fds`. Returns
// its size (0: the peer closed), or -errno. A record longer than `size` is refused (EMSGSIZE).
ssize_t receive_record(int socket, void* buffer, size_t size, UniqueFd* fds, size_t max_fds,
                       size_t* fd_count) {
  iovec data{buffer, size};
  msghdr header{};
  header.msg_iov = &data;
  header.msg_iovlen = 1;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(kMaxRequestFds * sizeof(int))> control{};
  header.msg_control = control.data();
  header.msg_controllen = control.size();
  ssize_t received = 0;
  while ((received = ::recvmsg(socket, &header, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno != EINTR) return -errno;
  }
  *fd_count = 0;
  for (cmsghdr* item = CMSG_FIRSTHDR(&header); item; item = CMSG_NXTHDR(&header, item)) {
    if (item->cmsg_level != SOL_SOCKET || item->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (item->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(item) + i * sizeof(int), sizeof fd);
      UniqueFd owned(fd);  // closed here when there is no room for it
      if (*fd_count < max_fds) fds[(*fd_count)++] = std::move(owned);
    }
  }
  if (header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) return -EMSGSIZE;
  return received;
}

// ---- the launcher's side ------------------------------------------------------------------------

// The child's fds arrive as new numbers above fd 3; 0-2 must be open so that none lands there.
void keep_stdio_open() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) < 0) ::open("/dev/null", O_RDWR);
  }
}

// Each container's mount namespace starts as a copy of ours, made by clone3 under the kernel's
// global namespace_sem, which also covers the child's MS_PRIVATE walk over that copy and its
// unmount of the old root after pivot_root: with the host's tree (23 mounts on the development
// machine) every start copied, walked and unmounted all of it while the other starts' mounts
// waited. Our namespace is cut down to an empty tmpfs root holding /proc and /sys, each a
// non-recursive clone of the host's (a user namespace may mount proc or sysfs only where one is
// fully visible, and the child's /proc/self/timens_offsets is read through it). `up` x200
// 800 -> 775 ms, x50 186 -> 181 (alternating, storage on a tmpfs). Before its own pivot_root, a
// clone of ours reaches nothing else of the host's filesystem. Any step that fails puts us back
// into the host's namespace, as before: nothing depends on this but speed.
void shrink_mount_namespace() {
  UniqueFd host(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC));
  if (!host || ::unshare(CLONE_NEWNS) < 0) return;
  auto clone_of = [](const char* path) {
    return UniqueFd(::open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  };
  bool done = false;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0) {
    UniqueFd context(::fsopen("tmpfs", FSOPEN_CLOEXEC));
    UniqueFd root;
    if (context && ::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0) {
      root = UniqueFd(::fsmount(context.get(), FSMOUNT_CLOEXEC,
                                MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    }
    UniqueFd proc = clone_of("/proc");
    UniqueFd sysfs = clone_of("/sys");
    done = root && proc && sysfs && ::mkdirat(root.get(), "proc", 0555) == 0 &&
           ::mkdirat(root.get(), "sys", 0555) == 0 && ::fchdir(root.get()) == 0 &&
           ::move_mount(root.get(), "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) == 0 &&
           ::move_mount(proc.get(), "", AT_FDCWD, "proc", MOVE_MOUNT_F_EMPTY_PATH) == 0 &&
           ::move_mount(sysfs.get(), "", AT_FDCWD, "sys", MOVE_MOUNT_F_EMPTY_PATH) == 0 &&
           sys::pivot_root(".", ".") == 0 && ::umount2(".", MNT_DETACH) == 0;
  }
  if (!done) (void)::setns(host.get(), CLONE_NEWNS);
  if (::chdir("/") < 0) std::_Exit(1);
}

// The request's fds as ChildFds; false when their number does not match the header.
bool child_fds_of(const RequestHeader& request, const UniqueFd* fds, size_t fd_count,
                  ChildFds* child_fds) {
  const size_t tasks = request.cgroup_fd_count;
  if (tasks > kMaxCgroupTasksFds || request.clone_into_cgroup > 1 || request.time_namespace != 0 ||
      fd_count != kChildFdCount + tasks + request.clone_into_cgroup) {
    return false;
  }
  *child_fds = ChildFds{fds[0].get(), fds[1].get(), fds[2].get(), fds[3].get(), fds[4].get()};
  for (size_t i = 0; i < tasks; ++i)
    child_fds->cgroup_tasks[i] = fds[kChildFdCount + i].get();
  child_fds->cgroup_tasks_count = tasks;
  if (request.clone_into_cgroup) child_fds->clone_into_cgroup = fds[kChildFdCount + tasks].get();
  return true;
}

// The request's fds as an exec helper's, its cgroup fds in `cgroup_fds`; false when their number
// does not match the header.
bool exec_helper_of(const RequestHeader& request, const UniqueFd* fds, size_t fd_count,
                    ExecHelper* helper, std::array<int, kMaxCgroupTasksFds>* cgroup_fds,
                    int* clone_into_cgroup) {
  const size_t cgroups = request.cgroup_fd_count;
  if (cgroups > kMaxCgroupTasksFds || request.clone_into_cgroup > 1 || request.time_namespace > 1 ||
      fd_count != kHelperFdCount + request.time_namespace + cgroups + request.clone_into_cgroup) {
    return false;
  }
  helper->sync = fds[0].get();
  for (int i = 0; i < 3; ++i)
    helper->stdio[i] = fds[1 + i].get();
  helper->init_pidfd = fds[4].get();
  size_t next = kHelperFdCount;
  helper->time_namespace = request.time_namespace ? fds[next++].get() : -1;
  for (size_t i = 0; i < cgroups; ++i)
    (*cgroup_fds)[i] = fds[next++].get();
  helper->cgroup_procs = cgroup_fds->data();
  helper->cgroup_procs_count = cgroups;
  helper->namespaces = static_cast<int>(request.flags);
  *clone_into_cgroup = request.clone_into_cgroup ? fds[next].get() : -1;
  return true;
}

// Every signal is blocked in the launcher for good, so the child starts with none deliverable.
// With CLONE_PARENT the kernel wants exit_signal 0 and gives the child the launcher's own
// (SIGCHLD, from posix_spawn), so the supervisor is told of its end as of any child's.
Reply clone_container_requested(const RequestHeader& request, const ChildConfig& config,
                                const UniqueFd* fds, size_t fd_count, UniqueFd* pidfd) {
  ChildFds child_fds;
  if (!child_fds_of(request, fds, fd_count, &child_fds)) return Reply{EPROTO, -1};
  int raw_pidfd = -1;
  pid_t pid = sys::clone3(request.flags | CLONE_PIDFD | CLONE_PARENT, &raw_pidfd, 0,
                          child_fds.clone_into_cgroup);
  if (pid == 0) run_container_child(config, child_fds);
  if (pid < 0) return Reply{errno, -1};
  pidfd->reset(raw_pidfd);
  return Reply{0, pid};
}

// The exec helper is the supervisor's child too, and so is the process it forks into the container
// (CLONE_PARENT again): the supervisor waits for both through their pidfds, as when it cloned the
// helper itself.
Reply clone_exec_helper_requested(const RequestHeader& request, const ChildConfig& config,
                                  const UniqueFd* fds, size_t fd_count, UniqueFd* pidfd) {
  ExecHelper helper;
  std::array<int, kMaxCgroupTasksFds> cgroup_fds{};
  int clone_into_cgroup = -1;
  if (!exec_helper_of(request, fds, fd_count, &helper, &cgroup_fds, &clone_into_cgroup)) {
    return Reply{EPROTO, -1};
  }
  helper.workload = &config.workload;
  int raw_pidfd = -1;
  pid_t pid = sys::clone3(CLONE_PIDFD | CLONE_PARENT, &raw_pidfd, 0, clone_into_cgroup);
  if (pid == 0) run_exec_helper(helper);
  if (pid < 0) return Reply{errno, -1};
  pidfd->reset(raw_pidfd);
  return Reply{0, pid};
}

// Clones what was asked for; the reply's errno when that is impossible.
Reply clone_requested(std::string_view record, UniqueFd* fds, size_t fd_count, UniqueFd* pidfd) {
  RequestHeader request;
  if (record.size() < sizeof request) return Reply{EPROTO, -1};
  std::memcpy(&request, record.data(), sizeof request);
  if (request.magic != kRequestMagic) return Reply{EPROTO, -1};
  auto decoded = decode_child_config(record.substr(sizeof request));
  if (!decoded) return Reply{EPROTO, -1};
  switch (request.kind) {
    case RequestKind::container:
      return clone_container_requested(request, (*decoded)->config, fds, fd_count, pidfd);
    case RequestKind::exec_helper:
      return clone_exec_helper_requested(request, (*decoded)->config, fds, fd_count, pidfd);
  }
  return Reply{EPROTO, -1};
}

// One request, one reply. False when the supervisor closed its end (or the socket broke).
bool serve_one() {
  ssize_t size = 0;
  while ((size = ::recv(kLauncherSocket, nullptr, 0, MSG_PEEK | MSG_TRUNC)) < 0) {
    if (errno != EINTR) return false;
  }
  if (size == 0) return false;
  std::string record(static_cast<size_t>(size), '\0');
  std::array<UniqueFd, kMaxRequestFds> fds;
  size_t fd_count = 0;
  ssize_t received = receive_record(kLauncherSocket, record.data(), record.size(), fds.data(),
                                    fds.size(), &fd_count);
  if (received <= 0) return false;
  UniqueFd pidfd;
  Reply reply = clone_requested(record, fds.data(), fd_count, &pidfd);
  for (auto& fd : fds)
    fd.reset();  // the container holds its copies; ours must not keep its pipes open
  int passed = pidfd.get();
  return send_record(kLauncherSocket, &reply, sizeof reply, &passed, pidfd ? 1 : 0) == 0;
}

}  // namespace

[[noreturn]] void run_launcher(int argc, char** argv) {
  // Dies with the thread that spawned it; if that one is already gone, nobody would reap what we
  // clone.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) std::_Exit(1);
  pid_t parent = 0;
  const std::string_view given = argc >= 3 ? argv[2] : "";
  auto [end, parsed] = std::from_chars(given.data(), given.data() + given.size(), parent);
  if (parsed != std::errc() || end != given.data() + given.size() || ::getppid() != parent) {
    std::_Exit(1);
  }
  // An exec through /proc named us "exe" or a number; the containers' inits, our clones, show as
  // srcompose's.
  ::prctl(PR_SET_NAME, "srcompose", 0, 0, 0);
  keep_stdio_open();
  shrink_mount_namespace();
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  while (serve_one()) {
  }
  std::_Exit(0);
}

// ---- the supervisor's side ----------------------------------------------------------------------

Result<Launcher> Launcher::spawn(const std::filesystem::path& binary,
                                 std::chrono::milliseconds answer_timeout) {
  std::string program = binary.string();
  if (program.empty()) {
    auto sealed = sys::sealed_binary_path();
    if (!sealed) return std::move(sealed).error();
    program = std::move(*sealed);
  }
  std::array<int, 2> pair{};
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair.data()) < 0) {
    return Error::last_errno("socketpair(launcher)");
  }
  UniqueFd ours(pair[0]);
  UniqueFd theirs_low(pair[1]);
  // Above fd 3, so that the dup2 onto 3 below is a real one (it clears O_CLOEXEC).
  UniqueFd theirs(::fcntl(theirs_low.get(), F_DUPFD_CLOEXEC, kLauncherSocket + 1));
  if (!theirs) return Error::last_errno("fcntl(F_DUPFD_CLOEXEC) launcher socket");
  theirs_low.reset();
  int buffer = kMaxRequestBytes;
  if (::setsockopt(ours.get(), SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof buffer) < 0 &&
      ::setsockopt(ours.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer) < 0) {
    return Error::last_errno("setsockopt(SO_SNDBUF) launcher socket");
  }

  // posix_spawn, not fork: it clones with CLONE_VM|CLONE_VFORK and copies none of the
  // supervisor's page tables. Boost.Process forks the whole process, and the launcher is a plain
  // exec of ourselves with one fd, nothing a process library would add to.
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attributes);
  ::posix_spawn_file_actions_adddup2(&actions, theirs.get(), kLauncherSocket);
  ::posix_spawn_file_actions_addclosefrom_np(&actions, kLauncherSocket + 1);
  sigset_t all;
  sigfillset(&all);
  ::posix_spawnattr_setsigmask(&attributes, &all);
  ::posix_spawnattr_setsigdefault(&attributes, &all);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const std::string parent = std::to_string(::getpid());
  std::array<char*, 4> argv{const_cast<char*>("srcompose"), const_cast<char*>(kLauncherCommand),
                            const_cast<char*>(parent.c_str()), nullptr};
  pid_t pid = -1;
  int spawned = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    return Error::from_errno("posix_spawn " + program + " " + kLauncherCommand, spawned);
  }
  // Our unreaped child: its pid cannot be reused before we open the pidfd.
  auto pidfd = sys::open_pidfd(pid);
  if (!pidfd) return std::move(pidfd).error().context("launcher");
  sys::ChildProcess launcher(pid, std::move(*pidfd));
  // Before any request: what it clones gets the open-files limit srcompose was started with, not
  // the supervisor's raised one (sys/open_files_limit.hpp).
  if (auto restored = sys::restore_open_files_limit(pid); !restored) {
    return std::move(restored).error().context("launcher");
  }
  return Launcher(std::move(launcher), std::move(ours), binary, answer_timeout);
}

Launcher Launcher::deferred(const std::filesystem::path& binary,
                            std::chrono::milliseconds answer_timeout) {
  return Launcher(sys::ChildProcess(), UniqueFd(), binary, answer_timeout);
}

Status Launcher::start() {
  if (socket_) return {};
  return respawn();
}

std::string Launcher::name() const {
  return "launcher (pid " + std::to_string(process_.pid()) + ")";
}

Status Launcher::respawn() {
  auto fresh = spawn(binary_, answer_timeout_);
  if (!fresh) {
    return std::move(fresh).error().context(process_.pid() > 0 ? "restart the " + name()
                                                               : "start the container launcher");
  }
  *this = std::move(*fresh);  // the old one is killed and reaped (sys::ChildProcess)
  return {};
}

int Launcher::send_request(const std::string& request, const int* fds, size_t fd_count) {
  int error = send_record(socket_.get(), request.data(), request.size(), fds, fd_count);
  if (error != 0 && error != EMSGSIZE) socket_.reset();
  return error;
}

Result<sys::ChildProcess> Launcher::ask(const std::string& request, const int* fds, size_t fd_count,
                                        const std::string& what) {
  int error = socket_ ? send_request(request, fds, fd_count) : EPIPE;
  // Not delivered to a launcher that is gone: a new one gets it.
  if (error != 0 && error != EMSGSIZE) {
    if (auto status = respawn(); !status) return status.error();
    error = send_request(request, fds, fd_count);
  }
  if (error == EMSGSIZE) {
    return Error::from_errno(what + " (" + std::to_string(request.size()) +
                                 " bytes: argv, environment, seccomp) is too large for the " +
                                 name(),
                             error);
  }
  if (error != 0) return Error::from_errno("send the request", error).context(name());
  return read_answer();
}

namespace {

std::string request_bytes(const RequestHeader& header, const ChildConfig& config) {
  std::string request(sizeof header, '\0');
  std::memcpy(request.data(), &header, sizeof header);
  request += encode_child_config(config);
  return request;
}

}  // namespace

Result<sys::ChildProcess> Launcher::clone_container(const ChildConfig& config, uint64_t clone_flags,
                                                    const ChildFds& fds) {
  RequestHeader header;
  header.kind = RequestKind::container;
  header.flags = clone_flags;
  header.cgroup_fd_count = static_cast<uint16_t>(fds.cgroup_tasks_count);
  header.clone_into_cgroup = fds.clone_into_cgroup >= 0 ? 1 : 0;
  std::array<int, kMaxRequestFds> passed{fds.sync, fds.dev_null, fds.stdout_write, fds.stderr_write,
                                         fds.end_report};
  size_t count = kChildFdCount;
  for (size_t i = 0; i < fds.cgroup_tasks_count; ++i)
    passed[count++] = fds.cgroup_tasks[i];
  if (fds.clone_into_cgroup >= 0) passed[count++] = fds.clone_into_cgroup;
  return ask(request_bytes(header, config), passed.data(), count, "the container's config");
}

Result<sys::ChildProcess> Launcher::clone_exec_helper(const ChildConfig& config,
                                                      const ExecHelper& helper,
                                                      int clone_into_cgroup) {
  if (helper.cgroup_procs_count > kMaxCgroupTasksFds) {
    return Error::from_errno("exec helper: " + std::to_string(helper.cgroup_procs_count) +
                                 " cgroup files, the " + name() + " takes at most " +
                                 std::to_string(kMaxCgroupTasksFds),
                             E2BIG);
  }
  RequestHeader header;
  header.kind = RequestKind::exec_helper;
  header.flags = static_cast<uint64_t>(helper.namespaces);
  header.cgroup_fd_count = static_cast<uint16_t>(helper.cgroup_procs_count);
  header.clone_into_cgroup = clone_into_cgroup >= 0 ? 1 : 0;
  header.time_namespace = helper.time_namespace >= 0 ? 1 : 0;
  std::array<int, kMaxRequestFds> passed{helper.sync, helper.stdio[0], helper.stdio[1],
                                         helper.stdio[2], helper.init_pidfd};
  size_t count = kHelperFdCount;
  if (helper.time_namespace >= 0) passed[count++] = helper.time_namespace;
  for (size_t i = 0; i < helper.cgroup_procs_count; ++i)
    passed[count++] = helper.cgroup_procs[i];
  if (clone_into_cgroup >= 0) passed[count++] = clone_into_cgroup;
  return ask(request_bytes(header, config), passed.data(), count, "the exec's config");
}

Result<sys::ChildProcess> Launcher::read_answer() {
  const std::string what = name();
  // The launcher is in an unknown state after a broken exchange: the next call starts another.
  auto broken = [&](Error error) {
    socket_.reset();
    return std::move(error).context(what);
  };
  pollfd wait{socket_.get(), POLLIN, 0};
  int ready = 0;
  while ((ready = ::poll(&wait, 1, static_cast<int>(answer_timeout_.count()))) < 0) {
    if (errno != EINTR) return broken(Error::last_errno("poll"));
  }
  if (ready == 0) {
    return broken(Error::from_errno(
        "no answer in " + std::to_string(answer_timeout_.count()) + " ms", ETIMEDOUT));
  }
  Reply reply;
  UniqueFd pidfd;
  size_t fd_count = 0;
  ssize_t received = receive_record(socket_.get(), &reply, sizeof reply, &pidfd, 1, &fd_count);
  if (received < 0) {
    return broken(Error::from_errno("receive the answer", static_cast<int>(-received)));
  }
  if (received == 0) return broken(Error::message("it ended before answering"));
  if (static_cast<size_t>(received) != sizeof reply) {
    return broken(Error::message("malformed answer"));
  }
  if (reply.error_number != 0) return Error::from_errno("clone3", reply.error_number).context(what);
  if (!pidfd || reply.pid <= 0) return broken(Error::message("answer without a pidfd"));
  return sys::ChildProcess(reply.pid, std::move(pidfd));
}

}  // namespace srcompose::runtime
