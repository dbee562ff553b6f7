#include "prediction/dispatch_observer.h"

namespace protifer::prediction {

void DispatchObserver::OnModelCall(std::string_view /*model_name*/, std::string_view /*status*/,
                                   double /*seconds*/) {}
void DispatchObserver::OnPermitWait(std::string_view /*model_name*/, double /*seconds*/) {}
void DispatchObserver::OnInferCall(std::string_view /*model_name*/, std::string_view /*status*/,
                                   double /*seconds*/) {}
void DispatchObserver::OnFanOut(std::string_view /*status*/, double /*seconds*/) {}

void DispatchObserver::OnResultReused(std::string_view /*model_name*/) {}

DispatchObserver& NoopDispatchObserver() {
  // Stateless, so one shared instance is safe for every thread.
  class Noop final : public DispatchObserver {};
  static Noop noop;
  return noop;
}

}  // namespace protifer::prediction
