// Infinite-width recursions of a deep MLP, layer by layer (theory notes: initialization §2.1,
// ntk §2.1):
//   K^{(1)}_{ab}   = C_b^{(1)} + C_W^{(1)} x_a.x_b / n_0
//   K^{(l+1)}_{ab} = C_b^{(l+1)} + C_W^{(l+1)} <sigma_a sigma_b>_{K^{(l)}}
//   H^{(1)}_{ab}   = lambda_b^{(1)} + lambda_W^{(1)} x_a.x_b / n_0
//   H^{(l+1)}_{ab} = lambda_b^{(l+1)} + lambda_W^{(l+1)} <sigma_a sigma_b>_{K^{(l)}}
//                    + C_W^{(l+1)} <sigma'_a sigma'_b>_{K^{(l)}} H^{(l)}_{ab}
#pragma once

#include <functional>
#include <vector>

#include <Eigen/Dense>

#include "pdlt/activation.hpp"
#include "pdlt/control.hpp"

namespace pdlt {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct LayerHyperparameters {
  double C_b = 0, C_W = 1, lambda_b = 1, lambda_W = 1;
};

// Receives K^{(l)} and, when the NTK is requested, H^{(l)} (else nullptr), for l = 1..L in order.
using LayerSink = std::function<void(int layer, const Eigen::MatrixXd& K, const Eigen::MatrixXd* H)>;

// Runs the recursion over layers.size() layers for inputs X (N_D x n_0). Returns the largest
// estimated relative error of the Gaussian integrals used. Throws NumericalOverflow if K or H
// leaves the double range (a network far from criticality).
double infinite_width(const Activation& act, const std::vector<LayerHyperparameters>& layers,
                      const Eigen::Ref<const RowMatrix>& X, bool with_ntk, double rtol,
                      const LayerSink& sink, const RunControl& control = {});

}  // namespace pdlt
