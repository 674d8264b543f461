"""The Monte Carlo engine: exact finite-width results, theory at large width, the two samplers
against each other, an independent NumPy rebuild of single networks, reproducibility, merging,
storage and bad input. Statistical comparisons are in units of the standard error, fixed seeds."""

import _thread
import math
import threading

import numpy as np
import pytest

import pdlt
from pdlt import _core

from _reference import inputs_with_gram


def zscore(estimate, stderr, exact):
    return np.abs((np.asarray(estimate) - exact) / np.asarray(stderr))


def exact_scale_invariant_moments(A2, A4, C_b, C_W, widths, K1):
    """E[z^2], E[z^4] per layer for a single input, exact at any width (theory notes §6.1):
    m1' = C_b + C_W A2 m1,  m2' = C_b^2 + 2 C_b C_W A2 m1 + C_W^2 [A2^2 + (3 A4 - A2^2)/n] m2,  E[z^4] = 3 m2."""
    m1, m2 = [K1], [K1**2]
    for n in widths:
        m2.append(C_b**2 + 2 * C_b * C_W * A2 * m1[-1] + C_W**2 * (A2**2 + (3 * A4 - A2**2) / n) * m2[-1])
        m1.append(C_b + C_W * A2 * m1[-1])
    return np.array(m1), 3 * np.array(m2)


# --- exact finite-width results --------------------------------------------------------------

@pytest.mark.parametrize("method", ["marginal", "weights"])
@pytest.mark.parametrize("n", [4, 32])
@pytest.mark.parametrize("name,A2,A4,C_W", [("linear", 1.0, 1.0, 1.0), ("relu", 0.5, 0.5, 2.0)])
def test_deep_linear_and_relu_fourth_moment(method, n, name, A2, A4, C_W):
    """E[z^4]/(3 E[z^2]^2) = (1 + 2/n)^(l-1) (linear) and (1 + 5/n)^(l-1) (relu), E[z^2] = K."""
    L, networks = 4, (100_000 if method == "marginal" else 30_000)
    ens = pdlt.sample(pdlt.MLP(name, L, n, 0.0, C_W), [[0.7, 1.3]], networks, seed=11, method=method, progress=False)
    K = C_W * (0.49 + 1.69) / 2
    ratio = (1 + (2.0 if name == "linear" else 5.0) / n) ** np.arange(L)
    assert np.all(zscore(ens.kernel[:, 0, 0], ens.kernel_stderr[:, 0, 0], K) < 4.5)
    assert np.all(zscore(ens.moment4[:, 0, 0, 0, 0], ens.moment4_stderr[:, 0, 0, 0, 0], 3 * K**2 * ratio) < 4.5)


def test_biases_and_unequal_widths_exact_moments():
    act = pdlt.Activation("leaky_relu", slope=0.3)
    a2, a4 = (1 + 0.3**2) / 2, (1 + 0.3**4) / 2
    widths = [8, 12, 6, 10]
    ens = pdlt.sample(pdlt.MLP(act, 5, widths, 0.2, 1.5), [[1.1]], 200_000, seed=5, progress=False)
    m1, m4 = exact_scale_invariant_moments(a2, a4, 0.2, 1.5, widths, 0.2 + 1.5 * 1.21)
    assert np.all(zscore(ens.kernel[:, 0, 0], ens.kernel_stderr[:, 0, 0], m1) < 4.5)
    assert np.all(zscore(ens.moment4[:, 0, 0, 0, 0], ens.moment4_stderr[:, 0, 0, 0, 0], m4) < 4.5)


# Theory notes, initialization.md Appendix A: V^(2) for K^(1) = [[1, .55], [.55, .8]], entries
# (11)(11), (11)(12), (11)(22), (12)(12), (12)(22), (22)(22). Layer 2 is exact at any width.
V2 = {
    "tanh": (0.1, 1.5, [0.2194284107, 0.1437777144, 0.0616687663, 0.2669249534, 0.1403513204, 0.1971655863]),
    "relu": (0.0, 2.0, [5.0, 2.7980677579, 1.9382811516, 2.3594878922, 2.2384542064, 3.2]),
}
V_INDEX = [(0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 1, 1), (0, 1, 0, 1), (0, 1, 1, 1), (1, 1, 1, 1)]


