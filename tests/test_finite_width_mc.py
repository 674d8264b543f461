"""The acceptance test of the finite-width theory: every tensor against Monte Carlo ensembles at
several widths. Each estimate is fitted as X(n) = X_inf + c/n (+ d/n^2) across widths and the
theory must equal the extrapolated X_inf within 4.5 standard errors (fixed seeds). For the
two-point function this is the statement that MC - (K + K^{1}/n) shrinks like 1/n^2; for the
vertex, that V_hat - V shrinks like 1/n."""

import numpy as np
import pytest

import pdlt

from _reference import inputs_with_gram

pytestmark = pytest.mark.slow

TWO = inputs_with_gram(np.array([[1.0, 0.55], [0.55, 0.8]]))
THREE = inputs_with_gram(np.array([[1.0, 0.55, -0.3], [0.55, 0.8, 0.2], [-0.3, 0.2, 1.2]]))
FOUR = inputs_with_gram(np.array([[1.0, 0.5, -0.3, 0.2], [0.5, 0.8, 0.2, 0.1], [-0.3, 0.2, 1.2, 0.4],
                                  [0.2, 0.1, 0.4, 0.9]]))


def assert_limit(fit, theory, what, z_max=4.5):
    z = np.abs((fit.limit - theory) / fit.limit_stderr)
    assert np.all(z < z_max), f"{what}: max |z| = {z.max():.2f}"


def test_exact_relu_vertex_and_its_one_over_n_term():
    """ReLU at criticality, one input, layer 3: n Var(Ghat)/K^2 = 10 + 25/n exactly (theory
    notes §6.1), so V_hat(n) fits V = 10 K^2 (the theory's value) with slope 25 K^2."""
    widths, K = [8, 16, 32], 2.0
    values, errors = [], []
    for n in widths:
        ens = pdlt.sample(pdlt.MLP("relu", 3, n, 0.0, 2.0), [[1.0]], 400_000, seed=n, outputs=n, progress=False)
        values.append(ens.four_point_vertex[2, 0, 0, 0, 0])
        errors.append(ens.four_point_vertex_stderr[2, 0, 0, 0, 0])
    fit = pdlt.fit_in_width(widths, values, errors)
    V = pdlt.four_point_vertex(pdlt.MLP("relu", 3, 8, 0.0, 2.0), [[1.0]])[2, 0, 0, 0, 0]
    assert V == pytest.approx(10 * K**2, rel=1e-12)
    assert abs(fit.limit - V) < 4.5 * fit.limit_stderr
    assert abs(fit.slope - 25 * K**2) < 0.15 * 25 * K**2


@pytest.mark.parametrize("name,C_b,C_W,X", [
    ("tanh", 0.1, 1.5, TWO),          # off criticality
    ("tanh", 0.0, 1.0, FOUR),          # criticality, four distinct inputs
    ("gelu", None, None, THREE),       # half-stable critical point, three inputs
    ("relu", 0.0, 2.0, TWO),           # scale-invariant: K^{1}_12 != 0
])
def test_two_point_and_vertex_scaling(name, C_b, C_W, X):
    if C_b is None:
        cp = pdlt.critical_point(name)
        C_b, C_W = cp.C_b, cp.C_W
    L, widths = 4, [16, 32, 64]
    kernel, kernel_se, vertex, vertex_se = [], [], [], []
    for n in widths:
        mlp = pdlt.MLP(name, L, n, C_b, C_W)
        ens = pdlt.sample(mlp, X, 150_000, seed=100 + n, outputs=n, progress=False)
        fw = pdlt.finite_width(mlp, X, ntk=False)
        kernel.append(n * (ens.kernel - fw.K))  # -> K^{1} + O(1/n)
        kernel_se.append(n * ens.kernel_stderr)
        vertex.append(ens.four_point_vertex)
        vertex_se.append(ens.four_point_vertex_stderr)
    # layer 1 is exactly Gaussian: nothing to compare
    fit = pdlt.fit_in_width(widths, np.array(kernel)[:, 1:], np.array(kernel_se)[:, 1:])
    assert_limit(fit, fw.K1[1:], f"{name} K1")
    fit = pdlt.fit_in_width(widths, np.array(vertex)[:, 1:], np.array(vertex_se)[:, 1:], order=2 if name == "relu" else 1)
    assert_limit(fit, fw.V[1:], f"{name} V")


@pytest.mark.parametrize("name,C_W,widths,order", [("tanh", 1.0, [32, 64, 128], 1), ("relu", 2.0, [16, 32, 64, 128], 2)])
def test_ntk_mean_and_fluctuations_scaling(name, C_W, widths, order):
    """The output NTK of depth-3 networks: mean H + H^{1}/n, and A, B (NTK covariance), D, F
    (NTK-preactivation covariance), from the weights sampler with eight outputs. ReLU has
    sizeable O(1/n^2) terms at l/n ~ 1/10 (ntk notes §3.7), hence the quadratic fit."""
    X = inputs_with_gram(np.array([[1.0, 0.455], [0.455, 0.82]]))
    collected = {k: ([], []) for k in ("H1", "A", "B", "D", "F")}
    for n in widths:
        mlp = pdlt.MLP(name, 3, n, 0.0, C_W, lambda_b=0.7, lambda_W=1.3)
        ens = pdlt.sample(mlp, X, 30_000 if n < 128 else 15_000, seed=7 + n, observables=("ntk",), outputs=8,
                          progress=False)
        fw = pdlt.finite_width(mlp, X)
        collected["H1"][0].append(n * (ens.ntk_mean - fw.H[-1]))
        collected["H1"][1].append(n * ens.ntk_mean_stderr)
        for t in "ABDF":
            collected[t][0].append(getattr(ens, "ntk_" + t))
            collected[t][1].append(getattr(ens, f"ntk_{t}_stderr"))
    theory = {"H1": fw.H1[-1], **{t: getattr(fw.fluctuations, t)[-1] for t in "ABDF"}}
    for key, (values, errors) in collected.items():
        fit = pdlt.fit_in_width(widths, values, errors, order=1 if key == "H1" else order)
        assert_limit(fit, theory[key], f"{name} {key}")


def test_fit_in_width_validation():
    with pytest.raises(ValueError, match="stderr finite and > 0"):
        pdlt.fit_in_width([1, 2], [1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="at least 3 widths"):
        pdlt.fit_in_width([1, 2], [1.0, 2.0], [1.0, 1.0], order=2)
