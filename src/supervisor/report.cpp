// SPDX-License-Identifier: GPL-2.0-or-later
#include "supervisor/report.hpp"

#include <fcntl.h>
#include <sys/utsname.h>

#include <map>

#include "common/unique_fd.hpp"
#include "plan/fingerprint.hpp"
#include "rootfs/image.hpp"
#include "rootfs/sha256.hpp"

namespace srcompose::supervisor {

Result<std::string> lab_fingerprint(const spec::Lab& lab, const plan::LabPlan& plan) {
  std::map<std::string, std::string> images;
  for (const auto& container : plan.containers) {
    auto identity =
        rootfs::image_identity(container.rootfs.source, container.rootfs.image_cache_dir);
    if (!identity) return std::move(identity).error().context("container " + container.name);
    images[container.name] = *identity;
  }
  return "sha256:" + rootfs::sha256_hex(plan::normalized_lab(lab, plan, images));
}

// The report's names (srcompose(1), docs/report.schema.json), systemd's words for the layouts;
// cgroup::to_string's "v1"/"v2" are for messages.
std::string report_layout_name(cgroup::HostLayout::Mode mode) {
  switch (mode) {
    case cgroup::HostLayout::Mode::legacy:
      return "legacy";
    case cgroup::HostLayout::Mode::hybrid:
      return "hybrid";
    case cgroup::HostLayout::Mode::unified:
      return "unified";
  }
  return "";
}

ReportHeader make_report_header(const spec::Lab& lab, const plan::LabPlan& plan,
                                std::string version) {
  ReportHeader header;
  header.srcompose_version = std::move(version);
  header.project = plan.project;
  header.lab_file = lab.file.string();
  UniqueFd file(::open(lab.file.c_str(), O_RDONLY | O_CLOEXEC));
  if (file) {
    if (auto digest = rootfs::sha256_fd(file.get(), lab.file.string()); digest)
      header.lab_sha256 = *digest;
  }
  if (auto fingerprint = lab_fingerprint(lab, plan); fingerprint) header.fingerprint = *fingerprint;
  utsname names{};
  if (::uname(&names) == 0) header.kernel_release = names.release;
  return header;
}

json::object make_report(const ReportHeader& header, json::array containers) {
  return json::object{{"schema", kReportSchema},
                      {"srcompose_version", header.srcompose_version},
                      {"project", header.project},
                      {"started_at", header.started_at},
                      {"ended_at", header.ended_at},
                      {"lab_file", header.lab_file},
                      {"lab_sha256", header.lab_sha256},
                      {"fingerprint", header.fingerprint},
                      {"kernel_release", header.kernel_release},
                      {"cgroup_layout", header.cgroup_layout},
                      {"containers", std::move(containers)}};
}

}  // namespace srcompose::supervisor
