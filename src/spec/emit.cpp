// SPDX-License-Identifier: GPL-2.0-or-later
// Emitters. toml::table iterates sorted by key, which would reorder containers, networks and a
// container's interfaces (eth0 is the first network): so the TOML is written section by section
// here, in lab order, with toml++'s formatter producing every value (quoting, escaping). The JSON
// is that TOML parsed back and reshaped so that ordered collections become arrays.
#include "spec/emit.hpp"

#include <sstream>

#include <toml++/toml.h>

#include "spec/reader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec {
namespace {

using detail::join_key;

template <class Node>
std::string format(const Node& node) {
  std::ostringstream out;
  out << toml::toml_formatter{node, toml::format_flags::none};
  return out.str();
}

toml::array string_array(const std::vector<std::string>& items) {
  toml::array array;
  for (const auto& item : items)
    array.push_back(item);
  return array;
}

class TomlWriter {
 public:
  void header(std::string_view name, bool array_of_tables = false) {
    out_ +=
        array_of_tables ? "\n[[" + std::string(name) + "]]\n" : "\n[" + std::string(name) + "]\n";
  }
  void raw(std::string_view key, std::string_view text) {
    out_ += join_key("", key) + " = " + std::string(text) + "\n";
  }
  void string(std::string_view key, std::string value) {
    raw(key, format(toml::value<std::string>(std::move(value))));
  }
  void boolean(std::string_view key, bool value) { raw(key, value ? "true" : "false"); }
  void integer(std::string_view key, int64_t value) { raw(key, std::to_string(value)); }
  void node(std::string_view key, const toml::node& value) { raw(key, format(value)); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// "{ a = X, b = Y }" keeping the order given.
std::string ordered_inline_table(const std::vector<std::pair<std::string, std::string>>& entries) {
  if (entries.empty()) return "{}";
  std::string text = "{ ";
  for (size_t i = 0; i < entries.size(); ++i) {
    text += (i == 0 ? "" : ", ") + join_key("", entries[i].first) + " = " + entries[i].second;
  }
  return text + " }";
}

void write_network(TomlWriter& writer, const Network& network) {
  writer.header(join_key("networks", network.name));
  // Picked when the lab comes up, maybe another one next time: the file's word, not a subnet.
  if (network.subnet_auto) {
    writer.string("subnet", "auto");
  } else {
    writer.string("subnet", to_string(network.subnet));
    writer.string("gateway", to_string(network.gateway));
  }
  writer.string("bridge", network.bridge);
  writer.boolean("nat", network.nat);
  writer.boolean("internal", network.internal);
}

void write_device_limits(TomlWriter& writer, std::string_view key,
                         const std::vector<DeviceLimit>& limits, bool bytes) {
  if (limits.empty()) return;
  toml::table table;
  table.is_inline(true);
  for (const auto& limit : limits) {
    if (bytes) {
      table.insert(limit.device, format_size(limit.value));
    } else {
      table.insert(limit.device, static_cast<int64_t>(limit.value));
    }
  }
  writer.node(key, table);
}

void write_limits(TomlWriter& writer, const std::string& base, const Limits& limits) {
  writer.header(base + ".limits");
  if (limits.memory) writer.string("memory", format_size(*limits.memory));
  if (limits.memory_swap) writer.string("memory_swap", format_size(*limits.memory_swap));
  if (limits.cpu_weight) writer.integer("cpu_weight", static_cast<int64_t>(*limits.cpu_weight));
  if (limits.cpus) writer.node("cpus", toml::value<double>(*limits.cpus));
  if (limits.cpuset) writer.string("cpuset", *limits.cpuset);
  if (limits.cpuset_mems) writer.string("cpuset_mems", *limits.cpuset_mems);
  if (limits.pids) writer.integer("pids", static_cast<int64_t>(*limits.pids));
  write_device_limits(writer, "io_read_bps", limits.io_read_bps, true);
  write_device_limits(writer, "io_write_bps", limits.io_write_bps, true);
  write_device_limits(writer, "io_read_iops", limits.io_read_iops, false);
  write_device_limits(writer, "io_write_iops", limits.io_write_iops, false);
  if (limits.cpu_time) writer.string("cpu_time", format_duration(*limits.cpu_time));
  if (limits.wall_time) writer.string("wall_time", format_duration(*limits.wall_time));
  if (limits.disk) writer.string("disk", format_size(*limits.disk));
}

std::string rlimit_text(uint64_t value) {
  return value == UINT64_MAX ? "unlimited" : std::to_string(value);
}

void write_ulimits_and_sysctls(TomlWriter& writer, const Container& container) {
  toml::table ulimits;
  ulimits.is_inline(true);
  for (const auto& ulimit : container.ulimits)
    ulimits.insert(ulimit.name, rlimit_text(ulimit.soft) + ":" + rlimit_text(ulimit.hard));
  writer.node("ulimits", ulimits);
  toml::table sysctls;
  sysctls.is_inline(true);
  for (const auto& [key, value] : container.sysctls)
    sysctls.insert(key, value);
  writer.node("sysctls", sysctls);
}

void write_idmap(TomlWriter& writer, const std::string& base, const Container& container) {
  if (container.idmap.mode != IdMapMode::explicit_ranges) {
    writer.string("idmap", std::string(to_string(container.idmap.mode)));
    return;
  }
  writer.header(base + ".idmap");
  for (auto [key, ranges] :
       {std::pair{"uid", &container.idmap.uid}, std::pair{"gid", &container.idmap.gid}}) {
    toml::array array;
    for (const auto& range : *ranges)
      array.push_back(to_string(range));
    writer.node(key, array);
  }
}

void write_process_keys(TomlWriter& writer, const Container& container) {
  writer.string("rootfs", container.rootfs.kind == RootfsKind::builtin_busybox
                              ? "builtin:busybox"
                              : container.rootfs.path.string());
  if (!container.command.empty()) writer.node("command", string_array(container.command));
  writer.string("hostname", container.hostname);
  writer.string("domainname", container.domainname);
  writer.string("user", container.user);
  writer.string("workdir", container.workdir);
  toml::table env;
  env.is_inline(true);
  for (const auto& [name, value] : container.env)
    env.insert(name, value);
  writer.node("env", env);
  std::vector<std::pair<std::string, std::string>> depends_on;
  for (const auto& dependency : container.depends_on) {
    toml::table condition{{"condition", std::string(to_string(dependency.condition))}};
    condition.is_inline(true);
    depends_on.emplace_back(dependency.container, format(condition));
  }
  writer.raw("depends_on", ordered_inline_table(depends_on));
  writer.string("restart", std::string(to_string(container.restart)));
  writer.integer("max_restarts", container.max_restarts);
  writer.string("restart_delay_max", format_duration(container.restart_delay_max));
  writer.string("stop_signal", signal_name(container.stop_signal));
  writer.string("stop_timeout", format_duration(container.stop_timeout));
}

void write_container(TomlWriter& writer, const Lab& lab, const Container& container) {
  const std::string base = join_key("containers", container.name);
  writer.header(base);
  write_process_keys(writer, container);
  writer.string("network_mode", std::string(to_string(container.network_mode)));
  std::vector<std::pair<std::string, std::string>> networks;
  for (const auto& attachment : container.networks) {
    const Network* network = lab.find_network(attachment.network);
    toml::table address;
    if (network == nullptr || !network->subnet_auto)
      address.insert("ipv4", to_string(attachment.ipv4));
    address.is_inline(true);
    networks.emplace_back(attachment.network, format(address));
  }
  writer.raw("networks", ordered_inline_table(networks));
  writer.node("dns", string_array(container.dns));
  std::vector<std::string> ports;
  for (const auto& port : container.ports)
    ports.push_back(to_string(port));
  writer.node("ports", string_array(ports));
  writer.node("cap_add", string_array(container.cap_add));
  writer.node("cap_drop", string_array(container.cap_drop));
  writer.string("seccomp", container.seccomp == SeccompMode::profile_file
                               ? container.seccomp_profile.string()
                               : std::string(to_string(container.seccomp)));
  writer.boolean("read_only", container.read_only);
  writer.boolean("persist", container.persist);
  writer.boolean("idmap_share", container.idmap_share);
  if (container.time_offsets) {
    toml::table offsets{{"monotonic", container.time_offsets->monotonic},
                        {"boottime", container.time_offsets->boottime}};
    offsets.is_inline(true);
    writer.node("time_offsets", offsets);
  }
  toml::table logging{{"max_size", format_size(container.logging.max_size)},
                      {"max_file", static_cast<int64_t>(container.logging.max_file)},
                      {"rate", format_size(container.logging.rate)}};
  logging.is_inline(true);
  writer.node("logging", logging);
  write_ulimits_and_sysctls(writer, container);
  write_idmap(writer, base, container);
  write_limits(writer, base, container.limits);
  if (container.healthcheck) {
    writer.header(base + ".healthcheck");
    writer.node("command", string_array(container.healthcheck->command));
    writer.string("interval", format_duration(container.healthcheck->interval));
    writer.string("timeout", format_duration(container.healthcheck->timeout));
    writer.string("start_period", format_duration(container.healthcheck->start_period));
    writer.integer("retries", container.healthcheck->retries);
  }
  for (const auto& mount : container.mounts) {
    writer.header(base + ".mounts", true);
    writer.string("type", std::string(to_string(mount.type)));
    if (mount.type == MountType::bind) writer.string("source", mount.source.string());
    writer.string("target", mount.target);
    writer.boolean("readonly", mount.readonly);
    if (mount.idmap) writer.boolean("idmap", true);
    if (mount.size) writer.string("size", format_size(*mount.size));
    if (mount.mode) {
      char octal[8];
      std::snprintf(octal, sizeof octal, "%04o", *mount.mode);
      writer.string("mode", octal);
    }
  }
}

// The lab as TOML, values as they are (variables already substituted).
std::string to_toml_values(const Lab& lab) {
  TomlWriter writer;
  writer.string("name", lab.name);
  writer.string("storage", lab.storage_dir.string());
  writer.boolean("idmap_share", lab.idmap_share);
  writer.string("subnet_pool", to_string(lab.subnet_pool));
  for (const auto& network : lab.networks)
    write_network(writer, network);
  for (const auto& container : lab.containers)
    write_container(writer, lab, container);
  return writer.take();
}

}  // namespace

// Written back as a lab file, every `$` of a value is doubled, so that the output loads again to
// the same lab (as compose's `config` does). Keys never hold a `$`: the loader's names exclude it.
std::string to_toml(const Lab& lab) {
  std::string text = to_toml_values(lab);
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    if (c == '$') escaped += '$';
    escaped += c;
  }
  return escaped;
}

std::string to_json(const Lab& lab) {
  toml::table document = toml::parse(to_toml_values(lab));
  toml::array networks;
  for (const auto& network : lab.networks) {
    toml::table entry = *document["networks"][network.name].as_table();
    entry.insert_or_assign("name", network.name);
    networks.push_back(std::move(entry));
  }
  toml::array containers;
  for (const auto& container : lab.containers) {
    toml::table entry = *document["containers"][container.name].as_table();
    entry.insert_or_assign("name", container.name);
    toml::array attachments;
    for (const auto& attachment : container.networks) {
      toml::table entry_attachment{{"network", attachment.network},
                                   {"ipv4_static", attachment.ipv4_static}};
      const Network* network = lab.find_network(attachment.network);
      if (network == nullptr || !network->subnet_auto)
        entry_attachment.insert("ipv4", to_string(attachment.ipv4));
      attachments.push_back(std::move(entry_attachment));
    }
    entry.insert_or_assign("networks", std::move(attachments));
    toml::array dependencies;
    for (const auto& dependency : container.depends_on) {
      dependencies.push_back(
          toml::table{{"container", dependency.container},
                      {"condition", std::string(to_string(dependency.condition))}});
    }
    entry.insert_or_assign("depends_on", std::move(dependencies));
    containers.push_back(std::move(entry));
  }
  document.insert_or_assign("networks", std::move(networks));
  document.insert_or_assign("containers", std::move(containers));
  std::ostringstream out;
  out << toml::json_formatter{document};
  return out.str() + "\n";
}

}  // namespace srcompose::spec
