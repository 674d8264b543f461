"""The 1/n theory (V, K^{1}, H^{1}, A, B, D, F) against reference values of the theory notes,
exact results, closed forms, independent quadrature and its own symmetries. The Monte Carlo
validation is in test_finite_width_mc.py."""

import math

import numpy as np
import pytest
from scipy.special import ndtr

import pdlt
from pdlt import _core

from _reference import inputs_with_gram

# ntk notes §8: single input, x.x/n0 = 1, equal widths; columns K V G1 H H1 A B D F.
REFERENCE = {
    ("tanh", 0.0, 1.0, 0.7, 1.3): {
        2: (0.394294, 0.0975237, 0, 2.14139, 0, 0.106257, 1.36604, -0.0893402, 0.150102),
        3: (0.23645, 0.0678075, -0.0309325, 2.37047, -0.0284958, 0.2576, 2.84289, -0.120446, 0.194692),
        4: (0.166656, 0.0501466, -0.0526825, 2.63935, -0.0550078, 0.528932, 4.84872, -0.147345, 0.228963),
    },
    ("relu", 0.0, 2.0, 0.7, 1.3): {4: (2, 60, 0, 8, 0, 226.3, 112, 102, 48)},
    ("swish", 0.1, 1.6, 0.5, 1.5): {
        4: (0.523386, 3.62103, 0.699578, 2.57545, 3.24677, 36.9032, 8.04116, 10.8724, 3.82706)},
}


@pytest.mark.parametrize("case", sorted(REFERENCE))
def test_single_input_reference_table(case):
    name, C_b, C_W, l_b, l_W = case
    L = max(REFERENCE[case])
    fw = pdlt.finite_width(pdlt.MLP(name, L, 64, C_b, C_W, l_b, l_W), [[1.0]])
    f = fw.fluctuations
    for l, expected in REFERENCE[case].items():
        got = [fw.K[l - 1, 0, 0], fw.V[l - 1, 0, 0, 0, 0], fw.K1[l - 1, 0, 0], fw.H[l - 1, 0, 0], fw.H1[l - 1, 0, 0],
               f.A[l - 1, 0, 0, 0, 0], f.B[l - 1, 0, 0, 0, 0], f.D[l - 1, 0, 0, 0, 0], f.F[l - 1, 0, 0, 0, 0]]
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-6, err_msg=f"{case} l={l}")


# initialization notes Appendix A: K^(1) = [[1, .55], [.55, .8]], V entries (11)(11), (11)(12),
# (11)(22), (12)(12), (12)(22), (22)(22), and K^{1} entries 11, 12, 22 (10 digits).
V_INDEX = [(0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 1, 1), (0, 1, 0, 1), (0, 1, 1, 1), (1, 1, 1, 1)]
TWO_INPUT = {
    ("tanh", 0.1, 1.5): {
        2: ([0.2194284107, 0.1437777144, 0.0616687663, 0.2669249534, 0.1403513204, 0.1971655863], [0, 0, 0]),
        3: ([0.2130101621, 0.1543447234, 0.0725604665, 0.3029500847, 0.1538828005, 0.2043870496],
            [-0.0498185548, -0.0264600982, -0.0510203412]),
    },
    ("relu", 0.0, 2.0): {
        2: ([5, 2.7980677579, 1.9382811516, 2.3594878922, 2.2384542064, 3.2], [0, 0, 0]),
        3: ([10, 5.9390423547, 4.2112324301, 4.9465942055, 4.7512338838, 6.4], [0, -0.0543460201, 0]),
    },
}


@pytest.mark.parametrize("case", sorted(TWO_INPUT))
def test_two_input_reference_values(case):
    name, C_b, C_W = case
    X = inputs_with_gram((np.array([[1.0, 0.55], [0.55, 0.8]]) - C_b) / C_W)
    fw = pdlt.finite_width(pdlt.MLP(name, 3, 64, C_b, C_W), X, ntk=False, rtol=1e-12)
    for l, (V, K1) in TWO_INPUT[case].items():
        np.testing.assert_allclose([fw.V[l - 1][i] for i in V_INDEX], V, atol=2e-10)
        np.testing.assert_allclose(fw.K1[l - 1][np.triu_indices(2)], K1, atol=2e-10)


@pytest.mark.parametrize("name,A2,A4", [("linear", 1.0, 1.0), ("relu", 0.5, 0.5)])
def test_exact_scale_invariant_first_order(name, A2, A4):
    """V/K^2 = (3 A4/A2^2 - 1) K^2 n_{l-1} sum_{l'<l} 1/n_l' (the first-order term of the exact
    (1 + c/n)^(l-1) of theory notes §6), K^{1} = 0 for a single input, unequal widths."""
    widths = [8, 12, 6, 10]
    fw = pdlt.finite_width(pdlt.MLP(name, 5, widths, 0.0, 1 / A2), [[1.3]], ntk=False)
    K = 1.69 / A2
    fan_in = np.array([1] + widths)
    expected = [(3 * A4 / A2**2 - 1) * K**2 * fan_in[l - 1] * sum(1 / n for n in widths[: l - 1]) for l in range(1, 6)]
    np.testing.assert_allclose(fw.V[:, 0, 0, 0, 0], expected, rtol=1e-12)
    assert np.all(np.abs(fw.K1) < 1e-10)


