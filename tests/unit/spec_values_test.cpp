// SPDX-License-Identifier: GPL-2.0-or-later
// The value parsers of the lab file.
#include <doctest/doctest.h>

#include "common/log_format.hpp"
#include "spec/values.hpp"

using namespace srcompose;
using namespace srcompose::spec;

TEST_CASE("sizes use binary multiples and reject garbage and overflow") {
  CHECK(*parse_size("64M") == 64ull << 20);
  CHECK(*parse_size("1G") == 1ull << 30);
  CHECK(*parse_size("512k") == 512ull << 10);
  CHECK(*parse_size("2MiB") == 2ull << 20);
  CHECK(*parse_size("4096") == 4096);
  CHECK_FALSE(parse_size("").ok());
  CHECK_FALSE(parse_size("M").ok());
  CHECK_FALSE(parse_size("1.5G").ok());
  CHECK_FALSE(parse_size("-1").ok());
  CHECK_FALSE(parse_size("64Q").ok());
  CHECK_FALSE(parse_size("99999999999T").ok());
  CHECK(format_size(64ull << 20) == "64M");
  CHECK(format_size(1000) == "1000");
  CHECK(format_size(3ull << 40) == "3T");
}

TEST_CASE("durations") {
  CHECK(parse_duration("10s")->count() == 10'000);
  CHECK(parse_duration("500ms")->count() == 500);
  CHECK(parse_duration("1m")->count() == 60'000);
  CHECK(parse_duration("1h")->count() == 3'600'000);
  CHECK(parse_duration("1m30s")->count() == 90'000);
  CHECK_FALSE(parse_duration("10").ok());
  CHECK_FALSE(parse_duration("s").ok());
  CHECK_FALSE(parse_duration("10 s").ok());
  CHECK_FALSE(parse_duration("1d").ok());
  // Bounded: "now + duration" must never overflow the nanosecond clock (it would fire at once).
  CHECK(parse_duration("8760h")->count() == 8760LL * 3'600'000);
  CHECK_FALSE(parse_duration("8761h").ok());
  CHECK_FALSE(parse_duration("3000000h").ok());
  CHECK_FALSE(parse_duration("99999999999999999999ms").ok());
  CHECK(format_duration(Milliseconds{90'000}) == "90s");
  CHECK(format_duration(Milliseconds{1'500}) == "1500ms");
  CHECK(format_duration(Milliseconds{7'200'000}) == "2h");
  CHECK(format_duration(Milliseconds{0}) == "0s");
}

TEST_CASE("IPv4 addresses and subnets") {
  CHECK(parse_ipv4("10.123.0.10")->value == 0x0a7b000a);
  CHECK_FALSE(parse_ipv4("10.123.0").ok());
  CHECK_FALSE(parse_ipv4("10.123.0.256").ok());
  CHECK_FALSE(parse_ipv4("010.1.1.1").ok());
  CHECK_FALSE(parse_ipv4("1.2.3.4.5").ok());
  auto cidr = parse_cidr("10.123.0.0/24");
  REQUIRE(cidr.ok());
  CHECK(cidr->prefix_length == 24);
  CHECK(to_string(broadcast_address(*cidr)) == "10.123.0.255");
  CHECK(cidr_contains(*cidr, *parse_ipv4("10.123.0.77")));
  CHECK_FALSE(cidr_contains(*cidr, *parse_ipv4("10.124.0.1")));
  CHECK(parse_cidr("10.123.0.1/24").error().to_string() ==
        "expected the network address with host bits zero (\"10.123.0.0/24\")");
  CHECK_FALSE(parse_cidr("10.0.0.0/33").ok());
}

TEST_CASE("subnets in or over the reserved blocks are named; ordinary ones are not") {
  auto block = [](std::string_view text) {
    return reserved_block_overlapping(*parse_cidr(text)).value_or("");
  };
  CHECK(block("0.0.0.0/8") == "0.0.0.0/8 (this network)");
  CHECK(block("127.0.0.0/8") == "127.0.0.0/8 (loopback)");
  CHECK(block("127.5.0.0/16") == "127.0.0.0/8 (loopback)");
  CHECK(block("169.254.1.0/24") == "169.254.0.0/16 (link-local)");
  CHECK(block("169.0.0.0/8") == "169.254.0.0/16 (link-local)");  // holds the block
  CHECK(block("224.0.0.0/8") == "224.0.0.0/4 (multicast)");
  CHECK(block("239.255.255.0/24") == "224.0.0.0/4 (multicast)");
  CHECK(block("240.0.0.0/8") == "240.0.0.0/4 (reserved, with 255.255.255.255)");
  CHECK(block("255.255.255.252/30") == "240.0.0.0/4 (reserved, with 255.255.255.255)");
  // Neighbours of the blocks are fine.
  CHECK(block("1.0.0.0/8") == "");
  CHECK(block("126.255.255.0/24") == "");
  CHECK(block("128.0.0.0/8") == "");
  CHECK(block("169.253.0.0/16") == "");
  CHECK(block("169.255.0.0/16") == "");
  CHECK(block("223.255.255.0/24") == "");
  CHECK(block("10.0.0.0/8") == "");
  CHECK(block("192.168.1.0/24") == "");
}

TEST_CASE("signals by name, short name or number") {
  CHECK(*parse_signal("SIGTERM") == 15);
  CHECK(*parse_signal("TERM") == 15);
  CHECK(*parse_signal("kill") == 9);
  CHECK(*parse_signal("2") == 2);
  CHECK(*parse_signal("SIGRTMIN+2") == 36);
  CHECK_FALSE(parse_signal("SIGFOO").ok());
  CHECK_FALSE(parse_signal("0").ok());
  CHECK_FALSE(parse_signal("65").ok());
  CHECK(signal_name(15) == "SIGTERM");
  CHECK(signal_name(36) == "SIGRTMIN+2");
}

TEST_CASE("port mappings") {
  auto port = parse_port_mapping("127.0.0.1:8080:80/tcp");
  REQUIRE(port.ok());
  CHECK(to_string(port->host_ip) == "127.0.0.1");
  CHECK(port->host_port == 8080);
  CHECK(port->container_port == 80);
  CHECK(port->protocol == Protocol::tcp);
  auto udp = parse_port_mapping("53:5353/udp");
  REQUIRE(udp.ok());
  CHECK(udp->host_ip.value == 0);
  CHECK(udp->protocol == Protocol::udp);
  CHECK(to_string(*udp) == "0.0.0.0:53:5353/udp");
  CHECK_FALSE(parse_port_mapping("80").ok());
  CHECK_FALSE(parse_port_mapping("70000:80").ok());
  CHECK_FALSE(parse_port_mapping("80:80/sctp").ok());
  CHECK_FALSE(parse_port_mapping("a:80:80").ok());
}

TEST_CASE("id ranges") {
  CHECK(*parse_id_range("0:100000:65536") == IdRange{0, 100000, 65536});
  CHECK(parse_id_range("0:100000:0").error().to_string() == "expected a count of at least 1");
  CHECK_FALSE(parse_id_range("0:4294967295:2").ok());
  CHECK(parse_id_range("0:4294967295:1").ok());
  CHECK_FALSE(parse_id_range("0:100000").ok());
  CHECK_FALSE(parse_id_range("-1:100000:1").ok());
}

TEST_CASE("cpu lists and edit distance") {
  CHECK(*parse_cpu_list_max("0-3,5") == 5);
  CHECK(*parse_cpu_list_max("0") == 0);
  CHECK_FALSE(parse_cpu_list_max("3-1").ok());
  CHECK_FALSE(parse_cpu_list_max("0,").ok());
  CHECK(edit_distance("limts", "limits") == 1);
  CHECK(edit_distance("", "abc") == 3);
}

TEST_CASE("RFC 3339 times: Z, offsets, fractions; anything else is refused") {
  using std::chrono::system_clock;
  auto at = [](std::string_view text) {
    auto time = parse_rfc3339(text);
    REQUIRE(time);
    return logfmt::timestamp(*time);
  };
  CHECK(at("2026-11-28T19:00:00Z") == "2026-11-28T19:00:00.000000Z");
  CHECK(at("2026-11-28t19:00:00z") == "2026-11-28T19:00:00.000000Z");
  CHECK(at("2026-11-28 19:00:00Z") == "2026-11-28T19:00:00.000000Z");
  CHECK(at("2026-11-28T20:30:00+01:30") == "2026-11-28T19:00:00.000000Z");
  CHECK(at("2026-11-28T18:00:00.25-01:00") == "2026-11-28T19:00:00.250000Z");
  CHECK(at("2026-01-01T00:00:00.1234567891Z") == "2026-01-01T00:00:00.123456Z");
  CHECK(at("1970-01-01T00:00:00Z") == "1970-01-01T00:00:00.000000Z");
  CHECK(parse_rfc3339("2999-01-01T00:00:00Z").error().to_string().find("2200") !=
        std::string::npos);
  for (std::string_view bad :
       {"", "2026-11-28", "2026-11-28T19:00:00", "2026-11-28T19:00Z", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-28T24:00:00Z", "2026-11-28T19:00:00.Z",
        "2026-11-28T19:00:00+1:00", "2026-11-28T19:00:00Zjunk", "10m", "26-11-28T19:00:00Z"}) {
    CAPTURE(bad);
    auto time = parse_rfc3339(bad);
    REQUIRE_FALSE(time);
    CHECK(time.error().to_string().find("RFC 3339") != std::string::npos);
  }
}

TEST_CASE("is_name_text: ASCII letters and digits and the given punctuation, nothing else") {
  using srcompose::spec::is_name_text;
  CHECK(is_name_text("web-1_a.b", "_-."));
  CHECK(is_name_text("", "-"));
  CHECK_FALSE(is_name_text("web.1", "-"));
  CHECK_FALSE(is_name_text("a b", "_-"));
  CHECK_FALSE(is_name_text("caf\xc3\xa9", "_-"));
  CHECK_FALSE(is_name_text("a;b", "_-."));
  CHECK(is_name_text("lab-2", "-", /*lowercase=*/true));
  CHECK_FALSE(is_name_text("Lab-2", "-", /*lowercase=*/true));
}

TEST_CASE("parse_cpu_list_max: the highest of a lab file's cpu list, no whitespace around it") {
  CHECK(*parse_cpu_list_max("3,1-2") == 3);
  CHECK_FALSE(parse_cpu_list_max("0-3\n").ok());
  CHECK_FALSE(parse_cpu_list_max("").ok());
  CHECK_FALSE(parse_cpu_list_max("0-").ok());
}
