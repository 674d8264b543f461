"""The infinite-width kernel and NTK recursions against closed forms, reference values of the
theory notes, and an independent product Gauss-Hermite implementation."""

import math

import numpy as np
import pytest

import pdlt

from _reference import arccos_kernel, inputs_with_gram, kernel_ntk_recursion


def test_first_layer_and_shapes(rng):
    X = rng.normal(size=(5, 7))
    mlp = pdlt.MLP("tanh", 4, 16, C_b=[0.1, 0.2, 0.3, 0.4], C_W=[1.5, 1.0, 1.0, 1.0],
                   lambda_b=[0.3, 1, 1, 1], lambda_W=[0.7, 1, 1, 1])
    K, H = pdlt.kernel_and_ntk(mlp, X)
    assert K.shape == H.shape == (4, 5, 5)
    gram = X @ X.T / 7
    np.testing.assert_allclose(K[0], 0.1 + 1.5 * gram, rtol=1e-14)
    np.testing.assert_allclose(H[0], 0.3 + 0.7 * gram, rtol=1e-14)
    # with the NTK, one Hermite table serves sigma and sigma' (possibly at a higher quadrature order)
    K_only = pdlt.kernel(mlp, X)
    np.testing.assert_allclose(K_only, K, rtol=1e-13)
    np.testing.assert_array_equal(pdlt.ntk(mlp, X), H)
    np.testing.assert_array_equal(pdlt.kernel(mlp, X, layers=[4, 2]), K_only[[3, 1]])
    np.testing.assert_array_equal(pdlt.kernel(mlp, X, layers=-1), K_only[[3]])


def test_linear_network_closed_form(rng):
    """sigma(z) = z: K^(l+1) = C_b + C_W K^(l) entrywise, H^(l+1) = lambda_b + lambda_W K + C_W H."""
    L = 6
    C_b, C_W = rng.uniform(0, 0.5, L), rng.uniform(0.5, 1.5, L)
    l_b, l_W = rng.uniform(0, 1, L), rng.uniform(0, 1, L)
    X = rng.normal(size=(4, 3))
    K, H = pdlt.kernel_and_ntk(pdlt.MLP("linear", L, 8, C_b, C_W, l_b, l_W), X)
    k = C_b[0] + C_W[0] * X @ X.T / 3
    h = l_b[0] + l_W[0] * X @ X.T / 3
    for l in range(1, L):
        h = l_b[l] + l_W[l] * k + C_W[l] * h
        k = C_b[l] + C_W[l] * k
        np.testing.assert_allclose(K[l], k, rtol=1e-13)
        np.testing.assert_allclose(H[l], h, rtol=1e-13)


def test_relu_criticality_closed_forms():
    """At C_b = 0, C_W = 2 relu keeps every diagonal entry, the angle follows
    cos psi' = [sin psi + (pi - psi) cos psi]/pi (book §5.5), and H^(l) = (lambda_b + lambda_W K*/2) l."""
    X = inputs_with_gram(np.array([[1.0, 0.3], [0.3, 1.0]]))  # x.x/n0 = 1, so K* = 2
    mlp = pdlt.MLP("relu", 12, 32, 0.0, 2.0, lambda_b=0.7, lambda_W=1.3)
    K, H = pdlt.kernel_and_ntk(mlp, X)
    np.testing.assert_allclose(np.diagonal(K, axis1=1, axis2=2), 2.0, rtol=1e-14)
    cos = 0.3
    for l in range(12):
        assert K[l, 0, 1] / 2.0 == pytest.approx(cos, abs=1e-14)
        psi = math.acos(cos)
        cos = (math.sin(psi) + (math.pi - psi) * cos) / math.pi
    np.testing.assert_allclose(np.diagonal(H, axis1=1, axis2=2)[:, 0], (0.7 + 1.3) * np.arange(1, 13), rtol=1e-13)


