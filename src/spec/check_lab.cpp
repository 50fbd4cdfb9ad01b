// SPDX-License-Identifier: GPL-2.0-or-later
// Checks across containers: dependencies, network references and addresses, ports, id ranges.
#include <algorithm>
#include <charconv>
#include <functional>
#include <set>

#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

// " (did you mean `x`?)" for the nearest of `names`, or "; expected one of: a, b".
std::string suggest(std::string_view found, const std::vector<std::string>& names) {
  if (names.empty()) return "; there are none";
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const auto& name : names) {
    size_t distance = edit_distance(found, name);
    if (best == nullptr || distance < best_distance) {
      best = &name;
      best_distance = distance;
    }
  }
  if (best_distance <= std::max<size_t>(2, found.size() / 3))
    return " (did you mean `" + *best + "`?)";
  std::string text = "; expected one of:";
  for (const auto& name : names)
    text += " " + name;
  return text;
}

std::string container_path(const Container& container, std::string_view key) {
  return join_key(join_key("containers", container.name), key);
}

void check_dependencies(Reader& reader, const Lab& lab,
                        const std::vector<ContainerSource>& sources) {
  std::vector<std::string> names;
  for (const auto& container : lab.containers)
    names.push_back(container.name);
  for (size_t c = 0; c < lab.containers.size(); ++c) {
    const Container& container = lab.containers[c];
    std::set<std::string> seen;
    for (size_t d = 0; d < container.depends_on.size(); ++d) {
      const Dependency& dependency = container.depends_on[d];
      const SourceLocation& where = sources[c].depends_on[d];
      std::string path = container_path(container, "depends_on");
      const Container* target = lab.find_container(dependency.container);
      if (!seen.insert(dependency.container).second) {
        reader.error(
            where, path,
            "found \"" + dependency.container + "\" a second time; expected each dependency once");
      } else if (target == nullptr) {
        reader.error(where, path,
                     "found \"" + dependency.container + "\": no such container" +
                         suggest(dependency.container, names));
      } else if (dependency.condition == DependencyCondition::healthy && !target->healthcheck) {
        reader.error(where, path,
                     "found condition \"healthy\" but container " + target->name +
                         " has no healthcheck; expected a [containers." + target->name +
                         ".healthcheck] table");
      }
    }
  }
}

// Depth-first search in file order; each back edge is one cycle, reported once at the dependency
// entry of its first container so that the message and the location start at the same place.
void check_cycles(Reader& reader, const Lab& lab, const std::vector<ContainerSource>& sources) {
  enum class Mark { unvisited, on_path, done };
  std::vector<Mark> marks(lab.containers.size(), Mark::unvisited);
  struct Step {
    size_t container;
    size_t dependency;
  };
  std::vector<Step> path;
  auto index_of = [&](std::string_view name) -> std::optional<size_t> {
    for (size_t i = 0; i < lab.containers.size(); ++i) {
      if (lab.containers[i].name == name) return i;
    }
    return std::nullopt;
  };
  std::function<void(size_t)> visit = [&](size_t c) {
    marks[c] = Mark::on_path;
    const auto& deps = lab.containers[c].depends_on;
    for (size_t d = 0; d < deps.size(); ++d) {
      auto target = index_of(deps[d].container);
      if (!target) continue;
      path.push_back(Step{c, d});
      if (marks[*target] == Mark::on_path) {
        auto start = std::find_if(path.begin(), path.end(),
                                  [&](const Step& s) { return s.container == *target; });
        std::string cycle;
        for (auto it = start; it != path.end(); ++it)
          cycle += lab.containers[it->container].name + " -> ";
        cycle += lab.containers[*target].name;
        const Container& first = lab.containers[start->container];
        reader.error(
            sources[start->container].depends_on[start->dependency],
            container_path(first, "depends_on"),
            "found a dependency cycle: " + cycle + "; expected dependencies without cycles");
      } else if (marks[*target] == Mark::unvisited) {
        visit(*target);
      }
      path.pop_back();
    }
    marks[c] = Mark::done;
  };
  for (size_t c = 0; c < lab.containers.size(); ++c) {
    if (marks[c] == Mark::unvisited) visit(c);
  }
}

// A container's address written in the lab file: inside the fixed subnet, a host address, not the
// gateway's, and not another container's; reserved in `taken`.
void check_static_address(Reader& reader, const SourceLocation& where, const std::string& path,
                          const Network& network, const NetworkAttachment& attachment,
                          std::set<uint32_t>& taken) {
  std::string found = "found " + to_string(attachment.ipv4);
  if (network.subnet_auto) {
    reader.error(where, path,
                 found + " on network " + network.name +
                     ", whose subnet is \"auto\"; expected no ipv4 (addresses are "
                     "picked), or a fixed subnet");
  } else if (!cidr_contains(network.subnet, attachment.ipv4)) {
    reader.error(where, path, found + "; expected an address inside " + to_string(network.subnet));
  } else if (attachment.ipv4 == network.subnet.network ||
             attachment.ipv4 == broadcast_address(network.subnet)) {
    reader.error(where, path,
                 found + ": the network or broadcast address; expected a host address of " +
                     to_string(network.subnet));
  } else if (attachment.ipv4 == network.gateway) {
    reader.error(where, path,
                 found + ": the gateway of network " + network.name + "; expected another address");
  } else if (!taken.insert(attachment.ipv4.value).second) {
    reader.error(
        where, path,
        found + " a second time on network " + network.name + "; expected each address once");
  }
}

