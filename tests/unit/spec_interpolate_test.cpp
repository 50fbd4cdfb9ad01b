// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>

#include "spec/emit.hpp"
#include "spec/interpolate.hpp"
#include "spec/load.hpp"

using namespace srcompose::spec;

namespace {

std::string expand(std::string_view text, const Variables& variables = {}) {
  auto result = interpolate(text, variables);
  REQUIRE_FALSE(result.error.has_value());
  return result.text;
}

std::string error_of(std::string_view text, const Variables& variables = {}) {
  auto result = interpolate(text, variables);
  REQUIRE(result.error.has_value());
  return *result.error;
}

}  // namespace

TEST_CASE("interpolation: every compose form") {
  Variables v{{"SET", "x"}, {"EMPTY", ""}, {"B", "inner"}};
  CHECK(expand("plain") == "plain");
  CHECK(expand("${SET}/$SET-$$SET", v) == "x/$SET-$SET");
  CHECK(expand("echo $(date) $1 $? $HOME $((1+2)) $", v) == "echo $(date) $1 $? $HOME $((1+2)) $");
  CHECK(expand("${NOPE}") == "");
  CHECK(expand("${NOPE:-d} ${EMPTY:-d} ${SET:-d}", v) == "d d x");
  CHECK(expand("${NOPE-d} [${EMPTY-d}] ${SET-d}", v) == "d [] x");
  CHECK(expand("${NOPE:+r}|${EMPTY:+r}|${EMPTY+r}|${SET:+r}", v) == "||r|r");
  CHECK(expand("${SET:?m} ${EMPTY?m}", v) == "x ");
  CHECK(expand("${NOPE:-${B:-z}}/${NOPE:-${NOPE2:-z}}", v) == "inner/z");
  CHECK(expand("a$$b$$$$", v) == "a$b$$");
}

TEST_CASE("interpolation: errors and what was used") {
  Variables v{{"EMPTY", ""}};
  CHECK(error_of("${NOPE:?give NOPE}") == "required variable NOPE is not set: give NOPE");
  CHECK(error_of("${EMPTY:?}", v) == "required variable EMPTY is empty");
  CHECK(error_of("${NOPE?}") == "required variable NOPE is not set");
  CHECK(error_of("${A").find("never closed") != std::string::npos);
  CHECK(error_of("${}").find("variable name") != std::string::npos);
  CHECK(error_of("${A:x}").find("unknown operator") != std::string::npos);
  auto result = interpolate("$A ${B:-x} ${C}", {{"A", "1"}});
  CHECK(result.text == "$A x ");
  CHECK(result.used == std::set<std::string>{"B", "C"});
  CHECK(result.unset == std::set<std::string>{"C"});  // B has a default: no warning
}

TEST_CASE("env files: compose's .env format, and written back") {
  auto parsed = parse_env_file(
      "# comment\n\nA=1\nexport B = two words \nC='lit $X \\n'\nD=\"q \\\"x\\\" \\n\" # c\n"
      "E=v #tail\nA=again\n1BAD=x\nnoequals\nF=\"open\n");
  CHECK(parsed.variables.at("A") == "again");
  CHECK(parsed.variables.at("B") == "two words");
  CHECK(parsed.variables.at("C") == "lit $X \\n");
  CHECK(parsed.variables.at("D") == "q \"x\" \n");
  CHECK(parsed.variables.at("E") == "v");
  REQUIRE(parsed.errors.size() == 3);
  CHECK(parsed.errors[0].line == 9);
  CHECK(parsed.errors[1].line == 10);
  CHECK(parsed.errors[2].line == 11);
  Variables round{{"X", "a\"b\\c\nd"}, {"Y", ""}};
  CHECK(parse_env_file(format_env_file(round)).variables == round);
}

TEST_CASE("lab files: variables in string values, errors with their position, warnings") {
  LoadOptions options;
  options.host_cpu_count = 4;
  options.read_dot_env = false;
  options.environment = {{"SUBNET", "10.77.0.0/24"}, {"GREETING", "hi"}};
  auto result = load_lab_text(R"(name = "v"
[networks.n]
subnet = "${SUBNET}"
[containers.a]
rootfs = "builtin:busybox"
command = ["/bin/echo", "${GREETING} $${HOME}"]
env = { G = "${GREETING}", U = "${UNSET_ONE}" }
networks = ["n"]
)",
                              "/nonexistent/v/lab.toml", options);
  REQUIRE(result.diagnostics.empty());
  const auto& lab = *result.lab;
  CHECK(to_string(lab.networks.at(0).subnet) == "10.77.0.0/24");
  CHECK(lab.containers.at(0).command.at(1) == "hi ${HOME}");
  CHECK(lab.containers.at(0).env.at("G") == "hi");
  CHECK(lab.variables == std::map<std::string, std::string, std::less<>>{
                             {"GREETING", "hi"}, {"SUBNET", "10.77.0.0/24"}});
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].to_string() ==
        "/nonexistent/v/lab.toml:7:32: containers.a.env.U: variable UNSET_ONE is not set; using "
        "an empty string");

  auto bad = load_lab_text("[containers.a]\nrootfs = \"${ROOT:?set ROOT}\"\n",
                           "/nonexistent/v/lab.toml", options);
  REQUIRE(bad.diagnostics.size() == 1);
  CHECK(bad.diagnostics[0].to_string() ==
        "/nonexistent/v/lab.toml:2:10: containers.a.rootfs: required variable ROOT is not set: "
        "set ROOT");
}

TEST_CASE("config output keeps a literal $ literal: written as $$, it loads to the same lab") {
  LoadOptions options;
  options.host_cpu_count = 4;
  options.read_dot_env = false;
  auto first = load_lab_text(
      "name = \"d\"\n[containers.a]\nrootfs = \"builtin:busybox\"\ncommand = \"echo $$HOME\"\n",
      "/nonexistent/d/lab.toml", options);
  REQUIRE(first.lab);
  CHECK(first.lab->containers.at(0).command.back() == "echo $HOME");
  auto text = to_toml(*first.lab);
  CHECK(text.find("echo $$HOME") != std::string::npos);
  auto second = load_lab_text(text, "/nonexistent/d/lab.toml", options);
  REQUIRE(second.lab);
  CHECK(second.lab->containers.at(0).command.back() == "echo $HOME");
  CHECK(to_json(*first.lab).find("echo $HOME") != std::string::npos);
}

TEST_CASE("variable names: ASCII letters, digits and '_', not starting with a digit") {
  CHECK(is_variable_name("HOME"));
  CHECK(is_variable_name("_x1"));
  CHECK_FALSE(is_variable_name(""));
  CHECK_FALSE(is_variable_name("1x"));
  CHECK_FALSE(is_variable_name("A-B"));
  CHECK_FALSE(is_variable_name("\xc3\xa9t\xc3\xa9"));  // letters, but not ASCII ones
}
