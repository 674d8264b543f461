"""The quadrature rules of the core against SciPy and exact Gaussian moments."""

import math

import numpy as np
import pytest
from scipy import special

from pdlt import _core

from _reference import hermite_rule


@pytest.mark.parametrize("Q", [64, 128])
def test_gauss_hermite_matches_scipy(Q):
    nodes, sqrt_w, _ = _core.hermite_basis(Q)
    order = np.argsort(nodes)
    x, w = hermite_rule(Q)
    keep = w > 1e-300
    np.testing.assert_allclose(nodes[order], x[keep], atol=1e-13)
    np.testing.assert_allclose(sqrt_w[order] ** 2, w[keep], rtol=1e-11)


@pytest.mark.parametrize("Q", [64, 256])
def test_hermite_basis_is_orthonormal(Q):
    _, _, basis = _core.hermite_basis(Q)
    np.testing.assert_allclose(basis.T @ basis, np.eye(basis.shape[1]), atol=1e-12)


@pytest.mark.parametrize("Q", [64, 256, 2048])
def test_hermite_coefficients_are_exact(Q):
    """Coefficients E[f(u) p_k(u)] from the basis (nodes of negligible weight are dropped for
    large Q, so this, not discrete orthogonality, is what must hold)."""
    nodes, sqrt_w, basis = _core.hermite_basis(Q)
    # u^4 = He_4 + 6 He_2 + 3: coefficients 3, 6 sqrt(2!) = 12/sqrt(2), sqrt(4!) in the orthonormal p_k
    coeff = (sqrt_w * nodes**4) @ basis
    np.testing.assert_allclose(coeff[:6], [3, 0, 12 / math.sqrt(2), 0, math.sqrt(24), 0], atol=1e-12)
    # exp(t u) = exp(t^2/2) sum_k t^k He_k / k!: coefficients exp(t^2/2) t^k / sqrt(k!)
    t = 0.7
    k = np.arange(basis.shape[1])
    expected = np.exp(t * t / 2 + k * np.log(t) - 0.5 * special.gammaln(k + 1))
    np.testing.assert_allclose((sqrt_w * np.exp(t * nodes)) @ basis, expected, atol=1e-14)


def test_gauss_legendre_matches_numpy():
    x, w = _core.gauss_legendre(40)
    xr, wr = np.polynomial.legendre.leggauss(40)
    np.testing.assert_allclose(np.sort(x), xr, atol=1e-15)
    np.testing.assert_allclose(w[np.argsort(x)], wr, atol=1e-15)


def test_split_rule_is_exact_across_the_kink():
    u, w = _core.split_normal_rule(64)
    assert abs(w.sum() - 1) < 1e-15
    for k in range(1, 8):  # E[u^{2k}] = (2k-1)!!
        assert abs(w @ u ** (2 * k) - special.factorial2(2 * k - 1)) < 1e-12 * special.factorial2(2 * k - 1)
    assert abs(w @ np.abs(u) - math.sqrt(2 / math.pi)) < 1e-15
    assert abs(w @ np.maximum(u, 0) ** 3 - math.sqrt(2 / math.pi)) < 1e-14


def test_polar_rule_moments():
    u1, u2, w = _core.polar_rule([0.3, 2.0, 4.1], 64, 32)
    assert abs(w.sum() - 1) < 1e-15
    assert abs(w @ (u1**2 * u2**2) - 1) < 1e-13
    assert abs(w @ (u1**4) - 3) < 1e-13
    # |u1 u2| has kinks on the axes: exact once the angle is split there
    u1, u2, w = _core.polar_rule([0.0, math.pi / 2, math.pi, 1.5 * math.pi], 64, 32)
    assert abs(w @ np.abs(u1 * u2) - 2 / math.pi) < 1e-14
