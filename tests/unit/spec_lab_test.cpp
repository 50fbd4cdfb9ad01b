// SPDX-License-Identifier: GPL-2.0-or-later
// Loader behaviour beyond the corpus: start order, picked addresses, defaults, project names.
#include <doctest/doctest.h>

#include "spec/load.hpp"
#include "test_support.hpp"

using namespace srcompose;

namespace {

spec::Lab load_good(std::string_view text,
                    const std::filesystem::path& file = "/tmp/srcompose-spec-lab/lab.toml",
                    std::string project = "") {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  options.project_name = std::move(project);
  auto result = spec::load_lab_text(text, file, options);
  std::string diagnostics;
  for (const auto& diagnostic : result.diagnostics)
    diagnostics += diagnostic.to_string() + "\n";
  REQUIRE_MESSAGE(result.lab.has_value(), diagnostics);
  return *result.lab;
}

std::vector<std::string> names(const std::vector<const spec::Container*>& containers) {
  std::vector<std::string> out;
  for (const auto* container : containers)
    out.push_back(container->name);
  return out;
}

}  // namespace

TEST_CASE("start order puts dependencies first and keeps file order for ties") {
  auto result = spec::load_lab_file(test::test_data_dir() / "lab-files/good/start_order.toml");
  REQUIRE(result.lab.has_value());
  CHECK(names(result.lab->start_order()) ==
        std::vector<std::string>{"db", "worker", "api", "cache", "web"});
  auto plain = load_good("[containers.c]\n[containers.a]\n[containers.b]\n");
  CHECK(names(plain.start_order()) == std::vector<std::string>{"c", "a", "b"});
}

TEST_CASE("addresses are picked in file order, static ones reserved first") {
  auto result = spec::load_lab_file(test::test_data_dir() / "lab-files/good/picked_addresses.toml");
  REQUIRE(result.lab.has_value());
  const spec::Lab& lab = *result.lab;
  auto address = [&](std::string_view container, size_t index) {
    return spec::to_string(lab.find_container(container)->networks.at(index).ipv4);
  };
  // n1 = 10.50.0.0/29: gateway .1, mike holds .3 statically.
  CHECK(address("zulu", 0) == "10.60.0.2");  // eth0 is n2, as written
  CHECK(address("zulu", 1) == "10.50.0.2");
  CHECK(address("alpha", 0) == "10.50.0.4");
  CHECK(address("mike", 0) == "10.50.0.3");
  CHECK(address("bravo", 0) == "10.50.0.5");
  CHECK(address("bravo", 1) == "10.60.0.3");
  CHECK(lab.find_container("zulu")->networks[0].network == "n2");
}

TEST_CASE("defaults are filled in") {
  auto lab = load_good("[networks.net]\nsubnet = \"10.7.0.0/24\"\n[containers.box]\n");
  CHECK(lab.name == "srcompose-spec-lab");  // the directory's name
  CHECK(lab.storage_dir == "/var/lib/srcompose");
  const auto& box = lab.containers.at(0);
  CHECK(box.hostname == "box");
  CHECK(box.rootfs.kind == spec::RootfsKind::builtin_busybox);
  CHECK(box.command.empty());
  CHECK(box.user == "0:0");
  CHECK(box.stop_signal == 15);
  CHECK(box.idmap.mode == spec::IdMapMode::automatic);
  CHECK(box.seccomp == spec::SeccompMode::default_profile);
  const auto& net = lab.networks.at(0);
  CHECK(spec::to_string(net.gateway) == "10.7.0.1");
  CHECK(net.bridge.starts_with("sc-"));
  CHECK(net.bridge.size() <= 15);
  // Derived from project and network: stable, and different for another project.
  auto again = load_good("[networks.net]\nsubnet = \"10.7.0.0/24\"\n[containers.box]\n");
  CHECK(again.networks.at(0).bridge == net.bridge);
  auto other =
      load_good("name = \"other\"\n[networks.net]\nsubnet = \"10.7.0.0/24\"\n[containers.box]\n");
  CHECK(other.networks.at(0).bridge != net.bridge);
}