@pytest.mark.parametrize("method", ["marginal", "weights"])
@pytest.mark.parametrize("name", sorted(V2))
def test_layer_two_vertex_is_exact_at_any_width(name, method):
    C_b, C_W, expected = V2[name]
    X = inputs_with_gram((np.array([[1.0, 0.55], [0.55, 0.8]]) - C_b) / C_W)
    ens = pdlt.sample(pdlt.MLP(name, 2, 6, C_b, C_W), X, 1_000_000 if method == "marginal" else 500_000, seed=2,
                      method=method, progress=False)
    V, se = ens.four_point_vertex[1], ens.four_point_vertex_stderr[1]
    for (a, b, c, d), v in zip(V_INDEX, expected):
        assert zscore(V[a, b, c, d], se[a, b, c, d], v) < 4.5, ((a, b, c, d), V[a, b, c, d], se[a, b, c, d], v)
    # the symmetries of the index structure are exact in the estimator
    assert np.array_equal(V, V.transpose(1, 0, 2, 3)) and np.array_equal(V, V.transpose(2, 3, 0, 1))
    assert np.all(zscore(ens.four_point_vertex[0], ens.four_point_vertex_stderr[0], 0.0) < 4.5)  # V^(1) = 0


def test_layer_two_ntk_variance_is_exact_at_any_width():
    """ReLU at criticality, K* = 2, lambda_b = 0.7, lambda_W = 1.3 (h = 2, u = 2.6): at l = 2
    A = h^2 + u h + 5 u^2 / 4 = 17.65, B = 2 h^2 = 8, D = 17, F = 8 (ntk notes §3.5), at any width."""
    mlp = pdlt.MLP("relu", 2, 8, 0.0, 2.0, lambda_b=0.7, lambda_W=1.3)
    ens = pdlt.sample(mlp, [[1.0]], 200_000, seed=9, observables=("ntk",), progress=False)
    assert zscore(ens.ntk_A[0, 0, 0, 0], ens.ntk_A_stderr[0, 0, 0, 0], 17.65) < 4.5
    assert zscore(ens.ntk_B[0, 0, 0, 0], ens.ntk_B_stderr[0, 0, 0, 0], 8.0) < 4.5
    # D = K* (h + 5u/2) l (l-1)/2 = 17 and F = K* h l (l-1) = 8 at l = 2
    assert zscore(ens.ntk_D[0, 0, 0, 0], ens.ntk_D_stderr[0, 0, 0, 0], 17.0) < 4.5
    assert zscore(ens.ntk_F[0, 0, 0, 0], ens.ntk_F_stderr[0, 0, 0, 0], 8.0) < 4.5
    assert zscore(ens.ntk_mean[0, 0], ens.ntk_mean_stderr[0, 0], 4.0) < 4.5  # H^(2) = 2 h


# --- large width: the infinite-width theory ---------------------------------------------------

def test_wide_kernel_approaches_theory():
    X = np.array([[1.0, 0.3, -0.5], [0.2, 0.9, 0.4]])
    mlp = pdlt.MLP("tanh", 4, 4096, 0.05, 1.3)
    ens = pdlt.sample(mlp, X, 4000, seed=4, observables=("kernel",), progress=False)
    assert np.all(zscore(ens.kernel, ens.kernel_stderr, pdlt.kernel(mlp, X)) < 4.5)


def test_wide_ntk_approaches_theory():
    X = np.array([[1.0, 0.3, -0.5], [0.2, 0.9, 0.4]])
    mlp = pdlt.MLP("gelu", 3, 256, 0.1, 1.5, lambda_b=0.5, lambda_W=1.2)
    ens = pdlt.sample(mlp, X, 1500, seed=4, observables=("ntk",), progress=False)
    assert np.all(zscore(ens.ntk_mean, ens.ntk_mean_stderr, pdlt.ntk(mlp, X)[-1]) < 4.5)
    assert np.all(zscore(ens.kernel, ens.kernel_stderr, pdlt.kernel(mlp, X)) < 4.5)


# --- the two samplers, and an independent rebuild of single networks --------------------------

