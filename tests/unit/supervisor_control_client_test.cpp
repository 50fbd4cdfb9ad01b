// SPDX-License-Identifier: GPL-2.0-or-later
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "common/unique_fd.hpp"
#include "supervisor/control_server.hpp"
#include "test_support.hpp"

using srcompose::UniqueFd;
using srcompose::supervisor::send_control_request;
namespace json = srcompose::supervisor::json;

namespace {

// A listening socket that accepts nothing unless a test does.
UniqueFd listen_at(const std::filesystem::path& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd.get(), 4) == 0);
  return fd;
}

const json::object kPing{{"request", "ps"}};

}  // namespace

TEST_CASE("the control client sends one line and reads the supervisor's one-line reply") {
  srcompose::test::TempDir dir;
  auto path = dir.path() / "control.sock";
  auto listener = listen_at(path);
  std::string received;
  std::thread server([&] {
    UniqueFd connection(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    char buffer[256];
    ssize_t n = ::read(connection.get(), buffer, sizeof buffer);
    if (n > 0) received.assign(buffer, static_cast<size_t>(n));
    std::string reply = R"({"ok":true,"containers":[]})"
                        "\n";
    (void)!::write(connection.get(), reply.data(), reply.size());
  });
  auto reply = send_control_request(path, kPing, nullptr, std::chrono::seconds(10));
  server.join();
  REQUIRE_MESSAGE(reply.ok(), (reply ? "" : reply.error().to_string()));
  CHECK(received == "{\"request\":\"ps\"}\n");
  CHECK(reply->at("ok").as_bool());
}

TEST_CASE("the control client: nobody listening is ENOENT or ECONNREFUSED, a symlink is refused") {
  srcompose::test::TempDir dir;
  auto missing =
      send_control_request(dir.path() / "none.sock", kPing, nullptr, std::chrono::seconds(10));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().error_number() == ENOENT);

  auto path = dir.path() / "closed.sock";
  { listen_at(path); }  // bound, then closed: the file stays, nobody listens
  auto refused = send_control_request(path, kPing, nullptr, std::chrono::seconds(10));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().error_number() == ECONNREFUSED);

  std::filesystem::create_symlink(path, dir.path() / "link.sock");
  auto link =
      send_control_request(dir.path() / "link.sock", kPing, nullptr, std::chrono::seconds(10));
  REQUIRE_FALSE(link.ok());
  CHECK(link.error().to_string().find("not a socket") != std::string::npos);
}

TEST_CASE("the control client gives up at its deadline, or when the supervisor stops serving") {
  srcompose::test::TempDir dir;
  auto path = dir.path() / "silent.sock";
  auto listener = listen_at(path);  // connects (the backlog), never answers
  auto start = std::chrono::steady_clock::now();
  auto late = send_control_request(path, kPing, nullptr, std::chrono::milliseconds(300));
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(late.ok());
  CHECK(late.error().error_number() == ETIMEDOUT);
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(took < std::chrono::seconds(3));

  int asked = 0;
  start = std::chrono::steady_clock::now();
  auto gone = send_control_request(
      path, kPing, [&asked] { return ++asked < 2; }, std::chrono::hours(1));
  took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().error_number() == ETIMEDOUT);
  CHECK(asked == 2);
  CHECK(took < std::chrono::seconds(5));
}
