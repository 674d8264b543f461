// Philox4x32-10 and a deterministic Box-Muller transform (see rng.hpp). This file is compiled
// with -ffp-contract=off -fno-math-errno: no fused multiply-add changes a bit between machines,
// and sqrt is the IEEE instruction. The batch kernel is built twice (AVX2 and baseline x86-64)
// and picked at run time; both clones compute the same lanes with the same operations, so they
// return identical bits.
#include "pdlt/rng.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define PDLT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define PDLT_CLONES
#endif
#if defined(__GNUC__)
#define PDLT_INLINE inline __attribute__((always_inline))
#else
#define PDLT_INLINE inline
#endif

namespace pdlt {
namespace {

constexpr std::uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;  // Philox multipliers
constexpr std::uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;  // key schedule increments

// Philox blocks computed together: every loop below runs over lanes so that it vectorises.
constexpr int kLanes = 32;

struct Words {
  std::uint32_t w[4][kLanes];
};

PDLT_INLINE void philox_lanes(std::uint64_t first_block, std::uint32_t tag, std::uint64_t network, PhiloxKey key,
                              Words& out) {
  std::uint32_t* c0 = out.w[0];
  std::uint32_t* c1 = out.w[1];
  std::uint32_t* c2 = out.w[2];
  std::uint32_t* c3 = out.w[3];
  for (int l = 0; l < kLanes; ++l) {
    c0[l] = static_cast<std::uint32_t>(first_block + std::uint64_t(l));
    c1[l] = tag;
    c2[l] = static_cast<std::uint32_t>(network);
    c3[l] = static_cast<std::uint32_t>(network >> 32);
  }
  std::uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    for (int l = 0; l < kLanes; ++l) {
      const std::uint64_t p0 = std::uint64_t(kMul0) * std::uint64_t(c0[l]);
      const std::uint64_t p1 = std::uint64_t(kMul1) * std::uint64_t(c2[l]);
      const std::uint32_t n0 = std::uint32_t(p1 >> 32) ^ c1[l] ^ k0;
      const std::uint32_t n2 = std::uint32_t(p0 >> 32) ^ c3[l] ^ k1;
      c1[l] = std::uint32_t(p1);
      c3[l] = std::uint32_t(p0);
      c0[l] = n0;
      c2[l] = n2;
    }
    k0 += kWeyl0;
    k1 += kWeyl1;
  }
}

// r = sqrt(-2 log u), u = (w + 1/2) 2^-32. With x = w + 1/2 = m 2^e, m in [~sqrt(1/2), ~sqrt(2)]
// (the split is decided on the top mantissa bits, any fixed threshold near sqrt 2 works):
// log m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716, by its series to s^21 (error < 2e-16).
PDLT_INLINE void radii(const std::uint32_t* w, double* r) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  for (int l = 0; l < kLanes; ++l) {
    const double x = double(std::int32_t(w[l] ^ 0x80000000u)) + 2147483648.5;  // w + 1/2, exactly
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const std::int32_t high = std::int32_t(bits >> 32);
    const std::int32_t big = (high & 0xFFFFF) > 0x6A09E ? 1 : 0;  // mantissa above ~sqrt(2)
    const std::int32_t exponent = (high >> 20) - 1023 + big - 32;  // log u = log x - 32 log 2
    const std::uint64_t mbits = (bits & 0x000FFFFFFFFFFFFFull) | (std::uint64_t(0x3FF - big) << 52);
    double m;
    std::memcpy(&m, &mbits, sizeof m);
    const double e = double(exponent);
    const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double p = 1.0 / 21;
    p = p * s2 + 1.0 / 19;
    p = p * s2 + 1.0 / 17;
    p = p * s2 + 1.0 / 15;
    p = p * s2 + 1.0 / 13;
    p = p * s2 + 1.0 / 11;
    p = p * s2 + 1.0 / 9;
    p = p * s2 + 1.0 / 7;
    p = p * s2 + 1.0 / 5;
    p = p * s2 + 1.0 / 3;
    p = p * s2 + 1.0;
    const double log_u = e * kLn2Hi + (e * kLn2Lo + 2.0 * s * p);
    r[l] = std::sqrt(-2.0 * log_u);
  }
}