def test_leaky_relu_two_inputs_vs_arccos_recursion():
    X = inputs_with_gram(np.array([[1.0, -0.2], [-0.2, 0.6]]))
    K = pdlt.kernel(pdlt.MLP(pdlt.Activation("leaky_relu", slope=0.3), 5, 8, 0.1, 1.4), X)
    k = 0.1 + 1.4 * np.array([[1.0, -0.2], [-0.2, 0.6]])
    for l in range(1, 5):
        k = 0.1 + 1.4 * np.array([[arccos_kernel(k[a, a], k[b, b], k[a, b], 0.3) for b in range(2)] for a in range(2)])
        np.testing.assert_allclose(K[l], k, rtol=1e-13)


# Theory notes, initialization.md Appendix A (quadrature, >= 8 correct digits).
TANH_SINGLE_K = [1.0, 0.3942944904, 0.2364504105, 0.1666563538, 0.1279047353, 0.1034406081]


def test_tanh_single_input_reference_values():
    K = pdlt.kernel(pdlt.MLP("tanh", 6, 8, 0.0, 1.0), [[1.0]])
    np.testing.assert_allclose(K[:, 0, 0], TANH_SINGLE_K, atol=1e-10)


def test_tanh_two_input_reference_values():
    X = inputs_with_gram((np.array([[1.0, 0.55], [0.55, 0.8]]) - 0.1) / 1.5)  # K^(1) = [[1, .55], [.55, .8]]
    K = pdlt.kernel(pdlt.MLP("tanh", 3, 8, 0.1, 1.5), X)
    np.testing.assert_allclose(K[1][np.triu_indices(2)], [0.6914417356, 0.4299645710, 0.6311306023], atol=1e-10)
    np.testing.assert_allclose(K[2][np.triu_indices(2)], [0.5925577128, 0.4035420707, 0.5688835777], atol=1e-10)


def test_relu_two_input_reference_values():
    X = inputs_with_gram(np.array([[1.0, 0.55], [0.55, 0.8]]) / 2.0)
    K = pdlt.kernel(pdlt.MLP("relu", 3, 8, 0.0, 2.0), X)
    np.testing.assert_allclose(K[1][np.triu_indices(2)], [1, 0.6154618260, 0.8], atol=1e-10)
    np.testing.assert_allclose(K[2][np.triu_indices(2)], [1, 0.6629852559, 0.8], atol=1e-10)


def test_gelu_stays_at_its_critical_fixed_point():
    cp = pdlt.critical_point("gelu")
    x = math.sqrt((3.5615528128 - cp.C_b) / cp.C_W)
    K = pdlt.kernel(pdlt.MLP("gelu", 4, 8, cp.C_b, cp.C_W), [[x]])
    np.testing.assert_allclose(K[:, 0, 0], 3.56155281, atol=1e-8)


# Theory notes, ntk.md §8 (tanh, C_b = 0, C_W = 1, lambda_b = 0.7, lambda_W = 1.3, x.x/n0 = 1) and §3.7.
def test_ntk_reference_values():
    H = pdlt.ntk(pdlt.MLP("tanh", 4, 8, 0.0, 1.0, lambda_b=0.7, lambda_W=1.3), [[1.0]])
    np.testing.assert_allclose(H[:, 0, 0], [2.0, 2.14139, 2.37047, 2.63935], atol=1e-5)
    # two inputs; the notes quote the Gram matrix to three digits, which limits this check to ~3e-4
    X = inputs_with_gram(np.array([[1.0, 0.455], [0.455, 0.820]]))
    H = pdlt.ntk(pdlt.MLP("tanh", 3, 96, 0.1, 1.3, lambda_b=0.6, lambda_W=1.4), X)
    np.testing.assert_allclose(H[2], [[2.6453, 1.7598], [1.7598, 2.5884]], atol=3e-4)


