// Micro-benchmarks of the tensor codecs on embedding-sized inputs ([L, 1024], L = residues).
//
// Each codec runs beside a plain memcpy of the same number of output bytes, so the figure to
// read is the ratio codec / memcpy (both report bytes/s of output via SetBytesProcessed):
// a memory-bound codec cannot beat memcpy, and one within ~2x of it is not worth optimising.
// The scalar variants show what the AVX2/F16C kernels buy on this CPU.
//
//   codec_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "triton/tensor_codec.h"

namespace protifer::triton {
namespace {

constexpr std::size_t kChannels = 1024;

std::size_t ElementCount(const benchmark::State& state) {
  return static_cast<std::size_t>(state.range(0)) * kChannels;
}

void ReportOutputBytes(benchmark::State& state, std::size_t bytes_per_iteration) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes_per_iteration));
}

// Finite halves in the range embeddings use, so no kernel hits a special-value slow path.
std::string RandomHalfBytes(std::size_t count) {
  std::mt19937 rng(2024);
  std::normal_distribution<float> value(0.0f, 0.5f);
  std::vector<float> floats(count);
  for (float& f : floats) {
    f = value(rng);
  }
  return FloatsToFp16Bytes(floats);
}

std::vector<float> RandomFloats(std::size_t count) {
  std::mt19937 rng(2025);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<float> floats(count);
  for (float& f : floats) {
    f = value(rng);
  }
  return floats;
}

void BM_MemcpyOutputBytes(benchmark::State& state) {
  const std::size_t bytes = ElementCount(state) * sizeof(float);
  const std::vector<char> src(bytes, 1);
  std::vector<char> dst(bytes);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), bytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  ReportOutputBytes(state, bytes);
}

void BM_Fp16ToFp32(benchmark::State& state) {
  const std::size_t count = ElementCount(state);
  const std::string halves = RandomHalfBytes(count);
  std::vector<float> out(count);
  for (auto _ : state) {
    Fp16BytesToFloats(halves, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  ReportOutputBytes(state, count * sizeof(float));
  state.SetLabel(kernels::SimdAvailable() ? "f16c" : "scalar");
}

void BM_Fp16ToFp32Scalar(benchmark::State& state) {
  const std::size_t count = ElementCount(state);
  const std::string halves = RandomHalfBytes(count);
  std::vector<float> out(count);
  for (auto _ : state) {
    kernels::Fp16BytesToFloatsScalar(halves, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  ReportOutputBytes(state, count * sizeof(float));
}

// [L, 1024] channels-last -> [1024, L] channels-first, as sent to the Conv1d models.
void BM_TransposeChannelsFirst(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const std::vector<float> src = RandomFloats(rows * kChannels);
  std::vector<float> dst(src.size());
  for (auto _ : state) {
    Transpose(src, rows, kChannels, dst);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  ReportOutputBytes(state, dst.size() * sizeof(float));
  state.SetLabel(kernels::SimdAvailable() ? "avx2" : "scalar");
}

void BM_TransposeChannelsFirstScalar(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const std::vector<float> src = RandomFloats(rows * kChannels);
  std::vector<float> dst(src.size());
  for (auto _ : state) {
    kernels::TransposeScalar(src, rows, kChannels, dst);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  ReportOutputBytes(state, dst.size() * sizeof(float));
}

// L = 400 (typical protein, ~1.6 MB of FP32 fits L2/L3) and L = 3500 (long protein, 14 MB).
BENCHMARK(BM_MemcpyOutputBytes)->Arg(400)->Arg(3500)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Fp16ToFp32)->Arg(400)->Arg(3500)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Fp16ToFp32Scalar)->Arg(400)->Arg(3500)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TransposeChannelsFirst)->Arg(400)->Arg(3500)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TransposeChannelsFirstScalar)->Arg(400)->Arg(3500)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace protifer::triton
