"""Monte Carlo throughput, networks per second, measured side by side in one run:

* (n, L, N_D) = (512, 5, 4) with the NTK: the weights sampler against batched PyTorch (CPU,
  float64, the same sampling: explicit weights, forward pass, backpropagated Jacobians);
* (1024, 10, 4) preactivations only: the marginal sampler against the weights sampler and
  against batched PyTorch;
* 2 threads against 1.

    python -m pytest bench/test_bench_sampler.py --benchmark-only -s

Every run also checks that pdlt and PyTorch agree statistically on the quantity both produce.
"""

import time

import numpy as np
import pytest

import pdlt

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the baseline is skipped")
from _torch_sampler import sample_batch  # noqa: E402

X = np.random.default_rng(0).normal(size=(4, 16))
CASES = {"ntk": (512, 5, ("ntk",), "weights"), "preactivations": (1024, 10, ("kernel",), None)}


def networks_per_second(run, networks, rounds=3):
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return networks / float(np.median(times))


def torch_rate(width, depth, ntk, batch, threads=2):
    torch.set_num_threads(threads)
    cp = pdlt.critical_point("tanh")
    gen = torch.Generator().manual_seed(0)
    Xt = torch.tensor(X)
    widths = [width] * (depth - 1) + [2]
    return networks_per_second(lambda: sample_batch(batch, widths, Xt, cp.C_b, cp.C_W, 1.0, 1.0, ntk, gen), batch)


def test_weights_sampler_with_ntk_vs_pytorch(benchmark):
    """Goal: >= 3x batched PyTorch on 2 cores."""
    width, depth = 512, 5
    mlp = pdlt.MLP.critical("tanh", depth, width)
    networks = 300
    benchmark.group = "sampler (512, 5, 4) with NTK"
    ens = benchmark.pedantic(pdlt.sample, args=(mlp, X, networks, 1), kwargs=dict(observables=("ntk",), progress=False),
                             rounds=3, warmup_rounds=1)
    if not benchmark.enabled:
        return
    ours = networks / benchmark.stats.stats.median
    theirs = torch_rate(width, depth, ntk=True, batch=32)
    # the two implementations sample the same law: compare the mean output NTK
    gen = torch.Generator().manual_seed(1)
    _, H = sample_batch(400, [width] * (depth - 1) + [2], torch.tensor(X), 0.0, 1.0, 1.0, 1.0, True, gen)
    diag = torch.einsum("baiai->ba", H).numpy() / 2  # mean over outputs of Hhat_{ii;aa}
    se = np.hypot(diag.std(axis=0) / np.sqrt(400), np.diag(ens.ntk_mean_stderr))
    assert np.all(np.abs(diag.mean(axis=0) - np.diag(ens.ntk_mean)) < 5 * se)
    benchmark.extra_info.update(networks_per_second=ours, torch_networks_per_second=theirs, speedup=ours / theirs)
    print(f"\n(512, 5, 4) NTK: pdlt weights {ours:.0f} net/s, PyTorch {theirs:.0f} net/s: {ours / theirs:.1f}x "
          f"({pdlt.get_num_threads()} threads each)")


def test_marginal_vs_weights_vs_pytorch(benchmark):
    """Goal: marginal >= 100x the weights sampler at (1024, 10, 4)."""
    width, depth = 1024, 10
    mlp = pdlt.MLP.critical("tanh", depth, width)
    networks = 4000
    benchmark.group = "sampler (1024, 10, 4) preactivations"
    ens = benchmark.pedantic(pdlt.sample, args=(mlp, X, networks, 1),
                             kwargs=dict(observables=("kernel",), method="marginal", progress=False),
                             rounds=3, warmup_rounds=1)
    if not benchmark.enabled:
        return
    marginal = networks / benchmark.stats.stats.median
    weights = networks_per_second(lambda: pdlt.sample(mlp, X, 30, 1, observables=("kernel",), method="weights",
                                                      progress=False), 30)
    theirs = torch_rate(width, depth, ntk=False, batch=8)
    reference = pdlt.sample(mlp, X, 300, 7, observables=("kernel",), method="weights", progress=False)
    assert np.all(np.abs(ens.kernel - reference.kernel) < 5 * np.hypot(ens.kernel_stderr, reference.kernel_stderr))
    benchmark.extra_info.update(marginal=marginal, weights=weights, torch=theirs, marginal_over_weights=marginal / weights)
    print(f"\n(1024, 10, 4): marginal {marginal:.0f} net/s, weights {weights:.1f} net/s ({marginal / weights:.0f}x), "
          f"PyTorch {theirs:.1f} net/s (weights sampler {weights / theirs:.1f}x PyTorch)")


@pytest.mark.parametrize("case", sorted(CASES))
def test_two_threads_vs_one(benchmark, case):
    """Goal: 2 threads >= 1.8x 1 thread."""
    if not pdlt.openmp_enabled():
        pytest.skip("built without OpenMP")
    width, depth, observables, method = CASES[case]
    mlp = pdlt.MLP.critical("tanh", depth, width)
    networks = 200 if case == "ntk" else 3000
    run = lambda: pdlt.sample(mlp, X, networks, 1, observables=observables, method=method or "marginal", progress=False)
    benchmark.group = f"threads {case}"
    pdlt.set_num_threads(2)
    benchmark.pedantic(run, rounds=3, warmup_rounds=1)
    if not benchmark.enabled:
        return
    two = networks / benchmark.stats.stats.median
    pdlt.set_num_threads(1)
    one = networks_per_second(run, networks)
    benchmark.extra_info.update(one_thread=one, two_threads=two, scaling=two / one)
    print(f"\n{case}: 1 thread {one:.0f} net/s, 2 threads {two:.0f} net/s: {two / one:.2f}x")
