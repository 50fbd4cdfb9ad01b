// SPDX-License-Identifier: GPL-2.0-or-later
// load_lab_file / load_lab_text: the top level of the lab file, its networks, and the project name.
#include "spec/load.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec {

bool is_project_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxProjectName) return false;
  return name[0] != '_' && name[0] != '-' && is_name_text(name, "_-", /*lowercase=*/true);
}

std::string project_name_rule() {
  return "expected lowercase letters, digits, '_' and '-', starting with a letter or digit, at "
         "most "
         "63 characters (it is part of host names)";
}

namespace {

using detail::describe;
using detail::join_key;
using detail::LoadContext;
using detail::Reader;

constexpr std::array<std::string_view, 7> kTopKeys{
    "name", "storage", "idmap_share", "subnet_pool", "networks", "templates", "containers"};
constexpr std::array<std::string_view, 5> kNetworkKeys{"subnet", "gateway", "bridge", "nat",
                                                       "internal"};

// The directory's name, lowercased, with what host names cannot hold dropped.
std::string project_from_directory(const std::filesystem::path& directory) {
  std::string name;
  for (char c : directory.filename().string()) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!is_name_text(std::string_view(&lower, 1), "_-", /*lowercase=*/true)) continue;
    if (!name.empty() || (lower != '_' && lower != '-')) name += lower;
  }
  if (name.size() > kMaxProjectName) name.resize(kMaxProjectName);
  return name.empty() ? "default" : name;
}

bool is_network_name(std::string_view name) {
  return !name.empty() && name.size() <= 63 && is_name_text(name, "_-");
}

// Linux accepts almost any byte in an interface name; we accept what every tool prints safely.
bool is_bridge_name(std::string_view name) {
  return !name.empty() && name.size() <= 15 && name[0] != '-' && name[0] != '.' &&
         is_name_text(name, "_-.");
}

// `subnet`: a fixed one (true when valid), or "auto" (a placeholder until `up` picks: lab.hpp).
bool read_subnet(Reader& reader, const toml::table& table, const std::string& base,
                 Network& network) {
  const toml::node* subnet = table.get("subnet");
  if (subnet != nullptr && subnet->value<std::string>() == "auto") {
    // Addresses are offsets in a placeholder /24 until `up` picks the real one (lab.hpp).
    network.subnet_auto = true;
    network.subnet = Cidr{Ipv4{0}, kAutoSubnetPrefix};
    network.gateway = Ipv4{1};
    if (const toml::node* gateway = table.get("gateway")) {
      reader.error(*gateway, base + ".gateway",
                   "found a gateway with subnet = \"auto\"; expected none (the gateway is the "
                   "first address of the subnet picked), or a fixed subnet");
    }
  } else if (subnet == nullptr) {
    reader.error(network.location, base,
                 "found no `subnet`; expected a subnet such as \"10.1.0.0/24\"");
  } else if (auto text = reader.string(*subnet, base + ".subnet")) {
    auto cidr = parse_cidr(*text);
    if (!cidr) {
      reader.error(*subnet, base + ".subnet",
                   "found " + describe(*subnet) + "; " + cidr.error().to_string());
    } else if (cidr->prefix_length > 30 || cidr->prefix_length < 8) {
      reader.error(*subnet, base + ".subnet",
                   "found " + describe(*subnet) + "; expected a prefix length from 8 to 30");
    } else if (auto block = reserved_block_overlapping(*cidr)) {
      reader.error(*subnet, base + ".subnet",
                   "found " + describe(*subnet) + ", which overlaps the reserved block " + *block +
                       "; expected a private or public unicast subnet such as \"10.1.0.0/24\"");
    } else {
      network.subnet = *cidr;
      network.gateway = Ipv4{cidr->network.value + 1};
      return true;
    }
  }
  return false;
}

// gateway: a host address of the subnet (with a fixed subnet; an automatic one picks its own).
void read_gateway(Reader& reader, const toml::table& table, const std::string& base, bool subnet_ok,
                  Network& network) {
  const toml::node* gateway = table.get("gateway");
  if (gateway == nullptr || network.subnet_auto) return;
  auto text = reader.string(*gateway, base + ".gateway");
  if (!text) return;
  auto address = parse_ipv4(*text);
  if (!address) {
    reader.error(*gateway, base + ".gateway",
                 "found " + describe(*gateway) + "; " + address.error().to_string());
  } else if (subnet_ok &&
             (!cidr_contains(network.subnet, *address) || *address == network.subnet.network ||
              *address == broadcast_address(network.subnet))) {
    reader.error(*gateway, base + ".gateway",
                 "found " + describe(*gateway) + "; expected a host address of " +
                     to_string(network.subnet));
  } else {
    network.gateway = *address;
  }
}

