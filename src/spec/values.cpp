// SPDX-License-Identifier: GPL-2.0-or-later
#include "spec/values.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <limits>
#include <vector>

namespace srcompose::spec {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Parses all of `text` as a decimal number without sign; nullopt on anything else or overflow.
template <class T>
std::optional<T> parse_decimal(std::string_view text) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Leading decimal digits of `text`, consumed from it.
std::string_view take_digits(std::string_view& text) {
  size_t n = 0;
  while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n])))
    ++n;
  std::string_view digits = text.substr(0, n);
  text.remove_prefix(n);
  return digits;
}

struct SignalName {
  std::string_view name;
  int number;
};

// Linux x86/arm numbering (asm-generic); SIGRTMIN is 34 as the kernel sees it.
constexpr std::array<SignalName, 31> kSignals{{
    {"HUP", 1},   {"INT", 2},     {"QUIT", 3},  {"ILL", 4},     {"TRAP", 5},  {"ABRT", 6},
    {"BUS", 7},   {"FPE", 8},     {"KILL", 9},  {"USR1", 10},   {"SEGV", 11}, {"USR2", 12},
    {"PIPE", 13}, {"ALRM", 14},   {"TERM", 15}, {"STKFLT", 16}, {"CHLD", 17}, {"CONT", 18},
    {"STOP", 19}, {"TSTP", 20},   {"TTIN", 21}, {"TTOU", 22},   {"URG", 23},  {"XCPU", 24},
    {"XFSZ", 25}, {"VTALRM", 26}, {"PROF", 27}, {"WINCH", 28},  {"IO", 29},   {"PWR", 30},
    {"SYS", 31},
}};
constexpr int kSigRtMin = 34;
constexpr int kSigRtMax = 64;

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
  const Error expected =
      Error::message("expected a size such as \"64M\", \"1G\", \"512k\" or bytes");
  std::string_view rest = text;
  std::string_view digits = take_digits(rest);
  auto number = parse_decimal<uint64_t>(digits);
  if (!number) return expected;
  std::string unit = lower(rest);
  if (unit.ends_with("ib")) {
    unit.resize(unit.size() - 2);
    if (unit.empty()) return expected;  // "5iB"
  } else if (unit.ends_with("b")) {
    unit.pop_back();
  }
  unsigned shift = 0;
  if (unit == "") {
    shift = 0;
  } else if (unit == "k") {
    shift = 10;
  } else if (unit == "m") {
    shift = 20;
  } else if (unit == "g") {
    shift = 30;
  } else if (unit == "t") {
    shift = 40;
  } else {
    return expected;
  }
  if (*number > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return Error::message("expected a size below 16 EiB (too large)");
  }
  return *number << shift;
}

std::string format_size(uint64_t bytes) {
  constexpr std::array<std::pair<unsigned, char>, 4> kUnits{
      {{40, 'T'}, {30, 'G'}, {20, 'M'}, {10, 'K'}}};
  if (bytes == 0) return "0";
  for (auto [shift, unit] : kUnits) {
    uint64_t multiple = uint64_t{1} << shift;
    if (bytes % multiple == 0) return std::to_string(bytes / multiple) + unit;
  }
  return std::to_string(bytes);
}

Result<Milliseconds> parse_duration(std::string_view text) {
  const Error expected =
      Error::message("expected a duration such as \"10s\", \"500ms\", \"1m\" or \"1h\"");
  if (text.empty()) return expected;
  uint64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto number = parse_decimal<uint64_t>(take_digits(rest));
    if (!number) return expected;
    uint64_t scale = 0;
    if (rest.starts_with("ms")) {
      scale = 1;
      rest.remove_prefix(2);
    } else if (rest.starts_with("s")) {
      scale = 1000;
      rest.remove_prefix(1);
    } else if (rest.starts_with("m")) {
      scale = 60'000;
      rest.remove_prefix(1);
    } else if (rest.starts_with("h")) {
      scale = 3'600'000;
      rest.remove_prefix(1);
    } else {
      return expected;
    }
    // One year: far beyond any sensible timeout, and a deadline "now + duration" then never
    // overflows the nanosecond clocks (2^63 ns is 292 years), which would make it fire at once.
    constexpr uint64_t kMax = 8760 * 3'600'000ULL;
    if (*number > kMax / scale || total + *number * scale > kMax) {
      return Error::message("expected a duration of at most 8760h (one year)");
    }
    total += *number * scale;
  }
  return Milliseconds{static_cast<Milliseconds::rep>(total)};
}