def test_weights_and_marginal_samplers_agree():
    X = np.array([[1.0, 0.4], [-0.3, 0.8], [0.5, 0.5]])
    mlp = pdlt.MLP("tanh", 3, 8, 0.1, 1.4)
    a = pdlt.sample(mlp, X, 40_000, seed=1, method="marginal", progress=False)
    b = pdlt.sample(mlp, X, 40_000, seed=2, method="weights", progress=False)
    for name in ("kernel", "four_point_vertex", "moment4"):
        diff = getattr(a, name) - getattr(b, name)
        se = np.hypot(getattr(a, name + "_stderr"), getattr(b, name + "_stderr"))
        mask = se > 0
        assert np.all(np.abs(diff[mask]) < 4.5 * se[mask]), name


def _stream(seed, k, purpose, layer, count):
    tag = (layer << 4) | {"weights": 1, "biases": 2, "marginal": 3}[purpose]
    return _core.normals(seed, k, tag, 0, count)


def test_single_network_rebuilt_in_numpy():
    """Network k from its documented streams: outputs and the NTK (by central finite differences
    over every parameter, Hhat = J Lambda J^T) must match the engine's."""
    seed, k, n0, widths = 5, 123, 3, [4, 5, 2]
    C_b, C_W, l_b, l_W = [0.1, 0.2, 0.3], [1.2, 1.5, 0.9], [0.5, 0.7, 0.9], [1.1, 1.3, 0.8]
    X = np.array([[0.4, -1.0, 0.7], [1.2, 0.3, -0.2]])
    mlp = pdlt.MLP("tanh", 3, widths[:2], C_b, C_W, l_b, l_W)
    ens = pdlt.sample(mlp, X, 1, seed=seed, start=k, observables=("ntk", "outputs"), progress=False)

    fan_in = [n0] + widths[:-1]
    W = [math.sqrt(C_W[l] / fan_in[l]) * _stream(seed, k, "weights", l + 1, widths[l] * fan_in[l]).reshape(widths[l], fan_in[l])
         for l in range(3)]
    b = [math.sqrt(C_b[l]) * _stream(seed, k, "biases", l + 1, widths[l]) for l in range(3)]

    def forward(W, b):
        h = X.T
        for l in range(3):
            z = W[l] @ h + b[l][:, None]
            h = np.tanh(z)
        return z  # n_L x N_D

    np.testing.assert_allclose(ens.outputs[0], forward(W, b), rtol=1e-12, atol=1e-13)
    # J Lambda J^T with the Jacobian by central differences
    params = [(l, "W", idx) for l in range(3) for idx in np.ndindex(W[l].shape)] + \
             [(l, "b", (i,)) for l in range(3) for i in range(widths[l])]
    jac, lam, h = [], [], 1e-5
    for l, kind, idx in params:
        grads = []
        for sign in (1, -1):
            Wp, bp = [w.copy() for w in W], [v.copy() for v in b]
            (Wp if kind == "W" else bp)[l][idx] += sign * h
            grads.append(forward(Wp, bp))
        jac.append(((grads[0] - grads[1]) / (2 * h)).reshape(-1))  # (i, a) flattened
        lam.append(l_W[l] / fan_in[l] if kind == "W" else l_b[l])
    J = np.array(jac)  # params x (n_L N_D)
    H = (J.T * lam) @ J  # [(i1, a1), (i2, a2)]
    H = H.reshape(2, 2, 2, 2)  # i1, a1, i2, a2
    ntk_mean = np.einsum("iaib->ab", H) / 2
    np.testing.assert_allclose(ens.ntk_mean, ntk_mean, rtol=1e-8)
    # one network: B[a1,a3,a2,a4] = n_{L-1} mean_{i != k} Hhat_{ik;a1a2} Hhat_{ik;a3a4}
    SB = (np.einsum("iakb,icke->abce", H, H) - np.einsum("iaib,icie->abce", H, H)) / 2
    np.testing.assert_allclose(ens.ntk_B, widths[1] * SB.transpose(0, 2, 1, 3), rtol=1e-7, atol=1e-10)
    z = forward(W, b)  # i, a
    SF = (np.einsum("iakb,ic,ke->abce", H, z, z) - np.einsum("iaib,ic,ie->abce", H, z, z)) / 2
    np.testing.assert_allclose(ens.ntk_F, widths[1] * SF.transpose(0, 2, 1, 3), rtol=1e-7, atol=1e-10)
    # one network: the "mean of a product minus product of means" has no bias correction (N = 1)
    SD = (np.einsum("iaib->ab", H)[:, :, None, None] * np.einsum("kc,ke->ce", z, z)[None, None]
          - np.einsum("iaib,ic,ie->abce", H, z, z)) / 2
    G = np.einsum("kc,ke->ce", z, z) / 2
    np.testing.assert_allclose(ens.ntk_D, widths[1] * (SD - ntk_mean[:, :, None, None] * G[None, None]), rtol=1e-7, atol=1e-9)


