"""The finite-width theory against Monte Carlo ensembles across widths (32..256, depth 10).

    python examples/finite_width_validation.py            # about 90 seconds on 2 cores
    python examples/finite_width_validation.py --quick    # a few seconds (smoke test)

For each network it prints, per width n, with the ensemble's standard errors (z = deviation / se):

* ``n (K_hat - K)``: the NLO kernel K^{1} plus O(1/n) (the theory column is K^{1});
* ``n^2 (K_hat - K - K^{1}/n)``: O(1) and width-independent, i.e. the two-point function's
  residual after the 1/n correction shrinks like 1/n^2 (its noise grows like n^2 / sqrt(N));
* ``n (V_hat - V)``: O(1), i.e. the vertex estimate approaches V like 1/n;

then the weighted fit X(n) = X_inf + c/n + d/n^2 over the widths and its limit's distance from
the theory, max |z| over every entry of layers 2..L (layer 1 is exactly Gaussian). The NTK part
does the same for the output NTK of a depth-6 tanh network: H + H^{1}/n, A, B, D, F.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import pdlt

INPUTS = {
    2: np.array([[1.0, 0.2, -0.4], [0.5, 0.9, 0.3]]),
    3: np.array([[1.0, 0.2, -0.4], [0.5, 0.9, 0.3], [-0.7, 0.4, 1.1]]),
}


def cases(depth: int):
    """(label, mlp factory, inputs): tanh/relu/gelu at criticality and tanh off it."""
    gelu = pdlt.critical_point("gelu")
    return [
        ("tanh critical (C_b=0, C_W=1)", lambda n: pdlt.MLP("tanh", depth, n, 0.0, 1.0), INPUTS[3]),
        ("tanh off criticality (C_b=0.1, C_W=1.5)", lambda n: pdlt.MLP("tanh", depth, n, 0.1, 1.5), INPUTS[2]),
        ("relu critical (C_b=0, C_W=2)", lambda n: pdlt.MLP("relu", depth, n, 0.0, 2.0), INPUTS[2]),
        (f"gelu critical (C_b={gelu.C_b:.4f}, C_W={gelu.C_W:.4f})", lambda n: pdlt.MLP("gelu", depth, n, gelu.C_b, gelu.C_W),
         INPUTS[3]),
    ]


def cell(value: float, se: float) -> str:
    return f"{value:+10.4f} ± {se:8.4f}"


def header(*columns: str) -> str:
    return f"  {'n':>6s} | " + " | ".join(f"{c:^21s}" for c in columns)


def fit_summary(name, widths, values, errors, theory, entry) -> str:
    """Fit X(n) = X_inf + c/n (+ d/n^2) entrywise; the limit at `entry` and max |z| over all."""
    order = 2 if len(widths) >= 3 else 1
    fit = pdlt.fit_in_width(widths, values, errors, order=order)
    z = np.abs(fit.limit - theory) / fit.limit_stderr
    return (f"  fit {name}_inf + c/n{' + d/n^2' if order == 2 else ''}: {fit.limit[entry]:+.4f} ± "
            f"{fit.limit_stderr[entry]:.4f} (theory {theory[entry]:+.4f}); max |z| over {z.size} entries {z.max():.2f}")


def preactivation_table(label, make_mlp, X, widths, networks, seed) -> None:
    fw = pdlt.finite_width(make_mlp(widths[0]), X, ntk=False)  # K, K1, V do not depend on n
    L = fw.K.shape[0]
    print(f"\n{label}: layer {L}, inputs (a, b) = (1, 2), {networks} networks per width")
    print(header("n (K_hat - K)_ab", "n^2 (K_hat-K-K1/n)_ab", "n (V_hat - V)_(aa)(bb)"))
    print(f"  {'theory':>6s} | {fw.K1[-1, 0, 1]:+10.4f} (K1){'':6s} | {'flat in n':^21s} | {'flat in n':^21s}")
    nK1, nK1_se, V, V_se = [], [], [], []
    for n in widths:
        ens = pdlt.sample(make_mlp(n), X, networks, seed=seed + n, outputs=n, progress=False)
        nK1.append(n * (ens.kernel - fw.K))  # -> K1 + O(1/n)
        nK1_se.append(n * ens.kernel_stderr)
        V.append(ens.four_point_vertex)
        V_se.append(ens.four_point_vertex_stderr)
        k, k_se = nK1[-1][-1, 0, 1], nK1_se[-1][-1, 0, 1]
        v, v_se = V[-1][-1, 0, 0, 1, 1] - fw.V[-1, 0, 0, 1, 1], V_se[-1][-1, 0, 0, 1, 1]
        print(f"  {n:6d} | {cell(k, k_se)} | {cell(n * (k - fw.K1[-1, 0, 1]), n * k_se)} | {cell(n * v, n * v_se)}")
    # layer 1 is exactly Gaussian: nothing to compare
    print(fit_summary("K1", widths, np.array(nK1)[:, 1:], np.array(nK1_se)[:, 1:], fw.K1[1:], (-1, 0, 1)))
    print(fit_summary("V", widths, np.array(V)[:, 1:], np.array(V_se)[:, 1:], fw.V[1:], (-1, 0, 0, 1, 1)))


def ntk_table(widths, depth, networks, seed) -> None:
    X = INPUTS[2]
    make = lambda n: pdlt.MLP("tanh", depth, n, 0.0, 1.0, lambda_b=0.7, lambda_W=1.3)
    fw = pdlt.finite_width(make(widths[0]), X)
    theory = {"H1": fw.H1[-1], **{t: getattr(fw.fluctuations, t)[-1] for t in "ABDF"}}
    entry = {"H1": (0, 1), **{t: (0, 1, 0, 1) for t in "ABDF"}}
    collected = {k: ([], []) for k in theory}
    print(f"\noutput NTK of tanh at criticality, depth {depth}, lambda_b=0.7, lambda_W=1.3, {networks} networks "
          f"per width (weights sampler, 8 outputs); A..F at (a1a2)(a3a4) = (12)(12)")
    print(header("n (H_hat - H)_12", "A", "B", "D", "F"))
    print(f"  {'theory':>6s} | " + " | ".join(f"{theory[k][entry[k]]:+10.4f}{'':11s}" for k in theory))
    for n in widths:
        ens = pdlt.sample(make(n), X, networks, seed=seed + n, observables=("ntk",), outputs=8, progress=False)
        collected["H1"][0].append(n * (ens.ntk_mean - fw.H[-1]))  # -> H1 + O(1/n)
        collected["H1"][1].append(n * ens.ntk_mean_stderr)
        for t in "ABDF":
            collected[t][0].append(getattr(ens, "ntk_" + t))
            collected[t][1].append(getattr(ens, f"ntk_{t}_stderr"))
        print(f"  {n:6d} | " + " | ".join(cell(v[-1][entry[k]], s[-1][entry[k]]) for k, (v, s) in collected.items()))
    for k, (values, errors) in collected.items():
        print(fit_summary(k, widths, np.array(values), np.array(errors), theory[k], entry[k]))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--networks", type=int, default=200_000, help="networks per width (preactivations)")
    parser.add_argument("--ntk-depth", type=int, default=6)
    parser.add_argument("--ntk-networks", type=int, default=20_000, help="networks per width (NTK)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="tiny ensembles and widths: a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.widths, args.depth, args.networks, args.ntk_depth, args.ntk_networks = [8, 16, 32], 3, 3000, 2, 1000
    start = time.perf_counter()
    for label, make_mlp, X in cases(args.depth):
        preactivation_table(label, make_mlp, X, args.widths, args.networks, args.seed)
    ntk_table(args.widths, args.ntk_depth, args.ntk_networks, args.seed)
    print(f"\n({time.perf_counter() - start:.0f} s, {pdlt.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
