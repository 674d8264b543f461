"""Argument checking shared by the public API.

Every check raises a ``TypeError`` (wrong kind of object) or ``ValueError`` (right kind, value
out of range) whose message names the parameter and the allowed range.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any, Sequence

import numpy as np


def real(name: str, value: Any, *, minimum: float | None = None, maximum: float | None = None,
         strict: bool = False) -> float:
    """A finite real number in [minimum, maximum] (or (minimum, ...] if ``strict``)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    lo = "" if minimum is None else (f" > {minimum:g}" if strict else f" >= {minimum:g}")
    hi = "" if maximum is None else f" <= {maximum:g}"
    allowed = f"a finite real number{lo}{' and' if lo and hi else ''}{hi}"
    if not np.isfinite(x):
        raise ValueError(f"{name} must be {allowed}, got {x!r}")
    if minimum is not None and (x < minimum or (strict and x == minimum)):
        raise ValueError(f"{name} must be {allowed}, got {x!r}")
    if maximum is not None and x > maximum:
        raise ValueError(f"{name} must be {allowed}, got {x!r}")
    return x


def integer(name: str, value: Any, *, minimum: int = 1) -> int:
    """An integer >= minimum (booleans and floats are refused)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got bool")
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}") from None
    if n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {n}")
    return n


def per_layer(name: str, value: Any, depth: int, *, minimum: float = 0.0) -> np.ndarray:
    """A scalar or a length-``depth`` sequence of reals >= minimum, as a read-only (depth,) array."""
    if np.ndim(value) == 0:
        values = [real(name, value, minimum=minimum)] * depth
    else:
        seq = list(value)
        if len(seq) != depth:
            raise ValueError(f"{name} must be a scalar or a sequence of length depth = {depth}, got length {len(seq)}")
        values = [real(f"{name}[{i}]", v, minimum=minimum) for i, v in enumerate(seq)]
    out = np.array(values, dtype=float)
    out.flags.writeable = False
    return out


def rtol(value: Any) -> float:
    """Relative tolerance of the Gaussian integrals."""
    return real("rtol", value, minimum=1e-14, maximum=1e-3)


def inputs(X: Any, name: str = "X") -> np.ndarray:
    """Network inputs as a C-contiguous float64 array of shape (N_D, n0) with finite entries."""
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers of shape (N_D, n0)") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (N_D, n0) (one row per input), got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"{name} must have at least one input and one feature, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite; {name}{list(bad)} = {arr[bad]}")
    return np.ascontiguousarray(arr)


def kernel_matrix(K: Any, name: str = "K") -> np.ndarray:
    """A symmetric positive semi-definite matrix with finite entries (a Gaussian covariance)."""
    try:
        arr = np.asarray(K, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real symmetric matrix") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 1:
        raise ValueError(f"{name} must be a square matrix (N_D, N_D), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must have finite entries")
    scale = max(float(np.max(np.abs(arr))), 1e-300)
    if np.max(np.abs(arr - arr.T)) > 1e-12 * scale:
        raise ValueError(f"{name} must be symmetric")
    arr = 0.5 * (arr + arr.T)
    lowest = float(np.linalg.eigvalsh(arr)[0])
    if lowest < -1e-10 * scale:
        raise ValueError(f"{name} must be positive semi-definite (a covariance); its smallest eigenvalue is {lowest:.3g}")
    return np.ascontiguousarray(arr)


def variance(name: str, value: Any) -> float:
    """A single-input kernel value K >= 0."""
    return real(name, value, minimum=0.0)


def layer_selection(layers: Any, depth: int) -> list[int]:
    """Layer indices 1..depth (negative values count from the end, -1 = depth)."""
    if layers is None:
        return list(range(1, depth + 1))
    seq: Sequence[Any] = [layers] if np.ndim(layers) == 0 else list(layers)
    if not seq:
        raise ValueError("layers must select at least one layer")
    out = []
    for v in seq:
        l = integer("layers", v, minimum=-depth)
        if l < 0:
            l += depth + 1
        if not 1 <= l <= depth:
            raise ValueError(f"layers must be in 1..{depth} (or -{depth}..-1), got {v}")
        out.append(l)
    return out


def function(name: str, f: Any) -> Any:
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {type(f).__name__}")
    return f
