// SPDX-License-Identifier: GPL-2.0-or-later
// Libraries loaded at first use with dlopen(3) instead of at every exec.
//
// Why: every `up` and `run` execs the srcompose binary twice (the CLI and the container launcher),
// and the launcher is cloned once per container, the kernel copying all its mappings each time.
// libarchive and libnftables with their dependency trees (libxml2, ICU, lzma, zstd, lz4, bz2, zlib,
// acl, nettle, libnftnl, libxtables, jansson, gmp, libmnl) were 17 of the 29 objects each exec
// mapped and relocated: a trivial program linked with all of them took 3.56 ms per exec, 1.86 ms
// without them. Only image import (libarchive) and the network setup (libnftables) need them, in
// the supervisor, so they are loaded there on first use and never by the CLI's other commands or
// the launcher. (nettle, for SHA-256, was loaded so too, until every `up` and `run` hashed its lab
// file: it is linked statically now, CMakeLists.txt.)
#pragma once

#include <bit>
#include <memory>
#include <string>

#include "common/error.hpp"

namespace srcompose::sys {

// Owner of one dlopen(3) handle: dlclose unless keep_loaded() was called.
class SharedLibrary {
 public:
  // Loads `soname` (RTLD_NOW | RTLD_LOCAL: every symbol resolved now, none visible to other
  // objects). Only a bare soname is accepted, found through the same search as the DT_NEEDED
  // entries it replaces (the system's library directories, ld.so.cache), never a path from the
  // environment, a lab file or an image. Error: "load SONAME: <dlerror>".
  static Result<SharedLibrary> open(const std::string& soname);

  // Sets `function` to the library's function `name`. Error: "load SONAME: <dlerror>" (which
  // names the symbol).
  template <class Function>
  Status bind(Function*& function, const char* name) const {
    auto address = symbol(name);
    if (!address) return std::move(address).error();
    function = std::bit_cast<Function*>(*address);
    return {};
  }

  // The library stays loaded until the process ends: the function pointers bound from it are
  // handed out (an NftSession's deleter holds one) and may be called from a pool thread or a
  // static destructor after whoever loaded it is gone.
  void keep_loaded() { (void)handle_.release(); }

 private:
  Result<void*> symbol(const char* name) const;

  struct Closer {
    void operator()(void* handle) const;
  };
  std::unique_ptr<void, Closer> handle_;
  std::string soname_;
};

// A library's functions are listed once, as a macro LIST(F) calling F(name) per function, and
// SRCOMPOSE_LIBRARY_FUNCTIONS(LIST) in a struct with a `kSoname` makes from it both the members and
// the `bind` that load_functions calls, so that no name is written twice. decltype(&::name) types
// each member from the library's own header, so that a changed signature fails to compile, without
// referring to the symbol (nothing links the library).
#define SRCOMPOSE_LIBRARY_FUNCTIONS(LIST)                                                      \
  LIST(SRCOMPOSE_LIBRARY_MEMBER)                                                               \
  void bind(const ::srcompose::sys::SharedLibrary& library, ::srcompose::FirstError& errors) { \
    LIST(SRCOMPOSE_LIBRARY_BIND)                                                               \
  }
// NOLINTNEXTLINE(bugprone-macro-parentheses): a declarator cannot be parenthesized
#define SRCOMPOSE_LIBRARY_MEMBER(name) decltype(&::name) name = nullptr;
#define SRCOMPOSE_LIBRARY_BIND(name) errors.keep(library.bind(name, #name));

// Loads Functions::kSoname and binds a Functions (see above).
template <class Functions>
Result<Functions> load_functions() {
  auto library = SharedLibrary::open(Functions::kSoname);
  if (!library) return std::move(library).error();
  Functions functions;
  FirstError errors;
  functions.bind(*library, errors);
  if (auto status = std::move(errors).status(); !status) return std::move(status).error();
  library->keep_loaded();
  return functions;
}

// The process's one Functions, loaded at the first call; a failure is remembered and returned to
// every caller. Thread-safe: the supervisor's pool threads may ask at the same time (a
// function-local static is initialized once). Not in a forked child of a threaded process: another
// thread may have held the dynamic loader's lock at the fork; load in the parent first.
template <class Functions>
Result<const Functions*> loaded_functions() {
  static const Result<Functions> loaded = load_functions<Functions>();
  if (!loaded) return loaded.error();
  return &*loaded;
}

}  // namespace srcompose::sys