@pytest.mark.parametrize("name", ["tanh", "gelu", "swish", "sin"])
def test_kernel_and_ntk_vs_independent_gauss_hermite(name, rng):
    act = pdlt.Activation(name)
    X = rng.normal(size=(4, 3))
    mlp = pdlt.MLP(act, 4, 8, C_b=[0.0, 0.1, 0.2, 0.05], C_W=[1.2, 1.5, 0.9, 1.3],
                   lambda_b=[0.5, 0.6, 0.7, 0.8], lambda_W=[1.1, 1.2, 1.3, 0.9])
    K, H = pdlt.kernel_and_ntk(mlp, X)
    Kr, Hr = kernel_ntk_recursion(act, lambda z: act.derivative(z), mlp.hyperparameters(), X, Q=600)
    np.testing.assert_allclose(K, Kr, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(H, Hr, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", ["tanh", "erf", "sin", "gelu"])
def test_custom_activation_equals_builtin(name):
    builtin = pdlt.Activation(name)
    custom = pdlt.Activation.from_function(builtin, lambda z: builtin.derivative(z), name="custom")
    X = np.array([[1.0, 0.2], [0.3, -0.9], [0.5, 0.5]])
    a = pdlt.kernel_and_ntk(pdlt.MLP(builtin, 5, 8, 0.1, 1.4), X)
    b = pdlt.kernel_and_ntk(pdlt.MLP(custom, 5, 8, 0.1, 1.4), X)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", ["tanh", "gelu", "relu", "elu", "softplus", "sigmoid"])
def test_symmetric_and_positive_semidefinite(name, rng):
    X = rng.normal(size=(30, 3))
    X[7] = X[3] * 1.000001  # nearly collinear inputs
    K, H = pdlt.kernel_and_ntk(pdlt.MLP(name, 5, 8, 0.05, 1.2), X)
    for M in (*K, *H):
        assert np.array_equal(M, M.T)
        assert np.linalg.eigvalsh(M)[0] >= -1e-12 * np.abs(M).max()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tanh", "relu"])
def test_ten_thousand_layers(name):
    cp = pdlt.critical_point(name)
    X = inputs_with_gram(np.array([[1.0, 0.4, -0.2], [0.4, 0.9, 0.1], [-0.2, 0.1, 1.1]]))
    L = 10_000
    K, H = pdlt.kernel_and_ntk(pdlt.MLP(name, L, 8, cp.C_b, cp.C_W, lambda_b=1.0 / L, lambda_W=1.0), X, layers=[1, L // 2, L])
    assert np.all(np.isfinite(K)) and np.all(np.isfinite(H))
    for M in (*K, *H):
        assert np.array_equal(M, M.T)
        assert np.linalg.eigvalsh(M)[0] >= -1e-12 * np.abs(M).max()
    if name == "relu":
        np.testing.assert_allclose(np.diag(K[-1]), np.diag(K[0]), rtol=1e-10)  # rounding over 10^4 layers
    else:  # K ~ 1/(2 l) with log corrections
        assert np.all(np.abs(2 * L * np.diag(K[-1]) - 1) < 2e-3)


def test_overflow_far_from_criticality():
    # relu at C_W = 3: K grows as 1.5^l and leaves the double range near layer 1700
    with pytest.raises(OverflowError, match=r"kernel overflows the double range at layer 17\d\d: .*far from criticality"):
        pdlt.kernel(pdlt.MLP("relu", 5000, 8, 0.0, 3.0), [[1.0]])
    with pytest.raises(OverflowError, match="NTK"):
        pdlt.ntk(pdlt.MLP("tanh", 5000, 8, 0.0, 3.0, lambda_b=1.0, lambda_W=0.0), [[1.0]])


def test_step_kernel_but_no_ntk():
    X = inputs_with_gram(np.array([[1.0, 0.5], [0.5, 1.0]]))
    K = pdlt.kernel(pdlt.MLP("step", 2, 8, 0.0, 1.0), X)
    assert K[1, 0, 1] == pytest.approx(arccos_kernel(1.0, 1.0, 0.5, derivative=True), rel=1e-14)
    with pytest.raises(ValueError, match="NTK is not defined.*delta function"):
        pdlt.ntk(pdlt.MLP("step", 2, 8, 0.0, 1.0), X)


def test_result_size_guard():
    X = np.ones((20000, 1))
    with pytest.raises(ValueError, match="GiB.*layers="):
        pdlt.kernel(pdlt.MLP("tanh", 10, 8, 0.0, 1.0), X)