namespace {

// Exactly `width` digits taken from `rest`, then `separator` (none when 0; 'T' also as 't' or ' ').
std::optional<int> take_time_field(std::string_view& rest, size_t width, char separator) {
  std::string_view digits = take_digits(rest);
  if (digits.size() != width) return std::nullopt;
  if (separator != 0) {
    if (rest.empty()) return std::nullopt;
    char found = rest[0];
    if (found != separator && !(separator == 'T' && (found == 't' || found == ' ')))
      return std::nullopt;
    rest.remove_prefix(1);
  }
  return parse_decimal<int>(digits);
}

// ".123456789" (at most nanoseconds are kept) or nothing; nullopt for a '.' without digits.
std::optional<std::chrono::nanoseconds> take_fraction(std::string_view& rest) {
  std::chrono::nanoseconds fraction{0};
  if (rest.empty() || rest[0] != '.') return fraction;
  rest.remove_prefix(1);
  std::string_view digits = take_digits(rest);
  if (digits.empty()) return std::nullopt;
  int64_t scale = 100'000'000;
  for (char digit : digits.substr(0, 9)) {
    fraction += std::chrono::nanoseconds((digit - '0') * scale);
    scale /= 10;
  }
  return fraction;
}

// "Z" or "+hh:mm" / "-hh:mm", the whole rest.
std::optional<std::chrono::minutes> take_utc_offset(std::string_view& rest) {
  if (rest.size() == 1 && (rest[0] == 'Z' || rest[0] == 'z')) {
    rest.remove_prefix(1);
    return std::chrono::minutes(0);
  }
  if (rest.empty() || (rest[0] != '+' && rest[0] != '-')) return std::nullopt;
  int sign = rest[0] == '+' ? 1 : -1;
  rest.remove_prefix(1);
  auto hours = take_time_field(rest, 2, ':');
  auto minutes = take_time_field(rest, 2, 0);
  if (!hours || !minutes || *hours > 23 || *minutes > 59 || !rest.empty()) return std::nullopt;
  return std::chrono::minutes(sign * (*hours * 60 + *minutes));
}

}  // namespace

Result<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  const Error expected = Error::message(
      "expected an RFC 3339 time such as \"2026-11-28T19:00:00Z\" or "
      "\"2026-11-28T20:00:00+01:00\"");
  std::string_view rest = text;
  auto year = take_time_field(rest, 4, '-');
  auto month = take_time_field(rest, 2, '-');
  auto day = take_time_field(rest, 2, 'T');
  auto hour = take_time_field(rest, 2, ':');
  auto minute = take_time_field(rest, 2, ':');
  auto second = take_time_field(rest, 2, 0);
  if (!year || !month || !day || !hour || !minute || !second) return expected;
  // The system clock counts nanoseconds in 64 bits: it ends in 2262.
  if (*year > 2200) return Error::message("expected an RFC 3339 time before the year 2200");
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return expected;
  }
  auto fraction = take_fraction(rest);
  if (!fraction) return expected;
  auto offset = take_utc_offset(rest);
  if (!offset) return expected;
  std::tm utc{};
  utc.tm_year = *year - 1900;
  utc.tm_mon = *month - 1;
  utc.tm_mday = *day;
  utc.tm_hour = *hour;
  utc.tm_min = *minute;
  utc.tm_sec = *second;
  std::time_t seconds = ::timegm(&utc);
  // timegm normalises 2026-02-31 into March: a day past its month's end is no date.
  if (utc.tm_mday != *day) return expected;
  return std::chrono::system_clock::from_time_t(seconds) - *offset +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(*fraction);
}

std::string format_duration(Milliseconds duration) {
  auto ms = duration.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Result<Ipv4> parse_ipv4(std::string_view text) {
  const Error expected = Error::message("expected an IPv4 address such as \"10.0.0.2\"");
  uint32_t value = 0;
  std::string_view rest = text;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (!rest.starts_with('.')) return expected;
      rest.remove_prefix(1);
    }
    std::string_view digits = take_digits(rest);
    if (digits.size() > 1 && digits[0] == '0') return expected;
    auto octet = parse_decimal<uint32_t>(digits);
    if (!octet || *octet > 255) return expected;
    value = (value << 8) | *octet;
  }
  if (!rest.empty()) return expected;
  return Ipv4{value};
}

