"""The baseline: batched PyTorch (CPU, float64) sampling of random MLPs with explicit weights,
the forward pass and, for the NTK, the output Jacobians by explicit backpropagation
(Hhat = sum_l [lambda_b + lambda_W sigma^{(l-1)}_a . sigma^{(l-1)}_b / n_{l-1}] J^{(l)}_a J^{(l)T}_b)."""

from __future__ import annotations

import math

import torch


def sample_batch(batch: int, widths: list[int], X: torch.Tensor, C_b: float, C_W: float, lambda_b: float,
                 lambda_W: float, ntk: bool, generator: torch.Generator):
    """Outputs (batch, n_L, N_D) and, with ntk, Hhat (batch, N_D, n_L, N_D, n_L) of `batch` networks."""
    n0, N = X.shape[1], X.shape[0]
    prev = X.T.unsqueeze(0).expand(batch, n0, N)
    posts, slopes, weights = [prev], [], []
    for l, n_out in enumerate(widths):
        n_in = prev.shape[1]
        W = torch.randn(batch, n_out, n_in, generator=generator, dtype=torch.float64) * math.sqrt(C_W / n_in)
        b = torch.randn(batch, n_out, 1, generator=generator, dtype=torch.float64) * math.sqrt(C_b)
        z = torch.bmm(W, prev) + b
        weights.append(W)
        if l + 1 < len(widths):
            prev = torch.tanh(z)
            posts.append(prev)
            slopes.append(1.0 - prev * prev)
    if not ntk:
        return z, None
    nL = widths[-1]
    J = torch.eye(nL, dtype=torch.float64).expand(batch, N, nL, nL)  # J_a: (n_L x n_l) per input a
    H = torch.zeros(batch, N, nL, N, nL, dtype=torch.float64)
    for l in range(len(widths) - 1, -1, -1):
        if l + 1 < len(widths):  # J^{(l)}_a = J^{(l+1)}_a W^{(l+1)} diag(sigma'^{(l)}_a)
            J = torch.einsum("bain,bnm->baim", J, weights[l + 1]) * slopes[l].permute(0, 2, 1).unsqueeze(2)
        s = posts[l]
        features = torch.einsum("bja,bjc->bac", s, s) / s.shape[1]
        gram = torch.einsum("bain,bcjn->baicj", J, J)
        H = H + (lambda_b + lambda_W * features)[:, :, None, :, None] * gram
    return z, H
