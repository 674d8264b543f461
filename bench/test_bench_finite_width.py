"""pdlt.finite_width (V, K^1, H, H^1, A, B, D, F; N_D = 8, L = 10, tanh at criticality) against
a vectorised NumPy implementation of its dominant work, the same-neuron four-input Gaussian
integrals, at equal accuracy, in the same run.

    python -m pytest bench/test_bench_finite_width.py --benchmark-only -s

The issue's goal is all tensors in under a second on 2 cores: the median is printed (and stored
by pytest-benchmark), never asserted. The baseline times a random subset of the integrals at
every layer (two multisets per number of distinct inputs) and scales by the number of multisets
of each kind; the pair integrals and the tensor contractions are not counted, so the printed
speed-up is a lower bound. Every timed baseline integral must agree with pdlt's to rtol = 1e-10
(relative, or absolute below 0.01).
"""

import numpy as np
import pytest

import pdlt
from pdlt import _core

from _numpy_four_point import multisets_by_size, products, specs_for

N_INPUTS, DEPTH, RTOL = 8, 10, 1e-10
SAMPLES_PER_KIND = 2


def setup():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(N_INPUTS, 4))
    X *= np.sqrt(4 * rng.uniform(0.5, 1.5, size=(N_INPUTS, 1))) / np.linalg.norm(X, axis=1, keepdims=True)
    return pdlt.MLP.critical("tanh", DEPTH, 128), X


def pdlt_products(act, K, multiset, specs):
    """pdlt's values for the same (primed, plain) products, through the core's integrator."""
    inputs = sorted(set(multiset))
    core_specs = [[(plain.count(x), primed.count(x)) for x in inputs] for primed, plain in specs]
    return np.array(_core.product_expectations(act._core, K[np.ix_(inputs, inputs)], core_specs, RTOL))


def numpy_baseline(mlp, X):
    """Estimated seconds for every four-input integral of layers 1..L-1, and the worst deviation."""
    import time

    act = mlp.activation
    sigma, dsigma = act, act.derivative
    K = pdlt.kernel(mlp, X)
    groups = multisets_by_size(N_INPUTS)
    rng = np.random.default_rng(0)
    seconds, worst = 0.0, 0.0
    for l in range(DEPTH - 1):  # K^(l) feeds layer l + 1
        for size, members in groups.items():
            picks = rng.choice(len(members), min(SAMPLES_PER_KIND, len(members)), replace=False)
            spent = 0.0
            for i in picks:
                q = members[i]
                specs = specs_for(q)
                start = time.perf_counter()
                ours = products(sigma, dsigma, K[l], q, specs)
                spent += time.perf_counter() - start
                theirs = pdlt_products(act, K[l], q, specs)
                worst = max(worst, float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-2))))
            seconds += spent * len(members) / len(picks)
    return seconds, worst


def test_finite_width_speedup(benchmark):
    mlp, X = setup()
    benchmark.group = f"finite width N_D={N_INPUTS} L={DEPTH} tanh"
    fw = benchmark.pedantic(pdlt.finite_width, args=(mlp, X), kwargs={"rtol": RTOL}, rounds=5, warmup_rounds=1)
    assert fw.V.shape == (DEPTH,) + (N_INPUTS,) * 4 and np.all(np.isfinite(fw.fluctuations.F))
    if not benchmark.enabled:  # smoke run (--benchmark-disable): correctness only
        return
    numpy_seconds, deviation = numpy_baseline(mlp, X)
    ours = benchmark.stats.stats.median
    benchmark.extra_info.update(numpy_seconds=numpy_seconds, speedup=numpy_seconds / ours, deviation=deviation,
                                threads=pdlt.get_num_threads())
    print(f"\nfinite width N_D={N_INPUTS} L={DEPTH} tanh (V, K1, H1, A, B, D, F): pdlt {ours:.3f} s "
          f"(median of 5, {pdlt.get_num_threads()} threads); NumPy four-input integrals alone "
          f"{numpy_seconds:.0f} s (scaled from a subset); speed-up >= {numpy_seconds / ours:.0f}x; "
          f"max deviation {deviation:.1e}")
    assert deviation < RTOL  # both claim rtol = 1e-10
