// SPDX-License-Identifier: GPL-2.0-or-later
// The run report: one JSON shape for `up --report`, `run --report`, `--results DIR/report.json`,
// `down --report` and `down --format json` (documented in srcompose(1), schema in
// docs/report.schema.json).
#pragma once

#include <filesystem>
#include <string>

#include "cgroup/layout.hpp"
#include "common/error.hpp"
#include "plan/lab_plan.hpp"
#include "spec/lab.hpp"
#include "supervisor/json.hpp"

namespace srcompose::supervisor {

inline constexpr const char* kReportSchema = "srcompose-report/1";

// What a report says about the run as a whole.
struct ReportHeader {
  std::string srcompose_version;
  std::string project;
  std::string started_at;  // UTC timestamps
  std::string ended_at;
  std::string lab_file;
  std::string lab_sha256;   // of the file's bytes
  std::string fingerprint;  // lab_fingerprint()
  std::string kernel_release;
  std::string cgroup_layout;  // "unified", "hybrid" or "legacy"
};

// "sha256:" + the digest of plan::normalized_lab with each container's image identity: equal for
// two loads of the same lab file on the same host (and the same images). Reads the image files.
Result<std::string> lab_fingerprint(const spec::Lab& lab, const plan::LabPlan& plan);

// Everything of the header but the times and the cgroup layout (the supervisor's to fill in), made
// by the command from the lab file it planned; errors (an unreadable file) leave fields empty.
ReportHeader make_report_header(const spec::Lab& lab, const plan::LabPlan& plan,
                                std::string version);

// The report's word for a layout: "unified", "hybrid" or "legacy".
std::string report_layout_name(cgroup::HostLayout::Mode mode);

json::object make_report(const ReportHeader& header, json::array containers);

}  // namespace srcompose::supervisor
