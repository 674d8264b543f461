// Dispatcher of the two-point engine: degenerate inputs, closed forms, the Mehler expansion
// and the polar fallback (see two_point.hpp for the method).
#include "pdlt/two_point.hpp"

#include <algorithm>
#include <cmath>

#include "parallel.hpp"
#include "pdlt/errors.hpp"
#include "pdlt/gaussian.hpp"
#include "two_point_detail.hpp"

namespace pdlt {
namespace {

// An input whose variance is below this is treated as exactly zero (z_a = 0).
constexpr double kDegenerateVariance = 1e-300;

double field_moment(const SingleInputMoments& m, Field f, bool squared) {
  if (f == Field::sigma) return squared ? m.sigma2 : m.mean_sigma;
  return squared ? m.dsigma2 : m.mean_dsigma;
}

void fill_closed_form(const Activation& act, Field field, const Eigen::MatrixXd& K,
                      const std::vector<int>& inputs, Eigen::MatrixXd& out) {
  const int n = int(inputs.size());
  PDLT_PARALLEL_FOR_DYNAMIC
  for (int p = 0; p < n; ++p) {
    const int a = inputs[p];
    for (int q = p; q < n; ++q) {
      const int b = inputs[q];
      out(a, b) = out(b, a) = act.closed_form(field, K(a, a), K(b, b), K(a, b));
    }
  }
}

}  // namespace

TwoPointResult two_point(const Activation& act, const Eigen::MatrixXd& K, Field field, double rtol,
                         const RunControl& control) {
  if (field == Field::dsigma && !act.has_derivative())
    throw InvalidArgument("activation '" + act.name() + "' has no derivative (sigma' is a delta function)");
  const int n = int(K.rows());
  TwoPointResult result;
  result.value.setZero(n, n);

  std::vector<int> active, degenerate;
  std::vector<double> scales(n, 0.0);
  for (int a = 0; a < n; ++a) {
    if (K(a, a) > kDegenerateVariance) {
      active.push_back(a);
      scales[a] = std::sqrt(K(a, a));
    } else {
      degenerate.push_back(a);
    }
  }

  if (act.has_closed_form(field)) {
    fill_closed_form(act, field, K, active, result.value);
  } else {
    detail::MehlerTable table;
    if (act.smooth()) table = detail::mehler_table(act, field, scales, active, rtol, control);
    detail::mehler_pairs(table, K, scales, result.value);

    // Inputs whose expansion was not certified: energies by 1-d quadrature, pairs by polar rule.
    std::vector<double> energy(n, 0.0);
    std::vector<bool> certified(n, false);
    for (std::size_t p = 0; p < table.members.size(); ++p) {
      certified[table.members[p]] = true;
      energy[table.members[p]] = table.energy[p];
    }
    std::vector<detail::IndexPair> fallback;
    for (std::size_t p = 0; p < active.size(); ++p) {
      const int a = active[p];
      if (!certified[a]) {
        energy[a] = field_moment(single_input_moments(act, K(a, a), rtol), field, true);
        result.value(a, a) = energy[a];
      }
      for (std::size_t q = p + 1; q < active.size(); ++q)
        if (!certified[a] || !certified[active[q]]) fallback.emplace_back(a, active[q]);
    }
    result.error = detail::polar_pairs(act, field, K, fallback, energy, rtol, result.value, control);
  }

  // z_a = 0 exactly: <F(0) F(z_b)> = F(0) <F>_{K_bb}.
  if (!degenerate.empty()) {
    double f0 = 0.0, zero = 0.0;
    detail::evaluate_field(act, field, &zero, 1, &f0);
    for (int b : active) {
      const double mean = field_moment(single_input_moments(act, K(b, b), rtol), field, false);
      for (int a : degenerate) result.value(a, b) = result.value(b, a) = f0 * mean;
    }
    for (int a : degenerate)
      for (int b : degenerate) result.value(a, b) = f0 * f0;
  }
  return result;
}

namespace detail {

void evaluate_field(const Activation& act, Field field, const double* z, std::size_t n, double* out) {
  auto run = [&](std::size_t begin, std::size_t len) {
    act.evaluate(z + begin, len, field == Field::sigma ? out + begin : nullptr,
                 field == Field::dsigma ? out + begin : nullptr, nullptr);
  };
  constexpr std::size_t kBlock = 2048;
  if (!act.thread_safe() || n <= kBlock) return run(0, n);
  const long blocks = long((n + kBlock - 1) / kBlock);
  PDLT_PARALLEL_FOR_STATIC
  for (long blk = 0; blk < blocks; ++blk) {
    const std::size_t begin = std::size_t(blk) * kBlock;
    run(begin, std::min(kBlock, n - begin));
  }
}

}  // namespace detail
}  // namespace pdlt
