// SPDX-License-Identifier: GPL-2.0-or-later
// The supervisor's reading of a starting child's sync channel (supervisor/sync_channel.hpp): on the
// event loop, messages in order, the child's end closing, the deadline, and a stop that wins.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <vector>

#include "supervisor/sync_channel.hpp"

using namespace srcompose;
using namespace srcompose::supervisor;
using std::chrono::milliseconds;

namespace {

// A socketpair as the runtime makes it: `parent` is read here, `child` plays the child.
struct Channel {
  UniqueFd parent, child;
  Channel() {
    std::array<int, 2> pair{};
    REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair.data()) == 0);
    parent.reset(pair[0]);
    child.reset(pair[1]);
  }
  void send(runtime::SyncMessage::Kind kind) {
    runtime::SyncMessage message;
    message.kind = kind;
    REQUIRE(runtime::send_message(child.get(), message) == 0);
  }
};

struct Reading {
  std::optional<Result<ChannelEnd>> end;
  std::vector<int32_t> kinds;  // the messages passed on, in order
};

// Runs read_sync_channel on a loop of its own until it ends.
Reading read_all(Channel& channel, milliseconds deadline, AsyncEvent* cancel,
                 boost::asio::io_context& io) {
  Reading reading;
  auto on_message = [&reading](const runtime::SyncMessage& message, UniqueFd) {
    reading.kinds.push_back(message.kind);
    return Status{};
  };
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        reading.end = co_await read_sync_channel(io, channel.parent.get(),
                                                 std::chrono::steady_clock::now() + deadline,
                                                 cancel, on_message);
      },
      boost::asio::detached);
  io.run();
  return reading;
}

}  // namespace

TEST_CASE("sync channel: every message is passed on, in order, until the child's end closes") {
  boost::asio::io_context io;
  Channel channel;
  channel.send(runtime::SyncMessage::ready);
  channel.send(runtime::SyncMessage::exec_pid);
  channel.child.reset();
  auto reading = read_all(channel, milliseconds{5000}, nullptr, io);
  REQUIRE(reading.end.has_value());
  REQUIRE(reading.end->ok());
  CHECK(**reading.end == ChannelEnd::end_of_file);
  CHECK(reading.kinds ==
        std::vector<int32_t>{runtime::SyncMessage::ready, runtime::SyncMessage::exec_pid});
}

TEST_CASE("sync channel: a child that says nothing meets the deadline") {
  boost::asio::io_context io;
  Channel channel;
  const auto began = std::chrono::steady_clock::now();
  auto reading = read_all(channel, milliseconds{50}, nullptr, io);
  REQUIRE(reading.end.has_value());
  REQUIRE(reading.end->ok());
  CHECK(**reading.end == ChannelEnd::deadline);
  CHECK(std::chrono::steady_clock::now() - began >= milliseconds{50});
  CHECK(reading.kinds.empty());
}

// The race that left a teardown waiting forever: the stop was asked while the child set itself
// up, and by the time the loop resumed the reading, the child's `ready` and its end were both
// waiting on the socket. The stop wins: the start ends cancelled, and the `ready` is not taken.
TEST_CASE("sync channel: a stop asked before the child's last messages were read wins over them") {
  boost::asio::io_context io;
  Channel channel;
  channel.send(runtime::SyncMessage::ready);
  channel.child.reset();
  AsyncEvent stop(io);
  stop.set();
  auto reading = read_all(channel, milliseconds{5000}, &stop, io);
  REQUIRE(reading.end.has_value());
  REQUIRE(reading.end->ok());
  CHECK(**reading.end == ChannelEnd::cancelled);
  CHECK(reading.kinds.empty());
}

TEST_CASE("sync channel: a stop while waiting for the child ends the reading at once") {
  boost::asio::io_context io;
  Channel channel;
  AsyncEvent stop(io);
  boost::asio::steady_timer later(io);
  later.expires_after(milliseconds{20});
  later.async_wait([&stop](const boost::system::error_code&) { stop.set(); });
  const auto began = std::chrono::steady_clock::now();
  auto reading = read_all(channel, milliseconds{5000}, &stop, io);
  REQUIRE(reading.end.has_value());
  REQUIRE(reading.end->ok());
  CHECK(**reading.end == ChannelEnd::cancelled);
  CHECK(std::chrono::steady_clock::now() - began < milliseconds{2000});
}
