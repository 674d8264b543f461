"""The baseline: a vectorised NumPy product Gauss-Hermite implementation of one layer of the
kernel and NTK recursions, for a list of input pairs (the textbook way to do these integrals)."""

from __future__ import annotations

import numpy as np
from numpy.polynomial.hermite_e import hermegauss


def gauss_hermite(Q: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = hermegauss(Q)
    return x, w / np.sqrt(2 * np.pi)


def layer(sigma, dsigma, K: np.ndarray, H: np.ndarray, hyper: tuple, pairs: np.ndarray, Q: int,
          chunk: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """K^(l+1)_ab and H^(l+1)_ab for the given (a, b) pairs from K^(l), H^(l).

    <F(z_a) G(z_b)> = sum_ij w_i w_j F(s_a x_i) G(s_b (rho x_i + sqrt(1 - rho^2) x_j)).
    """
    C_b, C_W, l_b, l_W = hyper
    x, w = gauss_hermite(Q)
    W2 = np.outer(w, w)
    s = np.sqrt(np.diag(K))
    sig_a = sigma(s[:, None] * x[None, :])    # per input: sigma(s_a x_i)
    dsig_a = dsigma(s[:, None] * x[None, :])
    a, b = pairs[:, 0], pairs[:, 1]
    rho = np.clip(K[a, b] / (s[a] * s[b]), -1.0, 1.0)
    c = np.sqrt(1.0 - rho**2)
    ss = np.empty(len(pairs))
    dd = np.empty(len(pairs))
    for lo in range(0, len(pairs), chunk):
        sl = slice(lo, lo + chunk)
        zb = s[b[sl], None, None] * (rho[sl, None, None] * x[None, :, None] + c[sl, None, None] * x[None, None, :])
        ss[sl] = np.einsum("pi,pij,ij->p", sig_a[a[sl]], sigma(zb), W2)
        dd[sl] = np.einsum("pi,pij,ij->p", dsig_a[a[sl]], dsigma(zb), W2)
    return C_b + C_W * ss, l_b + l_W * ss + C_W * dd * H[a, b]


def recursion(sigma, dsigma, hyper: np.ndarray, X: np.ndarray, Q: int) -> tuple[np.ndarray, np.ndarray]:
    """The full recursion over all pairs, layers 1..L."""
    n = X.shape[0]
    gram = X @ X.T / X.shape[1]
    K = hyper[0, 0] + hyper[0, 1] * gram
    H = hyper[0, 2] + hyper[0, 3] * gram
    iu = np.array(np.triu_indices(n)).T
    Ks, Hs = [K], [H]
    for h in hyper[1:]:
        k, hh = layer(sigma, dsigma, K, H, tuple(h), iu, Q)
        K, H = np.empty((n, n)), np.empty((n, n))
        K[iu[:, 0], iu[:, 1]] = K[iu[:, 1], iu[:, 0]] = k
        H[iu[:, 0], iu[:, 1]] = H[iu[:, 1], iu[:, 0]] = hh
        Ks.append(K)
        Hs.append(H)
    return np.array(Ks), np.array(Hs)
