"""Susceptibilities, fixed points, critical points and large-depth laws (book Ch. 5)."""

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, optimize, special

import pdlt


def quad_expectation(f, K):
    """E[f(sqrt(K) u)] by adaptive quadrature split at 0 (independent of pdlt)."""
    phi = lambda u: math.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)
    with warnings.catch_warnings():  # QUADPACK warns that 1e-14 is at the edge of its roundoff
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return sum(integrate.quad(lambda u: phi(u) * f(math.sqrt(K) * u), lo, hi, epsabs=1e-16, epsrel=1e-14,
                                  limit=400)[0] for lo, hi in ((-14, -4), (-4, 0), (0, 4), (4, 14)))


# --- susceptibilities ------------------------------------------------------------------------

@pytest.mark.parametrize("K", [0.05, 0.7, 3.0])
def test_susceptibilities_closed_forms(K):
    C_W = 1.7
    # erf: g(K) = (2/pi) asin(2K/(1+2K)), g' = 4 / (pi (1+2K) sqrt(1+4K)); <erf'^2> = (4/pi)/sqrt(1+4K)
    chi = pdlt.susceptibilities("erf", K, C_W)
    assert chi[0] == pytest.approx(C_W * 4 / (math.pi * (1 + 2 * K) * math.sqrt(1 + 4 * K)), rel=1e-12)
    assert chi[1] == pytest.approx(C_W * 4 / math.pi / math.sqrt(1 + 4 * K), rel=1e-12)
    # sin: g = (1 - e^{-2K})/2, <cos^2> = (1 + e^{-2K})/2
    chi = pdlt.susceptibilities("sin", K, C_W)
    assert chi == pytest.approx((C_W * math.exp(-2 * K), C_W * (1 + math.exp(-2 * K)) / 2), rel=1e-12)
    # scale-invariant: chi_par = chi_perp = C_W A_2 at every K
    assert pdlt.susceptibilities("relu", K, C_W) == pytest.approx((C_W / 2, C_W / 2), rel=1e-13)
    a = 0.3
    assert pdlt.susceptibilities(pdlt.Activation("leaky_relu", slope=a), K, C_W) == pytest.approx(
        (C_W * (1 + a * a) / 2,) * 2, rel=1e-13)


@pytest.mark.parametrize("name,f,df", [
    ("tanh", math.tanh, lambda z: 1 / math.cosh(z) ** 2),
    ("gelu", lambda z: z * special.ndtr(z), lambda z: special.ndtr(z) + z * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)),
    ("elu", lambda z: z if z > 0 else math.expm1(z), lambda z: 1.0 if z > 0 else math.exp(z)),
])
def test_susceptibilities_vs_finite_differences_of_quadrature(name, f, df):
    """chi_par = C_W dg/dK from finite differences of an independent g(K); chi_perp directly."""
    K, C_W, h = 0.8, 1.3, 1e-4
    g = lambda k: quad_expectation(lambda z: f(z) ** 2, k)
    chi_par = C_W * (8 * (g(K + h) - g(K - h)) - (g(K + 2 * h) - g(K - 2 * h))) / (12 * h)
    chi_perp = C_W * quad_expectation(lambda z: df(z) ** 2, K)
    assert pdlt.susceptibilities(name, K, C_W) == pytest.approx((chi_par, chi_perp), rel=1e-9)


def test_susceptibilities_at_zero_is_the_limit():
    assert pdlt.susceptibilities("tanh", 0.0, 1.0) == pytest.approx((1.0, 1.0), rel=1e-12)
    assert pdlt.susceptibilities("erf", 0.0, math.pi / 4) == pytest.approx((1.0, 1.0), rel=1e-12)


def test_susceptibility_bad_input():
    with pytest.raises(ValueError, match="K must be a finite real number >= 0"):
        pdlt.susceptibilities("tanh", -0.1, 1.0)
    with pytest.raises(ValueError, match="C_W must be a finite real number >= 0"):
        pdlt.susceptibilities("tanh", 0.1, -1.0)
    with pytest.raises(ValueError, match="delta function"):
        pdlt.susceptibilities("step", 0.1, 1.0)


# --- critical points ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,params,C_W", [
    ("linear", {}, 1.0), ("relu", {}, 2.0), ("leaky_relu", {"slope": 0.2}, 2 / 1.04), ("leaky_relu", {"slope": -0.5}, 2 / 1.25),
])
def test_scale_invariant_class(name, params, C_W):
    cp = pdlt.critical_point(pdlt.Activation(name, **params))
    assert cp.universality_class == "scale-invariant"
    assert cp.C_b == 0.0 and cp.C_W == pytest.approx(C_W, rel=1e-13) and cp.K_star is None
    assert (cp.chi_par, cp.chi_perp) == pytest.approx((1.0, 1.0), rel=1e-13)


