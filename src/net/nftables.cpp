// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/nftables.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include "net/libnftables.hpp"
#include "net/netlink.hpp"
#include "spec/values.hpp"

namespace srcompose::net {
namespace {

// Names go into the script between quotes; anything but these characters could end the string
// (or the rule) and inject rules, so it is refused rather than escaped.
bool safe_name(const std::string& name) {
  return !name.empty() && spec::is_name_text(name, "_-.");
}

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

void add_forward_rules(const plan::BridgePlan& bridge, std::string& chain) {
  std::string br = quoted(bridge.bridge);
  chain += "    iifname " + br + " oifname " + br + " accept\n";
  chain += "    oifname " + br + " ct state established,related accept\n";
  chain += "    oifname " + br + " drop\n";
  if (bridge.nat && !bridge.internal) chain += "    iifname " + br + " accept\n";
  chain += "    iifname " + br + " drop\n";
}

// An internal network talks to nothing of the host: not the gateway address, whose services (and
// every other lab's published ports on 0.0.0.0) would answer, nor any other address or 127.0.0.1
// routed by hand. Only replies to what the host opened (a port proxy, the host reaching a
// container) and their ICMP errors come in. Containers get no DNS or DHCP from the host: their
// name files are written into the rootfs.
void add_input_rules(const plan::BridgePlan& bridge, std::string& chain) {
  if (!bridge.internal) return;
  std::string br = quoted(bridge.bridge);
  chain += "    iifname " + br + " ct state established,related accept\n";
  chain += "    iifname " + br + " drop\n";
}

void add_nat_rules(const plan::BridgePlan& bridge, std::string& chain) {
  if (!bridge.nat || bridge.internal) return;
  chain += "    ip saddr " + spec::to_string(bridge.subnet) +
           " oifname != " + quoted(bridge.bridge) + " masquerade\n";
}

std::string trimmed(const char* text) {
  std::string out = text == nullptr ? "" : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

}  // namespace

Result<LabRuleset> lab_ruleset(const plan::LabNetPlan& plan) {
  if (!safe_name(plan.nft_table)) {
    return Error::message("nftables table name '" + plan.nft_table + "' has unsafe characters");
  }
  std::string forward, input, postrouting;
  for (const auto& bridge : plan.bridges) {
    if (!safe_name(bridge.bridge)) {
      return Error::message("bridge name '" + bridge.bridge +
                            "' has characters that cannot go into an nftables rule");
    }
    add_forward_rules(bridge, forward);
    add_input_rules(bridge, input);
    add_nat_rules(bridge, postrouting);
  }
  const std::string table = "table inet " + plan.nft_table;
  std::string script = table + " {\n";
  script += "  chain forward {\n    type filter hook forward priority filter; policy accept;\n" +
            forward + "  }\n";
  script += "  chain input {\n    type filter hook input priority filter; policy accept;\n" +
            input + "  }\n";
  script +=
      "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n" +
      postrouting + "  }\n";
  script += "}\n";
  // "add" then "delete" first: that transaction replaces a leftover table and works without one.
  return LabRuleset{"create " + table + "\n" + script,
                    "add " + table + "\ndelete " + table + "\n" + script};
}

Status apply_lab_ruleset(const LabRuleset& ruleset) {
  // Usually there is no leftover (a crashed lab's `down` removes it): "create" fails when there
  // is one, and only then the replacing transaction runs. Its deletion would cost the socket's
  // close an RCU grace period (~15 ms) on every `up`. Any other error fails the second attempt too,
  // which reports it.
  if (apply_ruleset(ruleset.fresh)) return {};
  return apply_ruleset(ruleset.replacing);
}

void NftSession::Deleter::operator()(nft_ctx* context) const {
  nftables->nft_ctx_free(context);
}

Result<NftSession> NftSession::open() {
  auto loaded = sys::loaded_functions<LibNftables>();
  if (!loaded) return std::move(loaded).error();
  const LibNftables& library = **loaded;
  NftSession session;
  session.context_ = {library.nft_ctx_new(NFT_CTX_DEFAULT), Deleter{&library}};
  if (!session.context_) return Error::from_errno("nft_ctx_new", ENOMEM);
  if (library.nft_ctx_buffer_output(session.context_.get()) != 0 ||
      library.nft_ctx_buffer_error(session.context_.get()) != 0) {
    return Error::from_errno("nft_ctx_buffer_error", ENOMEM);
  }
  return session;
}

Status NftSession::run(const std::string& script) {
  if (nftables().nft_run_cmd_from_buffer(context_.get(), script.c_str()) != 0) {
    return Error::message("nft: " + trimmed(nftables().nft_ctx_get_error_buffer(context_.get())));
  }
  return {};
}

Status apply_ruleset(const std::string& script) {
  // The session lives only for this call: libnftables may not open its socket O_CLOEXEC, and
  // nothing forks on this thread meanwhile.
  auto session = NftSession::open();
  if (!session) return std::move(session).error();
  return session->run(script);
}

Status delete_table(const std::string& table, NftSession& session) {
  if (!safe_name(table)) {
    return Error::message("nftables table name '" + table + "' has unsafe characters");
  }
  // Adding an existing table is a no-op, so this deletes it whether or not it existed.
  std::string script = "add table inet " + table + "\ndelete table inet " + table + "\n";
  if (auto status = session.run(script); !status) {
    return std::move(status).error().context("delete table inet " + table);
  }
  return {};
}

Status delete_table(const std::string& table) {
  auto session = NftSession::open();
  if (!session) return std::move(session).error().context("delete table inet " + table);
  return delete_table(table, *session);
}

}  // namespace srcompose::net