bool is_name_text(std::string_view text, std::string_view punctuation, bool lowercase) {
  return std::all_of(text.begin(), text.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (!lowercase && c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || punctuation.find(c) != std::string_view::npos;
  });
}

uint32_t netmask(uint8_t prefix_length) {
  return prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length);
}

Result<Cidr> parse_cidr(std::string_view text) {
  const Error expected = Error::message("expected a subnet such as \"10.1.0.0/24\"");
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return expected;
  auto address = parse_ipv4(text.substr(0, slash));
  std::string_view prefix_text = text.substr(slash + 1);
  auto prefix = prefix_text.size() <= 2 ? parse_decimal<unsigned>(prefix_text) : std::nullopt;
  if (!address || !prefix || *prefix > 32) return expected;
  Cidr cidr{*address, static_cast<uint8_t>(*prefix)};
  if ((address->value & ~netmask(cidr.prefix_length)) != 0) {
    Ipv4 network{address->value & netmask(cidr.prefix_length)};
    return Error::message("expected the network address with host bits zero (\"" +
                          to_string(Cidr{network, cidr.prefix_length}) + "\")");
  }
  return cidr;
}

std::optional<std::string> reserved_block_overlapping(const Cidr& cidr) {
  struct Block {
    Cidr cidr;
    std::string_view text;
  };
  // On a bridge, an address of these blocks is taken by the host for what the block means: a
  // 127.x gateway answers as the host's loopback, 169.254 is the link-local (and cloud metadata)
  // range, 224/4 and 240/4 are not unicast at all.
  static const Block kBlocks[] = {
      {{Ipv4{0x00000000}, 8}, "0.0.0.0/8 (this network)"},
      {{Ipv4{0x7f000000}, 8}, "127.0.0.0/8 (loopback)"},
      {{Ipv4{0xa9fe0000}, 16}, "169.254.0.0/16 (link-local)"},
      {{Ipv4{0xe0000000}, 4}, "224.0.0.0/4 (multicast)"},
      {{Ipv4{0xf0000000}, 4}, "240.0.0.0/4 (reserved, with 255.255.255.255)"},
  };
  for (const auto& block : kBlocks) {
    if (cidrs_overlap(cidr, block.cidr)) return std::string(block.text);
  }
  return std::nullopt;
}

Result<int> parse_signal(std::string_view text) {
  const Error expected =
      Error::message("expected a signal name such as \"SIGTERM\" or \"TERM\", or a number 1..64");
  if (auto number = parse_decimal<int>(text)) {
    if (*number < 1 || *number > kSigRtMax) return expected;
    return *number;
  }
  std::string name = lower(text);
  if (name.starts_with("sig")) name.erase(0, 3);
  for (const auto& signal : kSignals) {
    if (name == lower(signal.name)) return signal.number;
  }
  if (name.starts_with("rtmin")) {
    std::string_view offset_text = std::string_view(name).substr(5);
    if (offset_text.empty()) return kSigRtMin;
    if (offset_text.starts_with('+')) {
      auto offset = parse_decimal<int>(offset_text.substr(1));
      if (offset && *offset <= kSigRtMax - kSigRtMin) return kSigRtMin + *offset;
    }
  }
  return expected;
}

std::string signal_name(int signal_number) {
  for (const auto& signal : kSignals) {
    if (signal.number == signal_number) return "SIG" + std::string(signal.name);
  }
  if (signal_number == kSigRtMin) return "SIGRTMIN";
  if (signal_number > kSigRtMin && signal_number <= kSigRtMax) {
    return "SIGRTMIN+" + std::to_string(signal_number - kSigRtMin);
  }
  return std::to_string(signal_number);
}

std::vector<std::string> signal_names() {
  std::vector<std::string> names;
  names.reserve(kSignals.size());
  for (const auto& signal : kSignals)
    names.emplace_back(signal.name);
  return names;
}

