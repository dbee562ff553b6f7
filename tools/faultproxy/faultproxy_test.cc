// Integration tests: real sockets on 127.0.0.1 through an in-process FaultProxy to a test
// upstream written here. Each test asserts what a peer observes at the TCP level.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "faultproxy/fault_proxy.h"
#include "test_sockets.h"

namespace protifer::faultproxy {
namespace {

using namespace protifer::faultproxy::testing;
using Clock = std::chrono::steady_clock;

// Closes the fd when the test ends, whatever happened.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

class FaultProxyTest : public ::testing::Test {
 protected:
  void StartProxy(TestUpstream::Mode mode, std::vector<ScheduledFault> schedule = {}) {
    upstream_ = std::make_unique<TestUpstream>(mode);
    FaultProxyOptions options;
    options.upstream_host = "127.0.0.1";
    options.upstream_port = upstream_->port();
    options.schedule = std::move(schedule);
    options.event_sink = [this](std::string_view line) {
      std::lock_guard lock(events_mutex_);
      events_.emplace_back(line);
    };
    proxy_ = std::make_unique<FaultProxy>(std::move(options));
    proxy_->Start();
  }

  void TearDown() override {
    if (proxy_) proxy_->Stop();
  }

  // A client connection to the proxy. Connection ids follow accept order, so tests that
  // target conn=ID finish a round trip on one connection before opening the next.
  int ConnectThrough() {
    const int fd = ConnectLoopback(proxy_->listen_port());
    EXPECT_GE(fd, 0) << "connect: " << std::strerror(errno);
    return fd;
  }

  void ExpectEchoRoundTrip(int fd, const std::string& message) {
    ASSERT_TRUE(SendAll(fd, message));
    ReadResult echoed = ReadExactly(fd, message.size(), 5s);
    ASSERT_EQ(echoed.end, ReadEnd::kData);
    EXPECT_EQ(echoed.data, message);
  }

  std::vector<nlohmann::json> FaultEvents(std::string_view kind) {
    std::lock_guard lock(events_mutex_);
    std::vector<nlohmann::json> matches;
    for (const std::string& line : events_) {
      nlohmann::json event = nlohmann::json::parse(line);
      if (event["event"] == "fault" && event["kind"] == kind) matches.push_back(event);
    }
    return matches;
  }

  std::vector<std::string> AllEvents() {
    std::lock_guard lock(events_mutex_);
    return events_;
  }

