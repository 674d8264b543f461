"""Theory against Monte Carlo, layer by layer: the job behind ``pdlt compare``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from ._format import table
from .ensemble import Ensemble
from .finite_width import FiniteWidth, finite_width
from .mlp import MLP
from .sampling import sample

__all__ = ["Comparison", "compare", "default_inputs"]

# Entries shown: (label, index), kept when every index is an input.
_KERNEL_ENTRIES = (("K_11", (0, 0)), ("K_12", (0, 1)), ("K_22", (1, 1)))
_VERTEX_ENTRIES = (("V_(11)(11)", (0, 0, 0, 0)), ("V_(12)(12)", (0, 1, 0, 1)), ("V_(11)(22)", (0, 0, 1, 1)))
_NTK_ENTRIES = (("H_11", "mean", (0, 0)), ("H_12", "mean", (0, 1)), ("A_(11)(11)", "A", (0, 0, 0, 0)),
                ("B_1111", "B", (0, 0, 0, 0)), ("D_(11)(11)", "D", (0, 0, 0, 0)), ("F_1111", "F", (0, 0, 0, 0)),
                ("B_1212", "B", (0, 1, 0, 1)))


def default_inputs() -> np.ndarray:
    """Two inputs with x.x/n0 = 1 at an angle of 60 degrees."""
    return math.sqrt(2.0) * np.array([[1.0, 0.0], [0.5, math.sqrt(3.0) / 2.0]])


def _cells(theory: float, mc: float, se: float) -> list[str]:
    z = (mc - theory) / se if se > 0 and math.isfinite(se) else float("nan")
    return [f"{theory:.6g}", f"{mc:.6g}+-{se:.2g}", f"{z:+.1f}"]


@dataclass
class Comparison:
    """The 1/n theory next to Monte Carlo ensembles of the same finite network."""

    mlp: MLP
    X: np.ndarray
    ensemble: Ensemble
    theory: FiniteWidth
    ntk_ensemble: Optional[Ensemble] = None

    def _kept(self, entries):
        n = self.X.shape[0]
        return [e for e in entries if max(e[-1]) < n]

    def kernel_table(self) -> str:
        """Per layer: K + K^{1}/n and the vertex V against the ensemble, with z-scores."""
        ens, th = self.ensemble, self.theory
        kernel, vertex = self._kept(_KERNEL_ENTRIES), self._kept(_VERTEX_ENTRIES)
        header = ["l"]
        for label, _ in kernel + vertex:
            header += [f"{label} theory", f"{label} MC", "z"]
        rows = []
        for l in range(self.mlp.depth):
            row = [str(l + 1)]
            for _, i in kernel:
                row += _cells(th.two_point[l][i], ens.kernel[l][i], ens.kernel_stderr[l][i])
            for _, i in vertex:
                row += _cells(th.V[l][i], ens.four_point_vertex[l][i], ens.four_point_vertex_stderr[l][i])
            rows.append(row)
        return table(header, rows)

    def ntk_table(self) -> str:
        """The output NTK: H + H^{1}/n, A, B, D, F against the weights-sampler ensemble."""
        if self.ntk_ensemble is None or self.theory.H is None:
            raise ValueError("no NTK comparison: compare(..., ntk=True)")
        ens, th = self.ntk_ensemble, self.theory
        theory = {"mean": th.ntk_mean[-1], **{t: getattr(th.fluctuations, t)[-1] for t in "ABDF"}}
        mc = {"mean": (ens.ntk_mean, ens.ntk_mean_stderr),
              **{t: (getattr(ens, "ntk_" + t), getattr(ens, f"ntk_{t}_stderr")) for t in "ABDF"}}
        rows = [[label] + _cells(theory[key][i], mc[key][0][i], mc[key][1][i]) for label, key, i in self._kept(_NTK_ENTRIES)]
        return table(["output NTK", "theory", "MC", "z"], rows)

    def plot(self, path: str) -> None:
        """Kernel and vertex entries against the layer (theory lines, Monte Carlo points with
        error bars), as a PNG. Needs matplotlib (the ``plot`` extra)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ens, th = self.ensemble, self.theory
        layers = np.arange(1, self.mlp.depth + 1)
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for ax, entries, theory, mc, se, title in (
                (axes[0], self._kept(_KERNEL_ENTRIES), th.two_point, ens.kernel, ens.kernel_stderr,
                 "two-point function: K + K^{1}/n vs ensemble"),
                (axes[1], self._kept(_VERTEX_ENTRIES), th.V, ens.four_point_vertex, ens.four_point_vertex_stderr,
                 "four-point vertex V vs n_{l-1} x connected 4-pt")):
            for label, i in entries:
                idx = (slice(None),) + i
                line, = ax.plot(layers, theory[idx], label=f"{label} theory")
                ax.errorbar(layers, mc[idx], yerr=se[idx], fmt="o", ms=3, color=line.get_color(), label=f"{label} MC")
            ax.set(xlabel="layer l", title=title)
            ax.legend(fontsize=7)
        fig.suptitle(f"{self.mlp!r}, {ens.networks} networks", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)


def compare(activation: Any = "tanh", depth: int = 8, width: int = 64, networks: int = 100_000, seed: int = 0,
            C_b: Optional[float] = None, C_W: Optional[float] = None, X: Optional[Sequence] = None,
            method: str = "auto", ntk: bool = False, ntk_networks: Optional[int] = None,
            lambda_b: float = 1.0, lambda_W: float = 1.0, progress: bool = True) -> Comparison:
    """Sample ``networks`` networks of the given MLP (at criticality unless C_b, C_W are given;
    the output layer has the hidden width) and put their kernel and four-point statistics next
    to the 1/n theory. With ``ntk``, also sample ``ntk_networks`` (default networks/10) networks
    with eight outputs by explicit weights and compare the output NTK mean and A, B, D, F."""
    if C_b is None or C_W is None:
        base = MLP.critical(activation, depth, width)
        C_b = float(base.C_b[0]) if C_b is None else C_b
        C_W = float(base.C_W[0]) if C_W is None else C_W
    mlp = MLP(activation, depth, width, C_b, C_W, lambda_b, lambda_W)
    x = default_inputs() if X is None else np.asarray(X, dtype=float)
    ens = sample(mlp, x, networks, seed, observables=("kernel", "four_point"), method=method, outputs=width,
                 progress=progress)
    result = Comparison(mlp, x, ens, finite_width(mlp, x, ntk=ntk, progress=progress))
    if ntk:
        result.ntk_ensemble = sample(mlp, x, ntk_networks or max(networks // 10, 2), seed + 1, observables=("ntk",),
                                     outputs=8, progress=progress)
    return result
