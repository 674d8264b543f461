"""Infinite-width kernel K^(l) and frozen NTK H^(l) of a deep MLP, layer by layer."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _validate
from ._core_loader import core
from .gaussian import warn_if_inaccurate
from .mlp import MLP

__all__ = ["kernel", "ntk", "kernel_and_ntk"]

#: Results larger than this many bytes are refused (select layers with ``layers=``).
MAX_RESULT_BYTES = 8 * 2**30


def kernel(mlp: MLP, X: Any, *, layers: Any = None, rtol: float = 1e-12) -> np.ndarray:
    """The infinite-width kernel K^(l)_{ab} of every layer (book §4.1-4.3; theory notes §2.1).

    ``K^(1) = C_b + C_W x_a.x_b / n0`` and ``K^(l+1) = C_b + C_W <sigma_a sigma_b>_{K^(l)}``.

    Parameters
    ----------
    mlp : MLP
    X : (N_D, n0) array_like
        One input per row.
    layers : int or sequence of int, optional
        Layers to return, 1..L (negative counts from the end: -1 is the output layer).
        Default: all layers.
    rtol : float, default 1e-12
        Accuracy of every Gaussian integral, relative to its natural scale.

    Returns
    -------
    (len(layers), N_D, N_D) ndarray
        ``K[i]`` is the kernel of layer ``layers[i]`` (of layer ``i + 1`` by default); every
        matrix is exactly symmetric and positive semi-definite to rounding.

    Raises
    ------
    OverflowError
        If the kernel leaves the double range (exponential growth far from criticality).

    Examples
    --------
    >>> import numpy as np, pdlt
    >>> mlp = pdlt.MLP("relu", depth=3, width=64, C_b=0.0, C_W=2.0)
    >>> K = pdlt.kernel(mlp, np.eye(2))
    >>> K.shape
    (3, 2, 2)
    >>> np.allclose(np.diagonal(K, axis1=1, axis2=2), 1.0)  # preserved at criticality
    True
    """
    return _run(mlp, X, layers, rtol, with_ntk=False)[0]


def ntk(mlp: MLP, X: Any, *, layers: Any = None, rtol: float = 1e-12) -> np.ndarray:
    """The frozen (infinite-width) NTK H^(l)_{ab} of every layer (book Ch. 8; theory notes ntk §2.1).

    ``H^(1) = lambda_b + lambda_W x_a.x_b / n0`` and
    ``H^(l+1) = lambda_b + lambda_W <sigma_a sigma_b> + C_W <sigma'_a sigma'_b> H^(l)_{ab}``,
    expectations at ``K^(l)``. Parameters and return shape as for :func:`kernel`.
    """
    return _run(mlp, X, layers, rtol, with_ntk=True)[1]


def kernel_and_ntk(mlp: MLP, X: Any, *, layers: Any = None, rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """``(kernel(mlp, X), ntk(mlp, X))`` computed in one pass over the layers."""
    K, H = _run(mlp, X, layers, rtol, with_ntk=True)
    assert H is not None
    return K, H


def _run(mlp: MLP, X: Any, layers: Any, rtol: float, with_ntk: bool) -> tuple[np.ndarray, Optional[np.ndarray]]:
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp must be a pdlt.MLP, got {type(mlp).__name__}")
    x = _validate.inputs(X)
    tol = _validate.rtol(rtol)
    wanted = _validate.layer_selection(layers, mlp.depth)
    keep = sorted(set(wanted))
    nbytes = len(keep) * x.shape[0] ** 2 * 8 * (2 if with_ntk else 1)
    if nbytes > MAX_RESULT_BYTES:
        raise ValueError(f"the result would need {nbytes / 2**30:.1f} GiB for {len(keep)} layers of "
                         f"{x.shape[0]} x {x.shape[0]} matrices; select fewer with layers=")
    K, H, error = core.infinite_width(mlp.activation._core, mlp.hyperparameters(), x, with_ntk, tol, keep)
    warn_if_inaccurate(error, tol, stacklevel=4)
    if wanted != keep:
        order = [keep.index(l) for l in wanted]
        K = K[order]
        H = H[order] if H is not None else None
    return K, H
