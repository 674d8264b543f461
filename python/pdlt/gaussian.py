"""Gaussian expectations <F(z)>_K of one or two Gaussian variables."""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np

from . import _validate
from ._core_loader import core
from .activation import as_activation

__all__ = ["gaussian_expectation", "activation_kernel", "AccuracyWarning"]


class AccuracyWarning(UserWarning):
    """A numerical integral did not reach the requested tolerance."""


_LEVELS_1D = (16, 32, 64, 128, 256, 512, 1024)
_LEVELS_2D = ((16, 8), (32, 16), (64, 32), (128, 64), (256, 128))


def gaussian_expectation(f: Callable[..., Any], K: Any, *, rtol: float = 1e-12) -> float:
    """<f(z)>_K for z a zero-mean Gaussian of covariance K (book §1.1; theory notes §1.2).

    Parameters
    ----------
    f : callable
        Vectorised over NumPy arrays: ``f(z)`` for one variable (K a scalar >= 0), or
        ``f(z1, z2)`` for two (K a 2x2 symmetric positive semi-definite matrix). It must return
        an array of the shape of its arguments.
    K : float or (2, 2) array_like
    rtol : float, default 1e-12
        Target accuracy, relative to ``<|f|>_K``.

    Returns
    -------
    float

    Notes
    -----
    The line (one variable) is split at z = 0 and each half integrated by Gauss-Legendre; the
    plane (two variables) is integrated in polar coordinates of the whitened variables with the
    angle split on the four rays where z1 or z2 vanishes. Both converge spectrally for functions
    that are smooth except for kinks on z1 = 0 or z2 = 0 (relu, |z|, step, ...). The order is
    doubled until two successive results agree to ``rtol``; an :class:`AccuracyWarning` is
    issued if they never do (for instance, a kink away from zero).

    Examples
    --------
    >>> import numpy as np, pdlt
    >>> round(pdlt.gaussian_expectation(lambda z: z**4, 2.0), 12)
    12.0
    >>> K = [[1.0, 0.5], [0.5, 2.0]]
    >>> round(pdlt.gaussian_expectation(lambda a, b: np.maximum(a, 0) * np.maximum(b, 0), K), 10)
    0.3642988817
    """
    _validate.function("f", f)
    tol = _validate.rtol(rtol)
    if np.ndim(K) == 0 or np.shape(K) == (1, 1) or np.shape(K) == (1,):
        variance = _validate.variance("K", float(np.asarray(K, dtype=float).reshape(-1)[0])
                                      if np.ndim(K) else K)
        return _expect_1d(f, variance, tol)
    cov = _validate.kernel_matrix(K)
    if cov.shape != (2, 2):
        raise ValueError(f"K must be a scalar (one variable) or a 2x2 matrix (two variables), got shape {cov.shape}")
    return _expect_2d(f, cov, tol)


def _evaluate(f: Callable[..., Any], *args: np.ndarray) -> np.ndarray:
    out = np.asarray(f(*args), dtype=float)
    if out.shape != args[0].shape:
        raise ValueError(f"f must return an array of the shape of its arguments {args[0].shape}, got {out.shape}")
    if not np.all(np.isfinite(out)):
        raise ValueError("f returned non-finite values at the quadrature nodes")
    return out


def _converge(levels: tuple, integrate: Callable[[Any], tuple[float, float]], tol: float) -> float:
    previous = None
    for level in levels:
        value, scale = integrate(level)
        if previous is not None and abs(value - previous) <= tol * max(scale, 1e-300):
            return value
        previous = value
    warnings.warn(f"Gaussian expectation did not converge to rtol={tol:g}; last change "
                  f"{abs(value - previous):.3g} on a scale of {scale:.3g}", AccuracyWarning, stacklevel=3)
    return value


def _expect_1d(f: Callable[..., Any], K: float, tol: float) -> float:
    if K == 0.0:
        return float(_evaluate(f, np.zeros(1))[0])

    def integrate(n: int) -> tuple[float, float]:
        u, w = core.split_normal_rule(n)
        values = _evaluate(f, math.sqrt(K) * u)
        return float(w @ values), float(w @ np.abs(values))

    return _converge(_LEVELS_1D, integrate, tol)


def _expect_2d(f: Callable[..., Any], K: np.ndarray, tol: float) -> float:
    sa, sb = math.sqrt(K[0, 0]), math.sqrt(K[1, 1])
    rho = 0.0 if sa == 0.0 or sb == 0.0 else min(1.0, max(-1.0, K[0, 1] / (sa * sb)))
    c = math.sqrt(max(0.0, 1.0 - rho * rho))
    theta_b = math.atan2(-rho, c)  # the ray (and its opposite) on which z2 = 0
    angles = [0.5 * math.pi, 1.5 * math.pi, theta_b, theta_b + math.pi]

    def integrate(level: tuple[int, int]) -> tuple[float, float]:
        u1, u2, w = core.polar_rule(angles, *level)
        values = _evaluate(f, sa * u1, sb * (rho * u1 + c * u2))
        return float(w @ values), float(w @ np.abs(values))

    return _converge(_LEVELS_2D, integrate, tol)


def activation_kernel(activation: Any, K: Any, *, derivative: bool = False, rtol: float = 1e-12) -> np.ndarray:
    """The activation's two-input expectations <sigma_a sigma_b>_K (or <sigma'_a sigma'_b>_K) for a kernel K.

    Parameters
    ----------
    activation : Activation or str
    K : (N_D, N_D) array_like
        Symmetric positive semi-definite kernel.
    derivative : bool, default False
        Use sigma' instead of sigma (the NTK recursion needs both).
    rtol : float, default 1e-12
        Accuracy relative to sqrt(<F_a^2> <F_b^2>).

    Returns
    -------
    (N_D, N_D) ndarray, exactly symmetric.

    Notes
    -----
    Closed forms are used where they exist (linear, relu family, erf, sin, step). Smooth
    activations use the Mehler expansion sum_k c_k(a) c_k(b) rho_ab^k with a truncation
    certified per input from the Hermite-coefficient tail; the rest use split polar quadrature.
    """
    act = as_activation(activation)
    cov = _validate.kernel_matrix(K)
    value, error = core.two_point(act._core, cov, bool(derivative), _validate.rtol(rtol))
    warn_if_inaccurate(error, rtol)
    return value


def warn_if_inaccurate(error: float, rtol: float, stacklevel: int = 3) -> None:
    if error > rtol:
        warnings.warn(f"some Gaussian integrals reached only a relative accuracy of {error:.2g} "
                      f"(requested {rtol:g})", AccuracyWarning, stacklevel=stacklevel)
