// SPDX-License-Identifier: GPL-2.0-or-later
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <string_view>

#include "runtime/launcher.hpp"
#include "sys/sealed_binary.hpp"

// The privileged tests start containers from this process: it runs from a read-only copy of
// itself, as srcompose does (CVE-2019-5736, see sys/sealed_binary.hpp).
int main(int argc, char** argv) {
  srcompose::sys::run_from_sealed_binary(argv);
  // The privileged tests spawn launchers from this binary (runtime/launcher.hpp).
  if (argc >= 2 && std::string_view(argv[1]) == srcompose::runtime::kLauncherCommand)
    srcompose::runtime::run_launcher(argc, argv);
  return doctest::Context(argc, argv).run();
}
