"""pdlt.sample: Monte Carlo ensembles of random finite-width MLPs at initialisation."""

from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np

from . import _validate
from ._core_loader import core
from ._progress import progress_callback
from .ensemble import Ensemble
from .mlp import MLP

__all__ = ["sample", "SamplingInterrupted", "OBSERVABLES", "MAX_OUTPUT_BYTES"]

OBSERVABLES = ("kernel", "four_point", "ntk", "outputs")
#: The raw outputs of an ensemble are refused beyond this many bytes.
MAX_OUTPUT_BYTES = 2 * 2**30
_MAX_INPUTS_FOR_TENSORS = 16


class SamplingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped :func:`pdlt.sample`; ``.ensemble`` holds the networks completed so far."""

    def __init__(self, ensemble: Ensemble) -> None:
        super().__init__(f"sampling interrupted after {ensemble.networks} networks; the partial ensemble is in "
                         ".ensemble")
        self.ensemble = ensemble


def sample(mlp: MLP, X: Any, networks: int, seed: int, observables: Iterable[str] = ("kernel", "four_point"),
           method: str = "auto", outputs: int = 2, start: int = 0, progress: bool = True) -> Ensemble:
    """Sample an ensemble of random finite-width networks and measure their statistics.

    Parameters
    ----------
    mlp : MLP
        The network; its hidden widths n_1..n_{L-1} and per-layer hyperparameters are used.
    X : (N_D, n0) array_like
        The inputs.
    networks : int >= 1
        How many networks: those with indices ``start .. start + networks - 1``.
    seed : int in [0, 2**64)
        Network k is drawn from Philox4x32-10 streams keyed by (seed, k, layer): it is the same
        network whatever the thread count, chunking or machine.
    observables : subset of {"kernel", "four_point", "ntk", "outputs"}
        "kernel": mean metric per layer; "four_point": the connected four-point function, the
        vertex estimate V and the same-neuron moment; "ntk": the empirical output NTK (by
        backpropagation, with the lambda_b, lambda_W / n_{l-1} conventions), its mean and the
        variance tensors A, B; "outputs": the raw z^(L) of every network. Kernel statistics are
        always kept (they cost nothing).
    method : {"auto", "weights", "marginal"}
        "weights" draws every weight and bias; "marginal" draws each layer's preactivations from
        their exact Gaussian law given the previous layer (O(n N_D^2) per layer instead of
        O(n^2 N_D)), which is exact for preactivation statistics but has no weights, hence no NTK.
        "auto": marginal unless "ntk" is requested.
    outputs : int >= 1
        The output width n_L (>= 2 for "four_point" and "ntk": the estimators use i != j).
    start : int >= 0
        Index of the first network (to split an ensemble across runs or MPI ranks and merge).
    progress : bool
        Show a progress bar (tqdm, when installed) on runs longer than a second.

    Returns
    -------
    Ensemble

    Raises
    ------
    SamplingInterrupted
        On Ctrl-C (a KeyboardInterrupt); its ``.ensemble`` holds the networks completed so far.

    Notes
    -----
    The per-network measurements are accumulated in network order into mergeable moments, so
    memory does not grow with ``networks`` and the results are bitwise identical for any number
    of threads (:func:`pdlt.set_num_threads`).

    Examples
    --------
    >>> import numpy as np, pdlt
    >>> mlp = pdlt.MLP("relu", depth=3, width=16, C_b=0.0, C_W=2.0)
    >>> ens = pdlt.sample(mlp, [[1.0, 1.0]], networks=2000, seed=1, progress=False)
    >>> ens.kernel.shape, ens.four_point_vertex.shape
    ((3, 1, 1), (3, 1, 1, 1, 1))
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp must be a pdlt.MLP, got {type(mlp).__name__}")
    x = _validate.inputs(X)
    n_networks = _validate.integer("networks", networks, minimum=1)
    seed = _validate.integer("seed", seed, minimum=0)
    start = _validate.integer("start", start, minimum=0)
    if seed >= 2**64 or start + n_networks > 2**64:
        raise ValueError("seed and the network indices start .. start + networks - 1 must be < 2**64")
    n_outputs = _validate.integer("outputs", outputs, minimum=1)
    wanted = _observables(observables)
    method = _method(method, wanted)
    widths = list(mlp.widths) + [n_outputs]
    n_inputs = x.shape[0]
    if {"four_point", "ntk"} & wanted:
        if n_inputs > _MAX_INPUTS_FOR_TENSORS:
            raise ValueError(f"four_point and ntk tensors are limited to N_D <= {_MAX_INPUTS_FOR_TENSORS} inputs, got {n_inputs}")
    if "four_point" in wanted and min(widths) < 2:
        raise ValueError(f"four_point needs every width >= 2 (its estimator uses pairs of neurons i != j); widths are {widths}")
    if "ntk" in wanted:
        if n_outputs < 2:
            raise ValueError("ntk needs outputs >= 2: A and B are estimated from pairs of outputs i != k")
        if not mlp.activation._core.has_derivative:
            raise ValueError(f"the NTK is not defined for activation {mlp.activation.name!r}: its derivative is a delta function")
    out = None
    if "outputs" in wanted:
        nbytes = n_networks * n_outputs * n_inputs * 8
        if nbytes > MAX_OUTPUT_BYTES:
            raise ValueError(f"raw outputs of {n_networks} networks would need {nbytes / 2**30:.1f} GiB "
                             f"(limit pdlt.sampling.MAX_OUTPUT_BYTES = {MAX_OUTPUT_BYTES / 2**30:.1f} GiB); sample in "
                             "pieces with start= and keep the outputs of each, or drop 'outputs'")
        out = np.empty((n_networks, n_outputs, n_inputs))

    config = _config(mlp, x, widths, seed, method, wanted)
    with progress_callback(n_networks, progress, unit="net") as callback:
        r = core.sample(mlp.activation._core, mlp.hyperparameters(), widths, x, "four_point" in wanted, "ntk" in wanted,
                        method == "weights", seed, start, n_networks, out, callback)
    done = int(r["completed"])
    ensemble = Ensemble(config, [(start, start + done)], list(r["layers"]), r["ntk"],
                        None if out is None else out[:done], mlp)
    if r["error"] is not None:
        if isinstance(r["error"], KeyboardInterrupt):
            raise SamplingInterrupted(ensemble) from r["error"]
        raise r["error"]
    return ensemble


