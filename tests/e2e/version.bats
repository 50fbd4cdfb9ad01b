#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# `srcompose version` and `--version` (issue 17): the version, the git revision the binary was built
# from, and the versions of the libraries that matter.

load helpers

project_version() {
  sed -n 's/^project(srcompose VERSION \([0-9.]*\).*/\1/p' "$SRCOMPOSE_SOURCE_DIR/CMakeLists.txt"
}

@test "version prints the version, the revision built from and the library versions" {
  run srcompose version
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "srcompose $(project_version) (git "* ]]
  # The commit's abbreviated hash is in the revision whatever describe adds (tags, -dirty).
  [[ "${lines[0]}" == *"$(git -C "$SRCOMPOSE_SOURCE_DIR" rev-parse --short=12 HEAD)"* ]]
  [[ "$output" =~ libseccomp\ +$(pkg-config --modversion libseccomp)\ +\(linked\ in\) ]]
  [[ "$output" =~ libnftables\ +$(pkg-config --modversion libnftables)\ +\(built\ against\) ]]
  [[ "$output" =~ libarchive\ +$(pkg-config --modversion libarchive)\ +\(loaded\) ]]
  nettle=$(pkg-config --modversion nettle)
  [[ "$output" =~ libnettle\ +${nettle%.*}\ +\(linked\ in\) ]]
  [[ "$output" =~ libnl\ +$(pkg-config --modversion libnl-3.0)\ +\(linked\ in\) ]]
  [[ "$output" =~ toml\+\+\ +$(pkg-config --modversion tomlplusplus)\ +\(built\ against\) ]]
  spdlog=$(dpkg-query -Wf '${Version}' libspdlog-dev)
  spdlog=${spdlog#*:}
  [[ "$output" =~ spdlog\ +${spdlog%%[-+]*}\ +\(built\ against\) ]]
  fmt=$(dpkg-query -Wf '${Version}' libfmt-dev)
  [[ "$output" =~ fmt\ +${fmt%%[-+]*}\ +\(built\ against\) ]]
  boost=$(sed -n 's/^#define BOOST_LIB_VERSION "\([0-9]*\)_\([0-9]*\)"/\1.\2/p' /usr/include/boost/version.hpp)
  [[ "$output" =~ Boost\ +$boost\.[0-9]+\ +\(built\ against\) ]]
}

@test "--version prints the same; version --short only the number" {
  [ "$(srcompose --version)" = "$(srcompose version)" ]
  [ "$(srcompose version --short)" = "$(project_version)" ]
}

@test "the revision falls back to unknown outside git, and takes an override" {
  dir=$(mktemp -d)
  cmake -DSOURCE_DIR="$dir" -DOUTPUT="$dir/rev.hpp" -P "$SRCOMPOSE_SOURCE_DIR/cmake/git-revision.cmake"
  grep -qx '#define SRCOMPOSE_GIT_REVISION "unknown"' "$dir/rev.hpp"
  cmake -DSOURCE_DIR="$dir" -DOUTPUT="$dir/rev.hpp" -DOVERRIDE=0123abcd \
    -P "$SRCOMPOSE_SOURCE_DIR/cmake/git-revision.cmake"
  grep -qx '#define SRCOMPOSE_GIT_REVISION "0123abcd"' "$dir/rev.hpp"
  rm -rf "$dir"
}

@test "each start maps libc and libm only: the rest is linked in or loaded at first use (issue 16)" {
  needed=$(readelf -d "$SRCOMPOSE" | awk '/NEEDED/ { print $NF }' | sort | tr -d '[]' | paste -sd' ')
  echo "NEEDED: $needed"
  # ld-linux: the interpreter, named by libgcc's unwinder (_dl_find_object).
  [ "$needed" = "ld-linux-x86-64.so.2 libc.so.6 libm.so.6" ]
  # libarchive and libnftables are loaded when first needed (version loads them).
  run srcompose version
  [[ "$output" == *"libarchive"*"(loaded)"* ]]
}

@test "version names a library that cannot be loaded, and why; the rest still runs" {
  require_root
  library=$(ldconfig -p | awk '$1 == "libarchive.so.13" { print $NF; exit }')
  [ -n "$library" ]
  # In a mount namespace of its own, libarchive is an empty file.
  run unshare --mount sh -c 'mount --bind /dev/null "$(readlink -f "$1")" && "$SRCOMPOSE" version' \
    sh "$library"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" =~ libarchive\ +-\ +\(not\ loaded:\ load\ libarchive\.so\.13:\ .+\) ]]
  [[ "$output" =~ libnftables\ +$(pkg-config --modversion libnftables)\ +\(built\ against\) ]]
}