TEST_CASE("project name: from the directory, sanitized; -p overrides and is checked") {
  CHECK(load_good("[containers.a]\n", "/tmp/My Lab_2!/lab.toml").name == "mylab_2");
  CHECK(load_good("[containers.a]\n", "/tmp/_-/lab.toml").name == "default");
  CHECK(load_good("name = \"x\"\n[containers.a]\n", "/tmp/d/lab.toml", "override").name ==
        "override");
  spec::LoadOptions options;
  options.project_name = "Bad Name";
  auto result = spec::load_lab_text("[containers.a]\n", "lab.toml", options);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].to_string() ==
        "lab.toml: name: found project name \"Bad Name\" (from -p); expected lowercase letters, "
        "digits, '_' and '-', starting with a letter or digit, at most 63 characters (it is part "
        "of host names)");
}

TEST_CASE("a tarball rootfs is accepted by its extension, a directory as a directory") {
  test::TempDir dir("srcompose-spec");
  test::write_file(dir.path() / "image.tar.gz", "not really gzip: only the name is checked here");
  std::filesystem::create_directory(dir.path() / "tree");
  auto lab =
      load_good("[containers.a]\nrootfs = \"image.tar.gz\"\n[containers.b]\nrootfs = \"./tree/\"\n",
                dir.path() / "lab.toml");
  CHECK(lab.containers[0].rootfs.kind == spec::RootfsKind::tarball);
  CHECK(lab.containers[0].rootfs.path == dir.path() / "image.tar.gz");
  CHECK(lab.containers[1].rootfs.kind == spec::RootfsKind::directory);
}

TEST_CASE("an env file that cannot be read is a diagnostic naming it, a directory too") {
  test::TempDir dir("srcompose-spec");
  test::write_file(dir.path() / "lab.toml", "[containers.a]\n");
  std::filesystem::create_directory(dir.path() / "env.d");
  spec::LoadOptions options;
  options.env_files = {dir.path() / "env.d", dir.path() / "missing.env"};
  auto result = spec::load_lab_file(dir.path() / "lab.toml", options);
  REQUIRE(result.diagnostics.size() == 2);
  CHECK(result.diagnostics[0].message == "cannot read the env file: Is a directory");
  CHECK(result.diagnostics[0].location.file == (dir.path() / "env.d").string());
  CHECK(result.diagnostics[1].message == "cannot read the env file: No such file or directory");
}

TEST_CASE("a missing lab file is one diagnostic naming the file") {
  auto result = spec::load_lab_file("/nonexistent/srcompose/lab.toml");
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].to_string() ==
        "/nonexistent/srcompose/lab.toml: cannot read the lab file: No such file or directory");
  test::TempDir dir("srcompose-spec");
  auto directory = spec::load_lab_file(dir.path());
  REQUIRE(directory.diagnostics.size() == 1);
  CHECK(directory.diagnostics[0].message == "cannot read the lab file: Is a directory");
  test::write_file(dir.path() / "empty.toml", "");
  auto empty = spec::load_lab_file(dir.path() / "empty.toml");
  REQUIRE(empty.diagnostics.size() == 1);
  CHECK(empty.diagnostics[0].key_path == "containers");
}

TEST_CASE("a duration beyond one year is an error at its file:line:col") {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  auto result = spec::load_lab_text("name = \"d\"\n[containers.web]\nstop_timeout = \"3000000h\"\n",
                                    "/tmp/srcompose-spec-lab/lab.toml", options);
  REQUIRE_FALSE(result.lab.has_value());
  REQUIRE(result.diagnostics.size() == 1);
  const std::string text = result.diagnostics[0].to_string();
  CHECK(text.starts_with("/tmp/srcompose-spec-lab/lab.toml:3:"));
  CHECK(text.find("containers.web.stop_timeout") != std::string::npos);
  CHECK(text.find("at most 8760h") != std::string::npos);
}
