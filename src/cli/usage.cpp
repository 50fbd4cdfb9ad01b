// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/usage.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string_view>

#include "spec/values.hpp"

namespace srcompose::cli {

namespace {

// Each command's examples, one a line. The global options go before or after the command.
const std::map<std::string, std::string, std::less<>> kExamples = {
    {"", "srcompose up -d --wait\n  srcompose ps\n  srcompose logs -f web\n  srcompose down"},
    {"config",
     "srcompose config\n  srcompose -f lab.toml --env-file prod.env config --format json\n"
     "  srcompose config --services"},
    {"up", "srcompose up -d --wait\n  srcompose -f lab.toml -p alice up -d web"},
    {"run", "srcompose run grader\n  srcompose run --results out grader /bin/sh -c 'make test'"},
    {"batch", "srcompose batch --items submissions/ --run grader -j 4 --results out"},
    {"wait", "srcompose wait grader; echo \"grader exited with $?\""},
    {"down", "srcompose down\n  srcompose -p alice down -v -t 2 --report report.json"},
    {"ps", "srcompose ps -a\n  srcompose ps --status running -q"},
    {"logs", "srcompose logs -f --tail 20 web\n  srcompose logs --since 10m --no-log-prefix db"},
    {"ls", "srcompose ls -a"},
    {"port", "srcompose port web 80   (prints 127.0.0.1:8080)"},
    {"exec",
     "srcompose exec -it -u nobody -w /tmp -e MODE=debug web sh\n"
     "  srcompose exec -T db cat /etc/hosts"},
    {"top", "srcompose -p lab top web"},
    {"stats", "srcompose stats\n  srcompose -p lab stats --no-stream web"},
    {"events",
     "srcompose events\n  srcompose events --json web | jq -c 'select(.type == \"exit\")'"},
    {"stop", "srcompose stop -t 5 web"},
    {"start", "srcompose start web"},
    {"restart", "srcompose restart -t 2 web"},
    {"kill", "srcompose kill -s TERM web"},
    {"pause", "srcompose pause web"},
    {"unpause", "srcompose unpause web"},
    {"version", "srcompose version --short"},
    {"completion", "source <(srcompose completion bash)\n  srcompose completion fish | source"},
};

// Compose's commands and flags that srcompose does not have, and what a compose user wants instead.
constexpr std::string_view kNoImages =
    "srcompose has no images to build or pull: a container's rootfs is a directory, a tarball or "
    "builtin:busybox";
const std::map<std::string, std::string, std::less<>> kComposeOnly = {
    {"create", "srcompose up --no-start"},
    {"rm", "srcompose down: a lab's containers are removed with it"},
    {"attach", "srcompose logs -f NAME, or srcompose exec -it NAME sh"},
    {"build", std::string(kNoImages)},
    {"pull", std::string(kNoImages)},
    {"push", std::string(kNoImages)},
    {"images", std::string(kNoImages)},
    {"--build", std::string(kNoImages)},
    {"--pull", std::string(kNoImages)},
    {"--rmi", std::string(kNoImages)},
    {"--scale", "one container per [containers.NAME]: no replicas"},
    {"--index", "one container per [containers.NAME]: no replicas"},
    {"--privileged", "a command runs with its container's capabilities, never more"},
    {"--remove-orphans", "down removes everything of the project"},
    {"--entrypoint", "the command after the container name replaces its command"},
    {"--no-deps", "srcompose starts a container's dependencies with it"},
    {"--force-recreate", "every up starts from fresh writable layers (unless persist = true)"},
    {"--renew-anon-volumes", "every up starts from fresh writable layers (unless persist = true)"},
};

// " (hint)" for a word of compose's that srcompose lacks, else "".
std::string compose_only_hint(std::string_view word) {
  auto found = kComposeOnly.find(word.substr(0, word.find('=')));
  return found == kComposeOnly.end() ? "" : " (" + found->second + ")";
}

std::string global_options_text(const CLI::App& app) {
  auto options = app.get_options([](const CLI::Option* option) {
    return !option->get_group().empty() && option->get_name() != "--help" &&
           option->get_name() != "--version";
  });
  CLI::Formatter formatter;
  return formatter.make_group("Global options (before or after the command)", false, options);
}

}  // namespace

int operand_position(const CLI::App& command, int from, int argc, char** argv, Dashes dashes) {
  int i = from;
  for (; i < argc; ++i) {
    std::string_view word = argv[i];
    if (word == "-" || word == "--") {
      if (dashes == Dashes::operand) return i;
      continue;
    }
    if (!word.starts_with("-")) return i;
    if (word.find('=') != std::string_view::npos) continue;  // --option=value
    const CLI::Option* option = command.get_option_no_throw(std::string(word));
    if (option && option->get_items_expected_min() > 0) ++i;  // its value is the next word
  }
  return std::min(i, argc);
}

std::optional<int> command_position(CLI::App& app, int argc, char** argv) {
  int i = operand_position(app, 1, argc, argv, Dashes::skipped);
  if (i >= argc) return std::nullopt;
  std::string_view word = argv[i];
  auto known = app.get_subcommands([&](const CLI::App* each) { return each->get_name() == word; });
  if (known.empty()) return std::nullopt;
  return i;
}

namespace {

// The command the words name, if any.
const CLI::App* command_of(CLI::App& app, int argc, char** argv) {
  auto position = command_position(app, argc, argv);
  return position ? app.get_subcommand(argv[*position]) : nullptr;
}

// The first word that is neither an option, an option's value nor a known command, if the
// command line has no known command at all.
std::optional<std::string> unknown_command(CLI::App& app, int argc, char** argv) {
  if (command_of(app, argc, argv)) return std::nullopt;
  int i = operand_position(app, 1, argc, argv, Dashes::skipped);
  if (i >= argc) return std::nullopt;
  return std::string(argv[i]);
}

std::string unknown_command_message(CLI::App& app, const std::string& word) {
  std::string message = "unknown command '" + word + "'";
  std::string nearest;
  size_t best = 3;  // a suggestion farther than 2 edits away helps nobody
  for (const auto* each : app.get_subcommands([](const CLI::App*) { return true; })) {
    size_t distance = spec::edit_distance(word, each->get_name());
    if (distance < best) {
      best = distance;
      nearest = each->get_name();
    }
  }
  if (auto hint = compose_only_hint(word); !hint.empty()) return message + hint;
  if (!nearest.empty()) message += " (did you mean '" + nearest + "'?)";
  return message;
}

// CLI11's message "NAME: rest" split at the first ": ".
std::pair<std::string, std::string> split_name(const std::string& text) {
  auto colon = text.find(": ");
  if (colon == std::string::npos) return {"", text};
  return {text.substr(0, colon), text.substr(colon + 2)};
}

// CLI11's messages in compose's (cobra's) words; anything else as CLI11 says it.
std::string compose_message(const CLI::ParseError& error) {
  std::string text = error.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&error)) {
    // "The following argument(s) was/were not expected: WORD ...", the words in reverse order
    // (CLI11 rjoins them): the last is the first on the command line.
    std::string words = split_name(text).second;
    std::string first = words.substr(words.rfind(' ') + 1);
    if (first.starts_with("-")) return "unknown flag: " + first + compose_only_hint(first);
    return "unexpected argument '" + first + "'";
  }
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error)) {
    // "--file: 1 required FILE missing"
    auto [name, rest] = split_name(text);
    if (rest.ends_with("missing") && !name.empty()) return "flag needs an argument: " + name;
    // "--file: At Most 1 required but received 2"
    if (rest.starts_with("At Most 1 required") && !name.empty()) {
      return name + " given more than once" +
             (name == "--file" ? " (srcompose does not merge lab files: one -f)" : "");
    }
    return text;
  }
  if (dynamic_cast<const CLI::RequiredError*>(&error)) {
    if (text == "A subcommand is required") return "no command given";
    // "container is required", "--items is required"
    std::string name = text.substr(0, text.find(" is required"));
    if (name.starts_with("-")) return "required flag " + name + " not set";
    return "missing argument: " + name;
  }
  if (dynamic_cast<const CLI::ValidationError*>(&error) ||
      dynamic_cast<const CLI::ConversionError*>(&error)) {
    auto [name, rest] = split_name(text);
    if (!name.empty()) return "invalid argument for " + name + ": " + rest;
  }
  return text;
}

}  // namespace

