/* The probe: a static program copied into test rootfs. It prints what it sees inside a container as
 * "key=value" lines; privileged tests assert on them. Subcommands are added by the tests that need
 * them (see main). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2 || strcmp(argv[1], "hostname") == 0) {
    char name[256] = {0};
    gethostname(name, sizeof name - 1);
    printf("hostname=%s\n", name);
    return 0;
  }
  fprintf(stderr, "probe: unknown subcommand %s\n", argv[1]);
  return 2;
}
