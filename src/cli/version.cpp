// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/version.hpp"

#include <archive.h>
#include <netlink/version.h>
#include <seccomp.h>

#include <toml++/toml.h>
#include <boost/version.hpp>
#include <cstdio>

#include "srcompose_revision.hpp"

namespace srcompose::cli {

namespace {

std::string dotted(unsigned major, unsigned minor, unsigned patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string line(const std::string& name, const std::string& version, bool loaded) {
  std::string text = "  " + name;
  text.resize(15, ' ');
  text += version;
  text.resize(24, ' ');
  return text + (loaded ? "(loaded)\n" : "(built against)\n");
}

}  // namespace

std::string version_text() {
  std::string text = "srcompose " SRCOMPOSE_VERSION " (git " SRCOMPOSE_GIT_REVISION ")\n";
  text += "libraries:\n";
  const scmp_version* seccomp = seccomp_version();
  text += line("libseccomp", dotted(seccomp->major, seccomp->minor, seccomp->micro), true);
  // libnftables has no run-time version call: the pkg-config version it was built against.
  text += line("libnftables", SRCOMPOSE_NFTABLES_VERSION, false);
  auto archive = static_cast<unsigned>(archive_version_number());
  text +=
      line("libarchive", dotted(archive / 1000000, archive / 1000 % 1000, archive % 1000), true);
  text += line("libnl",
               dotted(static_cast<unsigned>(nl_ver_maj), static_cast<unsigned>(nl_ver_min),
                      static_cast<unsigned>(nl_ver_mic)),
               true);
  // toml++ and Boost (Asio, JSON) are used through their headers: compile-time versions.
  text += line("toml++", dotted(TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH), false);
  text +=
      line("Boost", dotted(BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100),
           false);
  return text;
}

int run_version(bool short_form) {
  std::fputs(short_form ? SRCOMPOSE_VERSION "\n" : version_text().c_str(), stdout);
  return 0;
}

}  // namespace srcompose::cli
