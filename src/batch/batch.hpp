// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose batch`: the lab run once per item, each instance `srcompose run NAME` as a project of
// its own, locally N at a time (local_runner.hpp) or as a Slurm job array (slurm.hpp), and one
// summary over every item (results.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "batch/items.hpp"
#include "batch/results.hpp"
#include "spec/lab.hpp"

namespace srcompose::batch {

// What every instance shares. Immutable once the batch starts.
struct BatchSetup {
  std::filesystem::path lab_file;  // absolute
  std::string prefix;              // projects are "<prefix>-<key>"
  std::string run_container;       // --run
  std::filesystem::path out;       // --results, absolute
  unsigned jobs = 1;
  // Global options every instance gets after -f and -p: --state-dir, --env-file.
  std::vector<std::string> global_arguments;
  std::vector<std::string> containers;  // the lab's, for the summary's columns
  std::vector<spec::Rootfs> images;     // every item's containers' images (--slurm checks them)
  std::vector<Item> items;
};

// The command line of an item's instance: `EXECUTABLE -f LAB -p PROJECT GLOBALS... run --no-color
// --results OUT/<key> RUN`.
std::vector<std::string> instance_argv(const BatchSetup& setup, const Item& item,
                                       const std::string& executable);

// `EXECUTABLE -f LAB -p PROJECT GLOBALS... down`: removes whatever an instance killed before it
// could tear its lab down left behind (nothing when it tore it down itself).
std::vector<std::string> instance_down_argv(const BatchSetup& setup, const Item& item,
                                            const std::string& executable);

// The item's variables (ITEM, ITEM_PATH, CSV columns), set in its instance's environment: the
// environment wins over env files in the lab file's interpolation.
std::vector<std::pair<std::string, std::string>> instance_variables(const Item& item);

// Every item's result as OUT holds it, in item order.
std::vector<ItemResult> read_results(const BatchSetup& setup);

// "alice: grader exit code 1 (exited), 4.2 s" or "bob: failed: ...": one line per ended item.
std::string describe_result(const ItemResult& result, const std::string& run_container);

}  // namespace srcompose::batch
