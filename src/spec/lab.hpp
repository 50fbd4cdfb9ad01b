// SPDX-License-Identifier: GPL-2.0-or-later
// The lab file, loaded and validated: immutable, every default filled in.
//
// This is the contract between the loader (src/spec) and everything after it. A `Lab` only exists
// once the whole file validated: code that receives one may rely on every invariant stated here
// (names unique and well formed, addresses inside their subnets, dependencies acyclic, ...).
// Units are normalized: sizes in bytes, durations in milliseconds, signals as numbers.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace srcompose::spec {

using Milliseconds = std::chrono::milliseconds;

// Where a value came from in the lab file (1-based line and column; 0 when defaulted).
struct SourceLocation {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
};

// An IPv4 address in host byte order.
struct Ipv4 {
  uint32_t value = 0;
  friend auto operator<=>(const Ipv4&, const Ipv4&) = default;
};

struct Cidr {
  Ipv4 network;  // host bits zero
  uint8_t prefix_length = 0;
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

struct Network {
  std::string name;  // key in [networks.NAME]
  Cidr subnet;
  // `subnet = "auto"`: until assign_auto_subnets gives it a /24 of the lab's pool, `subnet` is the
  // placeholder 0.0.0.0/24 and the gateway and addresses (all picked: none may be written) are
  // offsets in it.
  bool subnet_auto = false;
  Ipv4 gateway;           // default: first host address of the subnet
  std::string bridge;     // host bridge name, <= 15 chars; default: spec::default_bridge_name
  bool nat = false;       // masquerade outbound traffic
  bool internal = false;  // no route out at all
  SourceLocation location;
};

enum class RootfsKind { directory, tarball, builtin_busybox };

struct Rootfs {
  RootfsKind kind = RootfsKind::builtin_busybox;
  std::filesystem::path path;  // absolute; empty for builtin
  std::string text;            // as written: "builtin:busybox", "./rootfs", ...
};

enum class RestartPolicy { no, on_failure, on_oom, always };

enum class DependencyCondition { started, healthy, completed_successfully };

struct Dependency {
  std::string container;
  DependencyCondition condition = DependencyCondition::started;
};

struct Healthcheck {
  std::vector<std::string> command;  // run inside the container
  Milliseconds interval{30'000};
  Milliseconds timeout{30'000};
  Milliseconds start_period{0};
  uint32_t retries = 3;
};

// Attachment of a container to a network. `ipv4` is always set after loading: static addresses as
// written, the others picked in file order from the lowest free host address (deterministic).
struct NetworkAttachment {
  std::string network;
  Ipv4 ipv4;
  bool ipv4_static = false;  // written in the file, as opposed to picked
};

enum class Protocol { tcp, udp };

// "127.0.0.1:8080:80/tcp"; host_ip defaults to 0.0.0.0, protocol to tcp.
struct PortMapping {
  Ipv4 host_ip;
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  Protocol protocol = Protocol::tcp;
  std::string text;
};

struct IdRange {
  uint32_t inside = 0;
  uint32_t outside = 0;
  uint32_t count = 0;
  friend bool operator==(const IdRange&, const IdRange&) = default;
};

// User namespace id mapping. `automatic`: the planner picks a private 65536-id range per container,
// deterministically from the project and container names. `host`: no user namespace.
enum class IdMapMode { automatic, host, explicit_ranges };

struct IdMap {
  IdMapMode mode = IdMapMode::automatic;
  std::vector<IdRange> uid;  // explicit_ranges only
  std::vector<IdRange> gid;
};

enum class MountType { bind, tmpfs };

struct Mount {
  MountType type = MountType::bind;
  std::filesystem::path
      source;          // bind: absolute host path (relative ones resolved against the lab file)
  std::string target;  // absolute path inside the container
  bool readonly = false;
  // bind: an idmapped mount whose files owned by the source directory's owner show as the
  // container's root, and whatever the container's root creates belongs to that owner on the host.
  bool idmap = false;
  std::optional<uint64_t> size;  // tmpfs: bytes
  std::optional<uint32_t> mode;  // tmpfs: octal permission bits
  SourceLocation location;
};

// A block device limit: `device` is a host block device path, or "rootfs" for the device that holds
// the container's writable layer. Validation checked it is a block device.
struct DeviceLimit {
  std::string device;
  uint64_t value = 0;  // bytes per second or operations per second
};

// A resource limit of the workload (setrlimit), `ulimits` in the lab file.
struct Ulimit {
  std::string name;  // "nofile", "nproc", "memlock", "fsize", "core", "stack", "cpu"
  int resource = 0;  // RLIMIT_*
  uint64_t soft = 0;
  uint64_t hard = 0;  // >= soft; UINT64_MAX (RLIM_INFINITY) for "unlimited"
  friend bool operator==(const Ulimit&, const Ulimit&) = default;
};

struct Limits {
  std::optional<uint64_t> memory;       // bytes
  std::optional<uint64_t> memory_swap;  // bytes: memory + swap, as docker's --memory-swap
  std::optional<uint64_t> cpu_weight;   // 1..10000, the cgroup v2 scale; v1 converts to shares
  std::optional<double> cpus;           // hard cap in CPUs (quota / period)
  std::optional<std::string> cpuset;    // "0-1,3"
  std::optional<std::string> cpuset_mems;
  std::optional<uint64_t> pids;
  std::vector<DeviceLimit> io_read_bps;
  std::vector<DeviceLimit> io_write_bps;
  std::vector<DeviceLimit> io_read_iops;
  std::vector<DeviceLimit> io_write_iops;
  // Grading limits enforced by the supervisor: the cgroup's CPU time, and the time the container
  // has run (both summed over every run of the container: restarts do not renew them).
  std::optional<Milliseconds> cpu_time;
  std::optional<Milliseconds> wall_time;
  // The writable layer's size: upper and work of the overlay live on a tmpfs of this size (memory,
  // charged to the container's memory cgroup), so the host's disk is never written.
  std::optional<uint64_t> disk;
};

// Clock offsets for a time namespace (CLONE_NEWTIME), in seconds.
struct TimeOffsets {
  int64_t monotonic = 0;
  int64_t boottime = 0;
};

// A container's output log (logs/<name>.log in the state directory, RAM on most hosts): rotated
// at max_size, at most max_file files kept, as compose's json-file max-size and max-file. Output
// past `rate` bytes per second on average (bursts up to max_size) is dropped and counted, so a
// flooding container costs neither memory nor the supervisor's CPU (issue 10 item 14).
struct Logging {
  uint64_t max_size = uint64_t{10} * 1024 * 1024;
  uint32_t max_file = 2;
  uint64_t rate = uint64_t{1024} * 1024;
};

enum class NetworkMode { bridge, none };

enum class SeccompMode { default_profile, unconfined, profile_file };

struct Container {
  std::string name;  // [containers.NAME]; a valid host name
  Rootfs rootfs;
  std::vector<std::string> command;  // empty: the rootfs's /bin/sh
  std::string hostname;              // default: name
  std::string domainname;
  std::string user = "0:0";  // "uid[:gid]" or "name[:group]", resolved in the rootfs at start
  std::string workdir = "/";
  std::map<std::string, std::string> env;
  std::vector<Dependency> depends_on;
  RestartPolicy restart = RestartPolicy::no;
  uint32_t max_restarts = 0;  // 0: unlimited
  Milliseconds restart_delay_max{10'000};
  int stop_signal = 15;  // SIGTERM
  Milliseconds stop_timeout{10'000};
  NetworkMode network_mode = NetworkMode::bridge;
  std::vector<NetworkAttachment> networks;  // file order; eth0 is the first
  std::vector<std::string> dns;  // nameservers for /etc/resolv.conf; empty: copy the host's
  std::vector<PortMapping> ports;
  std::vector<std::string> cap_add;   // upper case, without CAP_ prefix: "NET_ADMIN"
  std::vector<std::string> cap_drop;  // "ALL" allowed
  SeccompMode seccomp = SeccompMode::default_profile;
  std::filesystem::path seccomp_profile;  // profile_file only
  std::string seccomp_profile_json;       // its text, read and checked by the loader
  bool read_only = false;                 // rootfs mounted read-only
  bool persist = false;                   // keep the writable layer across `up`s
  IdMap idmap;
  // Opt-in: this container's host id ranges may overlap other containers' (shared files, at the
  // price of isolation between them). Without it, overlapping outside ranges are an error.
  bool idmap_share = false;
  Limits limits;
  std::vector<Mount> mounts;
  std::optional<Healthcheck> healthcheck;
  std::optional<TimeOffsets> time_offsets;
  Logging logging;
  std::vector<Ulimit> ulimits;  // sorted by name
  // Namespaced sysctls only (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*), written in
  // the container's own namespaces; "net.ipv4.ping_group_range" defaults to "0 2147483647".
  std::map<std::string, std::string> sysctls;
  SourceLocation location;
};

struct Lab {
  std::string name;                 // project name; default: the lab file's directory name
  std::filesystem::path file;       // absolute path of the lab file
  std::filesystem::path directory;  // its directory: relative paths resolve against it
  std::filesystem::path storage_dir = "/var/lib/srcompose";  // images and writable layers
  bool idmap_share = false;              // lab-wide `idmap_share`: every container may overlap
  Cidr subnet_pool{Ipv4{10u << 24}, 8};  // where `subnet = "auto"` networks take their /24s
  std::vector<Network> networks;         // file order
  std::vector<Container> containers;     // file order
  // The variables the file used and their values (unset ones are absent): what `${VAR}` resolved
  // to, so that a later command re-reads the file exactly as `up` did.
  std::map<std::string, std::string, std::less<>> variables;

  const Container* find_container(std::string_view container_name) const;
  const Network* find_network(std::string_view network_name) const;
  // Containers in an order where every container comes after all it depends on; ties keep file
  // order.
  std::vector<const Container*> start_order() const;
  // True while a `subnet = "auto"` network still has its placeholder.
  bool has_unassigned_subnets() const;
};

// The prefix length of an automatic subnet.
inline constexpr uint8_t kAutoSubnetPrefix = 24;

// Gives each `subnet = "auto"` network named in `chosen` its /24 (kAutoSubnetPrefix): the gateway
// and the containers' addresses on it keep their offsets. Networks not named keep what they have.
void assign_auto_subnets(Lab& lab, const std::map<std::string, Cidr, std::less<>>& chosen);

// Text forms shared by the loader, the emitters and the messages.
std::string to_string(Ipv4 address);
std::string to_string(const Cidr& cidr);
std::string_view to_string(RootfsKind kind);
std::string_view to_string(RestartPolicy policy);
std::string_view to_string(DependencyCondition condition);
std::string_view to_string(Protocol protocol);
std::string_view to_string(MountType type);
std::string_view to_string(SeccompMode mode);
std::string_view to_string(NetworkMode mode);
std::string_view to_string(IdMapMode mode);

}  // namespace srcompose::spec
