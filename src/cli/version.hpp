// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose version` and `srcompose --version`: what was built, from which revision, against which
// libraries.
#pragma once

#include <string>

namespace srcompose::cli {

// "srcompose VERSION (git REVISION)" and one line per library that matters: the version the
// running process loaded where the library reports it, else the one it was compiled against (and
// says which). Ends with a newline.
std::string version_text();

// `srcompose version [--short]`: prints version_text(), or only the version with `short_form`.
int run_version(bool short_form);

}  // namespace srcompose::cli
