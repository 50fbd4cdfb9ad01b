#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package (issue 17) as a sysadmin meets it: built from the binary the other tests ran
# (scripts/package --prebuilt), lintian-clean, installed with apt, used from its installed files,
# then removed and purged without a trace; removal and purge are refused while a lab is up. The
# tests run in order and share the package's state on the host. It uses the real default paths
# (/run/srcompose, /var/lib/srcompose), as the installed package does.

load helpers

apt_get() { apt-get -o DPkg::Lock::Timeout=300 -y "$@"; }

package_status() { dpkg-query -W -f='${Status}' srcompose 2>/dev/null || true; }

# Brings down the test's lab and purges the package, whatever an earlier (interrupted) run left.
clean_host() {
  "$SRCOMPOSE" -p pkgtest down >/dev/null 2>&1 || true
  if [ -n "$(package_status)" ] && [[ $(package_status) != *not-installed ]]; then
    apt_get purge srcompose >/dev/null 2>&1 || true
  fi
}

setup_file() {
  require_root
  # The installed package's own state directory, the one its prerm looks in: a caller's
  # SRCOMPOSE_STATE_DIR would put the test's lab elsewhere and removal would not be refused.
  unset SRCOMPOSE_STATE_DIR
  PACKAGE_DIR=$(mktemp -d /tmp/srcompose-package.XXXXXX)
  chmod 755 "$PACKAGE_DIR" # apt reads the .deb as its _apt user
  export PACKAGE_DIR
  clean_host
  "$SRCOMPOSE_SOURCE_DIR/scripts/package" --prebuilt "$(dirname "$SRCOMPOSE")" "$PACKAGE_DIR"
  cat >"$PACKAGE_DIR/pkgtest.toml" <<'TOML'
name = "pkgtest"
[containers.sleeper]
rootfs = "builtin:busybox"
command = ["sleep", "1000"]
TOML
}

teardown_file() {
  clean_host
  rm -rf "$PACKAGE_DIR"
}

deb() { ls "$PACKAGE_DIR"/srcompose_*_*.deb; }
dbgsym() { ls "$PACKAGE_DIR"/srcompose-dbgsym_*_*.deb; }

@test "lintian finds no error and no warning in the package or its -dbgsym" {
  run lintian --pedantic --display-info "$(deb)" "$(dbgsym)"
  echo "$output"
  [ "$status" -eq 0 ]
  ! grep -E '^(E|W):' <<<"$output"
}

@test "the package: stripped binary with its symbols in -dbgsym, gzipped manuals, doc, examples, Depends, Built-Using" {
  contents=$(dpkg-deb -c "$(deb)")
  for path in usr/bin/srcompose usr/share/man/man1/srcompose.1.gz usr/share/man/man5/srcompose.toml.5.gz \
    usr/share/doc/srcompose/copyright usr/share/doc/srcompose/changelog.Debian.gz \
    usr/share/doc/srcompose/examples/lab.toml usr/share/doc/srcompose/examples/submissions/bob/server.sh; do
    grep -q " \./$path\$" <<<"$contents" || { echo "missing: $path"; return 1; }
  done
  dpkg-deb -x "$(deb)" "$PACKAGE_DIR/extracted"
  binary=$PACKAGE_DIR/extracted/usr/bin/srcompose
  file "$binary" | grep -q ', stripped'
  build_id=$(readelf -n "$binary" | awk '/Build ID/ {print $3}')
  dpkg-deb -c "$(dbgsym)" | grep -q "usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug\$"
  grep -q 'GPL-2+' "$PACKAGE_DIR/extracted/usr/share/doc/srcompose/copyright"
  depends=$(dpkg-deb -f "$(deb)" Depends)
  echo "Depends: $depends"
  names=$(tr ',' '\n' <<<"$depends" | awk '{print $1}')
  for package in busybox-static libnftables1 libarchive13 libc6; do
    grep -qxF "$package" <<<"$names" || { echo "Depends lacks $package"; return 1; }
  done
  # Linked statically or compiled in: no dependency, but named with their versions in Built-Using.
  for package in libseccomp2 libnl-route-3-200 libnettle8 libtomlplusplus3 libspdlog1.10 libstdc++6; do
    if grep -qxF "$package" <<<"$names"; then echo "Depends has $package"; return 1; fi
  done
  built_using=$(dpkg-deb -f "$(deb)" Built-Using)
  echo "Built-Using: $built_using"
  libstdcxx_dev=$(dpkg -S "$(g++ -print-file-name=libstdc++.a)" | cut -d: -f1)
  for dev in libnl-3-dev libseccomp-dev nettle-dev libtomlplusplus-dev libspdlog-dev libfmt-dev \
    "$libstdcxx_dev"; do
    source=$(dpkg-query -Wf '${source:Package} (= ${source:Version})' "$dev")
    [[ $built_using == *"$source"* ]] || { echo "Built-Using lacks $source"; return 1; }
  done
  version=$(dpkg-deb -f "$(deb)" Version)
  [ "${version%-*}" = "$("$SRCOMPOSE" version --short)" ]
}

