// SPDX-License-Identifier: GPL-2.0-or-later
// The lab-file corpus: every bad file yields exactly its .expected diagnostics, every good file
// loads, and normalization round-trips.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "spec/emit.hpp"
#include "spec/load.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace srcompose;

namespace {

// Host facts pinned so that the expected texts do not depend on the machine's CPU count.
spec::LoadOptions fixed_options() {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  return options;
}

std::vector<fs::path> files_in(const fs::path& directory, std::string_view extension) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().extension() == extension) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Diagnostics rendered with the directory stripped, as the .expected files hold them.
std::string rendered(const spec::LoadResult& result, const fs::path& directory) {
  std::string text;
  const std::string prefix = directory.string() + "/";
  for (const auto& diagnostic : result.diagnostics) {
    std::string line = diagnostic.to_string();
    if (line.starts_with(prefix)) line.erase(0, prefix.size());
    text += line + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("every bad lab file is rejected with exactly its expected diagnostics") {
  const fs::path directory = test::test_data_dir() / "lab-files" / "bad";
  auto files = files_in(directory, ".toml");
  REQUIRE(files.size() >= 25);
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    auto result = spec::load_lab_file(file, fixed_options());
    CHECK_FALSE(result.lab.has_value());
    fs::path expected_file = file;
    expected_file.replace_extension(".expected");
    REQUIRE(fs::exists(expected_file));
    CHECK(rendered(result, directory) == test::read_file(expected_file));
  }
}

TEST_CASE("every good lab file loads, and its normalized form is a fixpoint") {
  const fs::path directory = test::test_data_dir() / "lab-files" / "good";
  auto files = files_in(directory, ".toml");
  REQUIRE(files.size() >= 5);
  for (const auto& file : files) {
    CAPTURE(file.filename().string());
    auto first = spec::load_lab_file(file, fixed_options());
    CHECK(rendered(first, directory) == "");
    REQUIRE(first.lab.has_value());
    // Loaded again from elsewhere: absolute paths in the normalized text keep it meaning the same.
    test::TempDir elsewhere("srcompose-spec");
    const fs::path copy = elsewhere.path() / "normalized.toml";
    const std::string normalized = spec::to_toml(*first.lab);
    test::write_file(copy, normalized);
    auto second = spec::load_lab_file(copy, fixed_options());
    const std::string problems = rendered(second, elsewhere.path()) + normalized;
    REQUIRE_MESSAGE(second.lab.has_value(), problems);
    CHECK(spec::to_toml(*second.lab) == normalized);
    // Picked addresses are written out, so they come back as static ones: the only difference.
    auto all_static = [](std::string json) {
      const std::string picked = "\"ipv4_static\" : false";
      for (size_t at; (at = json.find(picked)) != std::string::npos;) {
        json.replace(at, picked.size(), "\"ipv4_static\" : true");
      }
      return json;
    };
    CHECK(spec::to_json(*second.lab) == all_static(spec::to_json(*first.lab)));
    CHECK(second.lab->name == first.lab->name);
    CHECK(second.lab->containers.size() == first.lab->containers.size());
  }
}

TEST_CASE("the issue's example loads with its values normalized") {
  auto result = spec::load_lab_file(test::test_data_dir() / "lab-files/good/issue_example.toml",
                                    fixed_options());
  REQUIRE(result.lab.has_value());
  const spec::Lab& lab = *result.lab;
  CHECK(lab.name == "lab");
  REQUIRE(lab.networks.size() == 1);
  CHECK(spec::to_string(lab.networks[0].subnet) == "10.123.0.0/24");
  CHECK(spec::to_string(lab.networks[0].gateway) == "10.123.0.1");
  CHECK(lab.networks[0].bridge == "srlab0");
  const spec::Container* web = lab.find_container("web");
  REQUIRE(web != nullptr);
  CHECK(web->command == std::vector<std::string>{"/bin/httpd", "-f", "-p", "80"});
  CHECK(web->restart == spec::RestartPolicy::on_oom);
  CHECK(web->max_restarts == 5);
  CHECK(web->stop_signal == 15);
  CHECK(web->stop_timeout == std::chrono::seconds(10));
  REQUIRE(web->networks.size() == 1);
  CHECK(spec::to_string(web->networks[0].ipv4) == "10.123.0.10");
  CHECK(web->networks[0].ipv4_static);
  REQUIRE(web->ports.size() == 1);
  CHECK(spec::to_string(web->ports[0].host_ip) == "127.0.0.1");
  CHECK(web->ports[0].host_port == 8080);
  CHECK(web->ports[0].container_port == 80);
  CHECK(web->idmap.mode == spec::IdMapMode::explicit_ranges);
  CHECK(web->idmap.uid == std::vector<spec::IdRange>{{0, 100000, 65536}});
  CHECK(web->limits.memory == 64u << 20);
  CHECK(web->limits.cpus == doctest::Approx(0.5));
  REQUIRE(web->limits.io_read_bps.size() == 1);
  CHECK(web->limits.io_read_bps[0].device == "/dev/vda");
  CHECK(web->limits.io_read_bps[0].value == 1u << 20);
  REQUIRE(web->mounts.size() == 1);
  CHECK(web->mounts[0].source == test::test_data_dir() / "lab-files/good/data");
  CHECK(web->mounts[0].readonly);
  const spec::Container* db = lab.find_container("db");
  REQUIRE(db != nullptr);
  CHECK(db->command == std::vector<std::string>{"/bin/sh", "-c", "while true; do sleep 1; done"});
  CHECK(spec::to_string(db->networks[0].ipv4) == "10.123.0.2");
  CHECK_FALSE(db->networks[0].ipv4_static);
  CHECK(lab.start_order().front()->name == "db");
}

TEST_CASE("the JSON form keeps file order in arrays") {
  auto result = spec::load_lab_file(test::test_data_dir() / "lab-files/good/picked_addresses.toml",
                                    fixed_options());
  REQUIRE(result.lab.has_value());
  std::string json = spec::to_json(*result.lab);
  auto zulu = json.find("\"name\" : \"zulu\"");
  auto alpha = json.find("\"name\" : \"alpha\"");
  REQUIRE(zulu != std::string::npos);
  REQUIRE(alpha != std::string::npos);
  CHECK(zulu < alpha);
  CHECK(json.find("\"ipv4_static\" : false") != std::string::npos);
}
