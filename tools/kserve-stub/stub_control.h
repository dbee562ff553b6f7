// The stub's command language, shared by --fault flags, the text control port and
// StubServer::Control(). One command per line; the reply is one line starting with "ok" or
// "error:". Commands (model may be "*" for every model):
//
//   fail <model> <count> <CODE> [message...]   next <count> ModelInfer calls fail with CODE
//   corrupt <model> <count> truncate|doubled   next <count> answers damaged (fault_injector.h)
//                                              (name like UNAVAILABLE or number 1-16)
//   latency <model> <ms>                       delay responses by <ms> real milliseconds (0 off)
//   not-ready <model> [unavailable|unloaded]   ModelReady false, ServerReady false, ModelInfer
//                                              fails (see NotReadyStyle)
//   ready <model>                              undo not-ready ("*" clears every entry)
//   server-not-ready | server-ready            server lifecycle: ModelInfer UNAVAILABLE
//                                              "Server not ready"
//   exit-after <count> [exit_code]             the <count>-th ModelInfer call from now ends the
//                                              process with _exit (default code 1)
//   exit [exit_code]                           _exit now (after replying)
//   output-order model|requested|reversed|rotate
//   output-contents raw|typed
//   reset-peaks                                in-flight peak gauges restart from current values
//   clear                                      remove every fault
//   status                                     "ok {json}" with settings and faults
//   help
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fault_injector.h"
#include "model_catalog.h"
#include "response_builder.h"
#include "stub_metrics.h"

namespace protifer::kserve_stub {

struct ControlReply {
  std::string text;              // "ok ..." or "error: ..."
  std::optional<int> exit_code;  // set by `exit`: the caller replies, then calls _exit
  bool ok() const { return text.rfind("ok", 0) == 0; }
};

struct ControlTargets {
  const ModelCatalog& catalog;
  FaultInjector& faults;
  ResponseSettings& response;
  StubMetrics& metrics;
};

ControlReply ExecuteControlCommand(std::string_view line, ControlTargets targets);

// "UNAVAILABLE" / "14" -> the code; nullopt otherwise (OK is not accepted).
std::optional<grpc::StatusCode> ParseStatusCode(std::string_view text);

}  // namespace protifer::kserve_stub