# Theory notes §3.4 table: C_W, a_1, b_1, a_2 (sigma_p the derivatives at 0).
@pytest.mark.parametrize("name,C_W,a_1,b_1,a_2", [
    ("tanh", 1.0, -2.0, -2.0, 17 / 3), ("sin", 1.0, -1.0, -1.0, 2 / 3), ("erf", math.pi / 4, -2.0, -2.0, 14 / 3),
])
def test_k_star_zero_class(name, C_W, a_1, b_1, a_2):
    cp = pdlt.critical_point(name)
    assert cp.universality_class == "K*=0"
    assert (cp.C_b, cp.K_star) == (0.0, 0.0)
    assert cp.C_W == pytest.approx(C_W, rel=1e-12)
    assert (cp.a_1, cp.b_1, cp.p_perp) == pytest.approx((a_1, b_1, 1.0), rel=1e-8)
    assert cp.a_2 == pytest.approx(a_2, rel=1e-6)


# Theory notes §3.5 (30-digit quadrature) and the book's GELU values.
@pytest.mark.parametrize("name,K_star,C_W,C_b,c_2,a_1", [
    ("gelu", 3.5615528128, 1.9830582574, 0.1729223908, -1.436e-4, 6 / math.pi),
    ("swish", 14.320173618, 1.9880046783, 0.5551431707, 2.85e-6, 0.75),
])
def test_half_stable_class(name, K_star, C_W, C_b, c_2, a_1):
    cp = pdlt.critical_point(name)
    assert cp.universality_class == "half-stable"
    assert cp.K_star == pytest.approx(K_star, abs=2e-9)
    assert cp.C_W == pytest.approx(C_W, abs=1e-9)
    assert cp.C_b == pytest.approx(C_b, abs=1e-9)
    assert cp.c_2 == pytest.approx(c_2, rel=2e-3)
    assert cp.a_1 == pytest.approx(a_1, rel=1e-8)
    assert (cp.chi_par, cp.chi_perp) == pytest.approx((1.0, 1.0), abs=1e-10)


@pytest.mark.parametrize("activation", ["sigmoid", "softplus", "step",
                                        pdlt.Activation.from_function(np.square, lambda z: 2 * z, name="square")])
def test_no_critical_point(activation):
    cp = pdlt.critical_point(activation)
    assert cp.universality_class == "none" and not cp.exists
    assert cp.C_W is None and cp.reason
    with pytest.raises(ValueError, match="no critical point"):
        pdlt.MLP.critical(activation, 3, 8)


def test_custom_activations_find_the_same_critical_points():
    tanh = pdlt.Activation.from_function(np.tanh)  # numerical derivatives
    cp = pdlt.critical_point(tanh)
    assert cp.universality_class == "K*=0" and cp.a_1 == pytest.approx(-2.0, rel=1e-6)
    gelu = pdlt.Activation.from_function(lambda z: z * special.ndtr(z))
    assert pdlt.critical_point(gelu).K_star == pytest.approx(3.5615528128, abs=1e-7)
    relu = pdlt.Activation.from_function(lambda z: np.maximum(z, 0), smooth=False)
    cp = pdlt.critical_point(relu)
    assert cp.universality_class == "scale-invariant" and cp.C_W == pytest.approx(2.0, rel=1e-12)


def test_critical_mlp():
    mlp = pdlt.MLP.critical("gelu", 4, 16, lambda_b=0.5)
    cp = pdlt.critical_point("gelu")
    assert np.all(mlp.C_W == cp.C_W) and np.all(mlp.C_b == cp.C_b) and np.all(mlp.lambda_b == 0.5)
    assert "half-stable" in str(cp) and "3.561552813" in str(cp)


# --- fixed points --------------------------------------------------------------------------------

def test_fixed_point_vs_independent_root_finding():
    for name, f, C_b, C_W in (("tanh", math.tanh, 0.0, 1.5), ("tanh", math.tanh, 0.3, 1.6),
                              ("sigmoid", special.expit, 0.0, 1.0), ("gelu", lambda z: z * special.ndtr(z), 0.2, 1.5)):
        F = lambda K: C_b + C_W * quad_expectation(lambda z: f(z) ** 2, K) - K
        K_star = optimize.brentq(F, 1e-3, 20.0, xtol=1e-14)
        assert pdlt.fixed_point(name, C_b, C_W) == pytest.approx(K_star, rel=1e-11)


