"""Extrapolation of finite-width Monte Carlo estimates to infinite width."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validate

__all__ = ["WidthFit", "fit_in_width"]


@dataclass(frozen=True)
class WidthFit:
    """``X(n) = limit + slope/n (+ curvature/n^2)`` fitted entrywise by weighted least squares.

    ``limit``, ``slope`` (and ``curvature``) have the shape of one estimate; ``limit_stderr`` is
    the standard error of the limit; ``chi2``/``dof`` per entry measure the fit quality.
    """

    limit: np.ndarray
    limit_stderr: np.ndarray
    slope: np.ndarray
    curvature: np.ndarray
    chi2: np.ndarray
    dof: int


def fit_in_width(widths: Any, values: Any, stderr: Any, *, order: int = 1) -> WidthFit:
    """Fit estimates measured at several widths to a polynomial in 1/n and return its limit.

    Parameters
    ----------
    widths : (W,) array_like of int
        The widths n (the width feeding the measured layer, n_{l-1}).
    values, stderr : (W, ...) array_like
        The estimates at each width and their standard errors (independent ensembles).
    order : 1 or 2
        Degree in 1/n: 1 for ``limit + slope/n`` (the O(1/n^2) remainder must be below the noise),
        2 when l/n is not small (theory notes §4.1: large V/K^2, as for relu at depth).

    Examples
    --------
    >>> import pdlt
    >>> fit = pdlt.fit_in_width([16, 32, 64], [10 + 25 / 16, 10 + 25 / 32, 10 + 25 / 64], [0.1, 0.1, 0.1])
    >>> round(float(fit.limit), 10), round(float(fit.slope), 10)
    (10.0, 25.0)
    """
    n = np.asarray(widths, dtype=float)
    y = np.asarray(values, dtype=float)
    se = np.asarray(stderr, dtype=float)
    order = _validate.integer("order", order, minimum=1)
    if order > 2:
        raise ValueError(f"order must be 1 or 2, got {order}")
    if n.ndim != 1 or len(n) < order + 1:
        raise ValueError(f"widths must be a 1-d sequence of at least {order + 1} widths")
    if np.any(n <= 0) or not np.all(np.isfinite(n)):
        raise ValueError("widths must be positive")
    if y.shape[0] != len(n) or se.shape != y.shape:
        raise ValueError("values and stderr must have shape (len(widths), ...) each")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(se)) and np.all(se > 0)):
        raise ValueError("values must be finite and stderr finite and > 0")
    design = np.stack([(1.0 / n) ** k for k in range(order + 1)], axis=1)  # (W, order+1)
    flat_y = y.reshape(len(n), -1)
    flat_w = 1.0 / se.reshape(len(n), -1) ** 2
    coef = np.empty((order + 1, flat_y.shape[1]))
    cov00 = np.empty(flat_y.shape[1])
    chi2 = np.empty(flat_y.shape[1])
    for j in range(flat_y.shape[1]):
        A = design * np.sqrt(flat_w[:, j])[:, None]
        b = flat_y[:, j] * np.sqrt(flat_w[:, j])
        sol, *_ = np.linalg.lstsq(A, b, rcond=None)
        coef[:, j] = sol
        cov00[j] = np.linalg.inv(A.T @ A)[0, 0]
        chi2[j] = float(np.sum((A @ sol - b) ** 2))
    shape = y.shape[1:]
    zero = np.zeros(shape)
    return WidthFit(coef[0].reshape(shape), np.sqrt(cov00).reshape(shape), coef[1].reshape(shape),
                    coef[2].reshape(shape) if order == 2 else zero, chi2.reshape(shape), len(n) - order - 1)
