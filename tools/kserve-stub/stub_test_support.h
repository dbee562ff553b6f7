// Helpers for kserve-stub's tests: build requests exactly as protifer's adapters do (contract
// section 3), talk to the stub with a plain generated gRPC stub, scrape /metrics over a raw socket.
// Header-only on purpose: test code only, never linked into the stub.
#pragma once

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kserve/grpc_service.grpc.pb.h"
#include "model_functions.h"
#include "timer_queue.h"  // Clock
#include "triton/tensor_codec.h"

namespace protifer::kserve_stub::testing {

// A ProtT5-like embedding [L, 1024]: deterministic pseudo-random values in [-0.5, 0.5).
inline std::vector<float> MakeEmbedding(std::int64_t length, std::uint64_t seed = 7) {
  std::vector<float> values(static_cast<std::size_t>(length) * 1024);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(0.5 * HashUnit(seed, i, 99));
  }
  return values;
}

inline std::string ChannelsLastBytes(const std::vector<float>& embedding) {
  return triton::FloatsToBytes(embedding);
}

inline std::string ChannelsFirstBytes(const std::vector<float>& embedding, std::int64_t length) {
  std::vector<float> transposed(embedding.size());
  triton::Transpose(embedding, static_cast<std::size_t>(length), 1024, transposed);
  return triton::FloatsToBytes(transposed);
}

inline void AddRawInput(inference::ModelInferRequest* request, const std::string& name,
                        const std::string& datatype, std::vector<std::int64_t> shape,
                        std::string bytes) {
  auto* input = request->add_inputs();
  input->set_name(name);
  input->set_datatype(datatype);
  for (std::int64_t dim : shape) input->add_shape(dim);
  request->add_raw_input_contents(std::move(bytes));
}

inline std::string OnesMask(std::int64_t length) {
  return triton::FloatsToBytes(std::vector<float>(static_cast<std::size_t>(length), 1.0f));
}

// The request protifer's adapter for `model` sends for an embedding of `length` residues.
inline inference::ModelInferRequest AdapterRequest(const std::string& model,
                                                   const std::vector<float>& embedding,
                                                   std::int64_t length) {
  inference::ModelInferRequest request;
  request.set_model_name(model);
  if (model == "prott5_sec") {
    AddRawInput(&request, "input", "FP32", {1, length, 1024}, ChannelsLastBytes(embedding));
    request.add_outputs()->set_name("d3_Yhat");
    request.add_outputs()->set_name("d8_Yhat");
  } else if (model == "tmbed") {
    AddRawInput(&request, "ensemble_input", "FP32", {1, length, 1024},
                ChannelsLastBytes(embedding));
    AddRawInput(&request, "mask", "FP32", {1, length}, OnesMask(length));
    request.add_outputs()->set_name("labels");
    request.add_outputs()->set_name("probabilities");
  } else if (model == "bind_embed") {
    AddRawInput(&request, "ensemble_input", "FP32", {1, 1024, length},
                ChannelsFirstBytes(embedding, length));
    for (int i = 0; i < 5; ++i) request.add_outputs()->set_name("output_" + std::to_string(i));
  } else if (model == "light_attention_subcell" || model == "light_attention_membrane") {
    AddRawInput(&request, "input", "FP32", {1, 1024, length},
                ChannelsFirstBytes(embedding, length));
    AddRawInput(&request, "mask", "FP32", {1, length}, OnesMask(length));
    request.add_outputs()->set_name("output");
  } else {  // seth, prott5_cons, vespag
    AddRawInput(&request, "input", "FP32", {1, length, 1024}, ChannelsLastBytes(embedding));
    request.add_outputs()->set_name("output");
  }
  return request;
}

// The embedding worker's request (contract section 7): typed bytes_contents, shape [1, 1].
inline inference::ModelInferRequest EmbeddingRequest(const std::string& sequence) {
  inference::ModelInferRequest request;
  request.set_model_name("prot_t5_pipeline");
  auto* input = request.add_inputs();
  input->set_name("sequences");
  input->set_datatype("BYTES");
  input->add_shape(1);
  input->add_shape(1);
  input->mutable_contents()->add_bytes_contents(sequence);
  request.add_outputs()->set_name("embeddings");
  return request;
}

inline std::unique_ptr<inference::GRPCInferenceService::Stub> Connect(int port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  // A fresh connection per client, so tests never share a transport by accident.
  static std::atomic<int> next_channel{0};
  args.SetInt("kserve_stub_test_channel", next_channel++);
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                           grpc::InsecureChannelCredentials(), args);
  // Connect before the first call: a call on a channel still connecting on a loaded machine
  // fails at once (no wait_for_ready), and tests that time calls must not time the handshake.
  channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return inference::GRPCInferenceService::NewStub(channel);
}

inline grpc::Status Infer(inference::GRPCInferenceService::Stub& stub,
                          const inference::ModelInferRequest& request,
                          inference::ModelInferResponse* response,
                          std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  return stub.ModelInfer(&context, request, response);
}

// FP32 output by name (raw or typed), empty when absent.
inline std::vector<float> OutputByName(const inference::ModelInferResponse& response,
                                       const std::string& name) {
  auto index = triton::FindOutput(response, name);
  if (!index) return {};
  return triton::ReadFp32Output(response, *index);
}

// GET http://127.0.0.1:port/path over a plain socket; returns the whole HTTP response.
inline std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return {};
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string reply;
  char buffer[8192];
  ssize_t got;
  while ((got = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) {
    reply.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  return reply;
}

// Sends newline-terminated lines to a text port and returns the reply lines.
inline std::vector<std::string> TalkToControlPort(int port, const std::vector<std::string>& lines) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<std::string> replies;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return replies;
  }
  std::string pending;
  for (const std::string& line : lines) {
    const std::string text = line + "\n";
    (void)!::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    while (pending.find('\n') == std::string::npos) {
      char buffer[4096];
      const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
      if (got <= 0) break;
      pending.append(buffer, static_cast<std::size_t>(got));
    }
    const std::size_t newline = pending.find('\n');
    if (newline == std::string::npos) break;
    replies.push_back(pending.substr(0, newline));
    pending.erase(0, newline + 1);
  }
  ::close(fd);
  return replies;
}

}  // namespace protifer::kserve_stub::testing
