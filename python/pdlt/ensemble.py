"""Ensemble: the accumulated statistics of a Monte Carlo run, and the estimators built on them."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any, Callable, Optional

import numpy as np

from ._core_loader import core
from .activation import Activation
from .mlp import MLP

__all__ = ["Ensemble", "load_ensemble"]

_FORMAT = "pdlt-ensemble-1"


def _estimate(compute: Callable[[Any, str], np.ndarray], doc: str) -> tuple[property, property]:
    """The read-only properties ``(estimate, estimate_stderr)`` from ``compute(self, part)``,
    ``part`` being "value" or "error"."""
    return (property(lambda self: compute(self, "value"), doc=f"{doc} (estimate)."),
            property(lambda self: compute(self, "error"), doc=f"{doc} (standard error)."))


class Ensemble:
    """Statistics of random networks ``networks`` in ``ranges`` (see :func:`pdlt.sample`).

    The ensemble holds mergeable moments of per-network measurements, never the networks, so
    its size does not depend on their number (except for the raw ``outputs``). Every estimate
    comes with its standard error (``*_stderr``); layer-resolved arrays have the layer index
    first, l = 1..L at index l-1.

    Estimates
    ---------
    kernel, kernel_stderr : (L, N_D, N_D)
        Mean of the per-network metric ``G^(l)_ab = (1/n_l) sum_i z_{i;a} z_{i;b}``, an unbiased
        estimate of ``E[z_{i;a} z_{i;b}] = K + K^{1}/n_{l-1} + O(1/n^2)``.
    four_point, four_point_stderr : (L, N_D, N_D, N_D, N_D)
        The connected cross-neuron four-point function
        ``E[z_{i;a} z_{i;b} z_{j;c} z_{j;d}] - E[z_{i;a} z_{i;b}] E[z_{j;c} z_{j;d}]`` (i != j),
        estimated without bias; for an MLP it equals ``Cov(Ghat_ab, Ghat_cd)``, i.e.
        ``V^(l)_(ab)(cd) / n_{l-1} + O(1/n^2)`` (initialization notes §4.1).
    four_point_vertex, four_point_vertex_stderr : (L, N_D, N_D, N_D, N_D)
        ``n_{l-1} * four_point``, which tends to the book's four-point vertex V^(l).
    moment4, moment4_stderr : (L, N_D, N_D, N_D, N_D)
        The same-neuron moment ``E[z_{i;a} z_{i;b} z_{i;c} z_{i;d}]``.
    ntk_mean, ntk_mean_stderr : (N_D, N_D)
        Mean over networks and diagonal outputs of the empirical output NTK ``Hhat_{ii;ab}``.
    ntk_A, ntk_B, ntk_D, ntk_F (and ``_stderr``) : (N_D, N_D, N_D, N_D)
        NTK fluctuation tensors at the output layer (ntk notes §3.1, §7.3), with n = n_{L-1}, i != k:
        ``A[a1,a2,a3,a4] = n (E[Hhat_{ii;a1a2} Hhat_{kk;a3a4}] - E[Hhat_{ii;a1a2}] E[Hhat_{kk;a3a4}])``,
        ``B[a1,a3,a2,a4] = n E[Hhat_{ik;a1a2} Hhat_{ik;a3a4}]``,
        ``D[a1,a2,a3,a4] = n (E[Hhat_{ii;a1a2} z_{k;a3} z_{k;a4}] - E[Hhat_{ii;a1a2}] E[z_{k;a3} z_{k;a4}])``,
        ``F[a1,a3,a2,a4] = n E[Hhat_{ik;a1a2} z_{i;a3} z_{k;a4}]``; all estimated without bias, with
        delta-method standard errors.
    outputs : (networks, n_L, N_D)
        The raw outputs z^(L) of every network, when requested.
    """

    def __init__(self, config: dict, ranges: list[tuple[int, int]], layers: list[tuple], ntk: Optional[tuple],
                 outputs: Optional[np.ndarray], mlp: Optional[MLP] = None) -> None:
        self._config = config
        self._ranges = sorted((int(a), int(b)) for a, b in ranges)
        self._layers = layers
        self._ntk = ntk
        self._outputs = outputs
        self._mlp = mlp

    # --- configuration ---------------------------------------------------------------------
    @property
    def networks(self) -> int:
        """The number of networks in the ensemble."""
        return sum(b - a for a, b in self._ranges)

    @property
    def ranges(self) -> list[tuple[int, int]]:
        """The network index ranges [start, stop) the ensemble holds."""
        return list(self._ranges)

    @property
    def config(self) -> dict:
        """The configuration (everything but the network indices), as stored by :meth:`save`."""
        return json.loads(json.dumps(self._config))

    @property
    def mlp(self) -> MLP:
        if self._mlp is None:
            raise ValueError("this ensemble was loaded without its custom activation; pass activation= to load_ensemble")
        return self._mlp

    @property
    def X(self) -> np.ndarray:
        return np.array(self._config["X"], dtype=float)

    @property
    def seed(self) -> int:
        return int(self._config["seed"])

    @property
    def method(self) -> str:
        return str(self._config["method"])

    @property
    def observables(self) -> tuple[str, ...]:
        return tuple(self._config["observables"])

    @property
    def widths(self) -> tuple[int, ...]:
        """n_0, n_1, ..., n_L (inputs, hidden layers, outputs)."""
        return tuple(self._config["widths"])

    def __repr__(self) -> str:
        c = self._config
        return (f"Ensemble({c['activation']['name']}, depth={c['depth']}, widths={c['widths'][1:-1]}, "
                f"outputs={c['widths'][-1]}, N_D={len(c['X'])}, networks={self.networks}, method={c['method']!r}, "
                f"observables={tuple(c['observables'])})")

    # --- estimates ---------------------------------------------------------------------------
    @cached_property
    def _layer_estimates(self) -> list[dict]:
        return [core.layer_estimates(self._n_inputs, self._four_point, state) for state in self._layers]

    @cached_property
    def _ntk_estimates(self) -> dict:
        if self._ntk is None:
            raise ValueError("this ensemble has no NTK statistics: sample with observables including 'ntk'")
        return core.ntk_estimates(self._n_inputs, self._ntk)

    @property
    def _n_inputs(self) -> int:
        return len(self._config["X"])

    @property
    def _four_point(self) -> bool:
        return "four_point" in self._config["observables"]

    def _require_four_point(self) -> None:
        if not self._four_point:
            raise ValueError("this ensemble has no four-point statistics: sample with observables including 'four_point'")

    def _stack_pairs(self, key: str, part: str) -> np.ndarray:
        return np.stack([_expand_pairs(e[key][part], self._n_inputs) for e in self._layer_estimates])

    def _stack_quads(self, key: str, part: str, scale: Optional[np.ndarray] = None) -> np.ndarray:
        self._require_four_point()
        out = np.stack([_expand_pair_pairs(e[key][part], self._n_inputs) for e in self._layer_estimates])
        return out if scale is None else out * scale[:, None, None, None, None]

    @property
    def _fan_in(self) -> np.ndarray:
        """n_{l-1} for l = 1..L."""
        return np.array(self._config["widths"][:-1], dtype=float)

    def _ntk_mean(self, part: str) -> np.ndarray:
        return _expand_pairs(self._ntk_estimates["mean"][part], self._n_inputs)

    def _ntk_A(self, part: str) -> np.ndarray:
        return self._fan_in[-1] * _expand_pair_pairs(self._ntk_estimates["A"][part], self._n_inputs)

    def _ntk_B(self, part: str) -> np.ndarray:
        n = self._n_inputs
        sb = self._ntk_estimates["B"][part].reshape(n, n, n, n)  # [a1, a2, a3, a4] of Hhat_{ik;a1a2} Hhat_{ik;a3a4}
        return self._fan_in[-1] * sb.transpose(0, 2, 1, 3)  # B[a1, a3, a2, a4]

    def _ntk_D(self, part: str) -> np.ndarray:
        n = self._n_inputs
        pair_of, _ = _index_maps(n)
        P = pair_of.max() + 1
        sd = self._ntk_estimates["D"][part].reshape(P, P)  # [NTK pair, output pair]
        return self._fan_in[-1] * sd[pair_of[:, :, None, None], pair_of[None, None, :, :]]

    def _ntk_F(self, part: str) -> np.ndarray:
        n = self._n_inputs
        sf = self._ntk_estimates["F"][part].reshape(n, n, n, n)  # [a1, a2, a3, a4] of Hhat_{ik;a1a2} z_{i;a3} z_{k;a4}
        return self._fan_in[-1] * sf.transpose(0, 2, 1, 3)  # F[a1, a3, a2, a4]

    # Each estimate and its standard error (see the class docstring for their definitions).
    kernel, kernel_stderr = _estimate(lambda self, part: self._stack_pairs("kernel", part),
                                      "(L, N_D, N_D) mean metric G^(l)_ab")
    four_point, four_point_stderr = _estimate(lambda self, part: self._stack_quads("four_point", part),
                                              "(L, N_D, N_D, N_D, N_D) connected cross-neuron four-point function")
    four_point_vertex, four_point_vertex_stderr = _estimate(
        lambda self, part: self._stack_quads("four_point", part, self._fan_in),
        "(L, N_D, N_D, N_D, N_D) n_{l-1} x the four-point function (-> V^(l))")
    moment4, moment4_stderr = _estimate(lambda self, part: self._stack_quads("moment4", part),
                                        "(L, N_D, N_D, N_D, N_D) same-neuron moment E[z_a z_b z_c z_d]")
    ntk_mean, ntk_mean_stderr = _estimate(_ntk_mean, "(N_D, N_D) mean output NTK E[Hhat_{ii;ab}]")
    ntk_A, ntk_A_stderr = _estimate(_ntk_A, "(N_D,)*4 NTK variance tensor A (diagonal outputs)")
    ntk_B, ntk_B_stderr = _estimate(_ntk_B, "(N_D,)*4 NTK variance tensor B (off-diagonal outputs)")
    ntk_D, ntk_D_stderr = _estimate(_ntk_D, "(N_D,)*4 NTK-preactivation cross-correlation D")
    ntk_F, ntk_F_stderr = _estimate(_ntk_F, "(N_D,)*4 NTK-preactivation cross-correlation F")

    @property
    def outputs(self) -> np.ndarray:
        if self._outputs is None:
            raise ValueError("this ensemble kept no raw outputs: sample with observables including 'outputs'")
        return self._outputs

    # --- combination and storage ---------------------------------------------------------------
    def merge(self, other: "Ensemble") -> "Ensemble":
        """The ensemble of both: exactly the statistics of one run over the union of networks
        (Chan's combination of moments, equal to a single run up to rounding).

        Both must have the same configuration (network, inputs, seed, method, observables) and
        disjoint network index ranges.
        """
        if not isinstance(other, Ensemble):
            raise TypeError(f"can only merge with an Ensemble, got {type(other).__name__}")
        if other._config != self._config:
            raise ValueError("cannot merge ensembles of different configurations (network, inputs, seed, method or "
                             "observables differ)")
        for a, b in self._ranges:
            for c, d in other._ranges:
                if a < d and c < b:
                    raise ValueError(f"cannot merge overlapping network ranges [{a}, {b}) and [{c}, {d})")
        n, four = self._n_inputs, self._four_point
        layers = [core.merge_moments("layer", n, four, x, y) for x, y in zip(self._layers, other._layers)]
        ntk = core.merge_moments("ntk", n, False, self._ntk, other._ntk) if self._ntk is not None else None
        outputs = None
        if self._outputs is not None:
            pieces = sorted([(self._ranges[0][0], self._outputs), (other._ranges[0][0], other._outputs)], key=lambda t: t[0])
            outputs = np.concatenate([p for _, p in pieces])
        return Ensemble(self._config, self._ranges + other._ranges, layers, ntk, outputs, self._mlp)

    def save(self, path: Any) -> None:
        """Write the ensemble (configuration and moments) to a NumPy ``.npz`` file."""
        arrays: dict[str, np.ndarray] = {
            "format": np.array(_FORMAT),
            "config": np.array(json.dumps(self._config)),
            "ranges": np.array(self._ranges, dtype=np.int64).reshape(-1, 2),
        }
        for l, (count, mean, com) in enumerate(self._layers):
            arrays[f"layer{l}_count"] = np.array(count)
            arrays[f"layer{l}_mean"] = mean
            arrays[f"layer{l}_comoment"] = com
        if self._ntk is not None:
            arrays["ntk_count"], arrays["ntk_mean"], arrays["ntk_comoment"] = (np.array(self._ntk[0]), *self._ntk[1:])
        if self._outputs is not None:
            arrays["outputs"] = self._outputs
        np.savez(path, **arrays)


def load_ensemble(path: Any, activation: Optional[Activation] = None) -> Ensemble:
    """Read an ensemble written by :meth:`Ensemble.save`.

    ``activation`` must be given (the same :class:`Activation`) when the ensemble was sampled
    with a custom activation, whose function cannot be stored.
    """
    with np.load(path, allow_pickle=False) as f:
        if "format" not in f or str(f["format"]) != _FORMAT:
            raise ValueError(f"{path} is not a pdlt ensemble file ({_FORMAT})")
        config = json.loads(str(f["config"]))
        layers = [(float(f[f"layer{l}_count"]), f[f"layer{l}_mean"].copy(), f[f"layer{l}_comoment"].copy())
                  for l in range(config["depth"])]
        ntk = (float(f["ntk_count"]), f["ntk_mean"].copy(), f["ntk_comoment"].copy()) if "ntk_count" in f else None
        outputs = f["outputs"].copy() if "outputs" in f else None
        ranges = [tuple(r) for r in f["ranges"].tolist()]
    spec = config["activation"]
    if spec["custom"]:
        if activation is None:
            act = None
        elif not isinstance(activation, Activation) or activation.name != spec["name"]:
            raise ValueError(f"activation must be the custom Activation named {spec['name']!r} the ensemble was sampled with")
        else:
            act = activation
    else:
        act = Activation(spec["name"], **spec["params"])
    mlp = None
    if act is not None:
        mlp = MLP(act, config["depth"], config["widths"][1:-1] or 1, config["C_b"], config["C_W"],
                  config["lambda_b"], config["lambda_W"])
    return Ensemble(config, ranges, layers, ntk, outputs, mlp)


def _index_maps(n: int) -> tuple[np.ndarray, np.ndarray]:
    pairs, pair_pairs = core.input_index(n)
    pair_of = np.empty((n, n), dtype=np.intp)
    for p, (a, b) in enumerate(pairs):
        pair_of[a, b] = pair_of[b, a] = p
    P = len(pairs)
    q_of = np.empty((P, P), dtype=np.intp)
    for q, (p1, p2) in enumerate(pair_pairs):
        q_of[p1, p2] = q_of[p2, p1] = q
    return pair_of, q_of


def _expand_pairs(values: np.ndarray, n: int) -> np.ndarray:
    pair_of, _ = _index_maps(n)
    return np.asarray(values)[pair_of]


def _expand_pair_pairs(values: np.ndarray, n: int) -> np.ndarray:
    pair_of, q_of = _index_maps(n)
    return np.asarray(values)[q_of[pair_of[:, :, None, None], pair_of[None, None, :, :]]]
