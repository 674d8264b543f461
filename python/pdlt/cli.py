"""The ``pdlt`` command.

    pdlt critical tanh                      critical point, class, fixed point, susceptibilities
    pdlt kernel --activation tanh --depth 10   kernel and NTK flow of a few inputs, as a table
    pdlt compare                            theory vs Monte Carlo, layer by layer (tanh, L=8, n=64)
    pdlt activations                        the built-in activations
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Optional, Sequence

import numpy as np

from .activation import Activation
from .criticality import critical_point, large_depth, susceptibilities
from .kernels import kernel_and_ntk
from .mlp import MLP
from ._core_loader import core
from ._format import table


def _activation(name: str, params: Sequence[str]) -> Activation:
    kwargs = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"pdlt: --param expects key=value, got {item!r}")
        try:
            kwargs[key] = float(value)
        except ValueError:
            raise SystemExit(f"pdlt: --param {key} must be a number, got {value!r}") from None
    return Activation(name, **kwargs)


def _default_inputs() -> np.ndarray:
    """Three inputs with x.x/n0 = 1 at angles 0, 30 and 90 degrees."""
    return math.sqrt(2.0) * np.array([[1.0, 0.0], [math.sqrt(3.0) / 2.0, 0.5], [0.0, 1.0]])


def _parse_inputs(text: Optional[str]) -> np.ndarray:
    if text is None:
        return _default_inputs()
    try:
        rows = [[float(v) for v in row.split(",")] for row in text.split(";") if row.strip()]
    except ValueError:
        raise SystemExit(f"pdlt: --inputs must look like '1,0;0.6,0.8' (rows of numbers), got {text!r}") from None
    if not rows or len({len(r) for r in rows}) != 1:
        raise SystemExit("pdlt: --inputs rows must all have the same number of features")
    return np.array(rows)


def cmd_critical(args: argparse.Namespace) -> int:
    act = _activation(args.activation, args.param)
    cp = critical_point(act)
    print(cp)
    if cp.universality_class == "scale-invariant":
        laws = large_depth(act)
        if laws.rho > 0:  # type: ignore[union-attr]
            print(f"large depth  K preserved; angle psi^(l) ~ 3 pi / ({laws.rho:.6g} l)")  # type: ignore[union-attr]
    elif cp.universality_class == "K*=0" and cp.a_1 is not None:
        laws = large_depth(act)
        print(f"large depth  K^(l) ~ 1/({-cp.a_1:.6g} l), chi_par ~ 1 - 2/l, chi_perp ~ 1 - {cp.p_perp:.6g}/l")
    if cp.exists and cp.K_star is not None and cp.K_star > 0:
        chi = susceptibilities(act, cp.K_star, cp.C_W)  # type: ignore[arg-type]
        print(f"check        chi_par(K*) = {chi[0]:.12g}, chi_perp(K*) = {chi[1]:.12g}")
    return 0


def cmd_kernel(args: argparse.Namespace) -> int:
    act = _activation(args.activation, args.param)
    C_b, C_W = args.C_b, args.C_W
    if C_b is None or C_W is None:
        cp = critical_point(act)
        if not cp.exists:
            raise SystemExit(f"pdlt: {act.name} has no critical point ({cp.reason}); give --C_b and --C_W")
        C_b = cp.C_b if C_b is None else C_b
        C_W = cp.C_W if C_W is None else C_W
    X = _parse_inputs(args.inputs)
    mlp = MLP(act, args.depth, 1, C_b, C_W, args.lambda_b, args.lambda_W)
    K, H = kernel_and_ntk(mlp, X, rtol=args.rtol)

    n = X.shape[0]
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    header = ["l"] + [f"K_{a+1}{a+1}" for a in range(n)] + [f"rho_{a+1}{b+1}" for a, b in pairs]
    header += [f"H_{a+1}{a+1}" for a in range(n)] + [f"H_{a+1}{b+1}" for a, b in pairs]
    step = max(1, args.depth // args.rows) if args.rows else 1
    shown = sorted(set(list(range(1, args.depth + 1, step)) + [args.depth]))
    rows = []
    for l in shown:
        k, h = K[l - 1], H[l - 1]
        d = np.sqrt(np.diag(k))
        rho = [k[a, b] / (d[a] * d[b]) if d[a] * d[b] > 0 else 0.0 for a, b in pairs]
        values = list(np.diag(k)) + rho + list(np.diag(h)) + [h[a, b] for a, b in pairs]
        rows.append([str(l)] + [f"{v:.{args.digits}g}" for v in values])
    print(f"# {mlp!r}; inputs x (rows) with x.x/n0 = {np.round(np.sum(X * X, axis=1) / X.shape[1], 6).tolist()}")
    print(table(header, rows))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare

    act = _activation(args.activation, args.param)
    X = None if args.inputs is None else _parse_inputs(args.inputs)
    result = compare(act, args.depth, args.width, args.networks, args.seed, args.C_b, args.C_W, X,
                     method=args.method, ntk=args.ntk, ntk_networks=args.ntk_networks, lambda_b=args.lambda_b,
                     lambda_W=args.lambda_W, progress=not args.quiet)
    print(f"# {result.mlp!r}")
    print(f"# {result.ensemble.networks} networks ({result.ensemble.method} sampler, seed {args.seed}, output width "
          f"{args.width}); inputs with x.x/n0 = {np.round(np.sum(result.X**2, axis=1) / result.X.shape[1], 6).tolist()}")
    print("# theory: K + K^{1}/n and V to O(1/n); MC: ensemble estimate +- standard error; z = (MC - theory)/stderr.")
    print("# MC - theory is O(1/n^2) for K and O(1/n) for V (V_hat = n_{l-1} x the connected four-point function).")
    print(result.kernel_table())
    if args.ntk:
        e = result.ntk_ensemble
        print(f"\n# output layer NTK: {e.networks} networks (weights sampler, 8 outputs), lambda_b = {args.lambda_b:g}, "
              f"lambda_W = {args.lambda_W:g}; theory H + H^{{1}}/n and A, B, D, F to leading order")
        print(result.ntk_table())
    if args.plot:
        try:
            result.plot(args.plot)
            print(f"# plot written to {args.plot}")
        except ImportError:
            print("# matplotlib not installed (pip install 'pdlt[plot]'): no plot", file=sys.stderr)
    return 0


def cmd_activations(args: argparse.Namespace) -> int:
    rows = [[name, formula, ", ".join(f"{k}={v:g}" for k, v in defaults.items()) or "-"]
            for name, formula, defaults in core.builtin_activations()]
    print(table(["name", "sigma(z)", "parameters"], rows))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pdlt", description="Effective theory of deep neural networks (Roberts & Yaida).")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("critical", help="critical initialisation and universality class of an activation")
    p.add_argument("activation")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="activation parameter, e.g. slope=0.1")
    p.set_defaults(run=cmd_critical)

    p = sub.add_parser("kernel", help="infinite-width kernel and NTK flow through the layers")
    p.add_argument("--activation", default="tanh")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--depth", type=int, default=10)
    p.add_argument("--C_b", type=float, default=None, help="default: the critical value")
    p.add_argument("--C_W", type=float, default=None, help="default: the critical value")
    p.add_argument("--lambda_b", type=float, default=1.0)
    p.add_argument("--lambda_W", type=float, default=1.0)
    p.add_argument("--inputs", default=None, help="rows of x separated by ';', e.g. '1,0;0.6,0.8' "
                   "(default: three inputs with x.x/n0 = 1 at 0, 30, 90 degrees)")
    p.add_argument("--rows", type=int, default=20, help="at most about this many layers in the table (0: all)")
    p.add_argument("--digits", type=int, default=6)
    p.add_argument("--rtol", type=float, default=1e-12)
    p.set_defaults(run=cmd_kernel)

    p = sub.add_parser("compare", help="theory vs Monte Carlo ensembles of finite networks, layer by layer")
    p.add_argument("--activation", default="tanh")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--depth", type=int, default=8)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--networks", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--C_b", type=float, default=None, help="default: the critical value")
    p.add_argument("--C_W", type=float, default=None, help="default: the critical value")
    p.add_argument("--inputs", default=None, help="rows of x separated by ';' (default: two inputs at 60 degrees)")
    p.add_argument("--method", default="auto", choices=["auto", "weights", "marginal"])
    p.add_argument("--ntk", action="store_true", help="also compare the output NTK mean and A, B, D, F")
    p.add_argument("--ntk-networks", type=int, default=None, help="networks for the NTK (default: networks/10)")
    p.add_argument("--lambda_b", type=float, default=1.0)
    p.add_argument("--lambda_W", type=float, default=1.0)
    p.add_argument("--plot", default="pdlt-compare.png", help="PNG file to write ('' for none)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_compare)

    p = sub.add_parser("activations", help="list the built-in activations")
    p.set_defaults(run=cmd_activations)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (ValueError, TypeError, OverflowError) as err:
        print(f"pdlt: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