def test_fixed_points_and_stability():
    points = pdlt.fixed_points("tanh", 0.0, 1.5)
    assert [p.stability for p in points] == ["unstable", "stable"] and points[0].K == 0.0
    assert pdlt.fixed_point("relu", 0.5, 1.0) == pytest.approx(1.0, rel=1e-13)  # K = 0.5 + K/2
    # gelu at its critical point: the half-stable K* and a second, stable fixed point below it
    points = pdlt.fixed_points("gelu", 0.1729223908, 1.9830582574)
    assert [round(p.K, 3) for p in points] == [3.035, 3.562]
    assert points[0].stability == "stable" and points[1].stability == "half-stable (attracts from above)"
    assert pdlt.fixed_point("gelu", 0.1729223908, 1.9830582574) == pytest.approx(3.5615528, abs=1e-6)
    assert pdlt.fixed_point("gelu", 0.1729223908, 1.9830582574, K_start=3.3) == pytest.approx(3.035, abs=1e-3)
    swish = pdlt.fixed_points("swish", 0.5551431707, 1.9880046783)
    assert [round(p.K, 2) for p in swish] == [14.32, 14.59] and swish[0].stability == "half-stable (attracts from below)"


def test_fixed_point_errors():
    with pytest.raises(pdlt.FixedPointError, match="every K >= 0 is a fixed point"):
        pdlt.fixed_point("relu", 0.0, 2.0)
    assert pdlt.fixed_point("relu", 0.0, 2.0, K_start=1.7) == 1.7
    with pytest.raises(pdlt.FixedPointError, match="grows without bound"):
        pdlt.fixed_point("relu", 0.1, 2.5)
    with pytest.raises(pdlt.FixedPointError, match=r"no attracting fixed point.*K = 0 \(unstable\)"):
        pdlt.fixed_point("relu", 0.0, 2.5)
    with pytest.raises(pdlt.FixedPointError, match="grows without bound"):
        pdlt.fixed_point("relu", 0.0, 2.5, K_start=1.0)
    with pytest.raises(ValueError, match="C_b must be a finite real number >= 0"):
        pdlt.fixed_point("tanh", -1.0, 1.0)


# --- large depth -------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["tanh", "sin", "erf"])
def test_k_star_zero_power_laws_vs_recursion(name):
    """Iterating the recursion to l = 4000 reproduces K ~ 1/(-a_1 l), its ln l coefficient
    1 - a_2/a_1^2, chi_par ~ 1 - 2/l, chi_perp ~ 1 - p_perp/l and H ~ lambda_b l / (1 + p_perp)."""
    laws = pdlt.large_depth(name)
    cp = pdlt.critical_point(name)
    l = np.array([1000, 2000, 4000])
    K, H = pdlt.kernel_and_ntk(pdlt.MLP(name, 4000, 8, 0.0, cp.C_W), [[math.sqrt(1.0 / cp.C_W)]], layers=l)
    k = K[:, 0, 0]
    np.testing.assert_allclose(k / laws.leading_kernel(l), 1.0, atol=5e-3)
    shifted = 1.0 / (-laws.a_1 * k) - l  # = log_coefficient * ln l + c + o(1)
    np.testing.assert_allclose(np.diff(shifted) / math.log(2), laws.log_coefficient, atol=2e-3)
    chi = np.array([pdlt.susceptibilities(name, kk, cp.C_W) for kk in k])
    np.testing.assert_allclose(l * (1 - chi[:, 0]), 2.0, atol=1e-2)
    np.testing.assert_allclose(l * (1 - chi[:, 1]), laws.p_perp, atol=1e-2)
    np.testing.assert_allclose(H[:, 0, 0] / laws.ntk(l), 1.0, atol=4e-3)
    # with the fitted constant c the asymptotic kernel is accurate to O(ln l / l^2)
    c = shifted[-1] - laws.log_coefficient * math.log(4000)
    np.testing.assert_allclose(laws.kernel(l, c), k, rtol=2e-5)


def test_scale_invariant_angle_law():
    laws = pdlt.large_depth("relu")
    assert laws.rho == 1.0
    X = math.sqrt(2) * np.array([[1.0, 0.0], [0.6, 0.8]])
    K = pdlt.kernel(pdlt.MLP("relu", 4000, 8, 0.0, 2.0), X, layers=[1000, 4000])
    psi = np.arccos(K[:, 0, 1] / np.sqrt(K[:, 0, 0] * K[:, 1, 1]))
    np.testing.assert_allclose(psi / laws.angle([1000, 4000]), 1.0, atol=2e-2)  # notes: 0.984 at l = 10^3
    leaky = pdlt.large_depth(pdlt.Activation("leaky_relu", slope=0.3))
    assert leaky.rho == pytest.approx(0.49 / 1.09)


def test_large_depth_unavailable():
    with pytest.raises(ValueError, match="no large-depth power laws for gelu"):
        pdlt.large_depth("gelu")
    with pytest.raises(ValueError, match="sigmoid"):
        pdlt.large_depth("sigmoid")
