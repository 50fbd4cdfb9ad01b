// SPDX-License-Identifier: GPL-2.0-or-later
// `extends` and templates, compose's names hinted, `env` as a list: the loader's side of issue 14.
#include <doctest/doctest.h>

#include "spec/load.hpp"
#include "test_support.hpp"

using namespace srcompose;

namespace {

spec::LoadResult load(std::string_view text) {
  spec::LoadOptions options;
  options.host_cpu_count = 2;
  return spec::load_lab_text(text, "/tmp/srcompose-extends/lab.toml", options);
}

std::string diagnostics(const spec::LoadResult& result) {
  std::string text;
  for (const auto& diagnostic : result.diagnostics)
    text += diagnostic.to_string() + "\n";
  return text;
}

}  // namespace

TEST_CASE("extends: chains of templates and containers, tables merged key by key") {
  auto result = spec::load_lab_file(test::test_data_dir() / "lab-files/good/extends.toml",
                                    spec::LoadOptions{});
  REQUIRE_MESSAGE(result.lab.has_value(), diagnostics(result));
  const spec::Lab& lab = *result.lab;
  // Templates are not containers.
  REQUIRE(lab.containers.size() == 2);
  const spec::Container* one = lab.find_container("one");
  const spec::Container* two = lab.find_container("two");
  REQUIRE(one != nullptr);
  REQUIRE(two != nullptr);
  CHECK(one->command == std::vector<std::string>{"/bin/sleep", "1000"});
  CHECK(one->restart == spec::RestartPolicy::on_failure);
  CHECK(one->env == std::map<std::string, std::string>{{"LEVEL", "service"}, {"KEEP", "yes"}});
  CHECK(one->limits.pids == 50u);          // its own value wins
  CHECK(one->limits.memory == 64u << 20);  // the rest of the table comes from the template
  CHECK(two->env == std::map<std::string, std::string>{{"LEVEL", "two"}, {"KEEP", "yes"}});
  CHECK(two->limits.pids == 50u);
  CHECK(two->command == one->command);
}

TEST_CASE("extends: an array or a value of the extending container wins as a whole") {
  auto result = load(R"(
[templates.t]
command = ["a", "b"]
cap_add = ["NET_ADMIN"]
env = ["X=1", "Y=2"]
[containers.c]
extends = "t"
cap_add = ["SYS_TIME"]
env = { Z = "3" }
)");
  REQUIRE_MESSAGE(result.lab.has_value(), diagnostics(result));
  const spec::Container& c = result.lab->containers.at(0);
  CHECK(c.cap_add == std::vector<std::string>{"SYS_TIME"});
  CHECK(c.command == std::vector<std::string>{"a", "b"});
  // A table does not merge with an array: the container's own env is all it gets.
  CHECK(c.env == std::map<std::string, std::string>{{"Z", "3"}});
}

TEST_CASE("extends: a cycle is one error at the extends that closes it, with file:line") {
  auto result = load("[containers.a]\nextends = \"b\"\n[containers.b]\nextends = \"a\"\n");
  CHECK_FALSE(result.lab.has_value());
  CHECK(diagnostics(result) ==
        "/tmp/srcompose-extends/lab.toml:4:11: containers.b.extends: found a cycle of extends: "
        "containers.a -> containers.b -> containers.a; expected a chain that ends\n");
}

TEST_CASE("extends: a mistake in a template is reported where the template says it") {
  auto result = load("[templates.t]\nrestart = \"sometimes\"\n[containers.c]\nextends = \"t\"\n");
  CHECK_FALSE(result.lab.has_value());
  CHECK(diagnostics(result).starts_with(
      "/tmp/srcompose-extends/lab.toml:2:11: containers.c.restart:"));
}

TEST_CASE("env as a list of NAME=value, as compose writes it") {
  auto result = load(R"(
[containers.c]
env = ["A=1", "B=x=y", "EMPTY="]
)");
  REQUIRE_MESSAGE(result.lab.has_value(), diagnostics(result));
  CHECK(result.lab->containers.at(0).env ==
        std::map<std::string, std::string>{{"A", "1"}, {"B", "x=y"}, {"EMPTY", ""}});
}

TEST_CASE("compose's names get srcompose's named; a typo still gets did-you-mean") {
  auto result = load(R"(
[containers.c]
environment = { A = "1" }
mem_limit = "1G"
comand = "x"
test = "y"
[containers.c.healthcheck]
command = "true"
test = "z"
)");
  std::string text = diagnostics(result);
  CHECK(text.find("containers.c.environment: unknown key: `environment` is docker compose's name; "
                  "srcompose's is `env`") != std::string::npos);
  CHECK(text.find("containers.c.mem_limit: unknown key: `mem_limit` is docker compose's name; "
                  "srcompose's is `limits.memory`") != std::string::npos);
  CHECK(text.find("containers.c.comand: unknown key (did you mean `command`?)") !=
        std::string::npos);
  // `test` beside a container's command is no compose name; in a healthcheck it is.
  CHECK(text.find("containers.c.test: unknown key; expected one of:") != std::string::npos);
  CHECK(text.find("containers.c.healthcheck.test: unknown key: `test` is docker compose's name; "
                  "srcompose's is `command`") != std::string::npos);
}
