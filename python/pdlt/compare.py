"""Theory against Monte Carlo, layer by layer: the job behind ``pdlt compare``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

from .ensemble import Ensemble
from .kernels import kernel
from .mlp import MLP
from .sampling import sample

__all__ = ["Comparison", "compare"]

# The kernel and four-point entries shown for two inputs: (label, index).
_KERNEL_ENTRIES = (("K_11", (0, 0)), ("K_12", (0, 1)), ("K_22", (1, 1)))
_VERTEX_ENTRIES = (("V_(11)(11)", (0, 0, 0, 0)), ("V_(12)(12)", (0, 1, 0, 1)), ("V_(11)(22)", (0, 0, 1, 1)))


def default_inputs() -> np.ndarray:
    """Two inputs with x.x/n0 = 1 at an angle of 60 degrees."""
    return math.sqrt(2.0) * np.array([[1.0, 0.0], [0.5, math.sqrt(3.0) / 2.0]])


@dataclass
class Comparison:
    """Infinite-width theory next to a Monte Carlo ensemble of the same finite network."""

    mlp: MLP
    X: np.ndarray
    ensemble: Ensemble
    kernel: np.ndarray  # (L, N_D, N_D), infinite width

    def rows(self) -> list[dict[str, Any]]:
        """Per layer: theory, Monte Carlo estimate, standard error and z-score of each entry."""
        ens = self.ensemble
        out = []
        for l in range(self.mlp.depth):
            row: dict[str, Any] = {"l": l + 1}
            for label, idx in _KERNEL_ENTRIES:
                if max(idx) < self.X.shape[0]:
                    th, mc, se = self.kernel[l][idx], ens.kernel[l][idx], ens.kernel_stderr[l][idx]
                    row[label] = (th, mc, se, (mc - th) / se if se > 0 else 0.0)
            for label, idx in _VERTEX_ENTRIES:
                if max(idx) < self.X.shape[0]:
                    row[label] = (None, ens.four_point_vertex[l][idx], ens.four_point_vertex_stderr[l][idx], None)
            out.append(row)
        return out

    def table(self) -> str:
        rows = self.rows()
        labels = [k for k in rows[0] if k != "l"]
        header = ["l"]
        for label in labels:
            header += [f"{label} theory", f"{label} MC", "z"] if label.startswith("K") else [f"{label} MC"]
        lines = []
        for row in rows:
            cells = [str(row["l"])]
            for label in labels:
                th, mc, se, z = row[label]
                if label.startswith("K"):
                    cells += [f"{th:.6f}", f"{mc:.6f}+-{se:.1e}", f"{z:+.1f}"]
                else:
                    cells.append(f"{mc:.4g}+-{se:.1e}")
            lines.append(cells)
        widths = [max(len(h), *(len(c[j]) for c in lines)) for j, h in enumerate(header)]
        text = ["  ".join(h.rjust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
        text += ["  ".join(c.rjust(w) for c, w in zip(cells, widths)) for cells in lines]
        return "\n".join(text)

    def plot(self, path: str) -> None:
        """Kernel entries (theory lines, Monte Carlo points with error bars) and the vertex
        estimates against the layer, as a PNG. Needs matplotlib (the ``plot`` extra)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        rows = self.rows()
        layers = [r["l"] for r in rows]
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for label in (k for k in rows[0] if k.startswith("K")):
            th = [r[label][0] for r in rows]
            line, = axes[0].plot(layers, th, label=f"{label} theory")
            axes[0].errorbar(layers, [r[label][1] for r in rows], yerr=[r[label][2] for r in rows], fmt="o",
                             color=line.get_color(), ms=3, label=f"{label} MC")
        axes[0].set(xlabel="layer l", ylabel="kernel", title="K^(l): infinite width vs ensemble")
        axes[0].legend(fontsize=7)
        for label in (k for k in rows[0] if k.startswith("V")):
            axes[1].errorbar(layers, [r[label][1] for r in rows], yerr=[r[label][2] for r in rows], fmt="o-", ms=3,
                             label=label)
        axes[1].set(xlabel="layer l", ylabel="n_{l-1} x connected four-point", title="four-point vertex V^(l) (MC)")
        axes[1].legend(fontsize=7)
        fig.suptitle(f"{self.mlp!r}, {self.ensemble.networks} networks", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)


def compare(activation: Any = "tanh", depth: int = 8, width: int = 64, networks: int = 100_000, seed: int = 0,
            C_b: Optional[float] = None, C_W: Optional[float] = None, X: Optional[Sequence] = None,
            method: str = "auto", progress: bool = True) -> Comparison:
    """Sample ``networks`` networks of the given MLP (at criticality unless C_b, C_W are given)
    and put their kernel and four-point statistics next to the theory."""
    if C_b is None or C_W is None:
        base = MLP.critical(activation, depth, width)
        C_b = float(base.C_b[0]) if C_b is None else C_b
        C_W = float(base.C_W[0]) if C_W is None else C_W
    mlp = MLP(activation, depth, width, C_b, C_W)
    x = default_inputs() if X is None else np.asarray(X, dtype=float)
    ens = sample(mlp, x, networks, seed, observables=("kernel", "four_point"), method=method, outputs=width,
                 progress=progress)
    return Comparison(mlp, x, ens, kernel(mlp, x))

