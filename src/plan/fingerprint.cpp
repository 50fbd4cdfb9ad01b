// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/fingerprint.hpp"

#include "spec/emit.hpp"

namespace srcompose::plan {

namespace {

std::string ranges_text(const std::vector<spec::IdRange>& ranges) {
  std::string text;
  for (const auto& range : ranges) {
    text += (text.empty() ? "" : ",") + std::to_string(range.inside) + ":" +
            std::to_string(range.outside) + ":" + std::to_string(range.count);
  }
  return text;
}

}  // namespace

std::string normalized_lab(const spec::Lab& lab, const LabPlan& plan,
                           const std::map<std::string, std::string>& images) {
  std::string text = spec::to_toml(lab);
  for (const auto& container : plan.containers) {
    text += "\n# derived: " + container.name + "\n";
    auto image = images.find(container.name);
    text += "image = " + (image == images.end() ? std::string("?") : image->second) + "\n";
    text += "uid_map = " + ranges_text(container.userns.uid_map) + "\n";
    text += "gid_map = " + ranges_text(container.userns.gid_map) + "\n";
    for (const auto& interface : container.net.interfaces) {
      text += "mac." + interface.network + " = " + to_string(interface.mac) + "\n";
    }
  }
  return text;
}

}  // namespace srcompose::plan
