// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/shared_library.hpp"

#include <dlfcn.h>

namespace srcompose::sys {
namespace {

Error load_error(const std::string& soname, const char* reason) {
  return Error::message("load " + soname + ": " + (reason != nullptr ? reason : "unknown error"));
}

}  // namespace

Result<SharedLibrary> SharedLibrary::open(const std::string& soname) {
  // dlopen searches a name with a slash as a path: relative to the working directory, or anywhere.
  if (soname.empty() || soname.find('/') != std::string::npos) {
    return load_error(soname, "not a bare soname");
  }
  SharedLibrary library;
  library.soname_ = soname;
  library.handle_.reset(::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL));
  if (!library.handle_) return load_error(soname, ::dlerror());
  return library;
}

Result<void*> SharedLibrary::symbol(const char* name) const {
  (void)::dlerror();  // a stale message must not be taken for this lookup's
  void* address = ::dlsym(handle_.get(), name);
  if (address == nullptr) {
    const char* reason = ::dlerror();
    return load_error(soname_,
                      reason != nullptr ? reason : (std::string(name) + " is null").c_str());
  }
  return address;
}

void SharedLibrary::Closer::operator()(void* handle) const {
  ::dlclose(handle);
}

}  // namespace srcompose::sys
