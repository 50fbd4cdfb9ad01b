// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/terminal_relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <optional>

#include "sys/file_io.hpp"

namespace srcompose::cli {
namespace {

// Raw mode on a terminal for as long as it lives; the settings found are put back.
class RawTerminal {
 public:
  explicit RawTerminal(int fd) : fd_(fd) {
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSADRAIN, &raw) == 0) active_ = true;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(fd_, TCSADRAIN, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// Writes all of `data`; false when the other side is gone.
bool write_all(int fd, const char* data, size_t size) {
  return sys::write_all(fd, {data, size}, "terminal").ok();
}

// One read from `from` written to `to`. False at end of input, on EIO (a master whose slave is
// closed everywhere) or when `to` is gone.
bool pump(int from, int to) {
  std::array<char, 16384> buffer;
  ssize_t n;
  do {
    n = ::read(from, buffer.data(), buffer.size());
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return n < 0 && errno == EAGAIN;
  return write_all(to, buffer.data(), static_cast<size_t>(n));
}

// What the pty holds now, without waiting for more (the master is made non-blocking).
void drain(int master) {
  ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
  std::array<char, 16384> buffer;
  for (;;) {
    ssize_t n = ::read(master, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || !write_all(STDOUT_FILENO, buffer.data(), static_cast<size_t>(n))) return;
  }
}

}  // namespace

void copy_window_size(int master) {
  winsize size{};
  for (int fd : {STDIN_FILENO, STDOUT_FILENO}) {
    if (::ioctl(fd, TIOCGWINSZ, &size) == 0) {
      ::ioctl(master, TIOCSWINSZ, &size);
      return;
    }
  }
}

Result<sys::ExitStatus> relay_terminal(int master, sys::ChildProcess& process) {
  sigset_t winch;
  sigemptyset(&winch);
  sigaddset(&winch, SIGWINCH);
  sigset_t saved_mask;
  ::sigprocmask(SIG_BLOCK, &winch, &saved_mask);
  UniqueFd resized(::signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK));
  copy_window_size(master);
  {
    RawTerminal raw(STDIN_FILENO);
    bool input_open = true, output_open = true;
    while (output_open) {
      std::array<pollfd, 4> fds{{{master, POLLIN, 0},
                                 {process.pidfd(), POLLIN, 0},
                                 {input_open ? STDIN_FILENO : -1, POLLIN, 0},
                                 {resized.get(), POLLIN, 0}}};
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[3].revents & POLLIN) {
        signalfd_siginfo info;
        while (::read(resized.get(), &info, sizeof info) == sizeof info) {
        }
        copy_window_size(master);
      }
      if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) input_open = pump(STDIN_FILENO, master);
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) output_open = pump(master, STDOUT_FILENO);
      if (fds[1].revents & POLLIN) {
        // The process ended: what it wrote last is still in the pty; a child it left running
        // may hold the slave open, so read what is there without waiting for more.
        drain(master);
        break;
      }
    }
  }
  ::sigprocmask(SIG_SETMASK, &saved_mask, nullptr);
  return process.wait();
}

}  // namespace srcompose::cli