// bridge: the default name unless one is given.
void read_bridge(Reader& reader, const toml::table& table, const std::string& base,
                 const std::string& project, Network& network) {
  network.bridge = default_bridge_name(project, network.name);
  const toml::node* bridge = table.get("bridge");
  if (bridge == nullptr) return;
  auto text = reader.string(*bridge, base + ".bridge");
  if (!text) return;
  if (!is_bridge_name(*text)) {
    reader.error(
        *bridge, base + ".bridge",
        "found " + describe(*bridge) +
            "; expected at most 15 letters, digits, '_', '-' or '.' (a Linux interface name)");
  }
  network.bridge = *text;
}

void read_network(Reader& reader, const toml::table& table, const std::string& project,
                  Network& network) {
  const std::string base = join_key("networks", network.name);
  reader.check_keys(table, base, kNetworkKeys);
  const bool subnet_ok = read_subnet(reader, table, base, network);
  read_gateway(reader, table, base, subnet_ok, network);
  read_bridge(reader, table, base, project, network);
  for (auto [key, flag] :
       {std::pair{"nat", &network.nat}, std::pair{"internal", &network.internal}}) {
    if (const toml::node* value = table.get(key)) {
      if (auto on = reader.boolean(*value, join_key(base, key))) *flag = *on;
    }
  }
  if (network.nat && network.internal) {
    reader.error(reader.at(*table.get("internal")), base + ".internal",
                 "found nat = true and internal = true; expected at most one of them");
  }
}

void read_networks(Reader& reader, const toml::node& node, Lab& lab) {
  const auto* networks = reader.table(node, "networks");
  if (networks == nullptr) return;
  for (const auto& entry : Reader::in_file_order(*networks)) {
    Network network;
    network.name = std::string(entry.key->str());
    network.location = reader.at(*entry.key);
    std::string path = join_key("networks", network.name);
    if (!is_network_name(network.name)) {
      reader.error(network.location, path,
                   "found network name \"" + network.name +
                       "\"; expected letters, digits, '_' and '-', at most 63");
    }
    const auto* table = reader.table(*entry.node, path);
    if (table == nullptr) continue;
    read_network(reader, *table, lab.name, network);
    for (const auto& other : lab.networks) {
      if (other.bridge == network.bridge) {
        reader.error(network.location, path,
                     "found bridge \"" + network.bridge + "\" of network " + other.name +
                         " again; expected a bridge per network");
      }
      // Automatic subnets are picked apart from each other and from the fixed ones.
      bool overlap = network.subnet.prefix_length != 0 && other.subnet.prefix_length != 0 &&
                     !network.subnet_auto && !other.subnet_auto &&
                     cidrs_overlap(network.subnet, other.subnet);
      if (overlap) {
        reader.error(network.location, path + ".subnet",
                     "found subnet " + to_string(network.subnet) + " overlapping network " +
                         other.name + " (" + to_string(other.subnet) +
                         "); expected disjoint subnets");
      }
    }
    lab.networks.push_back(std::move(network));
  }
}

void read_containers(LoadContext& context, const toml::node& node, Lab& lab,
                     std::vector<detail::ContainerSource>& sources) {
  Reader& reader = context.reader;
  const auto* containers = reader.table(node, "containers");
  if (containers == nullptr) return;
  for (const auto& entry : Reader::in_file_order(*containers)) {
    Container container;
    container.name = std::string(entry.key->str());
    container.location = reader.at(*entry.key);
    std::string path = join_key("containers", container.name);
    if (!detail::is_host_label(container.name)) {
      reader.error(
          container.location, path,
          "found container name \"" + container.name +
              "\"; expected a host name label: letters, digits and '-', not at either end, "
              "at most 63 characters");
    }
    const auto* table = reader.table(*entry.node, path);
    if (table == nullptr) continue;
    detail::ContainerSource source;
    detail::read_container(context, *table, container, source);
    lab.containers.push_back(std::move(container));
    sources.push_back(std::move(source));
  }
}

void read_project(Reader& reader, const toml::table& document, const LoadOptions& options,
                  Lab& lab) {
  lab.name = project_from_directory(lab.directory);
  if (const toml::node* name = document.get("name")) {
    if (auto text = reader.string(*name, "name")) {
      if (!is_project_name(*text))
        reader.error(*name, "name", "found " + describe(*name) + "; " + project_name_rule());
      lab.name = *text;
    }
  }
  if (!options.project_name.empty()) {
    if (!is_project_name(options.project_name)) {
      reader.error(
          SourceLocation{reader.file(), 0, 0}, "name",
          "found project name \"" + options.project_name + "\" (from -p); " + project_name_rule());
    }
    lab.name = options.project_name;
  }
}