def test_single_marginal_network_rebuilt_in_numpy():
    seed, k = 8, 77
    X = np.array([[0.4, -1.0], [1.2, 0.3], [0.1, 0.1]])
    mlp = pdlt.MLP("gelu", 3, [5, 4], 0.1, 1.3)
    ens = pdlt.sample(mlp, X, 1, seed=seed, start=k, observables=("outputs",), method="marginal", outputs=3, progress=False)
    act = pdlt.Activation("gelu")
    G = 0.1 + 1.3 * X @ X.T / 2
    for l, n in enumerate([5, 4, 3], start=1):
        u = _stream(seed, k, "marginal", l, n * 3).reshape(n, 3)
        z = u @ np.linalg.cholesky(G).T
        s = act(z)
        G = 0.1 + 1.3 * s.T @ s / n
    np.testing.assert_allclose(ens.outputs[0], z, rtol=1e-12, atol=1e-13)


def test_outputs_consistent_with_kernel():
    ens = pdlt.sample(pdlt.MLP("relu", 2, 8, 0.0, 2.0), [[1.0, 0.0], [0.6, 0.8]], 500, seed=1,
                      observables=("outputs",), outputs=3, progress=False)
    z = ens.outputs  # networks, n_L, N_D
    np.testing.assert_allclose(np.einsum("kia,kib->ab", z, z) / (500 * 3), ens.kernel[-1], rtol=1e-12)


# --- reproducibility, merging, storage ---------------------------------------------------------

@pytest.mark.parametrize("method,observables", [("marginal", ("four_point",)), ("weights", ("four_point", "ntk"))])
def test_bitwise_identical_across_threads(method, observables):
    if not pdlt.openmp_enabled():
        pytest.skip("built without OpenMP")
    X = np.array([[1.0, 0.4], [-0.3, 0.8]])
    mlp = pdlt.MLP("tanh", 3, 16, 0.1, 1.4)
    runs = []
    for threads in (1, 2, 3):
        pdlt.set_num_threads(threads)
        runs.append(pdlt.sample(mlp, X, 3000, seed=6, method=method, observables=observables, progress=False))
    for other in runs[1:]:
        for l in range(3):
            for x, y in zip(runs[0]._layers[l], other._layers[l]):
                assert np.array_equal(x, y)
        if "ntk" in observables:
            assert all(np.array_equal(x, y) for x, y in zip(runs[0]._ntk, other._ntk))


def test_merge_of_halves_equals_the_whole(tmp_path):
    X = np.array([[1.0, 0.4], [-0.3, 0.8]])
    mlp = pdlt.MLP("tanh", 3, 8, 0.1, 1.4)
    kw = dict(seed=3, observables=("four_point", "ntk", "outputs"), progress=False)
    whole = pdlt.sample(mlp, X, 3000, **kw)
    first = pdlt.sample(mlp, X, 1100, start=0, **kw)
    second = pdlt.sample(mlp, X, 1900, start=1100, **kw)
    merged = second.merge(first)
    assert merged.networks == 3000 and merged.ranges == [(0, 1100), (1100, 3000)]
    for name in ("kernel", "kernel_stderr", "four_point_vertex", "four_point_vertex_stderr", "ntk_mean", "ntk_A", "ntk_B",
                 "ntk_B_stderr"):
        np.testing.assert_allclose(getattr(merged, name), getattr(whole, name), rtol=1e-11, atol=1e-14, err_msg=name)
    np.testing.assert_array_equal(merged.outputs, whole.outputs)  # the same networks, in order
    with pytest.raises(ValueError, match="overlapping network ranges"):
        whole.merge(first)
    with pytest.raises(ValueError, match="different configurations"):
        first.merge(pdlt.sample(mlp, X, 100, start=5000, seed=4, observables=kw["observables"], progress=False))

    path = tmp_path / "ensemble.npz"
    merged.save(path)
    loaded = pdlt.load_ensemble(path)
    assert loaded.ranges == merged.ranges and loaded.config == merged.config and loaded.mlp == mlp
    for name in ("kernel", "four_point_vertex_stderr", "ntk_A", "outputs"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(merged, name))