def test_scale_invariant_closed_forms_vs_recursion():
    act = pdlt.Activation("leaky_relu", slope=0.3)
    laws, cp = pdlt.large_depth(act), pdlt.critical_point(act)
    L, K = 25, 1.7
    fw = pdlt.finite_width(pdlt.MLP(act, L, 64, 0.0, cp.C_W, lambda_b=0.7, lambda_W=1.3), [[math.sqrt(K / cp.C_W)]])
    l = np.arange(1, L + 1)
    closed = laws.ntk_fluctuations(l, K, 0.7, 1.3)
    np.testing.assert_allclose(fw.V[:, 0, 0, 0, 0], laws.vertex(l, K), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fw.H[:, 0, 0], closed["H"], rtol=1e-12)
    for t in "ABDF":
        np.testing.assert_allclose(getattr(fw.fluctuations, t)[:, 0, 0, 0, 0], closed[t], rtol=1e-12, atol=1e-12)
    assert np.all(np.abs(fw.K1) < 1e-10) and np.all(np.abs(fw.H1) < 1e-10)


@pytest.mark.slow
def test_k_star_zero_large_depth_laws():
    """tanh at criticality with the equivalence-principle rates, iterated to l = 3000 with the
    single-input fast path (ntk notes §3.7 quotes the same ratios)."""
    laws = pdlt.large_depth("tanh")
    L, lb, lw = 3000, 1.0, 1.0
    mlp = pdlt.MLP("tanh", L, 64, 0.0, 1.0, lambda_b=lb / np.arange(1, L + 1), lambda_W=lw)
    fw = pdlt.finite_width(mlp, [[1.0]], layers=[L])
    K, V, H = fw.K[0, 0, 0], fw.V[0, 0, 0, 0, 0], fw.H[0, 0, 0]
    A, B, D, F = (getattr(fw.fluctuations, t)[0, 0, 0, 0, 0] for t in "ABDF")
    H_star = laws.ntk_limit(lb, lw)
    assert V / K**2 == pytest.approx(laws.vertex_over_K2(L), rel=3e-3)
    assert fw.K1[0, 0, 0] == pytest.approx(laws.kernel_nlo_limit, rel=3e-3)
    assert H == pytest.approx(H_star, rel=3e-3)
    assert B / H**2 == pytest.approx(laws.ntk_B_over_H2(L), rel=3e-3)
    assert F / (K * H) == pytest.approx(laws.ntk_F_over_KH(L), rel=3e-3)
    assert D == pytest.approx(laws.ntk_D_limit(lb, lw), rel=1e-2)
    assert A == pytest.approx(laws.ntk_A(L, lb, lw), rel=2e-2)  # the notes see 0.0654 vs 0.0658 here


def test_single_input_fast_path_reaches_ten_thousand_layers():
    fw = pdlt.finite_width(pdlt.MLP.critical("tanh", 10_000, 64), [[1.0]], layers=[-1])
    K, V = fw.K[0, 0, 0], fw.V[0, 0, 0, 0, 0]
    assert V / K**2 == pytest.approx(2 * 10_000 / 3, rel=2e-3)
    assert np.all(np.isfinite(fw.fluctuations.A))