// The lowest host address of the subnet not yet taken.
void pick_address(Reader& reader, const SourceLocation& where, const std::string& path,
                  const Network& network, NetworkAttachment& attachment,
                  std::set<uint32_t>& taken) {
  const uint32_t broadcast = broadcast_address(network.subnet).value;
  uint32_t candidate = network.subnet.network.value + 1;
  while (candidate < broadcast && taken.count(candidate) != 0)
    ++candidate;
  if (candidate >= broadcast) {
    reader.error(where, path,
                 "found no free address left in " + to_string(network.subnet) +
                     "; expected a larger subnet");
    return;
  }
  taken.insert(candidate);
  attachment.ipv4 = Ipv4{candidate};
}

// The first pass checks a static address, the second picks one for the others. A network without
// a subnet was already reported.
void address_attachment(Reader& reader, const SourceLocation& where, const std::string& path,
                        const Network& network, NetworkAttachment& attachment,
                        std::set<uint32_t>& taken, bool picking) {
  if (network.subnet.prefix_length == 0) return;
  if (!picking && attachment.ipv4_static) {
    check_static_address(reader, where, path, network, attachment, taken);
  } else if (picking && !attachment.ipv4_static) {
    pick_address(reader, where, path, network, attachment, taken);
  }
}

// Static addresses are checked and reserved first, for every container, so that a picked address
// never takes one written later in the file; then the others are picked in file order.
void check_addresses(Reader& reader, Lab& lab, const std::vector<ContainerSource>& sources) {
  std::vector<std::string> network_names;
  for (const auto& network : lab.networks)
    network_names.push_back(network.name);
  std::vector<std::set<uint32_t>> taken(lab.networks.size());
  for (size_t n = 0; n < lab.networks.size(); ++n)
    taken[n].insert(lab.networks[n].gateway.value);
  auto network_index = [&](std::string_view name) -> std::optional<size_t> {
    auto found = std::find(network_names.begin(), network_names.end(), name);
    if (found == network_names.end()) return std::nullopt;
    return static_cast<size_t>(found - network_names.begin());
  };
  for (bool picking : {false, true}) {
    for (size_t c = 0; c < lab.containers.size(); ++c) {
      Container& container = lab.containers[c];
      for (size_t a = 0; a < container.networks.size(); ++a) {
        NetworkAttachment& attachment = container.networks[a];
        const SourceLocation& where = sources[c].attachments[a];
        const std::string& path = sources[c].attachment_paths[a];
        auto n = network_index(attachment.network);
        if (!n && !picking) {
          reader.error(where, path,
                       "found network \"" + attachment.network + "\": no such network" +
                           suggest(attachment.network, network_names));
        }
        if (n)
          address_attachment(reader, where, path, lab.networks[*n], attachment, taken[*n], picking);
      }
    }
  }
}

void check_ports(Reader& reader, const Lab& lab, const std::vector<ContainerSource>& sources) {
  struct Published {
    const PortMapping* port;
    const Container* container;
  };
  std::vector<Published> published;
  for (size_t c = 0; c < lab.containers.size(); ++c) {
    const Container& container = lab.containers[c];
    for (size_t p = 0; p < container.ports.size(); ++p) {
      const PortMapping& port = container.ports[p];
      std::string path = join_index(container_path(container, "ports"), p);
      if (container.networks.empty()) {
        reader.error(
            sources[c].ports[p], path,
            "found a published port on a container without networks; expected the container "
            "on a network to reach it");
        continue;
      }
      // 0.0.0.0 binds every address, so it collides with any address on the same port.
      for (const auto& other : published) {
        bool same_address = other.port->host_ip == port.host_ip || other.port->host_ip.value == 0 ||
                            port.host_ip.value == 0;
        if (same_address && other.port->host_port == port.host_port &&
            other.port->protocol == port.protocol) {
          reader.error(sources[c].ports[p], path,
                       "found \"" + port.text + "\": host port " + std::to_string(port.host_port) +
                           "/" + std::string(to_string(port.protocol)) +
                           " already published by container " + other.container->name + " (\"" +
                           other.port->text + "\"); expected each host port once");
          break;
        }
      }
      published.push_back(Published{&port, &container});
    }
  }
}

