#include "pdlt/sampler.hpp"

#include <algorithm>
#include <string>

#include "network.hpp"
#include "parallel.hpp"
#include "pdlt/ensemble_features.hpp"
#include "pdlt/errors.hpp"

namespace pdlt {
namespace {

// Weights are kept for the backward pass when they fit in this many doubles per thread.
constexpr std::size_t kKeptWeightsLimit = std::size_t(1) << 22;

void validate(const Activation& act, const SamplerConfig& c) {
  const std::size_t L = c.layers.size();
  if (L == 0) throw InvalidArgument("depth must be >= 1");
  if (c.widths.size() != L) throw InvalidArgument("widths must give n_1 .. n_L");
  if (c.X.rows() < 1 || c.X.cols() < 1) throw InvalidArgument("X must hold at least one input");
  if (c.networks < 1) throw InvalidArgument("networks must be >= 1");
  for (int n : c.widths)
    if (n < 1) throw InvalidArgument("widths must be >= 1");
  if (c.ntk && c.method != SamplerMethod::weights) throw InvalidArgument("the NTK needs method='weights'");
  if (c.ntk && !act.has_derivative())
    throw InvalidArgument("the NTK is not defined for activation '" + act.name() + "': its derivative is a delta function");
  const int min_width = *std::min_element(c.widths.begin(), c.widths.end());
  if (c.four_point && min_width < 2) throw InvalidArgument("the four-point function needs every width >= 2");
  if (c.ntk && c.widths.back() < 2) throw InvalidArgument("NTK fluctuations need outputs >= 2");
}

}  // namespace

SampleResult sample(const Activation& act, const SamplerConfig& c, const RunControl& control) {
  validate(act, c);
  const int L = int(c.layers.size());
  const int N = int(c.X.rows());
  const Eigen::MatrixXd input = detail::input_layer(c);
  const Eigen::MatrixXd K1 = ((c.layers[0].C_W / double(c.X.cols())) * (c.X * c.X.transpose())).array() + c.layers[0].C_b;

  const InputIndex index(N);
  const LayerFeatures layer_features(index, c.four_point);
  const NtkFeatures ntk_features(index);
  const std::size_t layer_dim = layer_features.dim();
  const std::size_t ntk_dim = c.ntk ? ntk_features.dim() : 0;
  const std::size_t stride = std::size_t(L) * layer_dim + ntk_dim;

  SampleResult result;
  for (int l = 0; l < L; ++l) result.layers.emplace_back(layer_dim, layer_features.comoments());
  if (c.ntk) result.ntk = MomentAccumulator(ntk_dim, ntk_features.comoments());

  std::size_t weight_count = 0;
  for (int l = 0; l < L; ++l) weight_count += std::size_t(c.widths[l]) * std::size_t(l == 0 ? c.X.cols() : c.widths[l - 1]);
  const bool keep_weights = c.ntk && weight_count <= kKeptWeightsLimit;

  // Chunks bound the feature buffer (~32 MB) and set how often progress is reported; they do
  // not affect results, which are accumulated in network order.
  const std::uint64_t chunk = std::clamp<std::uint64_t>((std::uint64_t(1) << 22) / std::max<std::size_t>(stride, 1), 16, 1024);
  std::vector<double> features(std::size_t(chunk) * stride);
  const bool parallel = act.thread_safe();
  std::vector<detail::NetworkWorkspace> workspaces(std::max(1, num_threads()));
  const std::size_t n_out = std::size_t(c.widths.back()) * std::size_t(N);

  for (std::uint64_t begin = 0; begin < c.networks; begin += chunk) {
    const long m = long(std::min<std::uint64_t>(chunk, c.networks - begin));
    detail::for_each_index(m, parallel, [&](int thread, long t) {
      detail::NetworkWorkspace& ws = workspaces[std::size_t(thread)];
      const std::uint64_t network = c.start + begin + std::uint64_t(t);
      double* out = features.data() + std::size_t(t) * stride;
      if (c.method == SamplerMethod::marginal) {
        detail::forward_marginal(act, c, K1, network, ws);
      } else {
        detail::forward_weights(act, c, input, network, keep_weights, ws);
        if (c.ntk) {
          detail::backward_ntk(c, input, network, ws);
          ntk_features.compute(ws.ntk, ws.z[L - 1], out + std::size_t(L) * layer_dim);
        }
      }
      for (int l = 0; l < L; ++l) layer_features.compute(ws.z[l], out + std::size_t(l) * layer_dim);
      if (c.outputs) {
        const Eigen::MatrixXd& z = ws.z[L - 1];  // n_L x N_D -> row-major [i][a]
        double* dst = c.outputs + (begin + std::uint64_t(t)) * n_out;
        for (Eigen::Index i = 0; i < z.rows(); ++i)
          for (Eigen::Index a = 0; a < z.cols(); ++a) dst[i * z.cols() + a] = z(i, a);
      }
    });
    // Each accumulator takes the chunk's networks in order: deterministic for any thread count.
    const long accumulators = L + (c.ntk ? 1 : 0);
    detail::for_each_index(accumulators, true, [&](int, long k) {
      MomentAccumulator& acc = k < L ? result.layers[std::size_t(k)] : result.ntk;
      const std::size_t offset = std::size_t(k) * layer_dim;
      for (long t = 0; t < m; ++t) acc.add(features.data() + std::size_t(t) * stride + offset);
    });
    result.completed += std::uint64_t(m);
    if (control.poll && !control.poll(result.completed, c.networks)) {
      result.interrupted = result.completed < c.networks;
      break;
    }
  }
  return result;
}

}  // namespace pdlt
