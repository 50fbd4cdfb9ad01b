// SPDX-License-Identifier: GPL-2.0-or-later
// libnftables' functions that srcompose calls, loaded at first use (see sys/shared_library.hpp):
// `auto nftables = sys::loaded_functions<net::LibNftables>();`.
#pragma once

#include <nftables/libnftables.h>

#include "sys/shared_library.hpp"

namespace srcompose::net {

#define SRCOMPOSE_LIBNFTABLES_FUNCTIONS(F) \
  F(nft_ctx_new)                           \
  F(nft_ctx_free)                          \
  F(nft_ctx_buffer_output)                 \
  F(nft_ctx_buffer_error)                  \
  F(nft_ctx_get_error_buffer)              \
  F(nft_run_cmd_from_buffer)

struct LibNftables {
  static constexpr const char* kSoname = "libnftables.so.1";
  SRCOMPOSE_LIBRARY_FUNCTIONS(SRCOMPOSE_LIBNFTABLES_FUNCTIONS)
};

}  // namespace srcompose::net
