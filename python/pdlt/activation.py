"""Activation functions: the built-ins (closed-form C++) and custom NumPy callables."""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from . import _validate
from ._core_loader import core

__all__ = ["Activation", "activations", "as_activation"]

ArrayFunction = Callable[[np.ndarray], Any]


class Activation:
    """A pointwise activation function sigma(z), with sigma' and sigma''.

    Parameters
    ----------
    name : str
        One of :func:`pdlt.activations` (``"tanh"``, ``"relu"``, ``"gelu"``, ...).
    **params : float
        Parameters of the built-in: ``leaky_relu(slope=0.01)`` (the negative-side slope a),
        ``elu(alpha=1.0)``, ``swish(beta=1.0)`` (z * sigmoid(beta z)).

    Examples
    --------
    >>> import pdlt
    >>> pdlt.Activation("leaky_relu", slope=0.1)
    Activation('leaky_relu', slope=0.1)
    >>> float(pdlt.Activation("tanh")(0.5))  # doctest: +ELLIPSIS
    0.46211715726...

    Notes
    -----
    Every theory function accepts an :class:`Activation` or its name. ``step`` has a delta
    function for a derivative: it can be used for kernels, not for the NTK or criticality.
    """

    __slots__ = ("_core", "_params", "_custom")

    def __init__(self, name: str, **params: float) -> None:
        if not isinstance(name, str):
            raise TypeError(f"activation name must be a str, got {type(name).__name__}")
        for key, value in params.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise TypeError(f"activation parameter {key} must be a real number, got {type(value).__name__}")
        self._core = core.make_activation(name, {k: float(v) for k, v in params.items()})
        self._params = {k: float(v) for k, v in params.items()}
        self._custom = False

    @classmethod
    def from_function(cls, f: ArrayFunction, df: ArrayFunction | None = None, *,
                      d2f: ArrayFunction | None = None, name: str | None = None,
                      smooth: bool = True) -> "Activation":
        """A custom activation from NumPy-vectorised callables.

        Parameters
        ----------
        f : callable
            ``f(z)`` returns sigma at every entry of the float64 array ``z`` (same shape).
        df, d2f : callable, optional
            sigma' and sigma''. When omitted they are computed numerically with a five-point
            central difference of step ``h = 1e-3 * max(|z|, 1e-5)`` (accurate to about 1e-11
            relative for smooth functions; the step shrinks with |z| so that the stencil never
            crosses a kink at z = 0).
        name : str, optional
            A label for messages and reprs (default: ``f.__name__``).
        smooth : bool, default True
            Whether sigma is analytic on the real line. Smooth activations use the fast Hermite
            (Mehler) expansion when it converges, and fall back to split polar quadrature
            automatically when it does not; ``smooth=False`` goes to the polar rule directly,
            which is spectrally accurate for a kink at z = 0 only.

        The theory engine evaluates the callables in one vectorised call per layer (per
        quadrature level), always from the calling thread.
        """
        _validate.function("f", f)
        if df is not None:
            _validate.function("df", df)
        if d2f is not None:
            _validate.function("d2f", d2f)
        label = name if name is not None else getattr(f, "__name__", "custom")
        if not isinstance(label, str):
            raise TypeError(f"name must be a str, got {type(label).__name__}")
        derivatives = (f, df if df is not None else _numerical_derivative(f),
                       d2f if d2f is not None else _numerical_derivative(df if df is not None else _numerical_derivative(f)))

        def evaluate(z: np.ndarray, want_s: bool, want_ds: bool, want_d2s: bool):
            return tuple(_checked_call(label, g, z) if want else None
                         for g, want in zip(derivatives, (want_s, want_ds, want_d2s)))

        self = cls.__new__(cls)
        self._core = core.custom_activation(evaluate, label, bool(smooth))
        self._params = {}
        self._custom = True
        return self

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def params(self) -> dict[str, float]:
        """The parameters passed at construction (defaults not included)."""
        return dict(self._params)

    @property
    def is_custom(self) -> bool:
        return self._custom

    def __call__(self, z: Any) -> np.ndarray:
        """sigma(z) for an array-like z."""
        return self.derivative(z, 0)

    def derivative(self, z: Any, order: int = 1) -> np.ndarray:
        """The ``order``-th derivative of sigma (0, 1 or 2) at z."""
        order = _validate.integer("order", order, minimum=0)
        if order > 2:
            raise ValueError(f"order must be 0, 1 or 2, got {order}")
        arr = np.asarray(z, dtype=float)
        out = self._core.evaluate(arr.reshape(-1), order)
        return out.reshape(arr.shape)

    def __repr__(self) -> str:
        if self._custom:
            return f"Activation.from_function(name={self.name!r})"
        args = "".join(f", {k}={v!r}" for k, v in sorted(self._params.items()))
        return f"Activation({self.name!r}{args})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Activation):
            return NotImplemented
        if self._custom or other._custom:
            return self._core is other._core
        return (self.name, self._params) == (other.name, other._params)

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self._params.items())))) if not self._custom else id(self._core)


def activations() -> list[str]:
    """Names of the built-in activations."""
    return [name for name, _, _ in core.builtin_activations()]


def as_activation(activation: Any) -> Activation:
    """An :class:`Activation` from an Activation or a built-in name."""
    if isinstance(activation, Activation):
        return activation
    if isinstance(activation, str):
        return Activation(activation)
    raise TypeError(f"activation must be a pdlt.Activation or a built-in name (str), got {type(activation).__name__}")


def _numerical_derivative(g: ArrayFunction) -> ArrayFunction:
    """Five-point central difference g'(z), step proportional to |z| (see from_function)."""

    def dg(z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        h = 1e-3 * np.maximum(np.abs(z), 1e-5)
        gp1, gm1 = np.asarray(g(z + h), float), np.asarray(g(z - h), float)
        gp2, gm2 = np.asarray(g(z + 2 * h), float), np.asarray(g(z - 2 * h), float)
        return (8.0 * (gp1 - gm1) - (gp2 - gm2)) / (12.0 * h)

    return dg


def _checked_call(label: str, g: ArrayFunction, z: np.ndarray) -> np.ndarray:
    out = np.asarray(g(z), dtype=float)
    if out.shape != z.shape:
        try:
            out = np.broadcast_to(out, z.shape)
        except ValueError:
            raise ValueError(f"custom activation {label!r} returned shape {out.shape} for input shape {z.shape}") from None
    if not np.all(np.isfinite(out)):
        bad = int(np.argmax(~np.isfinite(out).reshape(-1)))
        raise ValueError(f"custom activation {label!r} returned {float(out.flat[bad])} at z = {float(z.flat[bad])}")
    return np.ascontiguousarray(out, dtype=float)