  std::unique_ptr<TestUpstream> upstream_;
  std::unique_ptr<FaultProxy> proxy_;
  std::mutex events_mutex_;
  std::vector<std::string> events_;
};

TEST_F(FaultProxyTest, ForwardsMegabytesBothWaysIntactOnConcurrentConnections) {
  StartProxy(TestUpstream::Mode::kEcho);
  constexpr std::size_t kSize = 3 * 1024 * 1024;
  const std::string payloads[2] = {PatternBytes(kSize, 1), PatternBytes(kSize, 2)};
  Socket clients[2] = {Socket(ConnectThrough()), Socket(ConnectThrough())};

  std::vector<std::thread> writers;
  for (int i = 0; i < 2; ++i) {
    writers.emplace_back([&, i] {
      EXPECT_TRUE(SendAll(clients[i].fd(), payloads[i]));
      shutdown(clients[i].fd(), SHUT_WR);  // the half-close must travel through the proxy
    });
  }
  ReadResult echoed[2];
  std::thread second_reader([&] { echoed[1] = ReadUntilEnd(clients[1].fd(), 20s); });
  echoed[0] = ReadUntilEnd(clients[0].fd(), 20s);
  second_reader.join();
  for (auto& writer : writers) writer.join();

  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(echoed[i].end, ReadEnd::kEof);
    ASSERT_EQ(echoed[i].data.size(), kSize);
    EXPECT_TRUE(echoed[i].data == payloads[i]) << "connection " << i << " corrupted";
    EXPECT_EQ(upstream_->WaitForEnd(static_cast<std::size_t>(i), 5s), TestUpstream::End::kEof);
  }
  const ProxyStatus status = proxy_->Status();
  EXPECT_EQ(status.accepted_connections, 2u);
  EXPECT_EQ(status.bytes_client_to_server, 2 * kSize);
  EXPECT_EQ(status.bytes_server_to_client, 2 * kSize);
  EXPECT_EQ(status.resets_injected + status.closes_injected, 0u);
}

TEST_F(FaultProxyTest, ResetSendsRstToBothPeersAndIsLogged) {
  StartProxy(TestUpstream::Mode::kEcho);
  Socket client(ConnectThrough());
  ExpectEchoRoundTrip(client.fd(), "ping");

  EXPECT_EQ(proxy_->Execute("reset"), "ok reset 1 connection(s)");

  ReadResult after = ReadUntilEnd(client.fd(), 5s);
  EXPECT_EQ(after.end, ReadEnd::kReset) << "errno " << after.error;
  EXPECT_EQ(after.error, ECONNRESET);
  EXPECT_EQ(upstream_->WaitForEnd(0, 5s), TestUpstream::End::kReset);
  EXPECT_EQ(proxy_->Status().resets_injected, 1u);
  EXPECT_EQ(proxy_->Status().open_connections, 0u);

  auto resets = FaultEvents("reset");
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(resets[0]["conn"], 1);
  EXPECT_EQ(resets[0]["source"], "api");
  const std::regex iso8601(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  EXPECT_TRUE(std::regex_match(resets[0]["ts"].get<std::string>(), iso8601)) << resets[0];
}

TEST_F(FaultProxyTest, ResetAfterBytesForwardsExactlyTheBudgetThenResets) {
  StartProxy(TestUpstream::Mode::kRecord);
  EXPECT_EQ(proxy_->Execute("reset-after 1000"), "ok reset-after 1000 all connections");
  Socket client(ConnectThrough());
  const std::string payload = PatternBytes(5000, 3);
  SendAll(client.fd(), payload);  // may fail part-way once the RST is back: irrelevant

  ReadResult after = ReadUntilEnd(client.fd(), 5s);
  EXPECT_EQ(after.end, ReadEnd::kReset);
  EXPECT_EQ(upstream_->WaitForEnd(0, 5s), TestUpstream::End::kReset);
  EXPECT_EQ(upstream_->Received(0), payload.substr(0, 1000));
  auto resets = FaultEvents("reset");
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(resets[0]["source"], "reset-after");
  EXPECT_EQ(resets[0]["after_bytes"], 1000);
}

TEST_F(FaultProxyTest, CloseAfterBytesDeliversExactlyTheBudgetThenEof) {
  StartProxy(TestUpstream::Mode::kRecord);
  EXPECT_EQ(proxy_->Execute("close-after 4096"), "ok close-after 4096 all connections");
  Socket client(ConnectThrough());
  const std::string payload = PatternBytes(10'000, 4);
  ASSERT_TRUE(SendAll(client.fd(), payload));

  ReadResult after = ReadUntilEnd(client.fd(), 5s);
  EXPECT_EQ(after.end, ReadEnd::kEof) << "errno " << after.error;
  EXPECT_EQ(upstream_->WaitForEnd(0, 5s), TestUpstream::End::kEof);
  EXPECT_EQ(upstream_->Received(0), payload.substr(0, 4096));
  EXPECT_EQ(proxy_->Status().closes_injected, 1u);
  EXPECT_EQ(proxy_->Status().bytes_client_to_server, 4096u);
}

TEST_F(FaultProxyTest, StallHoldsBytesOnOldAndNewConnectionsUntilUnstall) {
  StartProxy(TestUpstream::Mode::kEcho);
  Socket early(ConnectThrough());
  ExpectEchoRoundTrip(early.fd(), "before");

  EXPECT_EQ(proxy_->Execute("stall"), "ok stalled all connections");
  ASSERT_TRUE(SendAll(early.fd(), "held-early"));
  Socket late(ConnectThrough());  // accepted while stalled, and held silent as well
  ASSERT_GE(late.fd(), 0);
  ASSERT_TRUE(SendAll(late.fd(), "held-late"));

  EXPECT_FALSE(WaitReadable(early.fd(), 400ms));
  EXPECT_FALSE(WaitReadable(late.fd(), 10ms));
  EXPECT_EQ(upstream_->Received(0), "before");
  EXPECT_EQ(proxy_->Status().open_connections, 2u);

  EXPECT_EQ(proxy_->Execute("unstall"), "ok unstalled all connections");
  ReadResult early_echo = ReadExactly(early.fd(), 10, 5s);
  ReadResult late_echo = ReadExactly(late.fd(), 9, 5s);
  EXPECT_EQ(early_echo.data, "held-early");
  EXPECT_EQ(late_echo.data, "held-late");
}

TEST_F(FaultProxyTest, StallOfOneConnectionLeavesTheOthersFlowing) {
  StartProxy(TestUpstream::Mode::kEcho);
  Socket first(ConnectThrough());
  ExpectEchoRoundTrip(first.fd(), "one");
  Socket second(ConnectThrough());
  ExpectEchoRoundTrip(second.fd(), "two");

  EXPECT_EQ(proxy_->Execute("stall conn=1"), "ok stalled conn=1");
  ASSERT_TRUE(SendAll(first.fd(), "waiting"));
  ExpectEchoRoundTrip(second.fd(), "still flowing");
  EXPECT_FALSE(WaitReadable(first.fd(), 200ms));

  EXPECT_EQ(proxy_->Execute("unstall conn=1"), "ok unstalled conn=1");
  EXPECT_EQ(ReadExactly(first.fd(), 7, 5s).data, "waiting");
  EXPECT_EQ(proxy_->Execute("stall conn=42"), "error no open connection 42");
}

TEST_F(FaultProxyTest, LatencyDelaysEachDirectionAndKeepsOrder) {
  StartProxy(TestUpstream::Mode::kEcho);
  Socket client(ConnectThrough());
  ExpectEchoRoundTrip(client.fd(), "warm-up");
  EXPECT_EQ(proxy_->Execute("latency 150ms"), "ok latency 150ms all connections");

  std::string expected;
  const auto start = Clock::now();
  for (int i = 0; i < 5; ++i) {
    const std::string message = "message-" + std::to_string(i) + ";";
    expected += message;
    ASSERT_TRUE(SendAll(client.fd(), message));
    std::this_thread::sleep_for(10ms);
  }
  ReadResult echoed = ReadExactly(client.fd(), expected.size(), 10s);
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(echoed.data, expected);
  // 150 ms to the upstream plus 150 ms back; timers never fire early.
  EXPECT_GE(elapsed, 300ms);
}

TEST_F(FaultProxyTest, BandwidthCapSlowsBothDirections) {
  StartProxy(TestUpstream::Mode::kRecord);
  EXPECT_EQ(proxy_->Execute("bandwidth 100000"), "ok bandwidth 100000 B/s all connections");
  Socket client(ConnectThrough());
  ASSERT_TRUE(upstream_->WaitForConnections(1, 5s));

  const std::string up = PatternBytes(100'000, 5);
  const std::string down = PatternBytes(100'000, 6);
  const auto start = Clock::now();
  std::thread uploader([&] { EXPECT_TRUE(SendAll(client.fd(), up)); });
  std::thread downloader([&] { EXPECT_TRUE(upstream_->SendToClient(0, down)); });
  ReadResult received = ReadExactly(client.fd(), down.size(), 10s);
  const auto download_time = Clock::now() - start;
  EXPECT_TRUE(upstream_->WaitForBytes(0, up.size(), 10s));
  const auto upload_time = Clock::now() - start;
  uploader.join();
  downloader.join();

  EXPECT_TRUE(received.data == down);
  EXPECT_TRUE(upstream_->Received(0) == up);
  // 100 kB at 100 kB/s takes about 1 s; the pacer lets at most ~10 kB through early.
  EXPECT_GE(download_time, 700ms);
  EXPECT_GE(upload_time, 700ms);
}

TEST_F(FaultProxyTest, RefuseClosesTheListenerOrResetsAndAcceptRestores) {
  StartProxy(TestUpstream::Mode::kEcho);
  EXPECT_EQ(proxy_->Execute("refuse"), "ok refusing: listener closed");
  EXPECT_LT(ConnectLoopback(proxy_->listen_port()), 0);
  EXPECT_EQ(errno, ECONNREFUSED);

  EXPECT_EQ(proxy_->Execute("refuse reset"), "ok refusing: accept then reset");
  {
    Socket refused(ConnectLoopback(proxy_->listen_port()));
    ASSERT_GE(refused.fd(), 0);  // the kernel completes the handshake before accept()
    EXPECT_EQ(ReadUntilEnd(refused.fd(), 5s).end, ReadEnd::kReset);
  }
  EXPECT_FALSE(proxy_->Status().accepting);
  EXPECT_EQ(proxy_->Status().refused_connections, 1u);
  EXPECT_EQ(upstream_->connection_count(), 0u);

  EXPECT_EQ(proxy_->Execute("accept"), "ok accepting");
  Socket client(ConnectThrough());
  ExpectEchoRoundTrip(client.fd(), "back");
}

TEST_F(FaultProxyTest, ResetEveryKeepsResettingNewConnections) {
  StartProxy(TestUpstream::Mode::kEcho);
  EXPECT_EQ(proxy_->Execute("reset-every 100ms"), "ok reset-every 100ms");
  for (int round = 0; round < 2; ++round) {
    Socket client(ConnectThrough());
    EXPECT_EQ(ReadUntilEnd(client.fd(), 5s).end, ReadEnd::kReset) << "round " << round;
  }
  EXPECT_GE(proxy_->Status().resets_injected, 2u);
  EXPECT_EQ(proxy_->Execute("reset-every off"), "ok reset-every off");
  Socket survivor(ConnectThrough());
  ExpectEchoRoundTrip(survivor.fd(), "alive");
  EXPECT_FALSE(WaitReadable(survivor.fd(), 300ms));  // no reset arrives any more
}

TEST_F(FaultProxyTest, ClearRemovesEveryFault) {
  StartProxy(TestUpstream::Mode::kEcho);
  proxy_->Execute("latency 5s");
  proxy_->Execute("close-after 1");
  proxy_->Execute("refuse reset");
  EXPECT_EQ(proxy_->Execute("clear"), "ok cleared all faults");
  const ProxyStatus status = proxy_->Status();
  EXPECT_TRUE(status.accepting);
  EXPECT_EQ(status.default_faults, ConnectionFaults{});
  Socket client(ConnectThrough());
  ExpectEchoRoundTrip(client.fd(), "plain again");
}

TEST_F(FaultProxyTest, UnreachableUpstreamClosesTheClient) {
  // Find a port with nobody listening: bind, read the port, close.
  std::uint16_t dead_port = 0;
  {
    TestUpstream temporary(TestUpstream::Mode::kEcho);
    dead_port = temporary.port();
  }
  FaultProxyOptions options;
  options.upstream_host = "127.0.0.1";
  options.upstream_port = dead_port;
  options.event_sink = [](std::string_view) {};
  FaultProxy proxy(std::move(options));
  proxy.Start();
  Socket client(ConnectLoopback(proxy.listen_port()));
  EXPECT_EQ(ReadUntilEnd(client.fd(), 5s).end, ReadEnd::kEof);
  EXPECT_EQ(proxy.Status().upstream_connect_failures, 1u);
}

TEST_F(FaultProxyTest, ControlPortAnswersEachLineWithOkOrError) {
  StartProxy(TestUpstream::Mode::kEcho);
  Socket control(ConnectLoopback(proxy_->control_port()));
  ASSERT_GE(control.fd(), 0);
  // Several commands in one segment, CRLF and a blank line included.
  ASSERT_TRUE(
      SendAll(control.fd(), "latency abc\nbogus\r\n\nstatus\nlatency 5ms\nreset conn=99\nquit\n"));
  ReadResult replies = ReadUntilEnd(control.fd(), 5s);
  EXPECT_EQ(replies.end, ReadEnd::kEof);

  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = replies.data.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(replies.data.substr(start, end - start));
  }
  ASSERT_EQ(lines.size(), 6u) << replies.data;
  EXPECT_EQ(lines[0], "error bad duration 'abc'");
  EXPECT_EQ(lines[1], "error unknown command 'bogus' (try 'help')");
  EXPECT_EQ(lines[2].rfind("ok connections=0 accepted=0 bytes_c2s=0 bytes_s2c=0", 0), 0u)
      << lines[2];
  EXPECT_EQ(lines[3], "ok latency 5ms all connections");
  EXPECT_EQ(lines[4], "error no open connection 99");
  EXPECT_EQ(lines[5], "ok bye");
  EXPECT_EQ(proxy_->Status().default_faults.latency, std::chrono::milliseconds(5));
}

TEST_F(FaultProxyTest, ControlPortRejectsOverlongLines) {
  StartProxy(TestUpstream::Mode::kEcho);
  Socket control(ConnectLoopback(proxy_->control_port()));
  SendAll(control.fd(), std::string(10'000, 'x'));
  ReadResult reply = ReadUntilEnd(control.fd(), 5s);
  EXPECT_EQ(reply.data.rfind("error line longer than", 0), 0u) << reply.data;
}

TEST_F(FaultProxyTest, ScheduleAppliesTimeZeroEntriesBeforeAcceptingAndLaterOnesOnTime) {
  ParsedSchedule schedule = ParseFaultSchedule("refuse,accept@400ms");
  ASSERT_EQ(schedule.error, "");
  const auto start = Clock::now();
  StartProxy(TestUpstream::Mode::kEcho, schedule.entries);

  EXPECT_LT(ConnectLoopback(proxy_->listen_port()), 0);
  EXPECT_EQ(errno, ECONNREFUSED);
  int fd = -1;
  while (fd < 0 && Clock::now() - start < 10s) {
    fd = ConnectLoopback(proxy_->listen_port());
    if (fd < 0) std::this_thread::sleep_for(20ms);
  }
  Socket client(fd);
  ASSERT_GE(client.fd(), 0);
  EXPECT_GE(Clock::now() - start, 400ms);
  ExpectEchoRoundTrip(client.fd(), "scheduled");

  auto refusals = FaultEvents("refuse");
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0]["source"], "schedule");
  EXPECT_TRUE(refusals[0]["conn"].is_null());
}

}  // namespace
}  // namespace protifer::faultproxy
