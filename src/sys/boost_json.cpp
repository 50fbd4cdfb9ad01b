// SPDX-License-Identifier: GPL-2.0-or-later
// Boost.JSON's implementation, compiled once for the whole program (Boost 1.81 ships it as headers
// plus this one source include). It is compiled into the core library because its lowest user, the
// seccomp profile reader, is there; the supervisor's state files and reports use the same copy.
#include <boost/json/src.hpp>
