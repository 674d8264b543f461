"""The 1/n theory at initialisation: four-point vertex V, NLO kernel K^{1}, NLO NTK H^{1}, and the
NTK fluctuations A, B, D, F (book Ch. 4, 8; theory notes: initialization §4, ntk §3-4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from . import _validate
from ._core_loader import core
from ._progress import progress_callback
from .gaussian import warn_if_inaccurate
from .mlp import MLP

__all__ = ["FiniteWidth", "NtkFluctuations", "finite_width", "four_point_vertex", "kernel_nlo", "two_point", "ntk_nlo",
           "ntk_fluctuations"]

_MAX_INPUTS = 16


@dataclass(frozen=True)
class NtkFluctuations:
    """The O(1/n) NTK tensors of every layer, each (L, N_D, N_D, N_D, N_D), in the index order of
    the ntk notes §3.1 (``n = n_{l-1}``, ``i != k`` neurons, ``dH = Hhat - E[Hhat]``):

    * ``A[a1,a2,a3,a4]``: ``n E[dH_{ii;a1a2} dH_{kk;a3a4}]``,
    * ``B[a1,a3,a2,a4]``: ``n E[dH_{ik;a1a2} dH_{ik;a3a4}]``,
    * ``D[a1,a2,a3,a4]``: ``n E[dH_{ii;a1a2} z_{k;a3} z_{k;a4}]``,
    * ``F[a1,a3,a2,a4]``: ``n E[dH_{ik;a1a2} z_{i;a3} z_{k;a4}]``.
    """

    A: np.ndarray
    B: np.ndarray
    D: np.ndarray
    F: np.ndarray


@dataclass(frozen=True)
class FiniteWidth:
    """Infinite-width quantities and their 1/n corrections for every layer l = 1..L (or the
    selected ``layers``): see :func:`finite_width`."""

    layers: tuple[int, ...]
    fan_in: np.ndarray  # n_{l-1} of each layer
    K: np.ndarray
    K1: np.ndarray
    V: np.ndarray
    H: Optional[np.ndarray] = None
    H1: Optional[np.ndarray] = None
    fluctuations: Optional[NtkFluctuations] = None

    @property
    def two_point(self) -> np.ndarray:
        """``E[z_a z_b] = K + K^{1}/n_{l-1} + O(1/n^2)``."""
        return self.K + self.K1 / self.fan_in[:, None, None]

    @property
    def ntk_mean(self) -> np.ndarray:
        """``E[Hhat_{ii;ab}] = H + H^{1}/n_{l-1} + O(1/n^2)``."""
        if self.H is None or self.H1 is None:
            raise ValueError("computed without the NTK: call finite_width(..., ntk=True)")
        return self.H + self.H1 / self.fan_in[:, None, None]


def finite_width(mlp: MLP, X: Any, *, ntk: bool = True, layers: Any = None, rtol: float = 1e-10,
                 progress: bool = True) -> FiniteWidth:
    """All the 1/n tensors of a deep MLP in one pass over the layers.

    Parameters
    ----------
    mlp : MLP
        Per-layer hyperparameters and the hidden widths (which enter through the ratios
        r_l = n_l / n_{l-1}; every O(1/n) tensor of layer l is defined with the prefactor 1/n_{l-1}).
    X : (N_D, n0) array_like
        The inputs (N_D <= 16).
    ntk : bool, default True
        Also compute H, H^{1}, A, B, D, F.
    layers : int or sequence of int, optional
        The layers to return (default all; negative counts from the end).
    rtol : float, default 1e-10
        Accuracy of the Gaussian integrals (two-input ones are certified; the three- and
        four-input products of the source terms use rules sized from the activation's
        analyticity, checked in the tests against independent quadrature).
    progress : bool, default True
        Show a progress bar over the layers (tqdm, when installed) on runs longer than a second.
        Ctrl-C stops the computation (KeyboardInterrupt).

    Returns
    -------
    FiniteWidth
        ``K``, ``K1``, ``H``, ``H1``: (len(layers), N_D, N_D); ``V`` and ``fluctuations.A/B/D/F``:
        (len(layers), N_D, N_D, N_D, N_D), with ``V[l][a,b,c,d] = V_(ab)(cd)``.

    Notes
    -----
    The recursions are those of the theory notes (initialization §4.2-4.4, ntk §3.3, §4): e.g.
    ``V' = C_W^2 [<s s s s> - <s s><s s>] + r T T V`` with the kernel-map Jacobian T, and
    ``K1' = r [T K1 + (C_W/8) sum V <d^4 (s s)>]``. Derivative expectations are evaluated in the
    Gaussian-integration-by-parts sense, exact for kinked activations.

    Examples
    --------
    >>> import pdlt
    >>> fw = pdlt.finite_width(pdlt.MLP("tanh", 3, 64, 0.0, 1.0), [[1.0]], ntk=False)
    >>> round(float(fw.V[1, 0, 0, 0, 0]), 10), round(float(fw.K1[2, 0, 0]), 10)
    (0.0975237381, -0.0309325199)
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp must be a pdlt.MLP, got {type(mlp).__name__}")
    x = _validate.inputs(X)
    if x.shape[0] > _MAX_INPUTS:
        raise ValueError(f"the finite-width tensors are limited to N_D <= {_MAX_INPUTS} inputs, got {x.shape[0]}")
    tol = _validate.rtol(rtol)
    wanted = _validate.layer_selection(layers, mlp.depth)
    keep = sorted(set(wanted))
    fan_in = [x.shape[1]] + list(mlp.widths)  # n_0 .. n_{L-1}
    with progress_callback(mlp.depth, progress, unit="layer") as callback:
        r = core.finite_width(mlp.activation._core, mlp.hyperparameters(), fan_in, x, bool(ntk), tol, keep, callback)
    warn_if_inaccurate(r["error"], tol, stacklevel=3)
    order = [keep.index(l) for l in wanted]
    pick = lambda name: r[name][order] if name in r else None
    fluct = NtkFluctuations(pick("A"), pick("B"), pick("D"), pick("F")) if ntk else None
    return FiniteWidth(tuple(wanted), np.array([fan_in[l - 1] for l in wanted], dtype=float), pick("K"), pick("K1"),
                       pick("V"), pick("H"), pick("H1"), fluct)


