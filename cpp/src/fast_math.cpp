#include "fast_math.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PDLT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PDLT_CLONES
#endif

namespace pdlt::detail {
namespace {

// exp(y) for 0 <= y <= 708, branch-free: y = k ln 2 + r, |r| <= ln2/2, Taylor to r^13.
inline double exp_nonnegative(double y) {
  constexpr double kLog2e = 1.4426950408889634074, kLn2Hi = 6.93147180369123816490e-01,
                   kLn2Lo = 1.90821492927058770002e-10, kShift = 6755399441055744.0;  // 1.5 * 2^52
  const double shifted = y * kLog2e + kShift;  // rounds to the nearest integer k
  const double k = shifted - kShift;
  std::uint64_t kbits;
  std::memcpy(&kbits, &shifted, sizeof kbits);  // k sits in the low mantissa bits
  const double r = (y - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const std::uint64_t scale_bits = ((kbits & 0xFFFFFFFFull) + 1023u) << 52;  // 2^k
  double scale;
  std::memcpy(&scale, &scale_bits, sizeof scale);
  return p * scale;
}

}  // namespace

PDLT_CLONES void tanh_array(const double* z, std::size_t n, double* t, double* dt, double* d2t) {
  constexpr double p0 = -9.64399179425052238628e-1, p1 = -9.92877231001918586564e1, p2 = -1.61468768441708447952e3;
  constexpr double q0 = 1.12811678491632931402e2, q1 = 2.23548839060100448583e3, q2 = 4.84406305325125486048e3;
  constexpr std::size_t kBlock = 256;
  double th[kBlock], sech2[kBlock];
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t m = n - begin < kBlock ? n - begin : kBlock;
    const double* x = z + begin;
    for (std::size_t i = 0; i < m; ++i) {  // branch-free: both forms, then a select
      const double ax = std::fabs(x[i]), s = x[i] * x[i];
      const double rational = x[i] + x[i] * (s * ((p0 * s + p1) * s + p2) / (((s + q0) * s + q1) * s + q2));
      const double E = exp_nonnegative(2.0 * ax < 708.0 ? 2.0 * ax : 708.0);  // exp finite, tanh = +-1 there
      const double large = std::copysign(1.0 - 2.0 / (E + 1.0), x[i]);
      const bool small = ax < 0.625;
      th[i] = small ? rational : large;
      sech2[i] = small ? 1.0 - rational * rational : 4.0 / (E + 2.0 + 1.0 / E);
    }
    if (t) std::memcpy(t + begin, th, m * sizeof(double));
    if (dt) std::memcpy(dt + begin, sech2, m * sizeof(double));
    if (d2t)
      for (std::size_t i = 0; i < m; ++i) d2t[begin + i] = -2.0 * th[i] * sech2[i];
  }
}

}  // namespace pdlt::detail
