#include "obs/metrics_server.h"

#include <CivetServer.h>
#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <prometheus/exposer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "obs/worker_metrics.h"

namespace protifer::obs {
namespace {

// civetweb routes by prefix, so the Exposer alone would answer "/metrics/x", "/metricsfoo" and
// "/metrics?x" with the page. protifer's server answers exactly `GET /metrics` without a query
// string and 404s everything else; this hook, run before routing, restores that.
int OnlyGetMetrics(mg_connection* connection) {
  const mg_request_info* request = mg_get_request_info(connection);
  const bool is_get_metrics =
      request != nullptr && request->request_method != nullptr &&
      std::strcmp(request->request_method, "GET") == 0 && request->local_uri != nullptr &&
      std::strcmp(request->local_uri, "/metrics") == 0 && request->query_string == nullptr;
  if (is_get_metrics) return 0;  // not handled here: the Exposer's handler answers
  mg_send_http_error(connection, 404, "%s", "Not Found");
  return 404;  // handled, with this status
}

const CivetCallbacks& ServerCallbacks() {
  static const CivetCallbacks callbacks = [] {
    CivetCallbacks result;
    result.begin_request = OnlyGetMetrics;
    return result;
  }();
  return callbacks;
}

// Opens and closes one TCP connection to the server, which makes civetweb's accept loop return
// from its poll. Failures are expected once the listening socket is closed and are ignored.
void PokeListener(const std::string& host, int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  // A wildcard listener is reachable on loopback; a specific address only on itself.
  const std::string target = (host == "0.0.0.0") ? "127.0.0.1" : host;
  if (::inet_pton(AF_INET, target.c_str(), &address.sin_addr) != 1) return;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  ::close(fd);
}

}  // namespace

MetricsServer::MetricsServer(std::shared_ptr<prometheus::Collectable> collectable,
                             MetricsServerOptions options)
    : host_(std::move(options.host)) {
  if (options.port < 0 || options.port > 65535) {
    throw MetricsServerError("metrics server: port " + std::to_string(options.port) +
                             " is out of range 0..65535");
  }
  if (host_.empty()) throw MetricsServerError("metrics server: empty host");
  if (!collectable) throw MetricsServerError("metrics server: no collectable to serve");

  const std::string bind_address = host_ + ":" + std::to_string(options.port);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(
        bind_address, options.threads == 0 ? std::size_t{1} : options.threads, &ServerCallbacks());
  } catch (const std::exception& error) {
    // civetweb's own text ("null context when constructing CivetServer...") does not say which
    // address failed, which is what the operator needs.
    throw MetricsServerError("metrics server: cannot listen on " + bind_address +
                             " (address in use, or not a local address?): " + error.what());
  }
  const std::vector<int> ports = exposer_->GetListeningPorts();
  if (ports.empty()) {
    throw MetricsServerError("metrics server: no listening port after binding " + bind_address);
  }
  port_ = ports.front();
  exposer_->RegisterCollectable(collectable, "/metrics");
}

MetricsServer::MetricsServer(const WorkerMetrics& metrics, MetricsServerOptions options)
    : MetricsServer(metrics.collectable(), std::move(options)) {}

MetricsServer::~MetricsServer() { Stop(); }

std::string MetricsServer::address() const { return host_ + ":" + std::to_string(port_); }

void MetricsServer::Stop() {
  if (!exposer_) return;
  // civetweb notices a stop request only when its accept loop's poll returns, which without
  // traffic takes up to its 2 s quantum. Connecting to the listener while the exposer shuts down
  // wakes that poll, so SIGTERM and tests do not wait for the quantum to run out.
  std::atomic<bool> stopped{false};
  std::thread waker([this, &stopped] {
    while (!stopped.load()) {
      PokeListener(host_, port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  exposer_.reset();
  stopped.store(true);
  waker.join();
}

}  // namespace protifer::obs