def test_custom_activation_ensembles(tmp_path):
    act = pdlt.Activation.from_function(np.tanh, lambda z: 1 / np.cosh(z) ** 2, name="my_tanh")
    X = np.array([[1.0, 0.4]])
    a = pdlt.sample(pdlt.MLP(act, 3, 8, 0.0, 1.0), X, 2000, seed=1, observables=("ntk",), progress=False)
    b = pdlt.sample(pdlt.MLP("tanh", 3, 8, 0.0, 1.0), X, 2000, seed=1, observables=("ntk",), progress=False)
    np.testing.assert_allclose(a.kernel, b.kernel, rtol=1e-13)  # same networks
    np.testing.assert_allclose(a.ntk_B, b.ntk_B, rtol=1e-12)
    a.save(tmp_path / "custom.npz")
    with pytest.raises(ValueError, match="pass activation= to load_ensemble"):
        pdlt.load_ensemble(tmp_path / "custom.npz").mlp
    assert pdlt.load_ensemble(tmp_path / "custom.npz", activation=act).mlp.activation is act


def test_interrupt_leaves_a_valid_partial_ensemble():
    mlp = pdlt.MLP("tanh", 4, 512, 0.0, 1.0)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(pdlt.SamplingInterrupted) as info:
        pdlt.sample(mlp, [[1.0]], 10**9, seed=1, method="weights", progress=False)
    timer.join()
    ens = info.value.ensemble
    assert isinstance(info.value, KeyboardInterrupt)
    assert 0 < ens.networks < 10**9 and ens.ranges == [(0, ens.networks)]
    assert np.all(np.isfinite(ens.kernel)) and np.all(ens.kernel_stderr > 0)


# --- bad input -------------------------------------------------------------------------------

MLP = pdlt.MLP("tanh", 3, 8, 0.0, 1.0)


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(networks=0), ValueError, "networks must be an integer >= 1"),
    (dict(networks=2.5), TypeError, "networks must be an integer"),
    (dict(seed=-1), ValueError, "seed must be an integer >= 0"),
    (dict(seed=2**64), ValueError, "< 2\\*\\*64"),
    (dict(X=[[1.0, np.nan]]), ValueError, "X must be finite"),
    (dict(X=[1.0, 2.0]), ValueError, "X must have shape"),
    (dict(observables=("kernel", "fourpoint")), ValueError, "unknown observables \\['fourpoint'\\]"),
    (dict(observables=3), TypeError, "observables must be a collection"),
    (dict(method="exact"), ValueError, "method must be 'auto', 'weights' or 'marginal'"),
    (dict(method="marginal", observables=("ntk",)), ValueError, "NTK needs method='weights'"),
    (dict(outputs=1, observables=("ntk",)), ValueError, "ntk needs outputs >= 2"),
    (dict(outputs=1, observables=("four_point",)), ValueError, "four_point needs every width >= 2"),
    (dict(outputs=0), ValueError, "outputs must be an integer >= 1"),
    (dict(networks=10**9, observables=("outputs",)), ValueError, "GiB.*MAX_OUTPUT_BYTES"),
    (dict(X=np.eye(17)), ValueError, "N_D <= 16"),
    (dict(mlp="tanh"), TypeError, "mlp must be a pdlt.MLP"),
])
def test_bad_input_is_refused_before_any_work(kwargs, error, message):
    args = dict(mlp=MLP, X=[[1.0, 0.5]], networks=10, seed=1, observables=("four_point",), progress=False)
    args.update(kwargs)
    with pytest.raises(error, match=message):
        pdlt.sample(**args)


def test_step_has_no_ntk():
    with pytest.raises(ValueError, match="delta function"):
        pdlt.sample(pdlt.MLP("step", 2, 4, 0.0, 1.0), [[1.0]], 10, seed=1, observables=("ntk",), progress=False)


def test_missing_statistics_are_explained():
    ens = pdlt.sample(MLP, [[1.0]], 10, seed=1, observables=("kernel",), progress=False)
    with pytest.raises(ValueError, match="no four-point statistics"):
        ens.four_point_vertex
    with pytest.raises(ValueError, match="no NTK statistics"):
        ens.ntk_A
    with pytest.raises(ValueError, match="no raw outputs"):
        ens.outputs
