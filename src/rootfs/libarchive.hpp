// SPDX-License-Identifier: GPL-2.0-or-later
// libarchive's functions that srcompose calls, loaded at first use (see sys/shared_library.hpp):
// `auto libarchive = sys::loaded_functions<rootfs::LibArchive>();`.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "sys/shared_library.hpp"

namespace srcompose::rootfs {

#define SRCOMPOSE_LIBARCHIVE_FUNCTIONS(F) \
  F(archive_version_number)               \
  F(archive_error_string)                 \
  F(archive_read_new)                     \
  F(archive_read_free)                    \
  F(archive_read_support_format_tar)      \
  F(archive_read_support_filter_gzip)     \
  F(archive_read_support_filter_xz)       \
  F(archive_read_support_filter_bzip2)    \
  F(archive_read_support_filter_zstd)     \
  F(archive_read_open_fd)                 \
  F(archive_read_next_header)             \
  F(archive_read_data_block)              \
  F(archive_write_disk_new)               \
  F(archive_write_disk_set_options)       \
  F(archive_write_header)                 \
  F(archive_write_data_block)             \
  F(archive_write_finish_entry)           \
  F(archive_write_close)                  \
  F(archive_write_free)                   \
  F(archive_entry_pathname)               \
  F(archive_entry_filetype)               \
  F(archive_entry_hardlink)               \
  F(archive_entry_size)

struct LibArchive {
  static constexpr const char* kSoname = "libarchive.so.13";
  SRCOMPOSE_LIBRARY_FUNCTIONS(SRCOMPOSE_LIBARCHIVE_FUNCTIONS)
};

}  // namespace srcompose::rootfs
