#include "faultproxy/fault_proxy.h"

#include <fmt/format.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <map>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>  // before asio: g++ 12 needs it for asio's coroutine headers

#include "faultproxy/control_server.h"
#include "faultproxy/proxy_connection.h"

namespace protifer::faultproxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ordered_json = nlohmann::ordered_json;

namespace {

std::string DescribeCut(const std::optional<CutRule>& cut) {
  if (!cut) return "none";
  return fmt::format("{}:{}", cut->kind == CutKind::kRst ? "reset-after" : "close-after",
                     cut->after_bytes);
}

std::string DescribeFaults(const ConnectionFaults& faults) {
  return fmt::format("stalled={} latency_ms={} bandwidth={} cut={}", faults.stalled ? "yes" : "no",
                     faults.latency.count(), faults.bandwidth_bytes_per_second,
                     DescribeCut(faults.cut));
}

std::string FormatEndpoint(const tcp::endpoint& endpoint) {
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

}  // namespace

class FaultProxy::Impl final : public ConnectionObserver {
 public:
  explicit Impl(FaultProxyOptions options)
      : options_(std::move(options)),
        log_(options_.event_sink),
        acceptor_(io_),
        reset_every_timer_(io_),
        accept_retry_timer_(io_) {}

  ~Impl() override { Stop(); }

  void Start() {
    if (running_) return;
    tcp::resolver resolver(io_);
    boost::system::error_code error;
    auto upstream =
        resolver.resolve(options_.upstream_host, std::to_string(options_.upstream_port), error);
    if (error || upstream.empty()) {
      throw std::runtime_error(
          fmt::format("cannot resolve upstream {}: {}", upstream_name(), error.message()));
    }
    for (const auto& entry : upstream) upstream_endpoints_.push_back(entry.endpoint());

    auto listen = resolver.resolve(options_.listen_host, std::to_string(options_.listen_port),
                                   tcp::resolver::passive, error);
    if (error || listen.empty()) {
      throw std::runtime_error(
          fmt::format("cannot resolve listen host {}: {}", options_.listen_host, error.message()));
    }
    listen_endpoint_ = listen.begin()->endpoint();
    if (std::string message = OpenListener(); !message.empty()) {
      throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", options_.listen_host,
                                           options_.listen_port, message));
    }
    // Keep the port the OS chose, so "accept" after "refuse" reopens the same one.
    listen_endpoint_ = acceptor_.local_endpoint();