def four_point_vertex(mlp: MLP, X: Any, *, layers: Any = None, rtol: float = 1e-10) -> np.ndarray:
    """The four-point vertex ``V^(l)_(a1a2)(a3a4)``, (L, N_D, N_D, N_D, N_D) (book §4.3; theory
    notes §4.2): ``Cov(Ghat_ab, Ghat_cd) = V_(ab)(cd) / n_{l-1} + O(1/n^2)``, with the width
    ratios of unequal widths. See :func:`finite_width`."""
    return finite_width(mlp, X, ntk=False, layers=layers, rtol=rtol).V


def kernel_nlo(mlp: MLP, X: Any, *, layers: Any = None, rtol: float = 1e-10) -> np.ndarray:
    """The NLO kernel ``K^{1(l)}``, (L, N_D, N_D): ``E[z z] = K + K^{1}/n_{l-1} + O(1/n^2)``
    (book §4.5; theory notes §4.4)."""
    return finite_width(mlp, X, ntk=False, layers=layers, rtol=rtol).K1


def two_point(mlp: MLP, X: Any, *, layers: Any = None, rtol: float = 1e-10) -> np.ndarray:
    """The two-point function to first order in 1/n, ``K + K^{1}/n_{l-1}``, (L, N_D, N_D)."""
    return finite_width(mlp, X, ntk=False, layers=layers, rtol=rtol).two_point


def ntk_nlo(mlp: MLP, X: Any, *, layers: Any = None, rtol: float = 1e-10) -> np.ndarray:
    """The NLO NTK ``H^{1(l)}``, (L, N_D, N_D): ``E[Hhat_ii] = H + H^{1}/n_{l-1} + O(1/n^2)``
    (ntk notes §4)."""
    fw = finite_width(mlp, X, ntk=True, layers=layers, rtol=rtol)
    assert fw.H1 is not None
    return fw.H1


def ntk_fluctuations(mlp: MLP, X: Any, *, layers: Any = None, rtol: float = 1e-10) -> NtkFluctuations:
    """The NTK variance (A, B) and NTK-preactivation cross-correlation (D, F) tensors of every
    layer (book Ch. 8; ntk notes §3): see :class:`NtkFluctuations` for the index conventions."""
    fw = finite_width(mlp, X, ntk=True, layers=layers, rtol=rtol)
    assert fw.fluctuations is not None
    return fw.fluctuations