// (cos t, sin t) scaled by r, t = 2 pi (w + 1/2) 2^-32. The octant is the top 3 bits of w; within
// it the angle is measured from the nearer octant edge (exact integer reduction), so Taylor
// polynomials on [0, pi/4] suffice (remainder < 5e-17).
PDLT_INLINE void rotate(const std::uint32_t* w, const double* r, double* x_out, double* y_out) {
  constexpr double kStep = 0.78539816339744830962 / 536870912.0;  // (pi/4) / 2^29
  for (int l = 0; l < kLanes; ++l) {
    const std::int32_t octant = std::int32_t(w[l] >> 29);
    const std::int32_t f = std::int32_t(w[l] & 0x1FFFFFFFu);
    const std::int32_t g = (octant & 1) ? 0x1FFFFFFF - f : f;
    const double a = (double(g) + 0.5) * kStep;
    const double a2 = a * a;
    double ps = -1.0 / 1307674368000.0;  // -1/15!
    ps = ps * a2 + 1.0 / 6227020800.0;
    ps = ps * a2 - 1.0 / 39916800.0;
    ps = ps * a2 + 1.0 / 362880.0;
    ps = ps * a2 - 1.0 / 5040.0;
    ps = ps * a2 + 1.0 / 120.0;
    ps = ps * a2 - 1.0 / 6.0;
    const double sn = a + a * a2 * ps;
    double pc = 1.0 / 20922789888000.0;  // 1/16!
    pc = pc * a2 - 1.0 / 87178291200.0;
    pc = pc * a2 + 1.0 / 479001600.0;
    pc = pc * a2 - 1.0 / 3628800.0;
    pc = pc * a2 + 1.0 / 40320.0;
    pc = pc * a2 - 1.0 / 720.0;
    pc = pc * a2 + 1.0 / 24.0;
    pc = pc * a2 - 0.5;
    const double cs = 1.0 + a2 * pc;
    // From (cos a, sin a): swap in octants 1, 2, 5, 6; cos t < 0 in octants 2..5, sin t < 0 in 4..7.
    const bool swap = ((octant + 1) & 2) != 0;
    const double x = swap ? sn : cs, y = swap ? cs : sn;
    const double sx = (octant >= 2 && octant <= 5) ? -1.0 : 1.0;
    const double sy = octant >= 4 ? -1.0 : 1.0;
    x_out[l] = r[l] * (sx * x);
    y_out[l] = r[l] * (sy * y);
  }
}

}  // namespace

PhiloxCounter philox4x32_10(PhiloxCounter ctr, PhiloxKey key) {
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t(kMul0) * ctr[0];
    const std::uint64_t p1 = std::uint64_t(kMul1) * ctr[2];
    ctr = {std::uint32_t(p1 >> 32) ^ ctr[1] ^ key[0], std::uint32_t(p1), std::uint32_t(p0 >> 32) ^ ctr[3] ^ key[1],
           std::uint32_t(p0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return ctr;
}

PDLT_CLONES void fill_scaled_normals(const NormalStream& stream, std::uint64_t first, std::size_t count, double scale,
                                     double* out) {
  const PhiloxKey key = {std::uint32_t(stream.seed), std::uint32_t(stream.seed >> 32)};
  std::uint64_t block = first / 4;
  std::size_t skip = std::size_t(first % 4), done = 0;
  Words words;
  double r[kLanes], z[4][kLanes];  // z[j][l]: element 4 l + j of the batch
  while (done < count) {
    philox_lanes(block, stream.tag, stream.network, key, words);
    radii(words.w[0], r);
    rotate(words.w[1], r, z[0], z[1]);
    radii(words.w[2], r);
    rotate(words.w[3], r, z[2], z[3]);
    const std::size_t take = std::min<std::size_t>(4 * kLanes - skip, count - done);
    for (std::size_t i = 0; i < take; ++i) out[done + i] = scale * z[(skip + i) % 4][(skip + i) / 4];
    done += take;
    skip = 0;
    block += kLanes;
  }
}

void fill_normals(const NormalStream& stream, std::uint64_t first, std::size_t count, double* out) {
  fill_scaled_normals(stream, first, count, 1.0, out);
}

}  // namespace pdlt
