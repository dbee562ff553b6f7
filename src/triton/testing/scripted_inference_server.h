// An in-process KServe v2 gRPC server for client tests: scriptable outcomes and delays, and
// counters of what it saw (calls, arrivals, maximum concurrency, the client connection of each
// call).
//
// It uses the gRPC callback API and grpc::Alarm for delays, so a slow reply holds no thread and
// the server can have many calls "in service" at once, like Triton. It listens on
// 127.0.0.1 with an OS-chosen port and SO_REUSEPORT off, so a stale server can never steal its
// connections (spec/transport-failures.md, "Pitfall").
#pragma once

#include <grpcpp/server.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kserve/grpc_service.grpc.pb.h"

namespace protifer::triton::testing {

// What the server does with one ModelInfer: answer `code`/`message` after `delay`.
struct ScriptedOutcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  std::chrono::milliseconds delay{0};
};

// A successful reply echoes model_name, model_version and id, carries response parameters
// "arrival" (1-based arrival number of this call at the server) and "request_arrival" (how many
// times this request id has arrived so far), and one UINT8 output "ECHO" whose raw contents are
// the request's first raw input (empty if none).
class ScriptedInferenceServer {
 public:
  ScriptedInferenceServer();
  // Cuts pending delays short (their calls are answered at once) and shuts the server down.
  ~ScriptedInferenceServer();
  ScriptedInferenceServer(const ScriptedInferenceServer&) = delete;
  ScriptedInferenceServer& operator=(const ScriptedInferenceServer&) = delete;

  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }
  int port() const { return port_; }

  // ---- Script. Precedence per ModelInfer: the per-peer rule, then queued outcomes (FIFO), then
  // the per-request rule, then OK after the reply delay.
  void EnqueueOutcome(ScriptedOutcome outcome);
  void FailNext(int count, grpc::StatusCode code, const std::string& message);
  // Every distinct request id fails its first `count` arrivals with (code, message).
  void FailFirstArrivalsOfEachRequest(int count, grpc::StatusCode code, std::string message);
  // Every ModelInfer arriving from `peer` (as in infer_peers()) fails at once with (code,
  // message), whatever else is scripted, without consuming a queued outcome: a connection that
  // is broken while the client's other connections work.
  void FailCallsFromPeer(std::string peer, grpc::StatusCode code, std::string message);
  void SetReplyDelay(std::chrono::milliseconds delay);
  void SetServerReady(bool ready);
  // Models not set here are not ready and have no metadata (NOT_FOUND).
  void SetModelReady(const std::string& name, bool ready);

  // ---- Observations.
  int infer_calls() const;
  int max_concurrent_infer_calls() const;
  int infer_calls_in_service() const;
  std::vector<std::chrono::steady_clock::time_point> infer_arrivals() const;
  std::vector<inference::ModelInferRequest> received_requests() const;
  // The client address of each ModelInfer in arrival order (ServerContext::peer(), e.g.
  // "ipv4:127.0.0.1:41234"): one per client connection.
  std::vector<std::string> infer_peers() const;
  int probe_calls() const;
  // The client address of each probe (readiness, metadata) in arrival order.
  std::vector<std::string> probe_peers() const;

 private:
  class Service;
  struct DelayedReply;

  ScriptedOutcome Decide(const inference::ModelInferRequest& request, std::string peer,
                         inference::ModelInferResponse* response);
  void Reply(grpc::ServerUnaryReactor* reactor, const ScriptedOutcome& outcome);
  void OnDelayElapsed(DelayedReply* reply);
  void CountProbe(std::string peer);

  mutable std::mutex mutex_;
  std::condition_variable delayed_replies_done_;
  std::deque<ScriptedOutcome> queued_outcomes_;
  int fail_first_per_request_ = 0;
  ScriptedOutcome per_request_failure_;
  std::map<std::string, ScriptedOutcome> peer_failures_;
  std::chrono::milliseconds reply_delay_{0};
  bool server_ready_ = true;
  std::map<std::string, bool> model_ready_;
  std::unordered_map<std::string, std::int64_t> arrivals_by_id_;
  std::vector<std::chrono::steady_clock::time_point> arrivals_;
  std::vector<inference::ModelInferRequest> requests_;
  std::vector<std::string> peers_;
  int in_service_ = 0;
  int max_in_service_ = 0;
  int probe_calls_ = 0;
  std::vector<std::string> probe_peers_;
  bool shutting_down_ = false;
  std::unordered_set<DelayedReply*> delayed_replies_;

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
};

}  // namespace protifer::triton::testing
