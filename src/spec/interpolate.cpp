// SPDX-License-Identifier: GPL-2.0-or-later
#include "spec/interpolate.hpp"

#include "common/lines.hpp"
#include "spec/values.hpp"

namespace srcompose::spec {
namespace {

bool is_name_char(char c) {
  return is_name_text(std::string_view(&c, 1), "_");
}

// Walks one string; `position_` moves left to right. A `${...}` default is interpolated by the same
// walker, stopping at the brace that closes it, so `${A:-${B:-x}}` works as in compose.
class Interpolator {
 public:
  Interpolator(std::string_view text, const Variables& variables, Interpolated& result)
      : text_(text), variables_(variables), result_(result) {}

  // Appends the interpolation of text_[position_..] to `out` until the end, or until an unmatched
  // `}` when `inside_braces`. False on an error (recorded in result_).
  bool run(std::string& out, bool inside_braces) {
    while (position_ < text_.size()) {
      char c = text_[position_];
      if (inside_braces && c == '}') return true;
      if (c != '$') {
        out += c;
        ++position_;
        continue;
      }
      if (!dollar(out)) return false;
    }
    if (inside_braces) return fail("a `${` is never closed by `}`");
    return true;
  }

 private:
  bool fail(std::string message) {
    if (!result_.error) result_.error = std::move(message);
    return false;
  }

  const std::string* lookup(const std::string& name) {
    result_.used.insert(name);
    auto found = variables_.find(name);
    return found == variables_.end() ? nullptr : &found->second;
  }

  // At a `$`. Only `${...}` and `$$` are special: a bare `$NAME`, `$(...)` or `$1` is kept as it
  // is, because commands in lab files are often shell scripts (compose would substitute `$NAME` and
  // refuse `$(`; the issue's forms are all braced).
  bool dollar(std::string& out) {
    ++position_;
    if (position_ < text_.size() && text_[position_] == '$') {
      out += '$';
      ++position_;
      return true;
    }
    if (position_ < text_.size() && text_[position_] == '{') {
      ++position_;
      return braced(out);
    }
    out += '$';
    return true;
  }

  std::string read_name() {
    size_t end = position_;
    while (end < text_.size() && is_name_char(text_[end]))
      ++end;
    std::string_view name = text_.substr(position_, end - position_);
    if (!is_variable_name(name)) return {};  // a digit first: no name at all
    position_ = end;
    return std::string(name);
  }

  void substitute_plain(const std::string& name, std::string& out) {
    if (const std::string* value = lookup(name)) {
      out += *value;
    } else {
      result_.unset.insert(name);
    }
  }

  // After `${`.
  bool braced(std::string& out) {
    std::string name = read_name();
    if (name.empty()) return fail("`${` must be followed by a variable name");
    if (position_ >= text_.size()) return fail("a `${` is never closed by `}`");
    if (text_[position_] == '}') {
      ++position_;
      substitute_plain(name, out);
      return true;
    }
    bool colon = text_[position_] == ':';
    if (colon) ++position_;
    if (position_ >= text_.size()) return fail("a `${` is never closed by `}`");
    char op = text_[position_];
    if (op != '-' && op != '?' && op != '+') {
      return fail("unknown operator in `${" + name +
                  "...}`; expected `}`, `:-`, `-`, `:?`, `?`, "
                  "`:+` or `+`");
    }
    ++position_;
    std::string word;  // the default, message or replacement, itself interpolated
    if (!run(word, /*inside_braces=*/true)) return false;
    ++position_;  // the closing brace
    const std::string* value = lookup(name);
    bool present = value != nullptr && (!colon || !value->empty());
    switch (op) {
      case '-':
        out += present ? *value : word;
        return true;
      case '+':
        if (present) out += word;
        return true;
      default:  // '?'
        if (present) {
          out += *value;
          return true;
        }
        return fail("required variable " + name + " is " + (value ? "empty" : "not set") +
                    (word.empty() ? "" : ": " + word));
    }
  }

  std::string_view text_;
  const Variables& variables_;
  Interpolated& result_;
  size_t position_ = 0;
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// A double-quoted value's body (after the opening quote), unescaped; nullopt when the closing quote
// is missing or followed by anything but a comment.
std::optional<std::string> double_quoted(std::string_view body) {
  std::string value;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '"') {
      std::string_view rest = trim(body.substr(i + 1));
      if (!rest.empty() && rest.front() != '#') return std::nullopt;
      return value;
    }
    if (c == '\\' && i + 1 < body.size()) {
      char next = body[++i];
      value += next == 'n' ? '\n' : next == 't' ? '\t' : next == 'r' ? '\r' : next;
      continue;
    }
    value += c;
  }
  return std::nullopt;
}

std::optional<std::string> env_value(std::string_view raw) {
  raw = trim(raw);
  if (raw.empty()) return std::string();
  if (raw.front() == '\'') {
    size_t close = raw.find('\'', 1);
    if (close == std::string_view::npos) return std::nullopt;
    return std::string(raw.substr(1, close - 1));
  }
  if (raw.front() == '"') return double_quoted(raw.substr(1));
  if (size_t comment = raw.find(" #"); comment != std::string_view::npos) {
    raw = raw.substr(0, comment);
  }
  return std::string(trim(raw));
}

}  // namespace

bool is_variable_name(std::string_view name) {
  return !name.empty() && !(name.front() >= '0' && name.front() <= '9') && is_name_text(name, "_");
}

Interpolated interpolate(std::string_view text, const Variables& variables) {
  Interpolated result;
  if (text.find('$') == std::string_view::npos) {
    result.text = text;
    return result;
  }
  Interpolator interpolator(text, variables, result);
  interpolator.run(result.text, /*inside_braces=*/false);
  return result;
}

EnvFile parse_env_file(std::string_view text) {
  EnvFile file;
  unsigned line_number = 0;
  for (std::string_view line : split_lines(text)) {
    ++line_number;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    size_t equals = line.find('=');
    std::string_view name = trim(line.substr(0, equals));
    if (equals == std::string_view::npos || !is_variable_name(name)) {
      file.errors.push_back({line_number,
                             "expected NAME=VALUE with NAME of letters, digits and "
                             "'_', not starting with a digit"});
      continue;
    }
    auto value = env_value(line.substr(equals + 1));
    if (!value) {
      file.errors.push_back(
          {line_number, "the quoted value of " + std::string(name) + " is not closed on its line"});
      continue;
    }
    file.variables[std::string(name)] = std::move(*value);
  }
  return file;
}

std::string format_env_file(const Variables& variables) {
  std::string text;
  for (const auto& [name, value] : variables) {
    text += name + "=\"";
    for (char c : value) {
      if (c == '\n') {
        text += "\\n";
      } else if (c == '\r') {
        text += "\\r";
      } else {
        if (c == '"' || c == '\\') text += '\\';
        text += c;
      }
    }
    text += "\"\n";
  }
  return text;
}

}  // namespace srcompose::spec
