// Dispatcher of the two-point engine: degenerate inputs, closed forms, the Mehler expansion
// and the polar fallback (see two_point.hpp for the method).
#include "pdlt/two_point.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "parallel.hpp"
#include "pdlt/errors.hpp"
#include "pdlt/gaussian.hpp"
#include "two_point_detail.hpp"

namespace pdlt {
namespace {

// An input whose variance is below this is treated as exactly zero (z_a = 0).
constexpr double kDegenerateVariance = 1e-300;

bool is_basic(DerivativeOrders r) { return (r.p == 0 && r.q == 0) || (r.p == 1 && r.q == 1); }
Field basic_field(DerivativeOrders r) { return r.p == 0 ? Field::sigma : Field::dsigma; }

double single_input_square(const SingleInputMoments& m, DerivativeOrders r) {
  if (r.p == 0 && r.q == 0) return m.sigma2;
  if (r.p == 1 && r.q == 1) return m.dsigma2;
  return std::numeric_limits<double>::quiet_NaN();  // not defined for kinked activations
}

void fill_closed_form(const Activation& act, Field field, const Eigen::MatrixXd& K, const std::vector<int>& inputs,
                      Eigen::MatrixXd& out) {
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

void pair_expectations(const Activation& act, const Eigen::MatrixXd& K, const std::vector<DerivativeOrders>& requests,
                       double rtol, PairExpectations& result, const RunControl& control) {
  const int n = int(K.rows());
  const std::size_t R = requests.size();
  result.values.resize(R);
  result.error = 0.0;
  for (auto& v : result.values) v.setZero(n, n);

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
  for (const auto& r : requests) {
    if ((r.p > 0 || r.q > 0) && !act.has_derivative())
      throw InvalidArgument("activation '" + act.name() + "' has no derivative (sigma' is a delta function)");
    if (!is_basic(r) && !degenerate.empty())
      throw InvalidArgument("derivative expectations need every input's variance K_aa > 0 (input " +
                            std::to_string(degenerate.front()) + " has K_aa = 0)");
  }

  // Closed forms where they exist; the other requests go to the expansion.
  std::vector<std::size_t> expanded;
  for (std::size_t r = 0; r < R; ++r) {
    if (is_basic(requests[r]) && act.has_closed_form(basic_field(requests[r])))
      fill_closed_form(act, basic_field(requests[r]), K, active, result.values[r]);
    else
      expanded.push_back(r);
  }

  if (!expanded.empty()) {
    std::vector<DerivativeOrders> wanted;
    std::vector<int> orders;
    for (std::size_t r : expanded) {
      wanted.push_back(requests[r]);
      orders.push_back(requests[r].p);
      orders.push_back(requests[r].q);
    }
    std::sort(orders.begin(), orders.end());
    orders.erase(std::unique(orders.begin(), orders.end()), orders.end());

    detail::MehlerTable table;
    if (act.smooth()) table = detail::mehler_table(act, scales, active, orders, rtol, control);
    std::vector<Eigen::MatrixXd> outs(wanted.size());
    for (std::size_t w = 0; w < wanted.size(); ++w) {
      outs[w].swap(result.values[expanded[w]]);  // fill in place
      detail::mehler_pairs(table, K, scales, wanted[w], outs[w]);
    }

    // Inputs whose expansion was not certified: diagonals by 1-d quadrature, pairs by the polar rule.
    std::vector<bool> certified(n, false);
    for (int a : table.members) certified[a] = true;
    std::vector<detail::IndexPair> fallback;
    for (std::size_t p = 0; p < active.size(); ++p) {
      const int a = active[p];
      if (!certified[a]) {
        const SingleInputMoments m = single_input_moments(act, K(a, a), rtol);
        for (std::size_t w = 0; w < wanted.size(); ++w) outs[w](a, a) = single_input_square(m, wanted[w]);
      }
      for (std::size_t q = p + 1; q < active.size(); ++q)
        if (!certified[a] || !certified[active[q]]) fallback.emplace_back(a, active[q]);
    }
    result.error = detail::polar_pairs(act, K, fallback, wanted, rtol, outs, control);
    for (std::size_t w = 0; w < wanted.size(); ++w) outs[w].swap(result.values[expanded[w]]);
  }

  // z_a = 0 exactly (basic requests only): <F(0) F(z_b)> = F(0) <F>_{K_bb}.
  if (!degenerate.empty()) {
    for (std::size_t r = 0; r < R; ++r) {
      const Field field = basic_field(requests[r]);
      double f0 = 0.0, zero = 0.0;
      detail::evaluate_field(act, field, &zero, 1, &f0);
      Eigen::MatrixXd& out = result.values[r];
      for (int b : active) {
        const SingleInputMoments m = single_input_moments(act, K(b, b), rtol);
        const double mean = field == Field::sigma ? m.mean_sigma : m.mean_dsigma;
        for (int a : degenerate) out(a, b) = out(b, a) = f0 * mean;
      }
      for (int a : degenerate)
        for (int b : degenerate) out(a, b) = f0 * f0;
    }
  }
}

TwoPointResult two_point(const Activation& act, const Eigen::MatrixXd& K, Field field, double rtol,
                         const RunControl& control) {
  const int order = field == Field::sigma ? 0 : 1;
  PairExpectations e;
  pair_expectations(act, K, {{order, order}}, rtol, e, control);
  return {std::move(e.values.front()), e.error};
}

namespace detail {

void evaluate_field(const Activation& act, Field field, const double* z, std::size_t n, double* out) {
  if (field == Field::sigma)
    evaluate_both(act, z, n, out, nullptr);
  else
    evaluate_both(act, z, n, nullptr, out);
}

void evaluate_both(const Activation& act, const double* z, std::size_t n, double* s, double* ds) {
  auto run = [&](std::size_t begin, std::size_t len) {
    act.evaluate(z + begin, len, s ? s + begin : nullptr, ds ? ds + begin : nullptr, nullptr);
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