@pytest.mark.parametrize("name", ["tanh", "gelu", "relu"])
def test_symmetries_and_consistency_with_single_inputs(name, rng):
    X = rng.normal(size=(3, 4))
    mlp = pdlt.MLP(name, 4, [16, 24, 20], 0.05, 1.4, lambda_b=0.6, lambda_W=1.2)
    fw = pdlt.finite_width(mlp, X)
    V, (A, B, D, F) = fw.V, (fw.fluctuations.A, fw.fluctuations.B, fw.fluctuations.D, fw.fluctuations.F)
    for T in (V, A):  # (ab)(cd) = (ba)(cd) = (cd)(ab)
        np.testing.assert_allclose(T, T.transpose(0, 2, 1, 3, 4), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(T, T.transpose(0, 3, 4, 1, 2), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(D, D.transpose(0, 2, 1, 3, 4), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(D, D.transpose(0, 1, 2, 4, 3), rtol=1e-10, atol=1e-12)
    # B_{a1a3a2a4} = B_{a2a4a1a3} = B_{a3a1a4a2};  F_{a1a3a2a4} = F_{a2a4a1a3}
    np.testing.assert_allclose(B, B.transpose(0, 3, 4, 1, 2), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(B, B.transpose(0, 2, 1, 4, 3), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(F, F.transpose(0, 3, 4, 1, 2), rtol=1e-10, atol=1e-12)
    # every diagonal entry equals the single-input computation
    for a in range(3):
        single = pdlt.finite_width(mlp, X[a:a + 1])
        for many, one in ((fw.V[:, a, a, a, a], single.V[:, 0, 0, 0, 0]), (fw.K1[:, a, a], single.K1[:, 0, 0]),
                          (fw.H1[:, a, a], single.H1[:, 0, 0])):
            np.testing.assert_allclose(many, one, rtol=1e-9, atol=1e-12)
        for t in "ABDF":
            np.testing.assert_allclose(getattr(fw.fluctuations, t)[:, a, a, a, a],
                                       getattr(single.fluctuations, t)[:, 0, 0, 0, 0], rtol=1e-9, atol=1e-12)


def test_custom_activation_equals_builtin():
    X = np.array([[1.0, 0.2], [0.3, -0.9], [0.5, 0.5]])
    tanh = pdlt.Activation.from_function(np.tanh, lambda z: 1 / np.cosh(z) ** 2, name="my_tanh")
    a = pdlt.finite_width(pdlt.MLP(tanh, 3, 32, 0.1, 1.3), X)
    b = pdlt.finite_width(pdlt.MLP("tanh", 3, 32, 0.1, 1.3), X)
    # (the custom activation's unknown strip of analyticity gives finer rules: agreement at the
    # integrals' tolerance, rtol = 1e-10, relative to each tensor's scale)
    for x, y in ((a.V, b.V), (a.K1, b.K1), (a.H1, b.H1), (a.fluctuations.A, b.fluctuations.A)):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-8 * np.abs(y).max())


def test_convenience_functions_agree():
    X = np.array([[1.0, 0.4], [-0.2, 0.9]])
    mlp = pdlt.MLP("gelu", 3, [32, 48], 0.1, 1.5)
    fw = pdlt.finite_width(mlp, X)
    # (with the NTK, one Hermite table serves more derivative orders: rounding-level differences)
    np.testing.assert_allclose(pdlt.four_point_vertex(mlp, X), fw.V, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pdlt.kernel_nlo(mlp, X), fw.K1, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pdlt.two_point(mlp, X), fw.K + fw.K1 / np.array([2, 32, 48])[:, None, None])
    np.testing.assert_array_equal(pdlt.ntk_nlo(mlp, X), fw.H1)
    np.testing.assert_array_equal(pdlt.ntk_fluctuations(mlp, X).B, fw.fluctuations.B)
    np.testing.assert_allclose(fw.K, pdlt.kernel(mlp, X), rtol=1e-11)
    np.testing.assert_allclose(fw.ntk_mean, fw.H + fw.H1 / np.array([2, 32, 48])[:, None, None])


# --- the multi-input Gaussian integrals -------------------------------------------------------

K4 = np.array([[0.8, 0.3, -0.2, 0.1], [0.3, 0.6, 0.1, 0.2], [-0.2, 0.1, 0.5, 0.05], [0.1, 0.2, 0.05, 0.7]])


def trapezoid_nd(fields, K, h=0.25):
    """E[prod_k f_k(z_k)] by a plain product trapezoidal rule in whitened coordinates (NumPy)."""
    d = K.shape[0]
    L = np.linalg.cholesky(K)
    u = np.arange(-8, 8 + 1e-9, h)
    w = h * np.exp(-u * u / 2) / math.sqrt(2 * math.pi)
    grids = np.meshgrid(*([u] * (d - 1)), indexing="ij")
    W = np.ones_like(grids[0])
    for g in np.meshgrid(*([w] * (d - 1)), indexing="ij"):
        W = W * g
    total = 0.0
    for i, u0 in enumerate(u):  # loop over the first coordinate to bound memory
        U = [np.full_like(grids[0], u0)] + list(grids)
        Z = [sum(L[k, c] * U[c] for c in range(k + 1)) for k in range(d)]
        total += w[i] * np.sum(W * np.prod([f(z) for f, z in zip(fields, Z)], axis=0))
    return total


@pytest.mark.parametrize("name,f,df", [
    ("tanh", np.tanh, lambda z: 1 / np.cosh(z) ** 2),
    ("gelu", lambda z: z * ndtr(z), lambda z: ndtr(z) + z * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)),
])
def test_product_expectations_vs_numpy_trapezoid(name, f, df):
    act = pdlt.Activation(name)._core
    for K, spec in ((K4[:3, :3], [(1, 0), (0, 1), (2, 0)]), (K4, [(1, 0), (1, 0), (0, 1), (0, 1)])):
        fields = [lambda z, s=s, t=t: f(z) ** s * df(z) ** t for s, t in spec]
        ours = _core.product_expectations(act, K, [spec], 1e-11)[0]
        assert ours == pytest.approx(trapezoid_nd(fields, K), abs=2e-11)


def test_product_expectations_exact_cases():
    # linear activation: Isserlis; the kinked-rule code path (leaky relu with slope 1) too
    isserlis = K4[0, 1] * K4[2, 3] + K4[0, 2] * K4[1, 3] + K4[0, 3] * K4[1, 2]
    for name, params in (("linear", {}), ("leaky_relu", {"slope": 1.0})):
        act = pdlt.Activation(name, **params)._core
        assert _core.product_expectations(act, K4, [[(1, 0)] * 4], 1e-11)[0] == pytest.approx(isserlis, rel=1e-13)
    # relu on two independent pairs: the four-point product factorises into arc-cosine kernels
    Kb = np.zeros((4, 4))
    Kb[:2, :2] = [[1.0, 0.6], [0.6, 0.8]]
    Kb[2:, 2:] = [[0.7, -0.3], [-0.3, 1.2]]
    relu = pdlt.Activation("relu")
    factor = lambda B: pdlt.activation_kernel(relu, B)[0, 1]
    expected = factor(Kb[:2, :2]) * factor(Kb[2:, 2:])
    assert _core.product_expectations(relu._core, Kb, [[(1, 0)] * 4], 1e-11)[0] == pytest.approx(expected, rel=1e-10)


def test_bad_input():
    mlp = pdlt.MLP("tanh", 3, 16, 0.0, 1.0)
    with pytest.raises(ValueError, match="N_D <= 16"):
        pdlt.finite_width(mlp, np.eye(17))
    with pytest.raises(ValueError, match="K_aa > 0"):
        pdlt.four_point_vertex(mlp, [[1.0], [0.0]])
    with pytest.raises(ValueError, match="delta function"):
        pdlt.finite_width(pdlt.MLP("step", 3, 16, 0.0, 1.0), [[1.0]], ntk=False)
    with pytest.raises(TypeError, match="mlp must be a pdlt.MLP"):
        pdlt.kernel_nlo("tanh", [[1.0]])


@pytest.mark.parametrize("Kaa,Kbb,rho", [(0.553, 0.422, 0.87), (1.5, 2.0, 0.3), (3.0, 0.2, -0.5), (0.05, 0.08, 0.9),
                                         (4.0, 4.0, 0.99)])
def test_two_input_products_vs_gauss_hermite(Kaa, Kbb, rho):
    """A regression for the trapezoid step: tanh's poles sit on the edge of its strip of
    analyticity, so the rules must keep a margin (reference: 600 x 600 Gauss-Hermite)."""
    from _reference import gh_pair

    act = pdlt.Activation("tanh")
    Kab = rho * math.sqrt(Kaa * Kbb)
    for (s1, t1), (s2, t2) in (((1, 0), (3, 0)), ((2, 0), (2, 0)), ((0, 2), (1, 1))):
        f = lambda z: np.tanh(z) ** s1 * act.derivative(z) ** t1
        g = lambda z: np.tanh(z) ** s2 * act.derivative(z) ** t2
        ours = _core.product_expectations(act._core, np.array([[Kaa, Kab], [Kab, Kbb]]), [[(s1, t1), (s2, t2)]], 1e-10)[0]
        assert ours == pytest.approx(gh_pair(f, g, Kaa, Kbb, Kab, Q=600), abs=2e-11)


@pytest.mark.parametrize("Kaa,Kbb,rho", [(0.064, 0.062, -0.61), (0.0733, 0.0759, 0.532), (0.3, 0.25, 0.4)])
def test_two_input_products_relative_accuracy(Kaa, Kbb, rho):
    """rtol is relative to each product: products of up to four sigma' = sech^2 grow fast off the
    axis, which the trapezoid step must allow for (an e^4 margin left 1e-9 errors on the first
    case), and the innermost table's interpolation must follow rtol (a fixed step left 3e-10 on
    the second)."""
    from _reference import gh_pair

    act = pdlt.Activation("tanh")
    Kab = rho * math.sqrt(Kaa * Kbb)
    for (s1, t1), (s2, t2) in (((1, 0), (1, 2)), ((0, 1), (0, 3)), ((0, 2), (0, 2)), ((1, 1), (1, 1))):
        f = lambda z: np.tanh(z) ** s1 * act.derivative(z) ** t1
        g = lambda z: np.tanh(z) ** s2 * act.derivative(z) ** t2
        ours = _core.product_expectations(act._core, np.array([[Kaa, Kab], [Kab, Kbb]]), [[(s1, t1), (s2, t2)]], 1e-10)[0]
        assert ours == pytest.approx(gh_pair(f, g, Kaa, Kbb, Kab, Q=300), rel=1e-10)
