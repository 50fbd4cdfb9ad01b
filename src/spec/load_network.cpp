// SPDX-License-Identifier: GPL-2.0-or-later
// [containers.NAME]: the keys of its network place (networks, ports, dns).
#include <algorithm>
#include <array>

#include "spec/loader.hpp"
#include "spec/values.hpp"

namespace srcompose::spec::detail {
namespace {

constexpr std::array<std::string_view, 1> kAttachmentKeys{"ipv4"};

}  // namespace

void read_networks(LoadContext& context, const toml::node& node, std::string_view path,
                   Container& container, ContainerSource& source) {
  Reader& reader = context.reader;
  source.networks = reader.at(node);
  auto add = [&](std::string name, SourceLocation where, std::string key_path) {
    bool duplicate = std::any_of(container.networks.begin(), container.networks.end(),
                                 [&](const NetworkAttachment& a) { return a.network == name; });
    if (duplicate) {
      reader.error(where, key_path,
                   "found network \"" + name + "\" a second time; expected each network once");
      return static_cast<NetworkAttachment*>(nullptr);
    }
    container.networks.push_back(NetworkAttachment{std::move(name), Ipv4{}, false});
    source.attachments.push_back(std::move(where));
    source.attachment_paths.push_back(std::move(key_path));
    return &container.networks.back();
  };
  if (const auto* names = node.as_array()) {
    for (size_t i = 0; i < names->size(); ++i) {
      std::string key_path = join_index(path, i);
      if (auto name = reader.string((*names)[i], key_path)) {
        add(*name, reader.at((*names)[i]), key_path);
      }
    }
    return;
  }
  const auto* table = reader.table_or_error(
      node, path, "expected an array of network names or a table name -> { ipv4 = \"...\" }");
  if (table == nullptr) return;
  for (const auto& entry : Reader::in_file_order(*table)) {
    std::string key_path = join_key(path, entry.key->str());
    const auto* settings = reader.table(*entry.node, key_path, kAttachmentKeys);
    if (settings == nullptr) continue;
    const toml::node* ipv4_node = settings->get("ipv4");
    SourceLocation where = reader.at(ipv4_node ? *ipv4_node : *entry.node);
    std::string ipv4_path = ipv4_node ? join_key(key_path, "ipv4") : key_path;
    NetworkAttachment* attachment = add(std::string(entry.key->str()), where, ipv4_path);
    if (attachment == nullptr || ipv4_node == nullptr) continue;
    auto text = reader.string(*ipv4_node, ipv4_path);
    if (!text) continue;
    auto address = parse_ipv4(*text);
    if (!address) {
      reader.error(*ipv4_node, ipv4_path,
                   "found " + describe(*ipv4_node) + "; " + address.error().to_string());
      continue;
    }
    attachment->ipv4 = *address;
    attachment->ipv4_static = true;
  }
}

void read_ports(Reader& reader, const toml::node& node, std::string_view path, Container& container,
                ContainerSource& source) {
  const auto* array = reader.array(node, path);
  if (array == nullptr) return;
  for (size_t i = 0; i < array->size(); ++i) {
    std::string key_path = join_index(path, i);
    auto text = reader.string((*array)[i], key_path);
    if (!text) continue;
    auto port = parse_port_mapping(*text);
    if (!port) {
      reader.error((*array)[i], key_path,
                   "found " + describe((*array)[i]) + "; " + port.error().to_string());
      continue;
    }
    container.ports.push_back(*port);
    source.ports.push_back(reader.at((*array)[i]));
  }
}

void read_dns(Reader& reader, const toml::node& node, std::string_view path, Container& container) {
  auto servers = reader.strings(node, path);
  if (!servers) return;
  const auto& array = *node.as_array();
  for (size_t i = 0; i < servers->size(); ++i) {
    auto address = parse_ipv4((*servers)[i]);
    if (!address) {
      reader.error(array[i], join_index(path, i),
                   "found " + describe(array[i]) + "; " + address.error().to_string());
      continue;
    }
    container.dns.push_back(to_string(*address));
  }
}

}  // namespace srcompose::spec::detail
