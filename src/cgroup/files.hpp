// SPDX-License-Identifier: GPL-2.0-or-later
// Small helpers for cgroupfs files, shared by both drivers. Internal to src/cgroup.
//
// Every write is one write(2) of the whole value on a freshly opened O_WRONLY|O_TRUNC file:
// cgroupfs parses each write as one command, and O_TRUNC lets the same code write into a fake tree
// of regular files in tests. Errors name the file and the value: "write <path> = <value>: <errno
// text>".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace srcompose::cgroup {

// Pure: the pieces of `text` between any of `separators`, empty pieces dropped.
std::vector<std::string_view> split(std::string_view text, std::string_view separators);

Status write_value(const std::filesystem::path& file, std::string_view value);
// Each value with a write(2) of its own, through one open: for a file that takes one entry per
// write (v1 devices.allow), without a kernfs open and release per entry.
Status write_each(const std::filesystem::path& file, const std::vector<std::string>& values);
Result<std::string> read_value(const std::filesystem::path& file);  // whole file
// The file's content, trailing whitespace removed.
Result<std::string> read_trimmed(const std::filesystem::path& file);
// A single unsigned number ("max" reads as nullopt).
Result<std::optional<uint64_t>> read_number(const std::filesystem::path& file);

// A counter file; "max" reads as 0.
Result<uint64_t> read_counter(const std::filesystem::path& file);
// The same for a file missing on older kernels (memory.peak < 5.19, pids.peak < 6.x): missing
// reads as 0; other failures are errors.
Result<uint64_t> read_optional_counter(const std::filesystem::path& file);
// The number, or 0 for "max" and for any failure (values only displayed).
uint64_t value_or_zero(const Result<std::optional<uint64_t>>& value);
// The value of `key` in a flat-keyed file (cgroup.events, memory.events); 0 when absent.
Result<uint64_t> read_key(const std::filesystem::path& file, std::string_view key);

// Pure: "key value" lines (memory.events, cpu.stat, memory.oom_control) -> map.
std::map<std::string, uint64_t, std::less<>> parse_flat_keyed(std::string_view text);
// Pure: sums of io.stat ("MAJ:MIN rbytes=1 wbytes=2 rios=3 wios=4 ...") over every device.
struct IoCounters {
  uint64_t read_bytes = 0, write_bytes = 0, read_ops = 0, write_ops = 0;
};
IoCounters parse_v2_io_stat(std::string_view text);
// Pure: the Read/Write totals of a v1 blkio "MAJ:MIN Read N" file, summed over devices.
struct ReadWrite {
  uint64_t read = 0, write = 0;
};
ReadWrite parse_v1_blkio_rwstat(std::string_view text);

// mkdir; an existing directory is fine. Error: "mkdir <path>".
Status make_directory(const std::filesystem::path& dir);
// The pids in <dir>/cgroup.procs and in every descendant cgroup's.
Result<std::vector<pid_t>> list_procs_recursive(const std::filesystem::path& dir);
// rmdir of `dir` and all its descendant directories, children first (listed only when `dir`'s
// own rmdir is refused as busy). A missing `dir` is fine.
// Cgroup directories hold only kernel files, which rmdir removes with the directory.
Status remove_tree(const std::filesystem::path& dir);
// Milliseconds left until `deadline` (rounded up; <= 0 once passed), for poll(2).
int milliseconds_until(std::chrono::steady_clock::time_point deadline);
// Sleeps `milliseconds` (the bounded waits for freezing, emptying, removal).
void sleep_milliseconds(int milliseconds);

}  // namespace srcompose::cgroup
