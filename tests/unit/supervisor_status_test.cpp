// SPDX-License-Identifier: GPL-2.0-or-later
// The state file's container records: written by to_json, read back without exceptions.
#include <doctest/doctest.h>

#include "supervisor/status.hpp"

using namespace srcompose::supervisor;

TEST_CASE("a container record reads back; a missing or mistyped key is an error naming it") {
  ContainerStatus status;
  status.name = "web";
  status.state = ContainerState::running;
  status.pid = 4242;
  status.restart_count = 3;
  status.restarts.push_back(RunEnd{});
  status.cgroup_procs_files = {"/sys/fs/cgroup/srcompose/lab/web/cgroup.procs"};
  json::object record = to_json(status);
  auto read = container_status_from_json(record);
  REQUIRE(read.ok());
  CHECK(read->name == "web");
  CHECK(read->state == ContainerState::running);
  CHECK(read->pid == 4242);
  CHECK(read->restart_count == 3);
  CHECK(read->restarts.size() == 1);
  CHECK(read->cgroup_procs_files == status.cgroup_procs_files);

  json::object missing = record;
  missing.erase("pid");
  auto without_pid = container_status_from_json(missing);
  REQUIRE_FALSE(without_pid.ok());
  CHECK(without_pid.error().to_string().find("\"pid\" missing") != std::string::npos);

  json::object mistyped = record;
  mistyped["usage"] = json::object{{"memory_current", "lots"}};
  auto bad_usage = container_status_from_json(mistyped);
  REQUIRE_FALSE(bad_usage.ok());
  CHECK(bad_usage.error().to_string().find("wrong type") != std::string::npos);
}

TEST_CASE("a run's end names its signal as spec::signal_name does, real-time ones included") {
  RunEnd end;
  end.signal = 9;
  end.exit_code = 137;
  CHECK(end.reason() == "signal 9 (SIGKILL)");
  end.signal = 36;
  end.core_dumped = true;
  CHECK(end.reason() == "signal 36 (SIGRTMIN+2), core dumped");
  end.signal = 0;
  end.exit_code = 3;
  CHECK(end.reason() == "exit code 3");
}
