// SPDX-License-Identifier: GPL-2.0-or-later
// Boost.JSON, used header-only (its implementation is compiled once, in json.cpp): Debian's
// Boost 1.81 ships no compiled libboost_json, and the control protocol, state file and reports are
// JSON.
#pragma once

#include <boost/json.hpp>

namespace srcompose::supervisor {
namespace json = boost::json;
}
