// One random network of an ensemble (internal to the sampler).
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "pdlt/activation.hpp"
#include "pdlt/sampler.hpp"

namespace pdlt::detail {

// Per-thread buffers, reused from network to network.
struct NetworkWorkspace {
  std::vector<Eigen::MatrixXd> z;   // z^{(l)}: n_l x N_D, l = 1..L at index l-1
  std::vector<Eigen::MatrixXd> s;   // sigma(z^{(l)}), l < L
  std::vector<Eigen::MatrixXd> ds;  // sigma'(z^{(l)}), l < L, NTK only
  std::vector<RowMatrix> weights;   // W^{(l)} kept for the backward pass when they fit
  RowMatrix block;                  // a block of rows of a weight matrix, or marginal normals
  Eigen::VectorXd bias;
  Eigen::MatrixXd jacobian, product;  // stacked output Jacobians (N_D n_L) x n_l, and J W
  Eigen::MatrixXd ntk;                // (N_D n_L) x (N_D n_L), row (a, i) at a n_L + i
};

// The inputs as a network layer: sigma^{(0)} = x, n_0 x N_D.
inline Eigen::MatrixXd input_layer(const SamplerConfig& c) { return c.X.transpose(); }

// Forward pass with explicit weights and biases (stored in ws.weights when `keep_weights`).
void forward_weights(const Activation& act, const SamplerConfig& c, const Eigen::MatrixXd& input,
                     std::uint64_t network, bool keep_weights, NetworkWorkspace& ws);

// Output NTK of the network just run by forward_weights (ntk notes §7.1): the output
// Jacobians J^{(l)}_a = J^{(l+1)}_a W^{(l+1)} diag(sigma'(z^{(l)}_a)), J^{(L)} = 1, and
// Hhat = sum_l [lambda_b^{(l)} + lambda_W^{(l)} sigma^{(l-1)}_a.sigma^{(l-1)}_b / n_{l-1}] J^{(l)}_a J^{(l)T}_b.
// Weights not kept are regenerated from their streams.
void backward_ntk(const SamplerConfig& c, const Eigen::MatrixXd& input, std::uint64_t network, NetworkWorkspace& ws);

// Forward pass drawing each layer's preactivations from their exact conditional Gaussian law.
// K1 = C_b^{(1)} + C_W^{(1)} X X^T / n_0 is the (deterministic) covariance of layer 1.
void forward_marginal(const Activation& act, const SamplerConfig& c, const Eigen::MatrixXd& K1,
                      std::uint64_t network, NetworkWorkspace& ws);

}  // namespace pdlt::detail
