// SPDX-License-Identifier: GPL-2.0-or-later
// The loader of libraries at first use (sys/shared_library.hpp), and the three libraries srcompose
// loads with it.
#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

#include "net/libnftables.hpp"
#include "rootfs/libarchive.hpp"
#include "sys/shared_library.hpp"

namespace sys = srcompose::sys;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A library srcompose might want, that no system has.
#define SRCOMPOSE_MISSING_FUNCTIONS(F) F(getpid)
struct MissingLibrary {
  static constexpr const char* kSoname = "libsrcompose-test-missing.so.7";
  SRCOMPOSE_LIBRARY_FUNCTIONS(SRCOMPOSE_MISSING_FUNCTIONS)
};

// libc, with a function that it does not have among the ones it has.
#define SRCOMPOSE_PARTIAL_FUNCTIONS(F) F(getpid) F(srcompose_test_no_such_function) F(getppid)
extern "C" int srcompose_test_no_such_function(int);
struct PartialLibrary {
  static constexpr const char* kSoname = "libc.so.6";
  SRCOMPOSE_LIBRARY_FUNCTIONS(SRCOMPOSE_PARTIAL_FUNCTIONS)
};

}  // namespace

TEST_CASE("a library that is not installed gives an error naming its soname") {
  auto library = sys::SharedLibrary::open("libsrcompose-test-missing.so.7");
  REQUIRE_FALSE(library);
  const std::string text = library.error().to_string();
  CHECK(text.rfind("load libsrcompose-test-missing.so.7: ", 0) == 0);
  CHECK(contains(text, "No such file"));

  auto functions = sys::loaded_functions<MissingLibrary>();
  REQUIRE_FALSE(functions);
  CHECK(contains(functions.error().to_string(), "load libsrcompose-test-missing.so.7: "));
  // The failure is remembered, not retried, and given to every caller.
  auto again = sys::loaded_functions<MissingLibrary>();
  REQUIRE_FALSE(again);
  CHECK(again.error().to_string() == functions.error().to_string());
}

TEST_CASE("only a bare soname is loaded, never a path") {
  for (const char* name : {"/lib/x86_64-linux-gnu/libc.so.6", "./libc.so.6", ""}) {
    auto library = sys::SharedLibrary::open(name);
    REQUIRE_FALSE(library);
    CHECK(contains(library.error().to_string(), "not a bare soname"));
  }
}

TEST_CASE("an installed library's functions resolve and are the library's") {
  auto library = sys::SharedLibrary::open("libc.so.6");
  REQUIRE(library);
  decltype(&::getpid) get_pid = nullptr;
  REQUIRE(library->bind(get_pid, "getpid"));
  CHECK(get_pid() == ::getpid());

  decltype(&::getpid) missing = nullptr;
  auto status = library->bind(missing, "srcompose_test_no_such_function");
  REQUIRE_FALSE(status);
  CHECK(contains(status.error().to_string(), "load libc.so.6: "));
  CHECK(contains(status.error().to_string(), "srcompose_test_no_such_function"));
  CHECK(!missing);
}

TEST_CASE("a missing function among present ones fails the whole library, naming the function") {
  auto functions = sys::load_functions<PartialLibrary>();
  REQUIRE_FALSE(functions);
  CHECK(contains(functions.error().to_string(), "srcompose_test_no_such_function"));
}

TEST_CASE("libarchive and libnftables load, once per process") {
  auto libarchive = sys::loaded_functions<srcompose::rootfs::LibArchive>();
  REQUIRE_MESSAGE(libarchive, libarchive.error().to_string());
  // The major version srcompose was compiled against (the soname's).
  CHECK((*libarchive)->archive_version_number() / 1000000 == ARCHIVE_VERSION_NUMBER / 1000000);
  auto again = sys::loaded_functions<srcompose::rootfs::LibArchive>();
  REQUIRE(again);
  CHECK(*again == *libarchive);

  auto nftables = sys::loaded_functions<srcompose::net::LibNftables>();
  REQUIRE_MESSAGE(nftables, nftables.error().to_string());
  CHECK(static_cast<bool>((*nftables)->nft_ctx_new));
}
