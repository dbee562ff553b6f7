// protifer::obs::MetricsServer: serves a collectable (normally WorkerMetrics) as Prometheus text
// on GET /metrics, like protifer's startMetricsServer (spec §6.4): all interfaces by default,
// port METRICS_PORT (9090), started only when METRICS_ENABLED, closed on SIGTERM.
//
// Built on prometheus-cpp's Exposer (civetweb), whose own threads serve the scrapes, so a scrape
// never touches the workers' job or gRPC threads; it only reads atomics (and runs the semaphore
// sampler, see worker_metrics.h).
//
// Like protifer's: exactly `GET /metrics` (no query string) -> 200 with the page; any other
// method, path or a query string -> 404. The collectable must not throw: prometheus-cpp lets the
// exception escape the server thread, which terminates the process (WorkerMetrics' collectable
// never throws; protifer answered 500 instead).
// Differences from protifer's server, all harmless to a Prometheus scraper:
// - Content-Type is "text/plain; charset=utf-8" (prom-client adds "version=0.0.4"; Prometheus
//   reads a text/plain page without version as 0.0.4);
// - the Exposer adds its own exposer_* metrics (scrape count, bytes, latency) to the page;
// - the page is gzipped when the scraper asks for it.
#pragma once

#include <prometheus/collectable.h>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace protifer::obs {

class WorkerMetrics;

inline constexpr int kDefaultMetricsPort = 9090;

struct MetricsServerOptions {
  // IPv4 address to bind; "0.0.0.0" = all interfaces (protifer's default).
  std::string host = "0.0.0.0";
  // 0 lets the OS choose (tests); port() tells which.
  int port = kDefaultMetricsPort;
  // civetweb worker threads; a scrape every few seconds needs no more.
  std::size_t threads = 2;
};

// The server could not start: port out of range, address in use, bad host.
class MetricsServerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class MetricsServer {
 public:
  // Listens before returning. Throws MetricsServerError with a message naming the address, e.g.
  // "metrics server: cannot listen on 0.0.0.0:9090 (address in use, or not a local address?): ...".
  // The server keeps only a weak reference to the collectable.
  MetricsServer(std::shared_ptr<prometheus::Collectable> collectable, MetricsServerOptions options);
  MetricsServer(const WorkerMetrics& metrics, MetricsServerOptions options);
  // Stops listening and waits for running scrapes.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The port actually listened on (differs from options.port only when that was 0).
  int port() const noexcept { return port_; }
  // "host:port" with the actual port.
  std::string address() const;

  // Stops listening now (SIGTERM path) and waits for running scrapes; idempotent, also done by
  // the destructor. Not to be called concurrently with itself or the destructor.
  void Stop();

 private:
  std::string host_;
  int port_ = 0;
  std::unique_ptr<prometheus::Exposer> exposer_;  // null once stopped
};

}  // namespace protifer::obs
