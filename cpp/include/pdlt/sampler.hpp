// Monte Carlo ensembles of random finite-width MLPs at initialisation.
//
// Network k (k = start .. start + networks - 1) is drawn from counter-based streams keyed by
// (seed, k, layer, purpose), so it is the same network whatever the threads, chunking or
// machine. Two exact samplers:
//  * weights: draw every W^{(l)} and b^{(l)}, run the forward pass and, for the NTK, the
//    backward pass (the output Jacobians, ntk notes §7.1);
//  * marginal: given layer l, the preactivations of layer l+1 are exactly Gaussian, iid over
//    neurons, with covariance Ghat = C_b + (C_W/n_l) sum_j sigma_j sigma_j^T (initialization
//    notes §2.2), so they are drawn directly at O(n N_D^2) per layer instead of O(n^2 N_D).
// Per-network measurements (ensemble_features.hpp) are accumulated in network order into
// mergeable moments, so results are bitwise identical for any number of threads and the memory
// does not grow with the number of networks.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "pdlt/activation.hpp"
#include "pdlt/control.hpp"
#include "pdlt/kernels.hpp"
#include "pdlt/stats.hpp"

namespace pdlt {

enum class SamplerMethod { weights, marginal };

struct SamplerConfig {
  std::vector<LayerHyperparameters> layers;  // l = 1..L
  std::vector<int> widths;                   // n_1 .. n_L (n_L: the outputs)
  RowMatrix X;                               // N_D x n_0
  bool four_point = false;
  bool ntk = false;  // needs method == weights
  SamplerMethod method = SamplerMethod::marginal;
  std::uint64_t seed = 0, start = 0, networks = 0;
  double* outputs = nullptr;  // if set: networks x n_L x N_D (row-major), filled with z^{(L)}
};

struct SampleResult {
  std::vector<MomentAccumulator> layers;  // per layer l = 1..L
  MomentAccumulator ntk;                   // output-layer NTK (empty without it)
  std::uint64_t completed = 0;             // networks start .. start + completed - 1 are in
  bool interrupted = false;                // the control asked to stop early
};

// Runs the ensemble. control.poll(done, total) is called between chunks of networks from the
// calling thread; returning false stops after the current chunk with a valid partial result.
SampleResult sample(const Activation& act, const SamplerConfig& config, const RunControl& control = {});

}  // namespace pdlt
