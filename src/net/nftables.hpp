// SPDX-License-Identifier: GPL-2.0-or-later
// The project's nftables table (family inet), built as one nft script and loaded through
// libnftables in one transaction: a project's rules appear and disappear all at once.
//
// Policy for the project's bridges (other traffic of the host is never matched):
// - forward: same bridge accepted; into a bridge only replies (ct established/related); out of a
//   bridge only when the network is `nat` (masqueraded in postrouting); everything else dropped.
//   Each project drops what enters its own bridges, so two projects (or two networks) never reach
//   each other even when both are `nat`.
// - input, `internal` networks: nothing from the bridge reaches the host (no address, no port,
//   IPv4 or IPv6) except replies to connections the host opened (ct established/related).
#pragma once

#include <memory>
#include <string>

#include "common/error.hpp"
#include "plan/net.hpp"

struct nft_ctx;

namespace srcompose::net {

struct LibNftables;

// Owner of one libnftables context and its netfilter netlink socket (root, host netns). Closing a
// netfilter socket after a deletion waits until the kernel has destroyed what was deleted (an RCU
// grace period: nft_rcv_nl_event flushes the destroy work): an owner that needs the deletion done,
// but not that wait, keeps its session open and closes it later. libnftables may open its socket
// without O_CLOEXEC: keep a session open only while nothing forks.
class NftSession {
 public:
  // Loads libnftables at the first session of the process (see libnftables.hpp).
  static Result<NftSession> open();
  // Runs `script` in one transaction. The error carries nft's own message.
  Status run(const std::string& script);

 private:
  // No initializer on the member: it would keep Deleter from being default-constructible here
  // (unique_ptr's default constructor value-initializes it to null).
  struct Deleter {
    const LibNftables* nftables;
    void operator()(nft_ctx* context) const;
  };
  const LibNftables& nftables() const { return *context_.get_deleter().nftables; }
  std::unique_ptr<nft_ctx, Deleter> context_;
};

// The nft scripts for `plan` (pure): `fresh` creates the table and fails when one of the name
// exists, `replacing` replaces one atomically. Errors when a bridge or table name holds characters
// that are unsafe to place in an nft script.
struct LabRuleset {
  std::string fresh;
  std::string replacing;
};
Result<LabRuleset> lab_ruleset(const plan::LabNetPlan& plan);

// Applies `fresh`, and `replacing` when that fails (a leftover table).
Status apply_lab_ruleset(const LabRuleset& ruleset);

// Runs `script` through libnftables (root, host netns). The error carries nft's own message.
Status apply_ruleset(const std::string& script);

// Deletes `table inet <table>`; a table that does not exist is not an error. The first form
// closes its socket (and so waits, see NftSession); the second leaves `session` open.
Status delete_table(const std::string& table);
Status delete_table(const std::string& table, NftSession& session);

}  // namespace srcompose::net