Result<PortMapping> parse_port_mapping(std::string_view text) {
  const Error expected = Error::message(
      "expected \"[ip:]host_port:container_port[/tcp|udp]\" such as \"127.0.0.1:8080:80/tcp\"");
  PortMapping port;
  port.text = std::string(text);
  std::string_view rest = text;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string protocol = lower(rest.substr(slash + 1));
    if (protocol == "tcp") {
      port.protocol = Protocol::tcp;
    } else if (protocol == "udp") {
      port.protocol = Protocol::udp;
    } else {
      return expected;
    }
    rest = rest.substr(0, slash);
  }
  std::vector<std::string_view> parts;
  while (true) {
    size_t colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() == 3) {
    auto ip = parse_ipv4(parts[0]);
    if (!ip) return expected;
    port.host_ip = *ip;
    parts.erase(parts.begin());
  }
  if (parts.size() != 2) return expected;
  auto host_port = parse_decimal<unsigned>(parts[0]);
  auto container_port = parse_decimal<unsigned>(parts[1]);
  if (!host_port || !container_port) return expected;
  if (*host_port < 1 || *host_port > 65535 || *container_port < 1 || *container_port > 65535) {
    return Error::message("expected port numbers 1..65535");
  }
  port.host_port = static_cast<uint16_t>(*host_port);
  port.container_port = static_cast<uint16_t>(*container_port);
  return port;
}

std::string to_string(const PortMapping& port) {
  return to_string(port.host_ip) + ":" + std::to_string(port.host_port) + ":" +
         std::to_string(port.container_port) + "/" + std::string(to_string(port.protocol));
}

Result<IdRange> parse_id_range(std::string_view text) {
  const Error expected =
      Error::message("expected \"inside:outside:count\" such as \"0:100000:65536\"");
  std::array<uint64_t, 3> numbers{};
  std::string_view rest = text;
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (i > 0) {
      if (!rest.starts_with(':')) return expected;
      rest.remove_prefix(1);
    }
    auto number = parse_decimal<uint64_t>(take_digits(rest));
    if (!number) return expected;
    numbers[i] = *number;
  }
  if (!rest.empty()) return expected;
  constexpr uint64_t kIdLimit = uint64_t{1} << 32;
  if (numbers[2] == 0) return Error::message("expected a count of at least 1");
  if (numbers[0] + numbers[2] > kIdLimit || numbers[1] + numbers[2] > kIdLimit) {
    return Error::message("expected ids below 4294967296 (the range runs past the last id)");
  }
  return IdRange{static_cast<uint32_t>(numbers[0]), static_cast<uint32_t>(numbers[1]),
                 static_cast<uint32_t>(numbers[2])};
}

std::string to_string(const IdRange& range) {
  return std::to_string(range.inside) + ":" + std::to_string(range.outside) + ":" +
         std::to_string(range.count);
}

Result<std::vector<unsigned>> parse_cpu_list(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  std::vector<unsigned> ids;
  for (size_t start = 0; !text.empty() && start <= text.size();) {
    size_t end = std::min(text.find(',', start), text.size());
    std::string_view piece = text.substr(start, end - start);
    size_t dash = piece.find('-');
    auto first = parse_decimal<unsigned>(piece.substr(0, dash));
    auto last =
        dash == std::string_view::npos ? first : parse_decimal<unsigned>(piece.substr(dash + 1));
    // A range of more than 65536 ids is no CPU or memory node list.
    if (!first || !last || *last < *first || *last - *first > 65'535) {
      return Error::message("bad list element \"" + std::string(piece) + "\" in \"" +
                            std::string(text) + "\"");
    }
    for (unsigned id = *first; id <= *last; ++id)
      ids.push_back(id);
    start = end + 1;
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

Result<unsigned> parse_cpu_list_max(std::string_view text) {
  const Error expected = Error::message("expected a list such as \"0-3,5\"");
  // A lab file's value: no trailing whitespace, as the kernel's files have.
  if (text.find_first_of("\n ") != std::string_view::npos) return expected;
  auto ids = parse_cpu_list(text);
  if (!ids || ids->empty()) return expected;
  return ids->back();
}

uint64_t fnv1a(std::string_view text, uint64_t seed) {
  uint64_t hash = seed;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string hashed_interface_name(std::string_view prefix, uint64_t hash) {
  std::array<char, 13> digits{};
  // The mask is an unsigned long long, as %llx takes.
  std::snprintf(digits.data(), digits.size(), "%012llx", hash & 0xffffffffffffULL);
  return std::string(prefix) + digits.data();
}

std::string default_bridge_name(std::string_view project, std::string_view network) {
  return hashed_interface_name("sc-", fnv1a(network, fnv1a(std::string(project) + '\0')));
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace srcompose::spec
