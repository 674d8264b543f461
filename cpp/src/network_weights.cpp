// The weights sampler: explicit W^{(l)}, b^{(l)} drawn from counter-based streams.
#include <algorithm>
#include <cmath>

#include "network.hpp"
#include "pdlt/rng.hpp"

namespace pdlt::detail {
namespace {

// Rows of W generated at a time when the weights are not kept (about 128 kB).
int block_rows(Eigen::Index n_in) { return int(std::max<Eigen::Index>(1, 16384 / std::max<Eigen::Index>(n_in, 1))); }

NormalStream weight_stream(const SamplerConfig& c, std::uint64_t network, int layer) {
  return {c.seed, network, stream_tag(StreamPurpose::weights, std::uint32_t(layer))};
}

// Calls use(first_row, rows, W_block) over row blocks of W^{(layer)}, from storage or regenerated.
template <class Use>
void for_weight_blocks(const SamplerConfig& c, std::uint64_t network, int layer, Eigen::Index n_out, Eigen::Index n_in,
                       NetworkWorkspace& ws, Use&& use) {
  if (ws.weights.size() >= std::size_t(layer) && ws.weights[layer - 1].rows() == n_out) {
    use(Eigen::Index(0), n_out, ws.weights[layer - 1]);
    return;
  }
  const double scale = std::sqrt(c.layers[layer - 1].C_W / double(n_in));
  const int R = block_rows(n_in);
  ws.block.resize(R, n_in);
  for (Eigen::Index i0 = 0; i0 < n_out; i0 += R) {
    const Eigen::Index rows = std::min<Eigen::Index>(R, n_out - i0);
    fill_scaled_normals(weight_stream(c, network, layer), std::uint64_t(i0) * std::uint64_t(n_in),
                        std::size_t(rows * n_in), scale, ws.block.data());
    use(i0, rows, ws.block.topRows(rows));
  }
}

}  // namespace

void forward_weights(const Activation& act, const SamplerConfig& c, const Eigen::MatrixXd& input,
                     std::uint64_t network, bool keep_weights, NetworkWorkspace& ws) {
  const int L = int(c.layers.size());
  const Eigen::Index N = input.cols();
  ws.z.resize(L);
  ws.s.resize(L);
  ws.ds.resize(L);
  ws.weights.resize(keep_weights ? L : 0);
  const Eigen::MatrixXd* prev = &input;
  for (int l = 1; l <= L; ++l) {
    const Eigen::Index n_in = prev->rows(), n_out = c.widths[l - 1];
    Eigen::MatrixXd& z = ws.z[l - 1];
    z.resize(n_out, N);
    if (keep_weights) {
      RowMatrix& W = ws.weights[l - 1];
      W.resize(n_out, n_in);
      fill_scaled_normals(weight_stream(c, network, l), 0, std::size_t(n_out * n_in),
                          std::sqrt(c.layers[l - 1].C_W / double(n_in)), W.data());
    }
    for_weight_blocks(c, network, l, n_out, n_in, ws, [&](Eigen::Index i0, Eigen::Index rows, const auto& W) {
      z.middleRows(i0, rows).noalias() = W * (*prev);
    });
    ws.bias.resize(n_out);
    fill_scaled_normals({c.seed, network, stream_tag(StreamPurpose::biases, std::uint32_t(l))}, 0, std::size_t(n_out),
                        std::sqrt(c.layers[l - 1].C_b), ws.bias.data());
    z.colwise() += ws.bias;
    if (l == L) break;
    ws.s[l - 1].resize(n_out, N);
    double* ds = nullptr;
    if (c.ntk) {
      ws.ds[l - 1].resize(n_out, N);
      ds = ws.ds[l - 1].data();
    }
    act.evaluate(z.data(), std::size_t(z.size()), ws.s[l - 1].data(), ds, nullptr);
    prev = &ws.s[l - 1];
  }
}

void backward_ntk(const SamplerConfig& c, const Eigen::MatrixXd& input, std::uint64_t network, NetworkWorkspace& ws) {
  const int L = int(c.layers.size());
  const Eigen::Index N = input.cols(), nL = c.widths[L - 1], D = N * nL;
  ws.ntk.setZero(D, D);
  // J^{(L)}_a = identity: row (a, i) of the stack is e_i.
  ws.jacobian.setZero(D, nL);
  for (Eigen::Index a = 0; a < N; ++a) ws.jacobian.middleRows(a * nL, nL).setIdentity();

  for (int l = L; l >= 1; --l) {
    if (l < L) {  // J^{(l)} = J^{(l+1)} W^{(l+1)} diag(sigma'(z^{(l)}))
      const Eigen::Index n_out = c.widths[l], n_in = c.widths[l - 1];
      ws.product.setZero(D, n_in);
      for_weight_blocks(c, network, l + 1, n_out, n_in, ws, [&](Eigen::Index i0, Eigen::Index rows, const auto& W) {
        ws.product.noalias() += ws.jacobian.middleCols(i0, rows) * W;
      });
      ws.jacobian.resize(D, n_in);
      for (Eigen::Index a = 0; a < N; ++a)
        ws.jacobian.middleRows(a * nL, nL) =
            ws.product.middleRows(a * nL, nL).array().rowwise() * ws.ds[l - 1].col(a).transpose().array();
    }
    // layer l's parameters: [lambda_b + lambda_W sigma^{(l-1)}_a . sigma^{(l-1)}_b / n_{l-1}] J_a J_b^T
    const Eigen::MatrixXd& prev = l == 1 ? input : ws.s[l - 2];
    const Eigen::MatrixXd features = (prev.transpose() * prev) / double(prev.rows());
    const Eigen::MatrixXd gram = ws.jacobian * ws.jacobian.transpose();
    const LayerHyperparameters& h = c.layers[l - 1];
    for (Eigen::Index a = 0; a < N; ++a)
      for (Eigen::Index b = 0; b < N; ++b)
        ws.ntk.block(a * nL, b * nL, nL, nL) += (h.lambda_b + h.lambda_W * features(a, b)) * gram.block(a * nL, b * nL, nL, nL);
  }
}

}  // namespace pdlt::detail