@test "apt installs it, and the installed srcompose runs the example grading lab" {
  # Recommends (slurm-client) left out: the test machine runs no Slurm (and no munge daemon).
  apt_get install --no-install-recommends "$(deb)"
  [[ $(package_status) == "install ok installed" ]]
  dpkg -L srcompose >"$PACKAGE_DIR/files"
  [ "$(type -P srcompose)" = /usr/bin/srcompose ]
  run /usr/bin/srcompose up --exit-code-from grader -f /usr/share/doc/srcompose/examples/lab.toml --no-color
  echo "$output"
  # The example's grader fails bob's server (it answers in upper case): one failed check.
  [ "$status" -eq 1 ]
  [[ $output == *"PASS service"* ]]
  [[ $output == *"FAIL student echo"* ]]
  [ ! -e /run/srcompose/gradelab ]
}

@test "man srcompose and man srcompose.toml show the installed pages" {
  [ "$(man -w srcompose)" = /usr/share/man/man1/srcompose.1.gz ]
  [ "$(man -w srcompose.toml)" = /usr/share/man/man5/srcompose.toml.5.gz ]
  MANWIDTH=100 man -P cat srcompose 2>/dev/null | grep -q 'srcompose version'
}

@test "completion from the package: bash (loaded at the first TAB), zsh and fish" {
  run bash -c '
    source /usr/share/bash-completion/bash_completion
    __load_completion srcompose # what bash-completion does at the first TAB after srcompose
    complete -p srcompose
    complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _srcompose; echo "${COMPREPLY[*]}"; }
    complete_words srcompose u
    cd /usr/share/doc/srcompose/examples # lab.toml here is the lab by default
    complete_words srcompose stop ""'
  echo "$output"
  [ "${lines[0]}" = "complete -F _srcompose srcompose" ]
  [ "${lines[1]}" = "up unpause" ]
  [ "${lines[2]}" = "service student grader" ]
  [ "$(zsh -f -c 'autoload -Uz compinit; compinit -u -D; print -r -- $_comps[srcompose]')" = _srcompose ]
  fish -c 'complete -C"srcompose u"' | grep -qx $'up\tCreate and start the lab'
}

@test "removal is refused while a lab is up, and says which and what to do" {
  /usr/bin/srcompose up -d -f "$PACKAGE_DIR/pkgtest.toml"
  run apt_get remove srcompose
  echo "$output"
  [ "$status" -ne 0 ]
  [[ $output == *"pkgtest (up)"* ]]
  [[ $output == *"srcompose -p PROJECT down"* ]]
  [[ $(package_status) == "install ok installed" ]]
  [ -x /usr/bin/srcompose ]
  /usr/bin/srcompose -p pkgtest down
}

@test "remove takes the program and keeps the image cache" {
  [ -n "$(ls /var/lib/srcompose/images)" ]
  apt_get remove srcompose
  [[ $(package_status) == "deinstall ok config-files" ]]
  [ ! -e /usr/bin/srcompose ]
  [ -n "$(ls /var/lib/srcompose/images)" ]
}

@test "purge is refused while a lab is up (one started by a srcompose built from source)" {
  "$SRCOMPOSE" up -d -f "$PACKAGE_DIR/pkgtest.toml"
  run apt_get purge srcompose
  echo "$output"
  [ "$status" -ne 0 ]
  [[ $output == *"labs are up: pkgtest"* ]]
  [ -d /var/lib/srcompose/images ]
  [ -d /run/srcompose/pkgtest ]
  "$SRCOMPOSE" -p pkgtest down
}

@test "purge leaves nothing of the package on the host" {
  apt_get purge srcompose
  [ -z "$(package_status)" ] || [[ $(package_status) == *not-installed ]]
  ! dpkg -L srcompose 2>/dev/null
  [ ! -e /var/lib/srcompose ]
  [ ! -e /run/srcompose ]
  # Every path the package had is gone, but the directories other packages share (/usr/bin, ...).
  left=""
  while read -r path; do
    [ "$path" != /. ] && [ -e "$path" ] || continue
    [ -d "$path" ] && dpkg -S "$path" >/dev/null 2>&1 && continue
    left+="$path"$'\n'
  done <"$PACKAGE_DIR/files"
  left+=$(find /usr /etc /var /run /opt -xdev \( -name srcompose -o -name 'srcompose.*' -o \
    -name '_srcompose' -o -name 'srcompose_*' -o -name 'srcompose-dbgsym*' \) 2>/dev/null)
  if [ -n "$left" ]; then
    echo "left behind: $left"
    return 1
  fi
}
