// SPDX-License-Identifier: GPL-2.0-or-later
// Internal to the loader: the pieces of load_lab_text split by scope. Each reads its part of the
// document into the Lab, reports every mistake through the Reader, and keeps going with defaults so
// that all errors of a file come out in one run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "spec/lab.hpp"
#include "spec/reader.hpp"

namespace srcompose::spec::detail {

// Where parts of a container were written, for the checks that need the whole lab.
struct ContainerSource {
  SourceLocation networks;                    // the `networks` value
  std::vector<SourceLocation> attachments;    // per attachment: its ipv4 value, else its name
  std::vector<std::string> attachment_paths;  // key path of each attachment
  std::vector<SourceLocation> ports;          // per port
  std::vector<SourceLocation> depends_on;     // per dependency
  std::vector<SourceLocation> uid_ranges;     // per explicit range
  std::vector<SourceLocation> gid_ranges;
  SourceLocation user;      // the `user` value; line 0 when defaulted
  SourceLocation idmap;     // the `idmap` value
  bool idmap_valid = true;  // false when a range of it was reported
};

struct LoadContext {
  Reader& reader;
  std::filesystem::path directory;  // the lab file's directory (absolute)
  unsigned host_cpu_count = 1;
};

bool is_host_label(
    std::string_view name);  // RFC 1123 label: [A-Za-z0-9-], no '-' at the ends, <= 63
// [containers.NAME]: reads one container; `container.name` and `location` are set by the caller.
void read_container(LoadContext& context, const toml::table& table, Container& container,
                    ContainerSource& source);
// The groups of a container's keys, each in its own file; `path` is the key's path.
// networks (load_network.cpp): an array of names or a table name -> { ipv4 = "..." }
void read_networks(LoadContext& context, const toml::node& node, std::string_view path,
                   Container& container, ContainerSource& source);
// ports: "[ip:]host_port:container_port[/tcp|udp]" each
void read_ports(Reader& reader, const toml::node& node, std::string_view path, Container& container,
                ContainerSource& source);
// dns: IPv4 addresses
void read_dns(Reader& reader, const toml::node& node, std::string_view path, Container& container);
// idmap (load_isolation.cpp): "auto", "host" or { uid = [...], gid = [...] }
void read_idmap(LoadContext& context, const toml::node& node, std::string_view path, IdMap& idmap,
                ContainerSource& source);
// cap_add / cap_drop: names normalized to "NET_ADMIN"; "ALL" allowed.
std::vector<std::string> read_capabilities(Reader& reader, const toml::node& node,
                                           std::string_view path);
// seccomp: "default", "unconfined" or a profile file relative to the lab file
void read_seccomp(LoadContext& context, const toml::node& node, std::string_view path,
                  Container& container);
// depends_on (load_lifecycle.cpp): an array of names or a table name -> { condition = "..." }
void read_depends_on(LoadContext& context, const toml::node& node, std::string_view path,
                     Container& container, ContainerSource& source);
// healthcheck: { command, interval, timeout, start_period, retries }
void read_healthcheck(LoadContext& context, const toml::node& node, std::string_view path,
                      Container& container);
// [containers.NAME.limits]
void read_limits(LoadContext& context, const toml::table& table, std::string_view path,
                 Limits& limits);
// containers.NAME.logging
void read_logging(LoadContext& context, const toml::node& node, std::string_view path,
                  Logging& logging);
// A duration from a string such as "10s"; an error names what was found.
std::optional<Milliseconds> read_duration(Reader& reader, const toml::node& node,
                                          std::string_view path);
// [containers.NAME] ulimits = { nofile = 1024, core = "0:0", stack = "unlimited" }
void read_ulimits(Reader& reader, const toml::node& node, std::string_view path,
                  std::vector<Ulimit>& ulimits);
// [containers.NAME] sysctls = { "net.ipv4.ip_forward" = "1" }: namespaced keys only.
void read_sysctls(Reader& reader, const toml::node& node, std::string_view path,
                  std::map<std::string, std::string>& sysctls);
// [[containers.NAME.mounts]]
void read_mounts(LoadContext& context, const toml::array& array, std::string_view path,
                 std::vector<Mount>& mounts);
// Resolves the variables of `options` (environment over env files; `.env` in `directory` when no
// env file is given) and substitutes them into every string value of `document`, in place. Mistakes
// in env files and in `${...}` expressions become diagnostics; unset variables without a default
// become `warnings`. The variables the document used are recorded in `used`.
void interpolate_document(Reader& reader, toml::table& document, const LoadOptions& options,
                          const std::filesystem::path& directory, std::vector<Diagnostic>& warnings,
                          std::map<std::string, std::string, std::less<>>& used);
// `extends = "NAME"` of [containers.*] and [templates.*] tables, applied in place: each takes what
// it lacks of its base, tables merged key by key (extends.cpp). Unknown bases and cycles become
// diagnostics at the `extends` value.
void resolve_extends(Reader& reader, toml::table& document);
// The whole of a file the loader reads (the lab file, env files), or the errno of why it cannot
// (EISDIR for a directory). The pure library's one whole-file read (sys::read_whole_file is the
// kernel library's).
Result<std::string> read_text_file(const std::filesystem::path& file);
// Checks that need every container: dependencies and cycles, network references, addresses
// (static ones checked, the others picked), ports published twice, id ranges overlapping.
void check_lab(LoadContext& context, Lab& lab, const std::vector<ContainerSource>& sources);

}  // namespace srcompose::spec::detail
