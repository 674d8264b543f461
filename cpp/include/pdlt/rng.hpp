// Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11; Random123) and standard
// normal streams derived from it.
//
// A stream is named by (seed, network, tag); its element j is a pure function of those and j,
// so network k is the same network whatever the thread count, chunking or machine. The normal
// transform is Box-Muller with pdlt's own polynomial log/sin/cos and an integer-exact angle
// reduction, evaluated without FMA contraction: the numbers are bitwise identical on every
// IEEE-754 machine and compiler.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace pdlt {

using PhiloxCounter = std::array<std::uint32_t, 4>;
using PhiloxKey = std::array<std::uint32_t, 2>;

// One Philox4x32-10 block.
PhiloxCounter philox4x32_10(PhiloxCounter counter, PhiloxKey key);

// What a stream is used for; combined with a layer index into the stream tag.
enum class StreamPurpose : std::uint32_t { weights = 1, biases = 2, marginal = 3, test = 15 };

inline std::uint32_t stream_tag(StreamPurpose purpose, std::uint32_t layer) {
  return (layer << 4) | static_cast<std::uint32_t>(purpose);
}

struct NormalStream {
  std::uint64_t seed = 0;
  std::uint64_t network = 0;
  std::uint32_t tag = 0;
};

// Elements [first, first + count) of a standard normal stream. Element j uses the 32-bit words
// of Philox block j / 4 (counter = {j/4, tag, network low, network high}, key = seed), two words
// per Box-Muller pair.
void fill_normals(const NormalStream& stream, std::uint64_t first, std::size_t count, double* out);

// The same scaled by `scale` (weights of variance scale^2).
void fill_scaled_normals(const NormalStream& stream, std::uint64_t first, std::size_t count, double scale,
                         double* out);

}  // namespace pdlt
