// SPDX-License-Identifier: GPL-2.0-or-later
// `srcompose batch --slurm`: the same batch as one Slurm job array. Task i runs `srcompose run` for
// the i-th item to run, on whichever node Slurm picks, with its results under OUT (a directory the
// nodes share); the batch waits for the array, polling squeue, and then summarizes as a local batch
// does: every item's OUT/<key>/ holds the same files either way.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "batch/batch.hpp"
#include "batch/local_runner.hpp"
#include "spec/lab.hpp"

namespace srcompose::batch {

// What every node must have as this host has it: the same srcompose (its `version` text, git
// revision and libraries included) and the same images. A task on a node that differs fails
// before running anything, saying what differs, in its done.json (the item is "failed") and on its
// stderr.
struct NodeRequirements {
  std::filesystem::path srcompose;  // absolute: the binary the nodes run
  std::string version_text;         // `srcompose version` here, without the final newline
  std::vector<std::pair<std::filesystem::path, std::string>> image_digests;  // file, sha256
  std::vector<std::filesystem::path> unchecked_images;                       // directory images
};

// The requirements for the images of `images` (tarballs and the host's busybox by their sha256;
// directory images cannot be digested cheaply and are listed as unchecked).
Result<NodeRequirements> node_requirements(const std::filesystem::path& srcompose,
                                           std::string version_text,
                                           const std::vector<spec::Rootfs>& images);

// The job script: `#SBATCH --array=0-(N-1)%jobs` over `to_run`, the node checks, then the task's
// `srcompose run` and its done.json (the fields format_item_end writes). A task ended by Slurm
// (scancel, time limit) writes no done.json: its item stays to be run. Pure.
std::string job_script(const BatchSetup& setup, const std::vector<size_t>& to_run,
                       const NodeRequirements& node,
                       const std::vector<std::string>& sbatch_arguments);

// Submits the script (written to OUT/.slurm/job.sh) with `sbatch --parsable ARGS`, then polls
// squeue until no task of the array is left, printing each item as it ends and the progress line.
// A SIGINT or SIGTERM cancels the array (scancel: Slurm sends its tasks SIGTERM, each instance
// tears its lab down) and waits for it to be gone.
Result<LocalRun> run_slurm(const BatchSetup& setup, const std::vector<size_t>& to_run,
                           size_t already_done, const std::string& script,
                           const std::vector<std::string>& sbatch_arguments, bool terminal);

// 'text' for a POSIX shell.
std::string shell_quote(std::string_view text);

}  // namespace srcompose::batch
