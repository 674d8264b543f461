"""pdlt.kernel_and_ntk (K and H together, L = 10) against a vectorised NumPy product
Gauss-Hermite implementation of the same recursion, at equal accuracy, in the same run.

    python -m pytest bench --benchmark-only -s        # timings and the speed-up table
    PDLT_BENCH_FULL=1 python -m pytest bench ...      # baseline over every pair (slow)

The baseline's cost is the same for every pair, so by default it is timed on a random subset
of at most 2080 pairs per layer (fed with pdlt's K^(l), H^(l)) and scaled to all pairs; the
subset also checks that the two agree. Q is the smallest Gauss-Hermite order that reaches
1e-10 on these kernels (tanh needs more: its poles are pi/2 from the real axis).
"""

import os
import time

import numpy as np
import pytest

import pdlt

from _numpy_kernel import layer, recursion

DEPTH = 10
RTOL = 1e-10
ORDER = {"tanh": 150, "gelu": 90}
MAX_PAIRS = 2080
FULL = os.environ.get("PDLT_BENCH_FULL") == "1"


def setup(activation: str, n_inputs: int):
    rng = np.random.default_rng(n_inputs)
    X = rng.normal(size=(n_inputs, 4))  # correlations spread over [-1, 1]
    X *= np.sqrt(4 * rng.uniform(0.5, 1.5, size=(n_inputs, 1))) / np.linalg.norm(X, axis=1, keepdims=True)
    mlp = pdlt.MLP.critical(activation, DEPTH, 128)
    act = mlp.activation
    return mlp, X, act, (lambda z: act.derivative(z))


def numpy_baseline(mlp, X, sigma, dsigma, K, H):
    """Seconds the NumPy recursion takes over all pairs, and its largest relative deviation."""
    n = X.shape[0]
    hyper = mlp.hyperparameters()
    iu = np.array(np.triu_indices(n)).T
    Q = ORDER[mlp.activation.name]
    if FULL or len(iu) <= MAX_PAIRS:
        start = time.perf_counter()
        Kn, Hn = recursion(sigma, dsigma, hyper, X, Q)
        seconds = time.perf_counter() - start
        return seconds, max(_deviation(Kn, K), _deviation(Hn, H))
    pairs = iu[np.random.default_rng(0).choice(len(iu), MAX_PAIRS, replace=False)]
    seconds, worst = 0.0, 0.0
    for l in range(1, DEPTH):
        start = time.perf_counter()
        k, h = layer(sigma, dsigma, K[l - 1], H[l - 1], tuple(hyper[l]), pairs, Q)
        seconds += time.perf_counter() - start
        a, b = pairs[:, 0], pairs[:, 1]
        worst = max(worst, _deviation(k, K[l][a, b], np.diag(K[l])[a], np.diag(K[l])[b]),
                    _deviation(h, H[l][a, b], np.diag(H[l])[a], np.diag(H[l])[b]))
    return seconds * len(iu) / MAX_PAIRS, worst


def _deviation(x, y, da=None, db=None):
    """max |x - y| relative to the scale sqrt(y_aa y_bb) of each entry."""
    if da is None:
        d = np.diagonal(y, axis1=-2, axis2=-1)
        scale = np.sqrt(d[..., :, None] * d[..., None, :])
    else:
        scale = np.sqrt(np.abs(da * db))
    return float(np.max(np.abs(x - y) / scale))


@pytest.mark.parametrize("activation", ["tanh", "gelu"])
@pytest.mark.parametrize("n_inputs", [64, 256, 1024])
def test_kernel_and_ntk_speedup(benchmark, activation, n_inputs):
    mlp, X, sigma, dsigma = setup(activation, n_inputs)
    benchmark.group = f"kernel+ntk L={DEPTH} {activation}"
    K, H = benchmark.pedantic(pdlt.kernel_and_ntk, args=(mlp, X), kwargs={"rtol": RTOL}, rounds=5, warmup_rounds=1)
    assert K.shape == (DEPTH, n_inputs, n_inputs)
    if not benchmark.enabled:  # smoke run (--benchmark-disable): correctness only
        return
    numpy_seconds, deviation = numpy_baseline(mlp, X, sigma, dsigma, K, H)
    ours = benchmark.stats.stats.median
    benchmark.extra_info.update(numpy_seconds=numpy_seconds, speedup=numpy_seconds / ours, deviation=deviation,
                                threads=pdlt.get_num_threads(), numpy_order=ORDER[activation])
    print(f"\n{activation:5s} N_D={n_inputs:5d}: pdlt {ours:.4f} s (median of 5), NumPy GH{ORDER[activation]} "
          f"{numpy_seconds:.1f} s{'' if FULL or n_inputs == 64 else ' (scaled from a pair subset)'}, "
          f"speed-up {numpy_seconds / ours:.0f}x, max deviation {deviation:.1e}")
    assert deviation < 1e-9  # the two agree at the accuracy both claim