def _observables(observables: Iterable[str]) -> set[str]:
    if isinstance(observables, str):
        observables = (observables,)
    try:
        wanted = set(observables)
    except TypeError:
        raise TypeError("observables must be a collection of names from " + ", ".join(OBSERVABLES)) from None
    unknown = wanted - set(OBSERVABLES)
    if unknown:
        raise ValueError(f"unknown observables {sorted(map(str, unknown))}; choose from {', '.join(OBSERVABLES)}")
    return wanted | {"kernel"}


def _method(method: str, wanted: set[str]) -> str:
    if method not in ("auto", "weights", "marginal"):
        raise ValueError(f"method must be 'auto', 'weights' or 'marginal', got {method!r}")
    if method == "auto":
        return "weights" if "ntk" in wanted else "marginal"
    if method == "marginal" and "ntk" in wanted:
        raise ValueError("the NTK needs method='weights' (the marginal sampler draws no weights)")
    return method


def _config(mlp: MLP, x: np.ndarray, widths: list[int], seed: int, method: str, wanted: set[str]) -> dict:
    act = mlp.activation
    return {
        "activation": {"name": act.name, "params": act.params, "custom": act.is_custom},
        "depth": mlp.depth,
        "widths": [int(x.shape[1])] + [int(w) for w in widths],
        "C_b": mlp.C_b.tolist(), "C_W": mlp.C_W.tolist(),
        "lambda_b": mlp.lambda_b.tolist(), "lambda_W": mlp.lambda_W.tolist(),
        "X": x.tolist(),
        "seed": int(seed),
        "method": method,
        "observables": sorted(wanted),
    }
