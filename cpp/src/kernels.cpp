#include "pdlt/kernels.hpp"

#include <algorithm>
#include <string>

#include "pdlt/errors.hpp"
#include "pdlt/two_point.hpp"

namespace pdlt {
namespace {

void check_finite(const Eigen::MatrixXd& M, const char* what, int layer) {
  if (M.allFinite() && M.cwiseAbs().maxCoeff() < 1e300) return;
  throw NumericalOverflow(std::string(what) + " overflows the double range at layer " + std::to_string(layer) +
                          ": it grows geometrically with depth, so this network is far from criticality "
                          "(lower C_W, or see pdlt.critical_point)");
}

}  // namespace

double infinite_width(const Activation& act, const std::vector<LayerHyperparameters>& layers,
                      const Eigen::Ref<const RowMatrix>& X, bool with_ntk, double rtol,
                      const LayerSink& sink, const RunControl& control) {
  if (layers.empty()) throw InvalidArgument("depth must be >= 1");
  if (with_ntk && !act.has_derivative())
    throw InvalidArgument("the NTK is not defined for activation '" + act.name() + "': its derivative is a delta function");

  // Gram matrix x_a.x_b / n_0, symmetrised so that every later matrix is exactly symmetric.
  Eigen::MatrixXd gram = X * X.transpose() / double(X.cols());
  gram = 0.5 * (gram + gram.transpose()).eval();

  const LayerHyperparameters& first = layers.front();
  Eigen::MatrixXd K = (first.C_W * gram).array() + first.C_b;
  Eigen::MatrixXd H;
  if (with_ntk) H = (first.lambda_W * gram).array() + first.lambda_b;
  check_finite(K, "the kernel", 1);
  sink(1, K, with_ntk ? &H : nullptr);

  double error = 0.0;
  PairExpectations e;  // reused from layer to layer
  for (std::size_t l = 1; l < layers.size(); ++l) {
    control.checkpoint(l, layers.size());
    const LayerHyperparameters& h = layers[l];
    // <sigma_a sigma_b> and, for the NTK, <sigma'_a sigma'_b> from one Hermite table per input.
    std::vector<DerivativeOrders> requests = {{0, 0}};
    if (with_ntk) requests.push_back({1, 1});
    pair_expectations(act, K, requests, rtol, e, control);
    error = std::max(error, e.error);
    const Eigen::MatrixXd& ss = e.values[0];
    if (with_ntk) {
      H.array() = h.lambda_b + h.lambda_W * ss.array() + h.C_W * e.values[1].array() * H.array();  // elementwise, in place
      check_finite(H, "the NTK", int(l) + 1);
    }
    K = (h.C_W * ss).array() + h.C_b;
    check_finite(K, "the kernel", int(l) + 1);
    sink(int(l) + 1, K, with_ntk ? &H : nullptr);
  }
  return error;
}

}  // namespace pdlt
