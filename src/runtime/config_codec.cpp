// SPDX-License-Identifier: GPL-2.0-or-later
#include "runtime/config_codec.hpp"

#include <cstring>
#include <type_traits>

namespace srcompose::runtime {

namespace {

// A new field of these must be added to encode and decode below (and to the round-trip test in
// tests/unit/runtime_config_codec_test.cpp): the sizes make the build say so.
static_assert(sizeof(MountOp) == 72, "MountOp changed: update config_codec.cpp");
static_assert(sizeof(MountOption) == 16, "MountOption changed: update config_codec.cpp");
static_assert(sizeof(ResourceLimit) == 32, "ResourceLimit changed: update config_codec.cpp");
static_assert(sizeof(WorkloadConfig) == 168, "WorkloadConfig changed: update config_codec.cpp");
static_assert(sizeof(ChildConfig) == 384, "ChildConfig changed: update config_codec.cpp");

class Writer {
 public:
  template <typename T>
  requires std::is_trivially_copyable_v<T>
  void value(const T& item) { bytes_.append(reinterpret_cast<const char*>(&item), sizeof item); }
  void text(std::string_view item) {
    value<uint64_t>(item.size());
    bytes_.append(item);
  }
  // A C string that may be null.
  void c_string(const char* item) {
    value<uint8_t>(item != nullptr);
    if (item) text(item);
  }
  // A C string with an explicit length (may hold NULs).
  void sized(const char* item, size_t length) {
    value<uint8_t>(item != nullptr);
    if (item) text(std::string_view(item, length));
  }
  // argv/envp: null-terminated arrays (the null is not written).
  void string_array(const std::vector<char*>& items) {
    value<uint64_t>(items.empty() ? 0 : items.size() - 1);
    for (const char* item : items) {
      if (item) text(item);
    }
  }
  template <typename T>
  void values(const std::vector<T>& items) {
    value<uint64_t>(items.size());
    bytes_.append(reinterpret_cast<const char*>(items.data()), items.size() * sizeof(T));
  }
  std::string take() && { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// Reads what Writer wrote; past the end every read fails softly (zero values) and ok() is false.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  bool at_end() const { return bytes_.empty(); }

  template <typename T>
  requires std::is_trivially_copyable_v<T> T value() {
    T item{};
    if (!take(sizeof item)) return item;
    std::memcpy(&item, bytes_.data() - sizeof item, sizeof item);
    return item;
  }
  // Written as a bool: any byte but 0 is true (no bool is made from an arbitrary byte).
  bool flag() { return value<uint8_t>() != 0; }
  std::string text() {
    auto length = value<uint64_t>();
    if (!take(length)) return {};
    return std::string(bytes_.data() - length, length);
  }
  // A count of items of `size` bytes each, refused when the rest cannot hold them.
  size_t count(size_t size) {
    auto n = value<uint64_t>();
    if (size != 0 && n > bytes_.size() / size) ok_ = false;
    return ok_ ? n : 0;
  }
  template <typename T>
  std::vector<T> values() {
    size_t n = count(sizeof(T));
    std::vector<T> items(n);
    if (n && take(n * sizeof(T)))
      std::memcpy(items.data(), bytes_.data() - n * sizeof(T), n * sizeof(T));
    return items;
  }

 private:
  bool take(size_t length) {
    if (!ok_ || length > bytes_.size()) {
      ok_ = false;
      return false;
    }
    bytes_.remove_prefix(length);
    return true;
  }
  std::string_view bytes_;
  bool ok_ = true;
};

const char* read_c_string(Reader& in, ChildConfig& config) {
  if (!in.flag()) return nullptr;
  return config.keep(in.text());
}

std::vector<char*> read_string_array(Reader& in, ChildConfig& config) {
  size_t n = in.count(sizeof(uint64_t));
  std::vector<char*> items;
  items.reserve(n + 1);
  for (size_t i = 0; i < n && in.ok(); ++i)
    items.push_back(const_cast<char*>(config.keep(in.text())));
  items.push_back(nullptr);
  return items;
}

void write_mount(Writer& out, const MountOp& op) {
  out.value(op.kind);
  out.c_string(op.target);
  out.value(op.create);
  out.value(op.fd_index);
  out.c_string(op.fs_type);
  out.value<uint64_t>(op.options_begin);
  out.value<uint64_t>(op.options_count);
  out.value(op.attributes);
  out.c_string(op.link_target);
  out.value(op.detail);
  out.value(op.no_symlinks);
  out.value(op.anchor);
}

MountOp read_mount(Reader& in, ChildConfig& config) {
  MountOp op;
  op.kind = in.value<MountOp::Kind>();
  op.target = read_c_string(in, config);
  op.create = in.value<MountOp::Create>();
  op.fd_index = in.value<int>();
  op.fs_type = read_c_string(in, config);
  op.options_begin = in.value<uint64_t>();
  op.options_count = in.value<uint64_t>();
  op.attributes = in.value<uint64_t>();
  op.link_target = read_c_string(in, config);
  op.detail = in.value<int32_t>();
  op.no_symlinks = in.flag();
  op.anchor = in.value<int8_t>();
  return op;
}

void write_workload(Writer& out, const WorkloadConfig& workload) {
  out.string_array(workload.argv);
  out.string_array(workload.envp);
  out.value<uint64_t>(workload.search.size());
  for (const char* directory : workload.search)
    out.text(directory);
  out.c_string(workload.workdir);
  out.value(workload.uid);
  out.value(workload.gid);
  out.values(workload.groups);
  out.value(workload.capabilities);
  out.value(workload.no_new_privs);
  out.value(workload.controlling_terminal);
  out.value<uint8_t>(workload.seccomp != nullptr);
  if (workload.seccomp) out.values(workload.seccomp->program);
  out.values(workload.rlimits);
  out.value(workload.exec_detail);
  out.value(workload.workdir_detail);
}

void read_workload(Reader& in, DecodedChildConfig& decoded) {
  ChildConfig& config = decoded.config;
  WorkloadConfig& workload = config.workload;
  workload.argv = read_string_array(in, config);
  workload.envp = read_string_array(in, config);
  size_t search = in.count(sizeof(uint64_t));
  for (size_t i = 0; i < search && in.ok(); ++i)
    workload.search.push_back(config.keep(in.text()));
  workload.workdir = read_c_string(in, config);
  workload.uid = in.value<uid_t>();
  workload.gid = in.value<gid_t>();
  workload.groups = in.values<gid_t>();
  workload.capabilities = in.value<uint64_t>();
  workload.no_new_privs = in.flag();
  workload.controlling_terminal = in.flag();
  if (in.flag()) {
    decoded.seccomp.program = in.values<sock_filter>();
    workload.seccomp = &decoded.seccomp;
  }
  workload.rlimits = in.values<ResourceLimit>();
  workload.exec_detail = in.value<int32_t>();
  workload.workdir_detail = in.value<int32_t>();
}

}  // namespace

std::string encode_child_config(const ChildConfig& config) {
  Writer out;
  out.value<uint64_t>(config.details.size());
  for (const auto& detail : config.details)
    out.text(detail);
  out.value<uint64_t>(config.options.size());
  for (const auto& option : config.options) {
    out.c_string(option.key);
    out.c_string(option.value);
  }
  out.value<uint64_t>(config.mounts.size());
  for (const auto& op : config.mounts)
    write_mount(out, op);
  out.value(config.user_namespace);
  out.value(config.cgroup_namespace);
  out.sized(config.time_offsets, config.time_offsets_length);
  out.value(config.read_only_root);
  out.sized(config.hostname, config.hostname_length);
  out.sized(config.domainname, config.domainname_length);
  write_workload(out, config.workload);
  return std::move(out).take();
}

Result<std::unique_ptr<DecodedChildConfig>> decode_child_config(std::string_view bytes) {
  auto decoded = std::make_unique<DecodedChildConfig>();
  ChildConfig& config = decoded->config;
  Reader in(bytes);
  size_t details = in.count(sizeof(uint64_t));
  for (size_t i = 0; i < details && in.ok(); ++i)
    config.details.push_back(in.text());
  size_t options = in.count(2 * sizeof(uint8_t));
  for (size_t i = 0; i < options && in.ok(); ++i) {
    MountOption option;
    option.key = read_c_string(in, config);
    option.value = read_c_string(in, config);
    config.options.push_back(option);
  }
  size_t mounts = in.count(sizeof(uint8_t));
  for (size_t i = 0; i < mounts && in.ok(); ++i)
    config.mounts.push_back(read_mount(in, config));
  config.user_namespace = in.flag();
  config.cgroup_namespace = in.flag();
  config.time_offsets = read_c_string(in, config);
  config.time_offsets_length = config.time_offsets ? config.strings.back().size() : 0;
  config.read_only_root = in.flag();
  config.hostname = read_c_string(in, config);
  config.hostname_length = config.hostname ? config.strings.back().size() : 0;
  config.domainname = read_c_string(in, config);
  config.domainname_length = config.domainname ? config.strings.back().size() : 0;
  read_workload(in, *decoded);
  if (!in.ok() || !in.at_end()) {
    return Error::message("malformed container config (" + std::to_string(bytes.size()) +
                          " bytes)");
  }
  for (const auto& op : config.mounts) {
    if (op.options_begin + op.options_count > config.options.size()) {
      return Error::message("malformed container config: mount options out of range");
    }
  }
  return decoded;
}

}  // namespace srcompose::runtime
