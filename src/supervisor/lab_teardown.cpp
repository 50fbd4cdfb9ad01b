// SPDX-License-Identifier: GPL-2.0-or-later
// The LabSupervisor's teardown: containers stop in reverse dependency order (independent ones
// together), then the network, the containers' layers and cgroups and the project's cgroups go,
// each on the blocking pool where the kernel makes it wait, and the report and results are written
// before the state directory is removed.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "rootfs/prepare.hpp"
#include "supervisor/lab_supervisor.hpp"
#include "supervisor/spawn.hpp"
#include "supervisor/state_dir.hpp"
#include "sys/file_io.hpp"

namespace srcompose::supervisor {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

asio::awaitable<void> LabSupervisor::take_down_after_dependents(ContainerInstance& instance,
                                                                AsyncEvent& cgroup_gone,
                                                                AsyncEvent& done) {
  for (auto* dependent : dependents_of(instance))
    co_await dependent->finished().wait();
  bool was_running =
      instance.state() == ContainerState::running || instance.state() == ContainerState::paused;
  co_await instance.stop(options_.stop_timeout);
  if (was_running) logs_->progress(instance.name(), "stopped");
  co_await network_removal_begun_.wait();
  // Stopped, it holds nothing its dependencies need: its removal overlaps with their stops (once
  // the network's removal has begun).
  if (auto status = co_await instance.destroy(cgroup_gone); !status)
    logs_->progress("", "warning: " + status.error().to_string());
  done.set();
}

// The project's cgroup directories, on the blocking pool once every container's cgroup has gone,
// while the containers' layers may still be being removed (a process still in them, which nothing
// should leave, means waiting for the kernel).
asio::awaitable<Status> LabSupervisor::remove_project_cgroups(
    std::vector<AsyncEvent*> containers_gone) {
  for (auto* gone : containers_gone)
    co_await gone->wait();
  BlockingPool::Job remove = [host = *cgroups_, project = plan_.project] {
    return cgroup::remove_project(host, project);
  };
  co_return co_await blocking_.async_run(std::move(remove), asio::use_awaitable);
}

// The table and the links go on two threads of the blocking pool at once, never on the loop: each
// deletion waits for RCU grace periods, and each job touches its own part of the network
// (net/network.hpp). The table's job ends when the table is gone. The links' (bridges and every
// host veth end in one request) go on in the kernel for ~40 ms after they are gone: the loop waits
// only until no name is listed any more (the job itself ends before the process does:
// finish_network_removal).
asio::awaitable<Status> LabSupervisor::remove_network() {
  auto network = std::make_shared<net::LabNetwork>(std::move(*network_));
  network_.reset();
  removed_network_ = network;
  std::vector<std::string> names = network->bridge_names();
  for (auto& instance : instances_) {
    for (auto& name : instance->host_links())
      names.push_back(std::move(name));
  }
  links_removed_.emplace(io_);
  asio::co_spawn(io_, remove_links(network), log_escaped("remove_links"));
  network_removal_begun_.set();
  BlockingPool::Job table = [network] { return network->remove_table(); };
  auto [table_removed, links_gone] =
      co_await (blocking_.async_run(std::move(table), asio::use_awaitable) &&
                wait_until_unlisted(std::move(names)));
  FirstError errors;
  errors.keep(std::move(table_removed));
  errors.keep(std::move(links_gone));
  // Last: forwarding stays on until the lab's table and bridges are gone.
  errors.keep(network->release_forwarding());
  co_return std::move(errors).status("remove networks of " + plan_.project);
}

asio::awaitable<void> LabSupervisor::remove_links(std::shared_ptr<net::LabNetwork> network) {
  BlockingPool::Job links = [network] { return network->remove_links(); };
  links_removal_status_ = co_await blocking_.async_run(std::move(links), asio::use_awaitable);
  // The pairs went with the bridges (or, when the group could not be deleted, go now with their
  // namespaces: wait_until_unlisted gives them time).
  held_namespaces_.clear();
  links_removed_->set();
}

// Polled every millisecond: each name is looked up under RCU, without netlink. Ends early with the
// links' removal's error; when that removal left some (their group held a stranger, see
// net::LabNetwork::remove_links), veths still go with their namespaces, given kLinksVanishTimeout
// (a namespace kept alive by a process that joined it from outside), after which the containers'
// owners delete what is left.
asio::awaitable<Status> LabSupervisor::wait_until_unlisted(std::vector<std::string> names) {
  constexpr std::chrono::milliseconds kPollInterval{1};
  constexpr std::chrono::milliseconds kLinksVanishTimeout{2'000};
  const auto deadline = std::chrono::steady_clock::now() + kLinksVanishTimeout;
  asio::steady_timer timer(io_);
  for (;;) {
    Status failed;
    std::erase_if(names, [&failed](const std::string& name) {
      auto unlisted = net::links_unlisted({name});
      if (unlisted) return *unlisted;
      failed = std::move(unlisted).error();
      return true;
    });
    if (!failed) co_return failed;
    if (names.empty()) co_return Status{};
    if (links_removed_->is_set()) {
      if (!links_removal_status_) co_return std::exchange(links_removal_status_, Status{});
      if (std::chrono::steady_clock::now() >= deadline) co_return Status{};
    }
    timer.expires_after(kPollInterval);
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

// The links' removal's kernel waits end here, after `down` was answered; then the nftables socket
// closes (its wait is over by then). A failure that came after every link was gone is only logged.
asio::awaitable<void> LabSupervisor::finish_network_removal() {
  if (links_removed_) {
    co_await links_removed_->wait();
    if (!links_removal_status_) {
      logs_->progress("", "warning: remove networks of " + plan_.project + ": " +
                              links_removal_status_.error().to_string());
    }
  }
  removed_network_.reset();
}

namespace {

std::vector<AsyncEvent*> pointers_to(const std::vector<std::unique_ptr<AsyncEvent>>& events) {
  std::vector<AsyncEvent*> pointers;
  pointers.reserve(events.size());
  for (const auto& event : events)
    pointers.push_back(event.get());
  return pointers;
}

asio::awaitable<void> wait_for_all(std::vector<AsyncEvent*> events) {
  for (auto* event : events)
    co_await event->wait();
}

}  // namespace

asio::awaitable<void> LabSupervisor::tear_down() {
  shutdown_requested_.set();
  if (plan_.networks.bridges.empty()) network_removal_begun_.set();
  // Held until the links' removal has ended (held_namespaces_).
  for (auto& instance : instances_) {
    if (UniqueFd netns = instance->take_network_namespace())
      held_namespaces_.push_back(std::move(netns));
  }
  // Every container stops once all containers depending on it have stopped: reverse dependency
  // order, with independent containers stopping (and being removed) together.
  std::vector<std::unique_ptr<AsyncEvent>> cgroups_gone, removed;
  for (auto& instance : instances_) {
    cgroups_gone.push_back(std::make_unique<AsyncEvent>(io_));
    removed.push_back(std::make_unique<AsyncEvent>(io_));
    asio::co_spawn(io_,
                   take_down_after_dependents(*instance, *cgroups_gone.back(), *removed.back()),
                   log_escaped("take_down_after_dependents"));
  }
  // Once nothing runs any more, the bridges and the table go, and the containers' removals begin.
  for (auto& instance : instances_)
    co_await instance->finished().wait();
  // Nothing is cloned any more (no restart, no exec, no health check): the launcher's exit
  // overlaps the removals instead of following them.
  end_launcher();
  // A lab that failed early may still be making them, or may never have begun.
  if (network_creation_started_) co_await network_ready_.wait();
  if (network_) {
    if (auto status = co_await remove_network(); !status)
      logs_->progress("", "warning: " + status.error().to_string());
  } else {
    held_namespaces_.clear();
  }
  network_removal_begun_.set();
  for (auto& instance : instances_) {
    if (auto status = instance->remove_links(); !status)
      logs_->progress("", "warning: " + status.error().to_string());
  }
  // The per-container owners remove their own directories; the project's cgroup parents go as
  // soon as every container's cgroup has, while layers may still be being removed.
  if (auto status = co_await (wait_for_all(pointers_to(removed)) &&
                              remove_project_cgroups(pointers_to(cgroups_gone)));
      !status) {
    logs_->progress("", "warning: " + status.error().to_string());
  }
  report_header_.ended_at = utc_timestamp_now();
  final_report_ = make_report(report_header_, report());
  if (auto status =
          rootfs::remove_project_layers(plan_.storage_dir, plan_.project, !remove_persistent_);
      !status) {
    logs_->progress("", "warning: " + status.error().to_string());
  }
  auto report_text = json::serialize(final_report_) + "\n";
  if (!options_.report_file.empty()) {
    if (auto status = sys::write_file_atomically(options_.report_file, report_text); !status) {
      logs_->progress("", "warning: report: " + status.error().to_string());
    }
  }
  if (!options_.results_dir.empty()) write_results(report_text);
  events_->lab("down");
  if (auto status = remove_state_dir(paths_); !status)
    logs_->progress("", "warning: " + status.error().to_string());
  logs_->progress("", "lab " + plan_.project + " is down");
}

}  // namespace srcompose::supervisor
