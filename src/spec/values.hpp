// SPDX-License-Identifier: GPL-2.0-or-later
// Parsers and printers for the value forms of the lab file (sizes, durations, addresses, signals,
// ports, id ranges). Pure. Each parser returns the value or an Error whose message says what is
// expected, ready to follow "found X: " in a diagnostic.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "spec/lab.hpp"

namespace srcompose::spec {

// "64M", "1G", "512k", "1024", "2MiB": binary multiples (K = 1024). Overflow is an error.
Result<uint64_t> parse_size(std::string_view text);
// Bytes as the shortest exact form: 67108864 -> "64M", 1000 -> "1000".
std::string format_size(uint64_t bytes);

// "10s", "500ms", "1m", "1h", "1m30s": a sequence of integer + unit (ms, s, m, h).
Result<Milliseconds> parse_duration(std::string_view text);
// The shortest exact form: 10000 ms -> "10s", 90000 -> "90s", 1500 -> "1500ms".
std::string format_duration(Milliseconds duration);

// RFC 3339: "2026-11-28T19:00:00Z", "2026-11-28T20:00:00.5+01:00" (a fraction of any length, Z or a
// numeric offset; 't', 'z' and a space for 'T' as RFC 3339 allows).
Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

// True when every character of `text` is an ASCII letter (a lowercase one with `lowercase`), an
// ASCII digit or one of `punctuation`; true for an empty text. The one character class of the
// names srcompose accepts (projects, containers, networks, bridges, keys, users, nft names).
bool is_name_text(std::string_view text, std::string_view punctuation, bool lowercase = false);

// Dotted quad, each part 0..255, no leading zeros (which some parsers read as octal).
Result<Ipv4> parse_ipv4(std::string_view text);
// "10.1.0.0/24": the host bits must be zero.
Result<Cidr> parse_cidr(std::string_view text);
uint32_t netmask(uint8_t prefix_length);
inline bool cidr_contains(const Cidr& cidr, Ipv4 address) {
  return (address.value & netmask(cidr.prefix_length)) == cidr.network.value;
}
inline Ipv4 broadcast_address(const Cidr& cidr) {
  return Ipv4{cidr.network.value | ~netmask(cidr.prefix_length)};
}
inline bool cidrs_overlap(const Cidr& a, const Cidr& b) {
  return cidr_contains(a, b.network) || cidr_contains(b, a.network);
}
// The first special-purpose block of RFC 6890 a bridge subnet must not touch, as "127.0.0.0/8
// (loopback)", or nullopt: this network (0/8), loopback (127/8), link-local (169.254/16),
// multicast (224/4), reserved and limited broadcast (240/4, which holds 255.255.255.255).
std::optional<std::string> reserved_block_overlapping(const Cidr& cidr);

// "SIGTERM", "TERM", "sigterm" or "15" -> 15. Real-time signals as "SIGRTMIN+3".
Result<int> parse_signal(std::string_view text);
// 15 -> "SIGTERM"; numbers with no name print as the number.
std::string signal_name(int signal_number);
// The names parse_signal knows without "SIG" and an offset ("HUP", "INT", ..., "SYS"), by number.
std::vector<std::string> signal_names();

// "[ip:]host:container[/tcp|udp]".
Result<PortMapping> parse_port_mapping(std::string_view text);
std::string to_string(const PortMapping& port);  // always the full form "0.0.0.0:80:80/tcp"

// "inside:outside:count": count > 0 and neither side past 2^32 - 1.
Result<IdRange> parse_id_range(std::string_view text);
std::string to_string(const IdRange& range);

// "0-2,5" -> {0, 1, 2, 5}, sorted, without duplicates: the format of cpuset.cpus and of
// /sys/devices/system/cpu/online (a trailing newline is fine). Errors name the bad piece.
Result<std::vector<unsigned>> parse_cpu_list(std::string_view text);
// Linux cpu list "0-3,5": the highest number in it, or an Error for a malformed list.
Result<unsigned> parse_cpu_list_max(std::string_view text);

// FNV-1a, 64 bits: a stable hash for host names derived from the project (bridges, veths, MAC
// addresses, id ranges), the same across builds and hosts (std::hash is not), so that a later run
// and `down` after a crash recompute them. Chain calls through `seed` to hash several strings.
uint64_t fnv1a(std::string_view text, uint64_t seed = 0xcbf29ce484222325ULL);
// `prefix` (three characters) and the low 48 bits of `hash` as 12 hex digits: 15 characters, the
// IFNAMSIZ - 1 limit of an interface name.
std::string hashed_interface_name(std::string_view prefix, uint64_t hash);
// "sc-" + 12 hex digits of FNV-1a of (project, NUL, network): the bridge of a network whose
// `bridge` is not given.
std::string default_bridge_name(std::string_view project, std::string_view network);

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace srcompose::spec
