"""The network description shared by every theory and Monte Carlo function."""

from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from . import _validate
from .activation import Activation, as_activation

__all__ = ["MLP"]

PerLayer = Union[float, Sequence[float]]


class MLP:
    """An immutable, validated description of a deep multilayer perceptron (book §2.1).

    ``z^(1) = b^(1) + W^(1) x`` and ``z^(l+1) = b^(l+1) + W^(l+1) sigma(z^(l))``, with
    ``b^(l) ~ N(0, C_b^(l))`` and ``W^(l)_ij ~ N(0, C_W^(l) / n_{l-1})``; the learning-rate
    tensor scales bias gradients by ``lambda_b^(l)`` and weight gradients by
    ``lambda_W^(l) / n_{l-1}`` (book §7.1-8.0), which fixes the normalisation of the NTK.

    Parameters
    ----------
    activation : Activation or str
    depth : int
        Number of layers L >= 1 (the output is z^(L)).
    width : int or sequence of int
        Hidden width n (every hidden layer), or the L - 1 hidden widths n_1, ..., n_{L-1}.
        Infinite-width quantities do not depend on it; finite-width ones do.
    C_b, C_W : float or sequence of float
        Bias and rescaled weight variances, >= 0: a scalar or one value per layer (length L).
    lambda_b, lambda_W : float or sequence of float, default 1.0
        Learning-rate factors of biases and weights, >= 0, scalar or per layer.

    Examples
    --------
    >>> import pdlt
    >>> mlp = pdlt.MLP("relu", depth=3, width=64, C_b=0.0, C_W=2.0)
    >>> mlp.widths
    (64, 64)
    >>> crit = pdlt.MLP.critical("tanh", depth=10, width=128)
    >>> float(crit.C_W[0])
    1.0
    """

    __slots__ = ("activation", "depth", "widths", "C_b", "C_W", "lambda_b", "lambda_W")

    activation: Activation
    depth: int
    widths: tuple[int, ...]
    C_b: np.ndarray
    C_W: np.ndarray
    lambda_b: np.ndarray
    lambda_W: np.ndarray

    def __init__(self, activation: Any, depth: int, width: Union[int, Sequence[int]], C_b: PerLayer,
                 C_W: PerLayer, lambda_b: PerLayer = 1.0, lambda_W: PerLayer = 1.0) -> None:
        depth = _validate.integer("depth", depth, minimum=1)
        if np.ndim(width) == 0:
            widths = (_validate.integer("width", width, minimum=1),) * (depth - 1)
        else:
            seq = list(width)
            if len(seq) != depth - 1:
                raise ValueError(f"width must be an int or a sequence of the depth - 1 = {depth - 1} hidden widths, "
                                 f"got length {len(seq)}")
            widths = tuple(_validate.integer(f"width[{i}]", w, minimum=1) for i, w in enumerate(seq))
        values = {
            "activation": as_activation(activation),
            "depth": depth,
            "widths": widths,
            "C_b": _validate.per_layer("C_b", C_b, depth),
            "C_W": _validate.per_layer("C_W", C_W, depth),
            "lambda_b": _validate.per_layer("lambda_b", lambda_b, depth),
            "lambda_W": _validate.per_layer("lambda_W", lambda_W, depth),
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    @classmethod
    def critical(cls, activation: Any, depth: int, width: Union[int, Sequence[int]],
                 lambda_b: PerLayer = 1.0, lambda_W: PerLayer = 1.0) -> "MLP":
        """The MLP at the critical initialisation of its activation (see :func:`pdlt.critical_point`)."""
        from .criticality import critical_point

        cp = critical_point(activation)
        if not cp.exists:
            raise ValueError(f"activation {cp.activation!r} has no critical point: {cp.reason}")
        return cls(activation, depth, width, cp.C_b, cp.C_W, lambda_b, lambda_W)

    def hyperparameters(self) -> np.ndarray:
        """(L, 4) array of (C_b, C_W, lambda_b, lambda_W) per layer."""
        return np.ascontiguousarray(np.stack([self.C_b, self.C_W, self.lambda_b, self.lambda_W], axis=1))

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("MLP is immutable; build a new one")

    def __repr__(self) -> str:
        def show(a: np.ndarray) -> str:
            return f"{a[0]:g}" if np.all(a == a[0]) else "[" + ", ".join(f"{v:g}" for v in a) + "]"

        width = (str(self.widths[0]) if len(set(self.widths)) == 1 else str(list(self.widths))) if self.widths else "-"
        return (f"MLP({self.activation!r}, depth={self.depth}, width={width}, C_b={show(self.C_b)}, "
                f"C_W={show(self.C_W)}, lambda_b={show(self.lambda_b)}, lambda_W={show(self.lambda_W)})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MLP):
            return NotImplemented
        return (self.activation == other.activation and self.depth == other.depth and self.widths == other.widths
                and all(np.array_equal(getattr(self, k), getattr(other, k)) for k in ("C_b", "C_W", "lambda_b", "lambda_W")))

    __hash__ = None  # type: ignore[assignment]
