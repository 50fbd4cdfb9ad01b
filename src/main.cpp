#include "cli/cli.hpp"
#include "sys/sealed_binary.hpp"

int main(int argc, char** argv) {
  // First, before any fd or thread exists: no container may ever see the host's binary as its
  // /proc/self/exe (CVE-2019-5736, see sys/sealed_binary.hpp).
  srcompose::sys::run_from_sealed_binary(argv);
  return srcompose::cli::run(argc, argv);
}