    if (options_.enable_control) {
      try {
        control_ = std::make_unique<ControlServer>(
            io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), options_.control_port),
            [this](std::string_view line) { return ExecuteLine(line, "control"); });
      } catch (const boost::system::system_error& bind_error) {
        throw std::runtime_error(fmt::format("cannot listen on control port {}: {}",
                                             options_.control_port, bind_error.what()));
      }
      control_->Start();
    }

    log_.Emit("start", ordered_json{{"listen", FormatEndpoint(listen_endpoint_)},
                                    {"control", control_ ? control_->port() : 0},
                                    {"upstream", upstream_name()}});
    StartAccept();
    start_time_ = std::chrono::steady_clock::now();
    for (const ScheduledFault& entry : options_.schedule) {
      if (entry.at.count() == 0) {
        // Before the I/O thread runs, so no connection is accepted without these faults.
        RunScheduled(entry.command);
        continue;
      }
      auto timer = std::make_unique<asio::steady_timer>(io_, start_time_ + entry.at);
      timer->async_wait([this, command = entry.command](const boost::system::error_code& wait) {
        if (!wait && !stopping_) RunScheduled(command);
      });
      schedule_timers_.push_back(std::move(timer));
    }

    work_.emplace(io_.get_executor());
    running_ = true;
    thread_ = std::thread([this] { io_.run(); });
  }

  void Stop() {
    if (!running_) return;
    asio::post(io_, [this] {
      ShutdownAll();
      io_.stop();
    });
    thread_.join();
    running_ = false;
  }

  std::uint16_t listen_port() const { return listen_endpoint_.port(); }
  std::uint16_t control_port() const { return control_ ? control_->port() : 0; }
  std::string upstream_name() const {
    return fmt::format("{}:{}", options_.upstream_host, options_.upstream_port);
  }

  std::string Execute(std::string_view line) {
    std::string copy(line);
    return RunOnIoThread([this, &copy] { return ExecuteLine(copy, "api").text; });
  }

  ProxyStatus Status() {
    return RunOnIoThread([this] { return CurrentStatus(); });
  }

  // ConnectionObserver
  void OnForwarded(std::uint64_t, FlowDirection direction, std::size_t bytes) override {
    if (direction == FlowDirection::kClientToServer) {
      status_.bytes_client_to_server += bytes;
    } else {
      status_.bytes_server_to_client += bytes;
    }
  }

  void OnCutExecuted(std::uint64_t id, const CutRule& rule) override {
    const bool reset = rule.kind == CutKind::kRst;
    (reset ? status_.resets_injected : status_.closes_injected)++;
    LogFault(reset ? "reset" : "close", id, reset ? "reset-after" : "close-after",
             ordered_json{{"after_bytes", rule.after_bytes}});
  }

  void OnUpstreamConnectFailed(std::uint64_t id, const std::string& error) override {
    status_.upstream_connect_failures++;
    log_.Emit("upstream_connect_failed",
              ordered_json{{"conn", id}, {"upstream", upstream_name()}, {"error", error}});
  }

  void OnClosed(std::uint64_t id, std::string_view how) override {
    connections_.erase(id);
    if (options_.log_connections) {
      log_.Emit("close", ordered_json{{"conn", id}, {"how", std::string(how)}});
    }
  }

 private:
  template <typename Function>
  auto RunOnIoThread(Function function) -> decltype(function()) {
    if (!running_ || io_.get_executor().running_in_this_thread()) return function();
    std::packaged_task<decltype(function())()> task(std::move(function));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  ControlReply ExecuteLine(std::string_view line, std::string_view source) {
    ParsedCommand parsed = ParseFaultCommand(line);
    if (!parsed.command) return {"error " + parsed.error, false};
    if (parsed.command->action == FaultAction::kQuit) return {"ok bye", true};
    return {Apply(*parsed.command, source), false};
  }

  void RunScheduled(const FaultCommand& command) {
    const std::string reply = Apply(command, "schedule");
    if (reply.rfind("error", 0) == 0) {
      log_.Emit("schedule_error", ordered_json{{"command", std::string(ActionName(command.action))},
                                               {"reply", reply}});
    }
  }

  std::vector<std::shared_ptr<ProxyConnection>> Targets(const FaultCommand& command) const {
    std::vector<std::shared_ptr<ProxyConnection>> targets;
    if (command.connection) {
      if (auto it = connections_.find(*command.connection); it != connections_.end()) {
        targets.push_back(it->second);
      }
      return targets;
    }
    for (const auto& [id, connection] : connections_) targets.push_back(connection);
    return targets;
  }

  // Changes the faults of the targeted connections and, without conn=ID, of future ones too.
  // Iterates over a snapshot: a change can close a connection (close-after 0), which removes
  // it from the map.
  template <typename Mutate>
  void UpdateFaults(const FaultCommand& command, Mutate mutate, bool rearm_cut) {
    if (!command.connection) mutate(defaults_);
    for (const auto& connection : Targets(command)) {
      ConnectionFaults faults = connection->faults();
      mutate(faults);
      connection->SetFaults(faults, rearm_cut);
    }
  }

  std::string Apply(const FaultCommand& command, std::string_view source) {
    if (!IsMutatingAction(command.action)) return Describe(command.action);
    if (command.connection && connections_.count(*command.connection) == 0) {
      return fmt::format("error no open connection {}", *command.connection);
    }
    status_.commands_applied++;
    const std::string scope =
        command.connection ? fmt::format("conn={}", *command.connection) : "all connections";
    const std::optional<std::uint64_t> conn = command.connection;

    switch (command.action) {
      case FaultAction::kReset:
      case FaultAction::kClose: {
        const bool reset = command.action == FaultAction::kReset;
        auto targets = Targets(command);
        for (const auto& connection : targets) {
          (reset ? status_.resets_injected : status_.closes_injected)++;
          LogFault(reset ? "reset" : "close", connection->id(), source, {});
          if (reset) {
            connection->Reset();
          } else {
            connection->Close();
          }
        }
        return fmt::format("ok {} {} connection(s)", reset ? "reset" : "closed", targets.size());
      }
      case FaultAction::kResetEvery:
        reset_every_ = command.duration;
        LogFault("reset-every", std::nullopt, source, ordered_json{{"ms", reset_every_.count()}});
        ArmResetEvery(++reset_every_generation_);
        return reset_every_.count() == 0 ? std::string("ok reset-every off")
                                         : fmt::format("ok reset-every {}ms", reset_every_.count());
      case FaultAction::kResetAfter:
      case FaultAction::kCloseAfter: {
        const CutRule rule{command.bytes, command.action == FaultAction::kResetAfter
                                              ? CutKind::kRst
                                              : CutKind::kFin};
        LogFault(std::string(ActionName(command.action)), conn, source,
                 ordered_json{{"bytes", rule.after_bytes}});
        UpdateFaults(
            command, [&](ConnectionFaults& faults) { faults.cut = rule; }, true);
        return fmt::format("ok {} {} {}", ActionName(command.action), rule.after_bytes, scope);
      }
      case FaultAction::kStall:
      case FaultAction::kUnstall: {
        const bool stall = command.action == FaultAction::kStall;
        LogFault(std::string(ActionName(command.action)), conn, source, {});
        UpdateFaults(
            command, [&](ConnectionFaults& faults) { faults.stalled = stall; }, false);
        return fmt::format("ok {} {}", stall ? "stalled" : "unstalled", scope);
      }
      case FaultAction::kLatency:
        LogFault("latency", conn, source, ordered_json{{"ms", command.duration.count()}});
        UpdateFaults(
            command, [&](ConnectionFaults& faults) { faults.latency = command.duration; }, false);
        return fmt::format("ok latency {}ms {}", command.duration.count(), scope);
      case FaultAction::kBandwidth:
        LogFault("bandwidth", conn, source, ordered_json{{"bytes_per_second", command.bytes}});
        UpdateFaults(
            command,
            [&](ConnectionFaults& faults) { faults.bandwidth_bytes_per_second = command.bytes; },
            false);
        return command.bytes == 0 ? fmt::format("ok bandwidth unlimited {}", scope)
                                  : fmt::format("ok bandwidth {} B/s {}", command.bytes, scope);
      case FaultAction::kRefuse:
        return Refuse(command.refuse_mode, source);
      case FaultAction::kAccept:
        return Accept(source);
      case FaultAction::kClear: {
        LogFault("clear", conn, source, {});
        UpdateFaults(
            command, [](ConnectionFaults& faults) { faults = ConnectionFaults{}; }, true);
        if (command.connection) return fmt::format("ok cleared {}", scope);
        reset_every_ = std::chrono::milliseconds{0};
        ArmResetEvery(++reset_every_generation_);
        if (std::string reply = Accept(source); reply.rfind("error", 0) == 0) return reply;
        return "ok cleared all faults";
      }
      default:
        return "error unsupported command";
    }
  }

  std::string Describe(FaultAction action) const {
    switch (action) {
      case FaultAction::kStatus: {
        const ProxyStatus status = CurrentStatus();
        std::string refusing =
            status.accepting
                ? std::string("yes")
                : fmt::format("no refuse_mode={}",
                              status.refuse_mode == RefuseMode::kCloseListener ? "close" : "reset");
        return fmt::format(
            "ok connections={} accepted={} bytes_c2s={} bytes_s2c={} resets={} closes={} "
            "refused={} upstream_failures={} commands={} accepting={} reset_every_ms={} {}",
            status.open_connections, status.accepted_connections, status.bytes_client_to_server,
            status.bytes_server_to_client, status.resets_injected, status.closes_injected,
            status.refused_connections, status.upstream_connect_failures, status.commands_applied,
            refusing, status.reset_every.count(), DescribeFaults(status.default_faults));
      }
      case FaultAction::kList: {
        std::string reply = fmt::format("ok {} connection(s)", connections_.size());
        for (const auto& [id, connection] : connections_) {
          const ConnectionSnapshot snapshot = connection->Snapshot();
          reply += fmt::format("; id={} state={} c2s={} s2c={} {}", snapshot.id, snapshot.state,
                               snapshot.bytes_client_to_server, snapshot.bytes_server_to_client,
                               DescribeFaults(snapshot.faults));
        }
        return reply;
      }
      case FaultAction::kHelp:
        return "ok " + std::string(ControlCommandSummary());
      default:
        return "ok";
    }
  }

  ProxyStatus CurrentStatus() const {
    ProxyStatus status = status_;
    status.open_connections = connections_.size();
    status.accepting = !refusing_;
    status.refuse_mode = refuse_mode_;
    status.reset_every = reset_every_;
    status.default_faults = defaults_;
    return status;
  }

  void LogFault(const std::string& kind, std::optional<std::uint64_t> conn, std::string_view source,
                const ordered_json& extra) {
    ordered_json fields{{"kind", kind}};
    fields["conn"] = conn ? ordered_json(*conn) : ordered_json(nullptr);
    fields["source"] = std::string(source);
    if (extra.is_object()) {
      for (const auto& [key, value] : extra.items()) fields[key] = value;
    }
    log_.Emit("fault", fields);
  }

  // ---- Listener ------------------------------------------------------------------------

  std::string OpenListener() {
    boost::system::error_code error;
    acceptor_.open(listen_endpoint_.protocol(), error);
    if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor_.bind(listen_endpoint_, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return error.message();
    }
    listening_ = true;
    return {};
  }

  void StartAccept() {
    const std::uint64_t generation = accept_generation_;
    acceptor_.async_accept([this, generation](const boost::system::error_code& error,
                                              tcp::socket socket) {
      if (stopping_ || generation != accept_generation_) return;
      if (error) {
        if (error == asio::error::operation_aborted) return;
        // Typically EMFILE: back off briefly instead of spinning on the error.
        log_.Emit("accept_error", ordered_json{{"error", error.message()}});
        accept_retry_timer_.expires_after(std::chrono::milliseconds(100));
        accept_retry_timer_.async_wait([this, generation](const boost::system::error_code& wait) {
          if (!wait && !stopping_ && generation == accept_generation_) StartAccept();
        });
        return;
      }
      OnAccepted(std::move(socket));
      StartAccept();
    });
  }

  void OnAccepted(tcp::socket socket) {
    const std::uint64_t id = next_connection_id_++;
    status_.accepted_connections++;
    if (refusing_ && refuse_mode_ == RefuseMode::kAcceptAndReset) {
      status_.refused_connections++;
      LogFault("refuse", id, "refuse-reset", {});
      boost::system::error_code ignored;
      socket.set_option(asio::socket_base::linger(true, 0), ignored);
      socket.close(ignored);
      return;
    }
    if (options_.log_connections) {
      boost::system::error_code ignored;
      log_.Emit("open", ordered_json{{"conn", id},
                                     {"peer", FormatEndpoint(socket.remote_endpoint(ignored))}});
    }
    auto connection = std::make_shared<ProxyConnection>(id, std::move(socket), defaults_, *this);
    connections_.emplace(id, connection);
    connection->Start(upstream_endpoints_);
  }

  std::string Refuse(RefuseMode mode, std::string_view source) {
    if (mode == RefuseMode::kCloseListener) {
      if (listening_) {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        ++accept_generation_;
        listening_ = false;
      }
    } else if (!listening_) {
      if (std::string message = Relisten(); !message.empty()) return message;
    }
    refusing_ = true;
    refuse_mode_ = mode;
    const bool close = mode == RefuseMode::kCloseListener;
    LogFault("refuse", std::nullopt, source, ordered_json{{"mode", close ? "close" : "reset"}});
    return close ? "ok refusing: listener closed" : "ok refusing: accept then reset";
  }

  std::string Accept(std::string_view source) {
    if (!listening_) {
      if (std::string message = Relisten(); !message.empty()) return message;
    }
    if (refusing_) LogFault("accept", std::nullopt, source, {});
    refusing_ = false;
    return "ok accepting";
  }

  std::string Relisten() {
    if (std::string message = OpenListener(); !message.empty()) {
      return fmt::format("error cannot listen again on {}: {}", FormatEndpoint(listen_endpoint_),
                         message);
    }
    ++accept_generation_;
    StartAccept();
    return {};
  }

  // ---- reset-every ---------------------------------------------------------------------

  void ArmResetEvery(std::uint64_t generation) {
    reset_every_timer_.cancel();
    if (reset_every_.count() == 0) return;
    reset_every_timer_.expires_after(reset_every_);
    // The generation check matters: a tick that already expired cannot be cancelled any more.
    reset_every_timer_.async_wait([this, generation](const boost::system::error_code& error) {
      if (error || stopping_ || generation != reset_every_generation_) return;
      FaultCommand reset_all;
      reset_all.action = FaultAction::kReset;
      for (const auto& connection : Targets(reset_all)) {
        status_.resets_injected++;
        LogFault("reset", connection->id(), "reset-every", {});
        connection->Reset();
      }
      ArmResetEvery(generation);
    });
  }

  void ShutdownAll() {
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_timer_.cancel();
    if (control_) control_->Close();
    reset_every_timer_.cancel();
    for (auto& timer : schedule_timers_) timer->cancel();
    for (auto& [id, connection] : connections_) connection->Shutdown();
    connections_.clear();
    work_.reset();
    log_.Emit("stop", ordered_json{{"accepted", status_.accepted_connections},
                                   {"bytes_c2s", status_.bytes_client_to_server},
                                   {"bytes_s2c", status_.bytes_server_to_client}});
  }

  // Declared first so it is destroyed last: every socket and timer below refers to it.
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  FaultProxyOptions options_;
  EventLog log_;
  std::vector<tcp::endpoint> upstream_endpoints_;
  tcp::endpoint listen_endpoint_;
  tcp::acceptor acceptor_;
  bool listening_ = false;
  bool refusing_ = false;
  RefuseMode refuse_mode_ = RefuseMode::kCloseListener;
  std::uint64_t accept_generation_ = 0;
  std::unique_ptr<ControlServer> control_;
  asio::steady_timer reset_every_timer_;
  asio::steady_timer accept_retry_timer_;
  std::chrono::milliseconds reset_every_{0};
  std::uint64_t reset_every_generation_ = 0;
  std::chrono::steady_clock::time_point start_time_;
  std::vector<std::unique_ptr<asio::steady_timer>> schedule_timers_;
  std::map<std::uint64_t, std::shared_ptr<ProxyConnection>> connections_;
  std::uint64_t next_connection_id_ = 1;
  ConnectionFaults defaults_;
  ProxyStatus status_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

FaultProxy::FaultProxy(FaultProxyOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

FaultProxy::~FaultProxy() = default;

void FaultProxy::Start() { impl_->Start(); }
void FaultProxy::Stop() { impl_->Stop(); }
std::uint16_t FaultProxy::listen_port() const { return impl_->listen_port(); }
std::uint16_t FaultProxy::control_port() const { return impl_->control_port(); }
std::string FaultProxy::upstream() const { return impl_->upstream_name(); }
std::string FaultProxy::Execute(std::string_view command_line) {
  return impl_->Execute(command_line);
}
ProxyStatus FaultProxy::Status() { return impl_->Status(); }

}  // namespace protifer::faultproxy
