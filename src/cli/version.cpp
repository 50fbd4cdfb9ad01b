// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/version.hpp"

#include <fmt/core.h>
#include <netlink/version.h>
#include <nettle/version.h>
#include <seccomp.h>
#include <spdlog/version.h>

#include <toml++/toml.h>
#include <boost/version.hpp>
#include <cstdio>

#include "net/libnftables.hpp"
#include "rootfs/libarchive.hpp"
#include "srcompose_revision.hpp"

namespace srcompose::cli {

namespace {

std::string dotted(unsigned major, unsigned minor, unsigned patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// `source`: "loaded" for the version a library loaded at run time reports, "linked in" for the one
// a static archive compiled into the binary reports, "built against" for the one its headers had at
// compile time.
std::string line(const std::string& name, const std::string& version, const std::string& source) {
  std::string text = "  " + name;
  text.resize(15, ' ');
  text += version;
  text.resize(24, ' ');
  return text + "(" + source + ")\n";
}

// The libraries loaded at first use (sys/shared_library.hpp) are loaded here, so that one that
// cannot be loaded shows, with the reason, rather than failing a later `up`.
std::string libarchive_line() {
  auto libarchive = sys::loaded_functions<rootfs::LibArchive>();
  if (!libarchive) return line("libarchive", "-", "not loaded: " + libarchive.error().to_string());
  auto number = static_cast<unsigned>((*libarchive)->archive_version_number());
  return line("libarchive", dotted(number / 1000000, number / 1000 % 1000, number % 1000),
              "loaded");
}

std::string libnettle_line() {
  return line("libnettle",
              std::to_string(nettle_version_major()) + "." + std::to_string(nettle_version_minor()),
              "linked in");
}

// libnftables has no run-time version call: the pkg-config version it was built against.
std::string libnftables_line() {
  auto nftables = sys::loaded_functions<net::LibNftables>();
  if (!nftables) {
    return line("libnftables", SRCOMPOSE_NFTABLES_VERSION,
                "built against; not loaded: " + nftables.error().to_string());
  }
  return line("libnftables", SRCOMPOSE_NFTABLES_VERSION, "built against");
}

}  // namespace

std::string version_text() {
  std::string text = "srcompose " SRCOMPOSE_VERSION " (git " SRCOMPOSE_GIT_REVISION ")\n";
  text += "libraries:\n";
  const scmp_version* seccomp = seccomp_version();
  text += line("libseccomp", dotted(seccomp->major, seccomp->minor, seccomp->micro), "linked in");
  text += libnftables_line();
  text += libarchive_line();
  text += libnettle_line();
  text += line("libnl",
               dotted(static_cast<unsigned>(nl_ver_maj), static_cast<unsigned>(nl_ver_min),
                      static_cast<unsigned>(nl_ver_mic)),
               "linked in");
  // toml++, spdlog, fmt and Boost (Asio, JSON) are used through their headers: compile-time
  // versions.
  text += line("toml++", dotted(TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH), "built against");
  text +=
      line("spdlog", dotted(SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH), "built against");
  text += line("fmt", dotted(FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100),
               "built against");
  text +=
      line("Boost", dotted(BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000, BOOST_VERSION % 100),
           "built against");
  return text;
}

int run_version(bool short_form) {
  std::fputs(short_form ? SRCOMPOSE_VERSION "\n" : version_text().c_str(), stdout);
  return 0;
}

}  // namespace srcompose::cli
