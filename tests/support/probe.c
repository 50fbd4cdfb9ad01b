// SPDX-License-Identifier: GPL-2.0-or-later
/* The probe: a static program copied into test rootfs. It prints what it sees inside a container as
 * "key=value" lines; privileged tests assert on them. Several subcommands may follow each other:
 * "probe hostname ids ls /dev". Errors of the operations it tries are printed as errno names'
 * numbers ("keyctl_errno=1"), 0 meaning the operation succeeded. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int compare(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

/* Prints "key=a,b,c": the sorted names of `dir`, without . and .. (numeric only if `pids`). */
static void list_dir(const char* key, const char* dir, int pids) {
  char* names[4096];
  int count = 0;
  DIR* d = opendir(dir);
  if (!d) {
    printf("%s_errno=%d\n", key, errno);
    return;
  }
  struct dirent* entry;
  while ((entry = readdir(d)) && count < 4096) {
    if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
    if (pids && strspn(entry->d_name, "0123456789") != strlen(entry->d_name)) continue;
    names[count++] = strdup(entry->d_name);
  }
  closedir(d);
  qsort(names, (size_t)count, sizeof names[0], compare);
  printf("%s=", key);
  for (int i = 0; i < count; ++i)
    printf("%s%s", i ? "," : "", names[i]);
  printf("\n");
}

/* Copies the lines of /proc/self/status that tests look at. */
static void status_lines(void) {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) {
    printf("status_errno=%d\n", errno);
    return;
  }
  char line[512];
  static const char* keys[] = {
      "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:", NULL};
  while (fgets(line, sizeof line, f)) {
    for (int i = 0; keys[i]; ++i) {
      size_t n = strlen(keys[i]);
      if (strncmp(line, keys[i], n) != 0) continue;
      char* value = line + n;
      value += strspn(value, " \t");
      value[strcspn(value, "\n")] = 0;
      printf("%.*s=%s\n", (int)(n - 1), keys[i], value);
    }
  }
  fclose(f);
}

/* "socket_<name>_errno=N" for socket(family, type, 0) of a family named like the AF_ constant. */
static void try_socket(const char* name) {
  static const struct {
    const char* name;
    int family, type, protocol;
  } families[] = {{"unix", AF_UNIX, SOCK_STREAM, 0},
                  {"inet", AF_INET, SOCK_DGRAM, 0},
                  {"inet6", AF_INET6, SOCK_DGRAM, 0},
                  {"netlink", AF_NETLINK, SOCK_RAW, 0},
                  {"vsock", AF_VSOCK, SOCK_STREAM, 0},
                  {"alg", AF_ALG, SOCK_SEQPACKET, 0},
                  {"key", AF_KEY, SOCK_RAW, 2 /* PF_KEY_V2 */},
                  {"tipc", AF_TIPC, SOCK_RDM, 0}};
  for (size_t i = 0; i < sizeof families / sizeof families[0]; ++i) {
    if (strcmp(families[i].name, name) != 0) continue;
    int fd = socket(families[i].family, families[i].type | SOCK_CLOEXEC, families[i].protocol);
    printf("socket_%s_errno=%d\n", name, fd < 0 ? errno : 0);
    if (fd >= 0) close(fd);
    return;
  }
  printf("socket_%s_errno=unknown-family\n", name);
}

/* The second stage of CVE-2019-5736 (see exe_thief.c): `fd` is an O_PATH fd of the binary the
 * thief's process ran from. In a child (so that the exec command that started us can end), retry
 * opening it for writing while it is busy (ETXTBSY: still executed on the host), for up to 20 s; on
 * success append a marker. Writes "rewrite_errno=N" to `out`, 0 meaning the host binary was
 * written. */
static int rewrite_exe(int fd, const char* out) {
  pid_t child = fork();
  if (child != 0) return child < 0 ? 1 : 0;
  setsid();
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int error = ETXTBSY;
  for (int attempt = 0; attempt < 2000 && error == ETXTBSY; ++attempt) {
    int target = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    error = target < 0 ? errno : 0;
    if (target >= 0) {
      if (write(target, "srcompose-probe was here\n", 25) < 0) error = errno;
      close(target);
    }
    if (error == ETXTBSY) usleep(10000);
  }
  FILE* result = fopen(out, "w");
  if (!result) _exit(1);
  fprintf(result, "rewrite_errno=%d\n", error);
  fclose(result);
  _exit(0);
}

