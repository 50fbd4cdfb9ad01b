// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the lab-file loader and the planner on arbitrary bytes. Any crash, sanitizer
// report or escaping exception is a bug: a lab file is untrusted input (teachers download them),
// and `config` must turn every mistake into a diagnostic.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plan/lab_plan.hpp"
#include "spec/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  srcompose::spec::LoadOptions options;
  options.host_cpu_count = 4;  // a fixed host, so that runs are reproducible
  const auto result = srcompose::spec::load_lab_text(text, "/nonexistent/fuzz/lab.toml", options);
  // Every refusal carries at least one diagnostic; a lab is returned only without any.
  if (result.lab.has_value() == !result.diagnostics.empty()) __builtin_trap();
  for (const auto& diagnostic : result.diagnostics)
    (void)diagnostic.to_string();
  // A lab that loads must plan: planning is where `config` and `up` turn it into kernel values.
  if (result.lab) (void)srcompose::plan::plan_lab(*result.lab);
  return 0;
}