void finish_help(CLI::App& app) {
  const std::string global = global_options_text(app);
  auto footer = [&](CLI::App& command, const std::string& name) {
    std::string text = command.get_footer();
    if (!text.empty()) text += "\n\n";
    if (auto examples = kExamples.find(name); examples != kExamples.end())
      text +=
          (examples->second.find('\n') == std::string::npos ? "Example:\n  " : "Examples:\n  ") +
          examples->second + "\n";
    // run and exec declare the global options themselves (what follows the container is its
    // command, so they cannot fall through to the top level).
    if (!name.empty() && !command.get_option_no_throw("--file")) text += global;
    if (name.empty()) text += "\nRun 'srcompose COMMAND --help' for more information on a command.";
    command.footer(text);
  };
  footer(app, "");
  for (auto* command : app.get_subcommands([](const CLI::App*) { return true; }))
    footer(*command, command->get_name());
}

// srcompose(1): a usage error exits 1 with one line that says what is wrong.
int usage_error(CLI::App& app, int argc, char** argv, const CLI::ParseError& error) {
  auto word = unknown_command(app, argc, argv);
  std::string message = word ? unknown_command_message(app, *word) : compose_message(error);
  const CLI::App* command = command_of(app, argc, argv);
  std::string help = command ? "srcompose " + command->get_name() + " --help" : "srcompose --help";
  std::fprintf(stderr, "srcompose: error: %s\nRun '%s' for more information.\n", message.c_str(),
               help.c_str());
  return 1;
}

}  // namespace srcompose::cli