/* The same second stage, when the binary is still executed for the lab's whole life (a health
 * check's process ran from the launcher's binary): whether the mount it lies on is read-only, as
 * "exe_readonly=1" in `out` (0: writable, a negative errno: fstatvfs failed). */
static int exe_mount(int fd, const char* out) {
  struct statvfs filesystem;
  int readonly = fstatvfs(fd, &filesystem) == 0 ? (filesystem.f_flag & ST_RDONLY) != 0 : -errno;
  FILE* result = fopen(out, "w");
  if (!result) return 1;
  fprintf(result, "exe_readonly=%d\n", readonly);
  fclose(result);
  return 0;
}

static volatile sig_atomic_t got_signal = 0;
static void on_signal(int signal_number) {
  got_signal = signal_number;
}

int main(int argc, char** argv) {
  /* Line by line, so a test can read what a still running probe printed. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) {
    char name[256] = {0};
    gethostname(name, sizeof name - 1);
    printf("hostname=%s\n", name);
    return 0;
  }
  for (int i = 1; i < argc; ++i) {
    const char* command = argv[i];
    const char* arg = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(command, "hostname")) {
      struct utsname names;
      uname(&names);
      printf("hostname=%s\ndomainname=%s\n", names.nodename, names.domainname);
    } else if (!strcmp(command, "ids")) {
      printf("uid=%d\ngid=%d\n", (int)getuid(), (int)getgid());
      gid_t groups[64];
      int n = getgroups(64, groups);
      printf("groups=");
      for (int g = 0; g < n; ++g)
        printf("%s%d", g ? "," : "", (int)groups[g]);
      printf("\n");
      status_lines();
    } else if (!strcmp(command, "pid")) {
      printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
    } else if (!strcmp(command, "procs")) {
      list_dir("pids", "/proc", 1);
    } else if (!strcmp(command, "ls")) {
      list_dir("entries", arg, 0);
      ++i;
    } else if (!strcmp(command, "keyctl")) {
      /* KEYCTL_GET_KEYRING_ID (0) of the session keyring (-3), create=1 */
      long r = syscall(SYS_keyctl, 0, -3, 1);
      printf("keyctl_errno=%d\n", r < 0 ? errno : 0);
    } else if (!strcmp(command, "unshare-user")) {
      printf("unshare_errno=%d\n", unshare(CLONE_NEWUSER) < 0 ? errno : 0);
    } else if (!strcmp(command, "write")) {
      int fd = open(arg, O_WRONLY | O_CLOEXEC);
      int error = fd < 0 ? errno : 0;
      if (fd >= 0) {
        if (write(fd, "1", 1) < 0) error = errno;
        close(fd);
      }
      printf("write_errno=%d\n", error);
      ++i;
    } else if (!strcmp(command, "mknod") && i + 4 < argc) {
      /* mknod PATH c|b MAJOR MINOR */
      mode_t type = argv[i + 2][0] == 'b' ? S_IFBLK : S_IFCHR;
      dev_t device = makedev((unsigned)atoi(argv[i + 3]), (unsigned)atoi(argv[i + 4]));
      printf("mknod_errno=%d\n", mknod(arg, type | 0600, device) < 0 ? errno : 0);
      i += 4;
    } else if (!strcmp(command, "open-read")) {
      /* Opens for reading and reads nothing (a disk would take long). */
      int fd = open(arg, O_RDONLY | O_CLOEXEC);
      printf("open_read_errno=%d\n", fd < 0 ? errno : 0);
      if (fd >= 0) close(fd);
      ++i;
    } else if (!strcmp(command, "open-write")) {
      /* Opens for writing and writes nothing: safe on a host file should the test fail. */
      int fd = open(arg, O_WRONLY | O_CLOEXEC);
      printf("open_write_errno=%d\n", fd < 0 ? errno : 0);
      if (fd >= 0) close(fd);
      ++i;
    } else if (!strcmp(command, "read")) {
      int fd = open(arg, O_RDONLY | O_CLOEXEC);
      int error = fd < 0 ? errno : 0;
      long total = 0;
      if (fd >= 0) {
        char buffer[4096];
        ssize_t n;
        while ((n = read(fd, buffer, sizeof buffer)) > 0)
          total += n;
        if (n < 0) error = errno;
        close(fd);
      }
      printf("read_errno=%d\nread_size=%ld\n", error, total);
      ++i;
    } else if (!strcmp(command, "create")) {
      int fd = open(arg, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      printf("create_errno=%d\n", fd < 0 ? errno : 0);
      if (fd >= 0) close(fd);
      ++i;
    } else if (!strcmp(command, "stat")) {
      struct stat st;
      if (lstat(arg, &st) < 0) {
        printf("stat_errno=%d\n", errno);
      } else {
        printf("stat_errno=0\nstat_uid=%d\nstat_gid=%d\nstat_mode=%o\n", (int)st.st_uid,
               (int)st.st_gid, (unsigned)st.st_mode);
      }
      ++i;
    } else if (!strcmp(command, "socket")) {
      try_socket(arg);
      ++i;
    } else if (!strcmp(command, "rewrite-exe") && i + 2 < argc) {
      return rewrite_exe(atoi(arg), argv[i + 2]);
    } else if (!strcmp(command, "exe-mount") && i + 2 < argc) {
      return exe_mount(atoi(arg), argv[i + 2]);
    } else if (!strcmp(command, "sleep")) {
      sleep((unsigned)atoi(arg));
      ++i;
    } else if (!strcmp(command, "exit")) {
      fflush(stdout);
      return atoi(arg);
    } else if (!strcmp(command, "ping")) {
      /* One ICMP echo through an ICMP datagram socket (no CAP_NET_RAW: net.ipv4.ping_group_range
       * decides): "ping=0" once the reply came, else the errno (110 for no reply in 2 s). */
      int result = 0;
      int sock = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
      struct sockaddr_in to = {.sin_family = AF_INET};
      struct icmphdr echo = {.type = ICMP_ECHO};
      echo.un.echo.sequence = htons(1);
      if (sock < 0 || inet_pton(AF_INET, arg, &to.sin_addr) != 1) {
        result = sock < 0 ? errno : EINVAL;
      } else if (sendto(sock, &echo, sizeof echo, 0, (struct sockaddr*)&to, sizeof to) < 0) {
        result = errno;
      } else {
        struct pollfd ready = {.fd = sock, .events = POLLIN};
        char reply[256];
        if (poll(&ready, 1, 2000) != 1) {
          result = ETIMEDOUT;
        } else if (recv(sock, reply, sizeof reply, 0) < (ssize_t)sizeof echo ||
                   ((struct icmphdr*)reply)->type != ICMP_ECHOREPLY) {
          result = EPROTO;
        }
      }
      printf("ping=%d\n", result);
      ++i;
    } else if (!strcmp(command, "kill-self")) {
      fflush(stdout);
      kill(getpid(), atoi(arg));
      pause();
    } else if (!strcmp(command, "stop-newcomers")) {
      /* Hostile: SIGSTOPs every process that appears in the container (pid namespace) besides the
       * init and itself, for <arg> seconds, and prints "stopped=PID comm=NAME" for each. A process
       * srcompose forks in (exec, health check) is caught before its execve when its comm is still
       * that of its parent. Busy-polls /proc: the window before an execve is microseconds. */
      time_t end = time(NULL) + atoi(arg);
      ++i;
      char seen[65536] = {0};
      while (time(NULL) < end) {
        DIR* proc = opendir("/proc");
        if (!proc) return 1;
        struct dirent* entry;
        while ((entry = readdir(proc))) {
          int pid = atoi(entry->d_name);
          if (pid <= 1 || pid == getpid() || pid >= (int)sizeof seen || seen[pid]) continue;
          if (kill(pid, SIGSTOP) != 0) continue;
          seen[pid] = 1;
          char path[64], name[64] = {0};
          snprintf(path, sizeof path, "/proc/%d/comm", pid);
          int fd = open(path, O_RDONLY | O_CLOEXEC);
          if (fd >= 0) {
            ssize_t n = read(fd, name, sizeof name - 1);
            if (n > 0 && name[n - 1] == '\n') name[n - 1] = 0;
            close(fd);
          }
          printf("stopped=%d comm=%s\n", pid, name);
        }
        closedir(proc);
      }
    } else if (!strcmp(command, "wait-signal")) {
      /* Reports the first signal it receives and exits with 40 + its number. */
      signal(SIGTERM, on_signal);
      signal(SIGINT, on_signal);
      signal(SIGUSR1, on_signal);
      printf("waiting=1\n");
      fflush(stdout);
      while (!got_signal)
        pause();
      printf("signal=%d\n", (int)got_signal);
      fflush(stdout);
      return 40 + (int)got_signal;
    } else {
      fprintf(stderr, "probe: unknown subcommand %s\n", command);
      return 2;
    }
  }
  return 0;
}