// `subnet_pool`: where automatic subnets come from; a block of at least one /24, clear of the
// reserved blocks (a /24 picked from it must be usable as a bridge's subnet).
void read_subnet_pool(Reader& reader, const toml::node& node, Lab& lab) {
  auto text = reader.string(node, "subnet_pool");
  if (!text) return;
  auto cidr = parse_cidr(*text);
  if (!cidr) {
    reader.error(node, "subnet_pool", "found " + describe(node) + "; " + cidr.error().to_string());
  } else if (cidr->prefix_length > kAutoSubnetPrefix || cidr->prefix_length < 8) {
    reader.error(node, "subnet_pool",
                 "found " + describe(node) + "; expected a prefix length from 8 to " +
                     std::to_string(kAutoSubnetPrefix) + " (subnets are picked as /" +
                     std::to_string(kAutoSubnetPrefix) + "s inside it)");
  } else if (auto block = reserved_block_overlapping(*cidr)) {
    reader.error(node, "subnet_pool",
                 "found " + describe(node) + ", which overlaps the reserved block " + *block +
                     "; expected a private block such as \"10.0.0.0/8\" or \"172.16.0.0/12\"");
  } else {
    lab.subnet_pool = *cidr;
  }
}

unsigned read_host_cpu_count() {
  std::ifstream online("/sys/devices/system/cpu/online");
  std::string text;
  if (std::getline(online, text)) {
    if (auto highest = parse_cpu_list_max(text)) return *highest + 1;
  }
  return 1;
}

}  // namespace

std::string Diagnostic::to_string() const {
  std::string text = location.file;
  if (location.line != 0)
    text += ":" + std::to_string(location.line) + ":" + std::to_string(location.column);
  text += ": ";
  if (!key_path.empty()) text += key_path + ": ";
  return text + message;
}

LoadResult load_lab_text(std::string_view text, const std::filesystem::path& file_name,
                         const LoadOptions& options) {
  Reader reader(file_name.string());
  Lab lab;
  lab.file = std::filesystem::absolute(file_name).lexically_normal();
  lab.directory = lab.file.parent_path();
  LoadResult result;
  toml::table document;
  try {
    document = toml::parse(text, file_name.string());
  } catch (const toml::parse_error& error) {
    // toml++ stops at the first syntax error; nothing after it can be trusted.
    reader.error(reader.at(error.source()), "",
                 "invalid TOML: " + std::string(error.description()));
    result.diagnostics = reader.take_sorted();
    return result;
  }
  detail::interpolate_document(reader, document, options, lab.directory, result.warnings,
                               lab.variables);
  // A value whose variables did not resolve means nothing: checking it would only add noise.
  if (reader.has_errors()) {
    result.diagnostics = reader.take_sorted();
    return result;
  }
  LoadContext context{reader, lab.directory,
                      options.host_cpu_count != 0 ? options.host_cpu_count : read_host_cpu_count()};
  reader.check_keys(document, "", kTopKeys);
  detail::resolve_extends(reader, document);
  read_project(reader, document, options, lab);
  if (const toml::node* storage = document.get("storage")) {
    if (auto path = reader.string(*storage, "storage")) {
      if (!path->starts_with('/')) {
        reader.error(*storage, "storage",
                     "found " + describe(*storage) + "; expected an absolute path");
      }
      lab.storage_dir = std::filesystem::path(*path).lexically_normal();
    }
  }
  if (const toml::node* share = document.get("idmap_share")) {
    if (auto on = reader.boolean(*share, "idmap_share")) lab.idmap_share = *on;
  }
  if (const toml::node* pool = document.get("subnet_pool")) read_subnet_pool(reader, *pool, lab);
  if (const toml::node* networks = document.get("networks")) read_networks(reader, *networks, lab);
  std::vector<detail::ContainerSource> sources;
  if (const toml::node* containers = document.get("containers")) {
    read_containers(context, *containers, lab, sources);
  }
  const toml::node* containers_node = document.get("containers");
  bool containers_empty = containers_node == nullptr ||
                          (containers_node->is_table() && containers_node->as_table()->empty());
  if (containers_empty) {
    reader.error(SourceLocation{reader.file(), 1, 1}, "containers",
                 "found no containers; expected at least one [containers.NAME] table");
  }
  detail::check_lab(context, lab, sources);
  result.diagnostics = reader.take_sorted();
  if (result.diagnostics.empty()) {
    assign_auto_subnets(lab, options.auto_subnets);
    result.lab = std::move(lab);
  }
  return result;
}

Result<std::string> detail::read_text_file(const std::filesystem::path& file) {
  // ifstream opens a directory and fails only at the read, with errno unset.
  if (std::filesystem::is_directory(file))
    return Error::from_errno("read " + file.string(), EISDIR);
  // A stream failure may leave errno unset: EIO then, never "Success".
  auto failed = [&file](const char* operation) {
    return Error::from_errno(operation + (" " + file.string()), errno != 0 ? errno : EIO);
  };
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) return failed("open");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return failed("read");
  return text;
}

LoadResult load_lab_file(const std::filesystem::path& file, const LoadOptions& options) {
  auto cannot_read = [&](const std::string& why) {
    LoadResult result;
    result.diagnostics.push_back(
        Diagnostic{SourceLocation{file.string(), 0, 0}, "", "cannot read the lab file: " + why});
    return result;
  };
  auto text = detail::read_text_file(file);
  if (!text) return cannot_read(std::strerror(text.error().error_number()));
  return load_lab_text(*text, file, options);
}

}  // namespace srcompose::spec
