// The metrics server over real loopback sockets (label: integration).
#include "obs/metrics_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "concurrency/fifo_semaphore.h"
#include "obs/tests/exposition_text.h"
#include "obs/worker_metrics.h"

namespace protifer::obs {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct HttpResponse {
  int status = 0;
  std::string headers;  // lower-cased
  std::string body;
};

// Connects to 127.0.0.1:port; nullopt when the connection is refused.
std::optional<int> Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  // Bounded waits: a broken server fails the test instead of hanging it.
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return fd;
}

// One HTTP/1.1 request with "Connection: close", read to EOF.
HttpResponse Get(int port, const std::string& path, const std::string& method = "GET") {
  const std::optional<int> fd = Connect(port);
  if (!fd) throw std::runtime_error("connection refused on port " + std::to_string(port));
  const std::string request =
      method + " " + path +
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  if (::send(*fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(*fd);
    throw std::runtime_error("send failed");
  }
  std::string raw;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::recv(*fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(*fd);

  HttpResponse response;
  const std::size_t header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || header_end == std::string::npos) {
    throw std::runtime_error("not an HTTP response: " + raw.substr(0, 200));
  }
  response.status = std::stoi(raw.substr(9, 3));
  response.headers = raw.substr(0, header_end);
  for (char& c : response.headers)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  response.body = raw.substr(header_end + 4);
  return response;
}

MetricsServerOptions Loopback(int port = 0) {
  return MetricsServerOptions{.host = "127.0.0.1", .port = port, .threads = 1};
}

TEST(MetricsServerTest, ServesTheRegistryOnGetMetrics) {
  WorkerMetrics metrics;
  metrics.ObserveModelInfer("prot_t5_pipeline", "success", std::chrono::milliseconds(120));
  metrics.ObserveEmbeddingJob(JobStatus::kSuccess, std::chrono::milliseconds(130));
  MetricsServer server(metrics, Loopback());
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.address(), "127.0.0.1:" + std::to_string(server.port()));

  const HttpResponse response = Get(server.port(), "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers, HasSubstr("content-type: text/plain"));
  const auto samples = testing::ParseExposition(response.body);
  EXPECT_EQ(testing::SampleValue(samples, "triton_model_infer_duration_seconds_count",
                                 {{"model", "prot_t5_pipeline"}, {"status", "success"}}),
            1);
  EXPECT_EQ(testing::SampleValue(samples, "embedding_job_duration_seconds_bucket",
                                 {{"status", "success"}, {"le", "0.25"}}),
            1);

  // Later observations show up in the next scrape: the page is rendered per request.
  metrics.ObserveModelInfer("prot_t5_pipeline", "UNAVAILABLE", std::chrono::milliseconds(5));
  const auto again = testing::ParseExposition(Get(server.port(), "/metrics").body);
  EXPECT_EQ(testing::SampleValue(again, "triton_model_infer_duration_seconds_count",
                                 {{"model", "prot_t5_pipeline"}, {"status", "UNAVAILABLE"}}),
            1);
}

TEST(MetricsServerTest, OnlyExactGetMetricsIsServed) {
  WorkerMetrics metrics;
  MetricsServer server(metrics, Loopback());
  for (const std::string path :
       {"/", "/health", "/metrics/", "/metrics/x", "/metricsfoo", "/metrics?x=1", "/metrics?"}) {
    EXPECT_EQ(Get(server.port(), path).status, 404) << path;
  }
  EXPECT_EQ(Get(server.port(), "/metrics", "POST").status, 404);
  EXPECT_EQ(Get(server.port(), "/metrics").status, 200);
}

TEST(MetricsServerTest, ScrapesSampleTheWatchedSemaphore) {
  concurrency::FifoSemaphore semaphore(3);
  WorkerMetrics metrics;
  metrics.WatchSemaphore(semaphore);
  MetricsServer server(metrics, Loopback());
  auto permit = semaphore.AcquireFuture().get();
  const auto samples = testing::ParseExposition(Get(server.port(), "/metrics").body);
  EXPECT_EQ(testing::SampleValue(samples, "triton_infer_permits_in_use", {}), 1);
  EXPECT_EQ(testing::SampleValue(samples, "triton_infer_permit_capacity", {}), 3);
  server.Stop();
  metrics.SampleSemaphoreWith({});
}

TEST(MetricsServerTest, BusyPortIsAClearError) {
  WorkerMetrics metrics;
  MetricsServer first(metrics, Loopback());
  try {
    MetricsServer second(metrics, Loopback(first.port()));
    FAIL() << "expected MetricsServerError";
  } catch (const MetricsServerError& error) {
    EXPECT_THAT(error.what(), StartsWith("metrics server: cannot listen on 127.0.0.1:" +
                                         std::to_string(first.port())));
  }
  // The first server is unaffected.
  EXPECT_EQ(Get(first.port(), "/metrics").status, 200);
}

TEST(MetricsServerTest, InvalidOptionsAreRejected) {
  WorkerMetrics metrics;
  EXPECT_THROW(MetricsServer(metrics, Loopback(70000)), MetricsServerError);
  EXPECT_THROW(MetricsServer(metrics, Loopback(-1)), MetricsServerError);
  EXPECT_THROW(MetricsServer(metrics, MetricsServerOptions{.host = "", .port = 0}),
               MetricsServerError);
  EXPECT_THROW(MetricsServer(metrics, MetricsServerOptions{.host = "256.1.1.1", .port = 0}),
               MetricsServerError);
  EXPECT_THROW(MetricsServer(nullptr, Loopback()), MetricsServerError);
}

TEST(MetricsServerTest, StopClosesTheListeningSocket) {
  WorkerMetrics metrics;
  MetricsServer server(metrics, Loopback());
  const int port = server.port();
  ASSERT_EQ(Get(port, "/metrics").status, 200);
  const auto before = std::chrono::steady_clock::now();
  server.Stop();
  // Left alone, civetweb's accept loop notices the stop only after its 2 s poll quantum; Stop()
  // wakes it. The bound is generous: a loaded machine takes milliseconds, not a second.
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(1500));
  server.Stop();  // idempotent
  const std::optional<int> fd = Connect(port);
  if (fd) ::close(*fd);
  EXPECT_FALSE(fd.has_value()) << "port " << port << " still accepts connections";
}

TEST(MetricsServerTest, DefaultsListenOnAllInterfacesAtPort9090) {
  const MetricsServerOptions defaults;
  EXPECT_EQ(defaults.host, "0.0.0.0");
  EXPECT_EQ(defaults.port, 9090);
}

}  // namespace
}  // namespace protifer::obs