bool overlap(const IdRange& a, const IdRange& b) {
  return uint64_t{a.outside} < uint64_t{b.outside} + b.count &&
         uint64_t{b.outside} < uint64_t{a.outside} + a.count;
}

// Reports each of `container`'s host ranges (`kind`: uid or gid) that overlaps one of `other`'s.
void report_overlapping_ranges(Reader& reader, const Container& container, const Container& other,
                               const std::vector<IdRange>& mine, const std::vector<IdRange>& theirs,
                               const std::vector<SourceLocation>& where, std::string_view kind) {
  for (size_t r = 0; r < mine.size(); ++r) {
    for (const auto& range : theirs) {
      if (!overlap(mine[r], range)) continue;
      reader.error(where[r], join_index(join_key(container_path(container, "idmap"), kind), r),
                   "found \"" + to_string(mine[r]) + "\": host " + std::string(kind) +
                       "s overlap \"" + to_string(range) + "\" of container " + other.name +
                       "; expected separate host ranges, or idmap_share = true to share them");
      break;
    }
  }
}

void check_id_ranges(Reader& reader, const Lab& lab, const std::vector<ContainerSource>& sources) {
  for (size_t c = 0; c < lab.containers.size(); ++c) {
    const Container& container = lab.containers[c];
    if (container.idmap.mode != IdMapMode::explicit_ranges) continue;
    for (size_t o = 0; o < c; ++o) {
      const Container& other = lab.containers[o];
      if (other.idmap.mode != IdMapMode::explicit_ranges) continue;
      if (lab.idmap_share || container.idmap_share || other.idmap_share) continue;
      report_overlapping_ranges(reader, container, other, container.idmap.uid, other.idmap.uid,
                                sources[c].uid_ranges, "uid");
      report_overlapping_ranges(reader, container, other, container.idmap.gid, other.idmap.gid,
                                sources[c].gid_ranges, "gid");
    }
  }
}

bool mapped(const std::vector<IdRange>& ranges, uint64_t id) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const IdRange& r) {
    return id >= r.inside && id < uint64_t{r.inside} + r.count;
  });
}

// The number of a numeric user or group part (nullopt for a name, looked up at start instead).
// from_chars, not stoull: an id past 2^64 is reported by the value check of `user` and must never
// throw here.
std::optional<uint64_t> numeric_id(const std::string& part) {
  if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  uint64_t id = 0;
  if (std::from_chars(part.data(), part.data() + part.size(), id).ec != std::errc{})
    return std::nullopt;
  return id;
}

// Reports a numeric uid or gid (`part`) of the container's user that its idmap does not map.
void report_unmapped_id(Reader& reader, const Container& container, const ContainerSource& source,
                        bool is_uid, const std::string& part) {
  const bool defaulted = source.user.line == 0;
  const char* range_note = container.idmap.mode == IdMapMode::automatic ? " (0 to 65535)" : "";
  reader.error(defaulted ? source.idmap : source.user,
               container_path(container, defaulted ? "idmap" : "user"),
               "found " + std::string(is_uid ? "uid " : "gid ") + part +
                   (defaulted ? " (the default user)" : "") +
                   ", which the container's idmap does not map; expected an id mapped inside the "
                   "user namespace" +
                   range_note);
}

// Whether the user namespace of `container` maps the id (inside) `id`.
bool id_mapped(const Container& container, bool is_uid, uint64_t id) {
  if (container.idmap.mode == IdMapMode::automatic) return id < 65536;
  return mapped(is_uid ? container.idmap.uid : container.idmap.gid, id);
}

// A numeric user or group must exist inside the user namespace, or setresuid fails at start.
void check_user_mapped(Reader& reader, const Lab& lab,
                       const std::vector<ContainerSource>& sources) {
  for (size_t c = 0; c < lab.containers.size(); ++c) {
    const Container& container = lab.containers[c];
    if (container.idmap.mode == IdMapMode::host || !sources[c].idmap_valid) continue;
    size_t colon = container.user.find(':');
    const std::string user = container.user.substr(0, colon);
    const std::string group = colon == std::string::npos ? "" : container.user.substr(colon + 1);
    for (bool is_uid : {true, false}) {
      const std::string& part = is_uid ? user : group;
      auto id = numeric_id(part);
      if (id && !id_mapped(container, is_uid, *id))
        report_unmapped_id(reader, container, sources[c], is_uid, part);
    }
  }
}

}  // namespace

void check_lab(LoadContext& context, Lab& lab, const std::vector<ContainerSource>& sources) {
  check_dependencies(context.reader, lab, sources);
  check_cycles(context.reader, lab, sources);
  check_addresses(context.reader, lab, sources);
  check_ports(context.reader, lab, sources);
  check_id_ranges(context.reader, lab, sources);
  check_user_mapped(context.reader, lab, sources);
}

}  // namespace srcompose::spec::detail
