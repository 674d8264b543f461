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
  for (std::size_t l = 1; l < layers.size(); ++l) {
    control.checkpoint(l, layers.size());
    const LayerHyperparameters& h = layers[l];
    const TwoPointResult ss = two_point(act, K, Field::sigma, rtol, control);
    error = std::max(error, ss.error);
    if (with_ntk) {
      const TwoPointResult dd = two_point(act, K, Field::dsigma, rtol, control);
      error = std::max(error, dd.error);
      H = (h.lambda_W * ss.value + h.C_W * dd.value.cwiseProduct(H)).array() + h.lambda_b;
      check_finite(H, "the NTK", int(l) + 1);
    }
    K = (h.C_W * ss.value).array() + h.C_b;
    check_finite(K, "the kernel", int(l) + 1);
    sink(int(l) + 1, K, with_ntk ? &H : nullptr);
  }
  return error;
}

}  // namespace pdlt
