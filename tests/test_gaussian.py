"""Gaussian expectations: pdlt.gaussian_expectation and the two-point engine pdlt.activation_kernel."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

import pdlt

from _reference import arccos_kernel, gh_matrix, quad_pair, random_psd


# --- gaussian_expectation -------------------------------------------------------------------

@pytest.mark.parametrize("K", [0.0, 0.3, 2.5])
def test_one_variable_closed_forms(K):
    E = pdlt.gaussian_expectation
    assert E(lambda z: z**4, K) == pytest.approx(3 * K**2, rel=1e-13, abs=1e-300)
    assert E(np.exp, K) == pytest.approx(math.exp(K / 2), rel=1e-13)
    assert E(lambda z: np.maximum(z, 0), K) == pytest.approx(math.sqrt(K / (2 * math.pi)), rel=1e-13, abs=1e-300)
    assert E(np.abs, K) == pytest.approx(math.sqrt(2 * K / math.pi), rel=1e-13, abs=1e-300)
    assert E(lambda z: np.cos(z), K) == pytest.approx(math.exp(-K / 2), rel=1e-13)


def test_two_variable_closed_forms():
    K = np.array([[1.3, -0.4], [-0.4, 0.7]])
    E = pdlt.gaussian_expectation
    assert E(lambda a, b: a**2 * b**2, K) == pytest.approx(K[0, 0] * K[1, 1] + 2 * K[0, 1] ** 2, rel=1e-13)
    assert E(lambda a, b: np.exp(a + b), K) == pytest.approx(math.exp(0.5 * K.sum()), rel=1e-13)
    relu = lambda a, b: np.maximum(a, 0) * np.maximum(b, 0)
    assert E(relu, K) == pytest.approx(arccos_kernel(1.3, 0.7, -0.4), rel=1e-13)
    step = lambda a, b: (a > 0) * (b > 0) * 1.0
    assert E(step, K) == pytest.approx(arccos_kernel(1.3, 0.7, -0.4, derivative=True), rel=1e-13)


def test_singular_kernels():
    E = pdlt.gaussian_expectation
    # perfectly correlated, and one variable deterministic
    assert E(lambda a, b: a * b, [[2.0, 2.0], [2.0, 2.0]]) == pytest.approx(2.0, rel=1e-13)
    assert E(lambda a, b: np.maximum(a, 0) * np.maximum(-b, 0), [[1.0, -1.0], [-1.0, 1.0]]) == pytest.approx(0.5, rel=1e-13)
    assert E(lambda a, b: (a + 1) * b**2, [[0.0, 0.0], [0.0, 3.0]]) == pytest.approx(3.0, rel=1e-13)


def test_unreachable_accuracy_warns():
    with pytest.warns(pdlt.AccuracyWarning):
        pdlt.gaussian_expectation(lambda z: np.abs(z - 0.4), 1.0, rtol=1e-14)


def test_gaussian_expectation_bad_input():
    E = pdlt.gaussian_expectation
    with pytest.raises(TypeError, match="f must be callable"):
        E(3.0, 1.0)
    with pytest.raises(ValueError, match="K must be a finite real number >= 0"):
        E(np.cos, -1.0)
    with pytest.raises(ValueError, match="positive semi-definite"):
        E(lambda a, b: a * b, [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        E(lambda a, b: a * b, [[1.0, 0.2], [0.3, 1.0]])
    with pytest.raises(ValueError, match="finite"):
        E(lambda a, b: a * b, [[1.0, np.nan], [np.nan, 1.0]])
    with pytest.raises(ValueError, match="2x2"):
        E(lambda a, b: a * b, np.eye(3))
    with pytest.raises(ValueError, match="shape of its arguments"):
        E(lambda z: 1.0, 1.0)
    with pytest.raises(ValueError, match="rtol"):
        E(np.cos, 1.0, rtol=0.0)


# --- activation_kernel: every method against an independent reference ---------------------------------

KERNELS = {
    "small": np.array([[0.05, 0.03, -0.01], [0.03, 0.08, 0.0], [-0.01, 0.0, 0.02]]),
    "order one": np.array([[1.0, 0.7, -0.3], [0.7, 0.8, 0.1], [-0.3, 0.1, 1.3]]),
    "near collinear": np.array([[1.2, 1.2 * 0.9999], [1.2 * 0.9999, 1.2]]),
    "large": np.array([[3.0, 2.5], [2.5, 4.0]]),
    # inputs whose expansions converge at very different degrees (a regression: the pair sum
    # must run to the larger degree for both inputs)
    "mixed scales": np.array([[0.0626, -0.1089, 0.03], [-0.1089, 0.2495, -0.2], [0.03, -0.2, 3.0]]),
}


@pytest.mark.parametrize("name", ["tanh", "gelu", "swish", "sigmoid", "softplus"])
@pytest.mark.parametrize("case", sorted(KERNELS))
def test_mehler_expansion_vs_gauss_hermite(name, case):
    """Smooth activations (Mehler path) against an 800 x 800 product Gauss-Hermite rule
    (tanh at K ~ 4 needs that many nodes: its poles sit at distance pi/(2 sqrt K) from the real axis)."""
    K = KERNELS[case]
    act = pdlt.Activation(name)
    for derivative in (False, True):
        f = (lambda z: act.derivative(z, 1)) if derivative else act
        ours = pdlt.activation_kernel(act, K, derivative=derivative)
        ref = gh_matrix(f, K, Q=800)
        scale = np.sqrt(np.outer(np.diag(ref), np.diag(ref)))
        np.testing.assert_array_less(np.abs(ours - ref), 1e-11 * scale + 1e-300)


@pytest.mark.parametrize("name,f,df", [
    ("erf", special.erf, lambda z: 2 / math.sqrt(math.pi) * np.exp(-z * z)),
    ("sin", np.sin, np.cos),
])
def test_closed_forms_vs_mehler_of_the_same_function(name, f, df):
    """Built-in closed forms (Williams arcsine kernel, exponentials) against the Mehler
    expansion of a custom activation with the same formula: two independent routes."""
    custom = pdlt.Activation.from_function(f, df, name="custom_" + name)
    K = random_psd(np.random.default_rng(1), 6, scale=1.2)
    for derivative in (False, True):
        np.testing.assert_allclose(pdlt.activation_kernel(name, K, derivative=derivative),
                                   pdlt.activation_kernel(custom, K, derivative=derivative), rtol=0, atol=1e-12)


def test_relu_family_closed_forms_vs_formula_and_polar():
    K = KERNELS["order one"]
    for slope in (0.0, 0.2, -0.5):
        act = pdlt.Activation("leaky_relu", slope=slope)
        for derivative in (False, True):
            ref = np.array([[arccos_kernel(K[a, a], K[b, b], K[a, b], slope, derivative) for b in range(3)] for a in range(3)])
            np.testing.assert_allclose(pdlt.activation_kernel(act, K, derivative=derivative), ref, rtol=1e-14, atol=1e-15)
    # a custom relu is not analytic: its expansion is not certified and the polar rule takes over
    custom = pdlt.Activation.from_function(lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0, name="my_relu")
    kinked = pdlt.Activation.from_function(lambda z: np.maximum(z, 0), lambda z: (z > 0) * 1.0, smooth=False)
    for act in (custom, kinked):
        np.testing.assert_allclose(pdlt.activation_kernel(act, K), pdlt.activation_kernel("relu", K), atol=1e-12)
        np.testing.assert_allclose(pdlt.activation_kernel(act, K, derivative=True), pdlt.activation_kernel("relu", K, derivative=True), atol=1e-12)


@pytest.mark.slow
def test_kinked_and_large_variance_pairs_vs_adaptive_quadrature():
    """elu (polar rule) and tanh at large K (beyond the largest Hermite rule) against nested
    adaptive quadrature split at the kinks."""
    elu = lambda z: z if z > 0 else math.expm1(z)
    K = np.array([[1.0, 0.6], [0.6, 2.0]])
    ours = pdlt.activation_kernel("elu", K)
    assert ours[0, 1] == pytest.approx(quad_pair(elu, 1.0, 2.0, 0.6), abs=1e-12)
    assert ours[1, 1] == pytest.approx(quad_pair(elu, 2.0, 2.0, 2.0 * (1 - 1e-12)), abs=1e-10)
    K = np.array([[40.0, 30.0], [30.0, 60.0]])
    ours = pdlt.activation_kernel("tanh", K)
    assert ours[0, 1] == pytest.approx(quad_pair(math.tanh, 40.0, 60.0, 30.0), abs=1e-11)


def test_degenerate_inputs():
    """z_a = 0 exactly: <s(0) s(z_b)> = s(0) <s>_{K_bb}."""
    K = np.array([[0.0, 0.0], [0.0, 1.7]])
    out = pdlt.activation_kernel("sigmoid", K)
    assert out[0, 0] == 0.25 and out[0, 1] == pytest.approx(0.25, rel=1e-14)  # <sigmoid> = 1/2
    out = pdlt.activation_kernel("softplus", K)
    assert out[0, 1] == pytest.approx(math.log(2) * pdlt.gaussian_expectation(lambda z: np.logaddexp(0, z), 1.7), rel=1e-13)


def test_step_has_kernel_but_no_derivative():
    K = KERNELS["order one"]
    ref = np.array([[arccos_kernel(K[a, a], K[b, b], K[a, b], derivative=True) for b in range(3)] for a in range(3)])
    np.testing.assert_allclose(pdlt.activation_kernel("step", K), ref, rtol=1e-14)
    with pytest.raises(ValueError, match="delta function"):
        pdlt.activation_kernel("step", K, derivative=True)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 9), scale=st.floats(1e-3, 5.0),
       name=st.sampled_from(["tanh", "gelu", "relu", "erf", "softplus"]))
def test_symmetric_and_positive_semidefinite(seed, n, scale, name):
    K = random_psd(np.random.default_rng(seed), n, scale)
    for derivative in (False, True):
        S = pdlt.activation_kernel(name, K, derivative=derivative)
        assert np.array_equal(S, S.T)
        assert np.linalg.eigvalsh(S)[0] >= -1e-12 * np.abs(S).max()


def test_activation_kernel_bad_input():
    with pytest.raises(ValueError, match="positive semi-definite"):
        pdlt.activation_kernel("tanh", [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="square"):
        pdlt.activation_kernel("tanh", np.ones((2, 3)))
    with pytest.raises(ValueError, match="unknown activation"):
        pdlt.activation_kernel("tan", np.eye(2))
