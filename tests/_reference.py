"""Independent reference implementations for the tests (plain NumPy/SciPy, no pdlt code).

They are slow and simple on purpose: product Gauss-Hermite rules from SciPy for smooth
integrands, nested adaptive quadrature (scipy.integrate.quad) split at the kinks otherwise.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special


def hermite_rule(Q: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of E[f(u)], u ~ N(0, 1)."""
    x, w = special.roots_hermitenorm(Q)
    return x, w / math.sqrt(2 * math.pi)


def gh_pair(f, g, Kaa: float, Kbb: float, Kab: float, Q: int = 160) -> float:
    """E[f(z_a) g(z_b)] by a Q x Q product Gauss-Hermite rule (smooth f, g)."""
    x, w = hermite_rule(Q)
    sa, sb = math.sqrt(Kaa), math.sqrt(Kbb)
    rho = 0.0 if sa * sb == 0 else Kab / (sa * sb)
    c = math.sqrt(max(0.0, 1.0 - rho * rho))
    u, v = np.meshgrid(x, x, indexing="ij")
    return float(np.sum(np.outer(w, w) * f(sa * u) * g(sb * (rho * u + c * v))))


def gh_matrix(f, K: np.ndarray, Q: int = 160, g=None) -> np.ndarray:
    g = f if g is None else g
    n = K.shape[0]
    out = np.empty((n, n))
    for a in range(n):
        for b in range(a, n):
            out[a, b] = out[b, a] = gh_pair(f, g, K[a, a], K[b, b], K[a, b], Q)
    return out


def quad_pair(f, Kaa: float, Kbb: float, Kab: float, tol: float = 1e-13) -> float:
    """E[f(z_a) f(z_b)] by nested adaptive quadrature, split where z_a or z_b vanishes."""
    sa, sb = math.sqrt(Kaa), math.sqrt(Kbb)
    rho = Kab / (sa * sb)
    c = math.sqrt(max(0.0, 1.0 - rho * rho))
    phi = lambda t: math.exp(-0.5 * t * t) / math.sqrt(2 * math.pi)
    R = 12.0

    def inner(u: float) -> float:
        # z_b = sb (rho u + c v) = 0 at v0 = -rho u / c
        v0 = -rho * u / c
        h = lambda v: phi(v) * f(sb * (rho * u + c * v))
        pts = [p for p in (-R, min(max(v0, -R), R), R)]
        total = 0.0
        for lo, hi in zip(pts[:-1], pts[1:]):
            if hi > lo:
                total += integrate.quad(h, lo, hi, epsabs=tol, epsrel=tol, limit=200)[0]
        return total

    outer = lambda u: phi(u) * f(sa * u) * inner(u)
    return sum(integrate.quad(outer, lo, hi, epsabs=tol, epsrel=tol, limit=200)[0] for lo, hi in ((-R, 0.0), (0.0, R)))


def arccos_kernel(Kaa: float, Kbb: float, Kab: float, slope: float = 0.0, derivative: bool = False) -> float:
    """<s s> and <s' s'> for s(z) = z (z > 0), slope z (z < 0): Cho & Saul arc-cosine kernels."""
    cos = min(1.0, max(-1.0, Kab / math.sqrt(Kaa * Kbb)))
    psi = math.acos(cos)
    a2 = 1 + slope**2
    if derivative:
        return (a2 * (math.pi - psi) + 2 * slope * psi) / (2 * math.pi)
    sin = math.sin(psi)
    return math.sqrt(Kaa * Kbb) / (2 * math.pi) * (a2 * (sin + (math.pi - psi) * cos) - 2 * slope * (sin - psi * cos))


def kernel_ntk_recursion(sigma, dsigma, hyper: np.ndarray, X: np.ndarray, Q: int = 160):
    """K^(l), H^(l) for l = 1..L by the book's recursion with product Gauss-Hermite integrals."""
    gram = X @ X.T / X.shape[1]
    C_b, C_W, l_b, l_W = hyper[0]
    K = C_b + C_W * gram
    H = l_b + l_W * gram
    Ks, Hs = [K], [H]
    for C_b, C_W, l_b, l_W in hyper[1:]:
        ss = gh_matrix(sigma, K, Q)
        dd = gh_matrix(dsigma, K, Q)
        H = l_b + l_W * ss + C_W * dd * H
        K = C_b + C_W * ss
        Ks.append(K)
        Hs.append(H)
    return np.array(Ks), np.array(Hs)


def inputs_with_gram(G: np.ndarray) -> np.ndarray:
    """Inputs X (N_D, N_D) with X X^T / n0 = G."""
    n = G.shape[0]
    return np.linalg.cholesky(G) * math.sqrt(n)


def random_psd(rng: np.random.Generator, n: int, scale: float = 1.0, dim: int = 3) -> np.ndarray:
    """A random rank-<=dim PSD matrix with diagonal entries spread around `scale`."""
    x = rng.normal(size=(n, dim)) * rng.uniform(0.3, 1.5, size=(n, 1))
    return scale * (x @ x.T) / dim
