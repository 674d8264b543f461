// The marginal sampler: z^{(l+1)}_{i;.} ~ N(0, Ghat^{(l+1)}) iid over neurons, given layer l.
#include <cmath>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "network.hpp"
#include "pdlt/rng.hpp"

namespace pdlt::detail {
namespace {

// A square root R R^T = G of a positive semi-definite G: Cholesky, or the symmetric eigen root
// when G is singular (coincident inputs, or fewer neurons than inputs).
Eigen::MatrixXd square_root(const Eigen::MatrixXd& G) {
  Eigen::LLT<Eigen::MatrixXd> llt(G);
  if (llt.info() == Eigen::Success) return llt.matrixL();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(G);
  return eig.eigenvectors() * eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
}

}  // namespace

void forward_marginal(const Activation& act, const SamplerConfig& c, const Eigen::MatrixXd& K1,
                      std::uint64_t network, NetworkWorkspace& ws) {
  const int L = int(c.layers.size());
  const Eigen::Index N = K1.rows();
  ws.z.resize(L);
  ws.s.resize(L);
  for (int l = 1; l <= L; ++l) {
    const Eigen::Index n_out = c.widths[l - 1];
    Eigen::MatrixXd G;
    if (l == 1) {
      G = K1;
    } else {  // Ghat = C_b + (C_W / n_{l-1}) sum_j sigma_j sigma_j^T
      const Eigen::MatrixXd& s = ws.s[l - 2];
      G = (c.layers[l - 1].C_W / double(s.rows())) * (s.transpose() * s);
      G.array() += c.layers[l - 1].C_b;
    }
    ws.block.resize(n_out, N);  // u_i, one row per neuron
    fill_normals({c.seed, network, stream_tag(StreamPurpose::marginal, std::uint32_t(l))}, 0, std::size_t(n_out * N),
                 ws.block.data());
    ws.z[l - 1].noalias() = ws.block * square_root(G).transpose();
    if (l == L) break;
    ws.s[l - 1].resize(n_out, N);
    act.evaluate(ws.z[l - 1].data(), std::size_t(ws.z[l - 1].size()), ws.s[l - 1].data(), nullptr, nullptr);
  }
}

}  // namespace pdlt::detail
