// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/completion.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "cli/common.hpp"
#include "spec/load.hpp"
#include "spec/values.hpp"

namespace srcompose::cli {

namespace {

// What the value of an option, or a positional argument, is; from its CLI11 type name (set with
// ->type_name() in cli.cpp) or, for positionals, its name.
enum class ValueKind { kNone, kFile, kDirectory, kContainer, kProject, kSignal, kChoice };

ValueKind value_kind(const CLI::Option& option) {
  std::string type = option.get_type_name();
  if (type.find('{') != std::string::npos) return ValueKind::kChoice;
  if (type == "FILE") return ValueKind::kFile;
  if (type == "DIR") return ValueKind::kDirectory;
  if (type == "CONTAINER") return ValueKind::kContainer;
  if (type == "PROJECT") return ValueKind::kProject;
  if (type == "SIGNAL") return ValueKind::kSignal;
  if (option.get_positional()) {
    const std::string& name = option.get_name(true);
    if (name == "container" || name == "containers") return ValueKind::kContainer;
  }
  return ValueKind::kNone;
}

// The members of a CLI::IsMember check: type name "TEXT:{toml,json}" -> toml, json.
std::vector<std::string> choices(const CLI::Option& option) {
  std::string type = option.get_type_name();
  auto open = type.find('{');
  auto close = type.find('}', open);
  std::vector<std::string> members;
  if (open == std::string::npos || close == std::string::npos) return members;
  std::string_view list(type.data() + open + 1, close - open - 1);
  while (!list.empty()) {
    auto comma = list.find(',');
    members.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return members;
}

bool takes_value(const CLI::Option& option) {
  return option.get_items_expected_max() > 0;
}

bool visible(const CLI::Option& option) {
  return !option.get_group().empty() && !option.get_positional();
}

// Where the command line before the cursor leaves us.
struct Position {
  const CLI::App* command = nullptr;     // the subcommand given, if any
  const CLI::Option* pending = nullptr;  // the option whose value the cursor's word is
  std::vector<std::string> arguments;    // the command's positional arguments so far
  bool in_command = false;               // past `exec NAME`: the words are the command's own
  GlobalOptions global;                  // -f, -p, --state-dir as given
};

// The option `name` means here: the command's own first, then (unless the command declares its
// own globals, as exec does) the top-level one.
const CLI::Option* find_option(const CLI::App& app, const Position& position,
                               const std::string& name) {
  if (position.command) {
    if (const auto* option = position.command->get_option_no_throw(name)) return option;
    if (!position.command->get_fallthrough()) return nullptr;
  }
  return app.get_option_no_throw(name);
}

void remember_global(Position& position, const CLI::Option& option, const std::string& value) {
  const auto& names = option.get_lnames();
  auto has = [&names](const char* name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  if (has("file")) position.global.file = value;
  if (has("project-name")) position.global.project = value;
  if (has("state-dir")) position.global.state_dir = value;
  if (has("env-file")) position.global.env_files.push_back(value);
}

std::vector<const CLI::Option*> positionals(const CLI::App& command) {
  return command.get_options([](const CLI::Option* option) { return option->get_positional(); });
}

// A word starting with '-': an option, whose value follows '=' or is the next word.
void walk_option(const CLI::App& app, Position& position, const std::string& word) {
  auto equals = word.find('=');
  const auto* option = find_option(app, position, word.substr(0, equals));
  if (!option || !takes_value(*option)) return;
  if (equals == std::string::npos) {
    position.pending = option;
  } else {
    remember_global(position, *option, word.substr(equals + 1));
  }
}

// A word that is not an option: the command, then its arguments.
void walk_argument(const CLI::App& app, Position& position, const std::string& word) {
  if (!position.command) {
    for (const auto* sub : app.get_subcommands({})) {
      if (sub->get_name() == word) position.command = sub;
    }
    return;
  }
  if (word == "--") return;
  position.arguments.push_back(word);
  // exec: every word after the container is the command's, its options included.
  if (position.command->get_prefix_command() &&
      position.arguments.size() >= positionals(*position.command).size())
    position.in_command = true;
}

Position walk(const CLI::App& app, const std::vector<std::string>& words) {
  Position position;
  for (const auto& word : words) {
    if (position.in_command) break;
    if (position.pending) {
      // bash splits `--file=lab.toml` into `--file`, `=`, `lab.toml`.
      if (word == "=") continue;
      remember_global(position, *position.pending, word);
      position.pending = nullptr;
    } else if (word.size() > 1 && word[0] == '-' && word != "--") {
      walk_option(app, position, word);
    } else {
      walk_argument(app, position, word);
    }
  }
  return position;
}

struct Candidate {
  std::string word;
  std::string description;
};

std::vector<std::string> container_names(const GlobalOptions& global) {
  std::optional<spec::Lab> lab;
  if (global.file.empty() && !global.project.empty()) {
    ProjectRef running;
    running.name = global.project;
    running.paths =
        supervisor::state_paths(supervisor::state_root(global.state_dir), global.project);
    if (auto loaded = load_running_lab(running)) lab = std::move(*loaded);
  }
  if (!lab) {
    std::filesystem::path file =
        global.file.empty() ? default_lab_file() : std::filesystem::path(global.file);
    if (file.empty()) return {};
    auto result = spec::load_lab_file(file, load_options(global));
    if (!result.lab) return {};
    lab = std::move(*result.lab);
  }
  std::vector<std::string> names;
  for (const auto& container : lab->containers)
    names.push_back(container.name);
  return names;
}

void print(const char* directive, const std::vector<Candidate>& candidates,
           const std::string& prefix) {
  std::printf("%s\n", directive);
  for (const auto& candidate : candidates) {
    if (!candidate.word.starts_with(prefix)) continue;
    std::printf("%s\t%s\n", candidate.word.c_str(), candidate.description.c_str());
  }
}

// The values of `option` (or of a positional argument), as candidates; `skip` are values already
// given (a container named twice makes no sense).
void print_values(const CLI::Option& option, const Position& position, const std::string& current,
                  const std::string& prefix = "") {
  std::vector<std::string> values;
  switch (value_kind(option)) {
    case ValueKind::kFile:
      return print("files", {}, current);
    case ValueKind::kDirectory:
      return print("dirs", {}, current);
    case ValueKind::kContainer:
      values = container_names(position.global);
      break;
    case ValueKind::kProject:
      values = state_dir_projects(position.global);
      break;
    case ValueKind::kSignal:
      values = spec::signal_names();
      break;
    case ValueKind::kChoice:
      values = choices(option);
      break;
    case ValueKind::kNone:
      break;
  }
  std::vector<Candidate> candidates;
  for (auto& value : values) {
    bool given = option.get_positional() &&
                 std::find(position.arguments.begin(), position.arguments.end(), value) !=
                     position.arguments.end();
    if (!given) candidates.push_back({prefix + value, ""});
  }
  print("words", candidates, prefix + current);
}

void add_options(const CLI::App& command, const CLI::App* shadowing,
                 std::vector<Candidate>& candidates) {
  for (const auto* option : command.get_options()) {
    if (!visible(*option)) continue;
    std::vector<std::string> names;
    for (const auto& name : option->get_lnames())
      names.push_back("--" + name);
    for (const auto& name : option->get_snames())
      names.push_back("-" + name);
    for (const auto& name : names) {
      if (shadowing && shadowing->get_option_no_throw(name)) continue;
      candidates.push_back({name, option->get_description()});
    }
  }
}

// "--option=VALUE" being typed: the option's values, each written after "--option=".
void complete_option_value(const CLI::App& app, const Position& position,
                           const std::string& current) {
  auto equals = current.find('=');
  const auto* option = find_option(app, position, current.substr(0, equals));
  if (option && takes_value(*option)) {
    print_values(*option, position, current.substr(equals + 1), current.substr(0, equals + 1));
  } else {
    print("words", {}, current);
  }
}

// "-..." being typed: the command's options, and the global ones it does not shadow.
void complete_option(const CLI::App& app, const Position& position, const std::string& current) {
  std::vector<Candidate> candidates;
  if (position.command) add_options(*position.command, nullptr, candidates);
  if (!position.command || position.command->get_fallthrough())
    add_options(app, position.command, candidates);
  print("words", candidates, current);
}

// No command yet: the commands with their descriptions (hidden ones have no group).
void complete_command(const CLI::App& app, const std::string& current) {
  std::vector<Candidate> candidates;
  for (const auto* sub : app.get_subcommands({})) {
    if (!sub->get_group().empty()) candidates.push_back({sub->get_name(), sub->get_description()});
  }
  print("words", candidates, current);
}

// The command's next positional argument.
void complete_argument(const Position& position, const std::string& current) {
  auto arguments = positionals(*position.command);
  std::size_t index = position.arguments.size();
  // A trailing positional that takes a list (containers...) takes every further argument.
  if (index >= arguments.size() && !arguments.empty() &&
      arguments.back()->get_items_expected_max() > 1)
    index = arguments.size() - 1;
  if (index < arguments.size()) {
    print_values(*arguments[index], position, current);
  } else {
    print("words", {}, current);
  }
}

constexpr const char* kBashScript =
    R"(# bash completion for srcompose, printed by `srcompose completion bash`. At each TAB it asks the
# binary (`srcompose __complete WORD...`), which knows its commands, options and their values, the
# lab file's containers and the projects that are up.
_srcompose() {
  local cur=${COMP_WORDS[COMP_CWORD]} line
  local -a reply
  COMPREPLY=()
  mapfile -t reply < <("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  [[ $cur == = ]] && cur=
  case ${reply[0]-} in
    files) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    dirs) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    words) for line in "${reply[@]:1}"; do COMPREPLY+=("${line%%$'\t'*}"); done ;;
  esac
}
complete -F _srcompose srcompose
)";

constexpr const char* kZshScript = R"(#compdef srcompose
# zsh completion for srcompose, printed by `srcompose completion zsh`. At each TAB it asks the
# binary (`srcompose __complete WORD...`), which knows its commands, options and their values, the
# lab file's containers and the projects that are up.
_srcompose() {
  local -a reply described
  local line word
  reply=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  case ${reply[1]} in
    files) _files ;;
    dirs) _files -/ ;;
    words)
      for line in "${(@)reply[2,-1]}"; do
        [[ -n $line ]] || continue
        word=${${line%%$'\t'*}//:/\\:}
        if [[ $line == *$'\t'?* ]]; then described+=("$word:${line#*$'\t'}"); else described+=("$word"); fi
      done
      (( ${#described} )) && _describe -t srcompose srcompose described ;;
  esac
}
# Autoloaded from $fpath the file is _srcompose's body: run it. Sourced, register it.
if [[ ${funcstack[1]} == _srcompose ]]; then
  _srcompose "$@"
else
  compdef _srcompose srcompose
fi
)";

constexpr const char* kFishScript =
    R"(# fish completion for srcompose, printed by `srcompose completion fish`. At each TAB it asks the
# binary (`srcompose __complete WORD...`), which knows its commands, options and their values, the
# lab file's containers and the projects that are up.
function __srcompose_complete
    set -l words (commandline -opc)
    set -l command $words[1]
    set -e words[1]
    command -q $command; or return
    set -l current (commandline -ct)
    set -l reply ($command __complete $words "$current" 2>/dev/null)
    set -l directive $reply[1]
    set -e reply[1]
    switch "$directive"
        case files
            __fish_complete_path "$current"
        case dirs
            __fish_complete_directories "$current"
        case words
            printf '%s\n' $reply
    end
end
complete -c srcompose -f -a '(__srcompose_complete)'
)";

}  // namespace

int run_completion(const std::string& shell) {
  std::fputs(shell == "bash" ? kBashScript : shell == "zsh" ? kZshScript : kFishScript, stdout);
  return 0;
}

int run_complete(const CLI::App& app, const std::vector<std::string>& words) {
  std::string current = words.empty() ? "" : words.back();
  Position position =
      walk(app, words.empty() ? std::vector<std::string>{}
                              : std::vector<std::string>(words.begin(), words.end() - 1));
  if (position.pending && current == "=") current.clear();

  if (position.in_command) {
    print("words", {}, current);
  } else if (position.pending) {
    print_values(*position.pending, position, current);
  } else if (current.starts_with("--") && current.find('=') != std::string::npos) {
    complete_option_value(app, position, current);
  } else if (current.starts_with("-")) {
    complete_option(app, position, current);
  } else if (!position.command) {
    complete_command(app, current);
  } else {
    complete_argument(position, current);
  }
  return 0;
}

}  // namespace srcompose::cli
