"""Criticality: susceptibilities, fixed points, critical initialisation, universality classes.

Everything here is about the single-input kernel map ``f(K) = C_b + C_W g(K)``,
``g(K) = <sigma^2>_K`` (book Ch. 5; theory notes: initialization §3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from . import _validate
from ._core_loader import core
from .activation import as_activation

__all__ = [
    "susceptibilities", "fixed_points", "fixed_point", "critical_point", "large_depth",
    "CriticalPoint", "FixedPoint", "FixedPointError", "KStarZeroLargeDepth", "ScaleInvariantLargeDepth",
]


class FixedPointError(ValueError):
    """The kernel map has no fixed point of the requested kind (or every K is one)."""


def susceptibilities(activation: Any, K: Any, C_W: float) -> tuple[float, float]:
    """Parallel and perpendicular susceptibilities ``(chi_par, chi_perp)`` at a single-input K.

    ``chi_par = C_W g'(K) = (C_W / K) <z sigma sigma'>_K`` and ``chi_perp = C_W <sigma' sigma'>_K``
    (book §5.1, theory notes §3.1). ``chi_par`` multiplies deviations of the kernel along the
    diagonal, ``chi_perp`` the separation of two nearby inputs. ``K = 0`` means the limit
    K -> 0+. The integration-by-parts form of ``chi_par`` is exact for kinked activations.

    Examples
    --------
    >>> import pdlt
    >>> [round(x, 12) for x in pdlt.susceptibilities("relu", 1.3, C_W=2.0)]
    [1.0, 1.0]
    """
    act = as_activation(activation)
    k = _validate.variance("K", K)
    c_w = _validate.real("C_W", C_W, minimum=0.0)
    chi_par, chi_perp = core.susceptibilities(act._core, k, c_w)
    return float(chi_par), float(chi_perp)


@dataclass(frozen=True)
class FixedPoint:
    """A fixed point ``K = C_b + C_W g(K)`` of the single-input kernel map.

    ``stability`` is ``"stable"`` (chi_par < 1), ``"unstable"`` (chi_par > 1), or, when
    chi_par = 1, ``"half-stable (attracts from above)"`` / ``"... from below"`` according to
    the sign of the curvature ``c2 = chi_par'(K)/2`` of the map (``"marginal"`` if it vanishes).
    """

    K: float
    chi_par: float
    chi_perp: float
    stability: str


def _stability(chi_par: float, c2: Optional[float]) -> str:
    if chi_par < 1.0 - 1e-8:
        return "stable"
    if chi_par > 1.0 + 1e-8:
        return "unstable"
    if c2 is None or c2 == 0.0:
        return "marginal"
    return "half-stable (attracts from above)" if c2 < 0 else "half-stable (attracts from below)"


def fixed_points(activation: Any, C_b: float, C_W: float, *, K_max: float = 1e4) -> tuple[FixedPoint, ...]:
    """All fixed points of the single-input kernel map in [0, K_max], ascending.

    Simple roots are bracketed on a logarithmic grid and refined by Brent's method; a double
    root (the map touching the diagonal, as at a half-stable critical point) is found as an
    extremum of ``f(K) - K`` where it vanishes to 1e-9 relative. Nearly coincident roots are
    reported once.

    Raises
    ------
    FixedPointError
        If every K is a fixed point (a scale-invariant activation at C_b = 0, C_W = 1/A_2).
    """
    act = as_activation(activation)
    c_b = _validate.real("C_b", C_b, minimum=0.0)
    c_w = _validate.real("C_W", C_W, minimum=0.0)
    k_max = _validate.real("K_max", K_max, minimum=0.0, strict=True)
    points, every_K = core.fixed_points(act._core, c_b, c_w, k_max)
    if every_K:
        raise FixedPointError(f"every K >= 0 is a fixed point of {act.name} at C_b = {c_b:g}, C_W = {c_w:g}: "
                              "the kernel is preserved at every depth (pass K_start to fixed_point)")
    return tuple(FixedPoint(K, chi_par, chi_perp, _stability(chi_par, c2)) for K, chi_par, chi_perp, c2 in points)


def fixed_point(activation: Any, C_b: float, C_W: float, *, K_start: Optional[float] = None,
                K_max: float = 1e4) -> float:
    """The fixed point K* of the single-input kernel recursion.

    With ``K_start``: the fixed point the recursion ``K <- C_b + C_W g(K)`` reaches from
    ``K^(1) = K_start`` (the nearest fixed point in the direction of the flow; exact for a
    monotone map, chi_par > 0, as for every built-in). Without it: the largest fixed point
    that attracts (chi_par <= 1), e.g. the non-zero K* of tanh at C_W > 1.

    Raises
    ------
    FixedPointError
        With an explanation, when there is no such fixed point in [0, K_max] (for instance the
        kernel grows without bound), or when every K is fixed and K_start is not given.

    Examples
    --------
    >>> import pdlt
    >>> round(pdlt.fixed_point("relu", C_b=0.5, C_W=1.0), 12)  # K = 0.5 + K/2
    1.0
    """
    act = as_activation(activation)
    start = None if K_start is None else _validate.variance("K_start", K_start)
    c_b = _validate.real("C_b", C_b, minimum=0.0)
    c_w = _validate.real("C_W", C_W, minimum=0.0)
    try:
        points = fixed_points(act, c_b, c_w, K_max=K_max)
    except FixedPointError:
        if start is not None:
            return start
        raise
    found = ", ".join(f"K = {p.K:.6g} ({p.stability})" for p in points) or "none"
    if start is not None:
        step = core.kernel_map(act._core, start, c_b, c_w) - start
        if step == 0.0:
            return start
        if step > 0:
            above = [p.K for p in points if p.K > start]
            if above:
                return above[0]
            raise FixedPointError(f"from K_start = {start:g} the kernel of {act.name} grows without bound "
                                  f"(no fixed point above it in [0, {K_max:g}]; fixed points: {found})")
        below = [p.K for p in points if p.K < start]
        if below:
            return below[-1]
        raise FixedPointError(f"from K_start = {start:g} the kernel of {act.name} decreases but no fixed point "
                              f"below it was resolved (fixed points: {found})")
    attracting = [p.K for p in points if p.chi_par <= 1.0 + 1e-8]
    if attracting:
        return attracting[-1]
    if not points:
        raise FixedPointError(f"{act.name} at C_b = {c_b:g}, C_W = {c_w:g} has no fixed point in [0, {K_max:g}]: "
                              "the kernel grows without bound")
    raise FixedPointError(f"{act.name} at C_b = {c_b:g}, C_W = {c_w:g} has no attracting fixed point in "
                          f"[0, {K_max:g}] (fixed points: {found})")


@dataclass(frozen=True)
class CriticalPoint:
    """The critical initialisation of an activation (book Ch. 5).

    Attributes
    ----------
    activation : str
    universality_class : str
        ``"scale-invariant"`` (relu, leaky relu, linear: C_b = 0, C_W = 1/A_2, every K is a
        fixed point, so ``K_star`` is None), ``"K*=0"`` (tanh, sin, erf: C_b = 0,
        C_W = 1/sigma_1^2, the kernel decays to K* = 0 as a power law), ``"half-stable"``
        (gelu, swish: a K* > 0 with chi_par = chi_perp = 1 that attracts from one side only), or
        ``"none"`` (sigmoid, softplus, step; ``reason`` says why).
    C_b, C_W, K_star : float or None
    chi_par, chi_perp : float or None
        Susceptibilities at K* (both 1 at a critical point).
    a_1, a_2, b_1, p_perp : float or None
        Small-K coefficients, ``C_W g(K) = K + a_1 K^2 + a_2 K^3 + ...`` and
        ``chi_perp(K) = 1 + b_1 K + ...`` at C_W = 1/sigma_1^2 (theory notes §3.4), and
        ``p_perp = b_1 / a_1``; given when sigma(0) = 0 and the expansion is analytic.
    c_2 : float or None
        Half-stable class: ``f(K) - K = c_2 (K - K*)^2 + ...``; c_2 < 0 attracts from above.
    A_2 : float or None
        Scale-invariant class: ``<sigma^2>_K = A_2 K``.
    reason : str
        Why there is no critical point (empty otherwise).
    """

    activation: str
    universality_class: str
    C_b: Optional[float]
    C_W: Optional[float]
    K_star: Optional[float]
    chi_par: Optional[float]
    chi_perp: Optional[float]
    a_1: Optional[float] = None
    a_2: Optional[float] = None
    b_1: Optional[float] = None
    p_perp: Optional[float] = None
    c_2: Optional[float] = None
    A_2: Optional[float] = None
    reason: str = ""

    @property
    def exists(self) -> bool:
        return self.universality_class != "none"

    def __str__(self) -> str:
        def fmt(x: Optional[float]) -> str:
            return "-" if x is None else f"{x:.10g}"

        rows = [("activation", self.activation), ("universality class", self.universality_class)]
        if not self.exists:
            rows.append(("reason", self.reason))
        else:
            k_star = "any K >= 0 (every K is a fixed point)" if self.K_star is None else fmt(self.K_star)
            rows += [("C_b", fmt(self.C_b)), ("C_W", fmt(self.C_W)), ("K*", k_star),
                     ("chi_par(K*)", fmt(self.chi_par)), ("chi_perp(K*)", fmt(self.chi_perp))]
        for label, value in (("a_1", self.a_1), ("a_2", self.a_2), ("b_1", self.b_1), ("p_perp", self.p_perp),
                             ("c_2", self.c_2), ("A_2", self.A_2)):
            if value is not None:
                rows.append((label, fmt(value)))
        width = max(len(r[0]) for r in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def critical_point(activation: Any) -> CriticalPoint:
    """Find the critical initialisation (C_b, C_W) and the universality class of an activation.

    Works for any activation, custom ones included, numerically: scale invariance is tested
    directly; the K* = 0 class needs sigma(0) = 0, sigma'(0) != 0 and a flow towards K = 0
    (a_1 < 0) at C_W = 1/sigma'(0)^2; otherwise a K* > 0 with chi_par = chi_perp, i.e.
    ``<sigma sigma''>_{K*} = 0``, is sought on K in [1e-4, 1e4] (theory notes §3.1) and gives
    ``C_W = 1/<sigma'^2>_{K*}``, ``C_b = K* - C_W <sigma^2>_{K*}`` (required >= 0).

    Examples
    --------
    >>> import pdlt
    >>> cp = pdlt.critical_point("gelu")
    >>> cp.universality_class, round(cp.C_b, 6), round(cp.C_W, 6), round(cp.K_star, 6)
    ('half-stable', 0.172922, 1.983058, 3.561553)
    """
    act = as_activation(activation)
    d = core.critical_point(act._core)
    a_1, b_1 = d["a1"], d["b1"]
    p_perp = b_1 / a_1 if a_1 is not None and b_1 is not None and a_1 != 0 else None
    if d["universality_class"] == "scale-invariant":
        a_1 = b_1 = None
    return CriticalPoint(activation=act.name, universality_class=d["universality_class"], C_b=d["C_b"],
                         C_W=d["C_W"], K_star=d["K_star"], chi_par=d["chi_par"], chi_perp=d["chi_perp"],
                         a_1=a_1, a_2=d["a2"], b_1=b_1, p_perp=p_perp, c_2=d["c2"], A_2=d["A2"],
                         reason=d["reason"])


@dataclass(frozen=True)
class KStarZeroLargeDepth:
    """Large-depth behaviour at criticality of the K* = 0 class (book §5.3.3, theory notes §3.4).

    At C_b = 0, C_W = 1/sigma_1^2 the single-input kernel obeys
    ``K' = K + a_1 K^2 + a_2 K^3 + ...`` with a_1 < 0, so that

        1 / (-a_1 K^(l)) = l + (1 - a_2/a_1^2) ln l + c + o(1),

    ``chi_par = 1 - 2/l + ...``, ``chi_perp = 1 - p_perp/l + ...`` with p_perp = b_1/a_1, and the
    two-input components scale as ``dK_[1] ~ l^-2`` and ``dK_[2] ~ l^-p_perp``. With constant
    learning-rate factors the frozen NTK grows as
    ``H^(l) = lambda_b l / (1 + p_perp) + lambda_W / (-a_1 p_perp) + ...`` (theory notes ntk §2.3).

    Finite width (initialization notes §4.3-4.4; ntk notes §3.6), with kappa = 1/(-a_1):
    ``V/K^2 -> (2/3) l`` and ``K^{1} -> -kappa/3``, so E[z^2] = K (1 - l/(3n)); for odd
    activations (p_perp = 1) with the equivalence-principle rates lambda_b^(l) = lambda~_b / l,
    lambda_W^(l) = lambda~_W the NTK tends to H* = lambda~_b + lambda~_W sigma_1^2 kappa and
    ``B/H^2 -> l/3``, ``F/(K H) -> l/4``, ``D -> (2/9) w kappa^2``, ``A -> (4/27) w^2 kappa^2 l`` with
    ``w = lambda~_W sigma_1^2 + a_1 H*`` the limit of omega_par (tanh: w = -2 lambda~_b).
    """

    activation: str
    a_1: float
    a_2: float
    b_1: float
    p_perp: float
    sigma1_sq: float = 1.0  # sigma'(0)^2 = 1/C_W

    kernel_exponent = -1.0
    delta_K1_exponent = -2.0

    @property
    def delta_K2_exponent(self) -> float:
        return -self.p_perp

    @property
    def log_coefficient(self) -> float:
        """``1 - a_2/a_1^2``, the coefficient of ln l in ``1/(-a_1 K)``."""
        return 1.0 - self.a_2 / self.a_1**2

    def kernel(self, l: Any, c: float = 0.0) -> np.ndarray:
        """``K^(l)`` from the asymptotic form; ``c`` is the trajectory-dependent constant
        (``c = 0`` keeps the universal leading and logarithmic terms only)."""
        l = np.asarray(l, dtype=float)
        return 1.0 / (-self.a_1 * (l + self.log_coefficient * np.log(l) + c))

    def leading_kernel(self, l: Any) -> np.ndarray:
        """The leading power law ``K^(l) = 1 / (-a_1 l)``."""
        return 1.0 / (-self.a_1 * np.asarray(l, dtype=float))

    def chi_par(self, l: Any) -> np.ndarray:
        return 1.0 - 2.0 / np.asarray(l, dtype=float)

    def chi_perp(self, l: Any) -> np.ndarray:
        return 1.0 - self.p_perp / np.asarray(l, dtype=float)

    def ntk(self, l: Any, lambda_b: float = 1.0, lambda_W: float = 1.0) -> np.ndarray:
        """Leading large-depth frozen NTK for layer-independent learning-rate factors."""
        l = np.asarray(l, dtype=float)
        return lambda_b * l / (1.0 + self.p_perp) + lambda_W / (-self.a_1 * self.p_perp)

    # --- finite width -----------------------------------------------------------------------
    @property
    def kappa(self) -> float:
        return -1.0 / self.a_1

    def vertex_over_K2(self, l: Any) -> np.ndarray:
        """``V^(l) / (K^(l))^2 -> (2/3) l``: the relative four-point vertex grows as l/n."""
        return 2.0 * np.asarray(l, dtype=float) / 3.0

    @property
    def kernel_nlo_limit(self) -> float:
        """``K^{1(l)} -> 1/(3 a_1)``."""
        return 1.0 / (3.0 * self.a_1)

    def _odd(self) -> None:
        if abs(self.p_perp - 1.0) > 1e-6:
            raise ValueError(f"the NTK large-depth laws here are for odd activations (p_perp = 1), got p_perp = {self.p_perp:g}")

    def ntk_limit(self, lambda_b: float = 1.0, lambda_W: float = 1.0) -> float:
        """H* for the equivalence-principle rates lambda_b^(l) = lambda_b / l, lambda_W^(l) = lambda_W."""
        self._odd()
        return lambda_b + lambda_W * self.sigma1_sq * self.kappa

    def _w(self, lambda_b: float, lambda_W: float) -> float:
        return lambda_W * self.sigma1_sq + self.a_1 * self.ntk_limit(lambda_b, lambda_W)

    def ntk_B_over_H2(self, l: Any) -> np.ndarray:
        """``B / H^2 -> l/3`` (equivalence-principle rates)."""
        self._odd()
        return np.asarray(l, dtype=float) / 3.0

    def ntk_F_over_KH(self, l: Any) -> np.ndarray:
        """``F / (K H) -> l/4``."""
        self._odd()
        return np.asarray(l, dtype=float) / 4.0

    def ntk_D_limit(self, lambda_b: float = 1.0, lambda_W: float = 1.0) -> float:
        """``D -> (2/9) w kappa^2``."""
        self._odd()
        return 2.0 / 9.0 * self._w(lambda_b, lambda_W) * self.kappa**2

    def ntk_A(self, l: Any, lambda_b: float = 1.0, lambda_W: float = 1.0) -> np.ndarray:
        """``A -> (4/27) w^2 kappa^2 l`` (vanishing at leading order when w = 0)."""
        self._odd()
        return 4.0 / 27.0 * self._w(lambda_b, lambda_W) ** 2 * self.kappa**2 * np.asarray(l, dtype=float)


@dataclass(frozen=True)
class ScaleInvariantLargeDepth:
    """Large-depth behaviour at criticality of the scale-invariant class (book §5.5, notes §3.3).

    Every diagonal kernel entry is preserved; the angle between two inputs,
    ``cos psi^(l) = K_12 / sqrt(K_11 K_22)``, obeys
    ``cos psi' = cos psi + (rho/pi) (sin psi - psi cos psi)`` with
    ``rho = (a_+ - a_-)^2 / (a_+^2 + a_-^2)`` and decays as ``psi^(l) = 3 pi / (rho l)``
    (independent of the initial angle; rho = 1 for relu, 0 for linear, where angles are kept).
    """

    activation: str
    a_plus: float
    a_minus: float

    @property
    def rho(self) -> float:
        return (self.a_plus - self.a_minus) ** 2 / (self.a_plus**2 + self.a_minus**2)

    def angle(self, l: Any) -> np.ndarray:
        if self.rho == 0.0:
            raise ValueError(f"{self.activation} preserves angles (rho = 0): there is no large-depth angle law")
        return 3.0 * math.pi / (self.rho * np.asarray(l, dtype=float))

    # --- finite width: exact solutions at criticality ------------------------------------------
    # Single input, equal widths, layer-independent lambda_b, lambda_W, C_W^(1) = C_W = 1/A_2, so
    # that K = K* at every layer and H^(1) = h = lambda_b + lambda_W A_2 K*. With
    # kappa = A_4/A_2^2 and u = lambda_W A_2 K* (derived from the single-input recursions of the
    # ntk notes §3.4; relu, kappa = 2: the closed forms of §3.5):
    #   V = (3 kappa - 1) K*^2 (l-1),  H = h l,  B = kappa h^2 (l-1) l (2l-1)/6,
    #   F = kappa K* h l (l-1)/2,  D = K* [u (3 kappa - 1) + h (kappa - 1)] l (l-1)/2,
    #   A = [u^2 (3 kappa - 1) + (h^2 + u h)(kappa - 1)] (l-1) l (2l-1)/6 + u h (kappa - 1) l (l-1)/2,
    #   K^{1} = H^{1} = 0.
    @property
    def A_2(self) -> float:
        return (self.a_plus**2 + self.a_minus**2) / 2

    @property
    def kappa(self) -> float:
        return (self.a_plus**4 + self.a_minus**4) / 2 / self.A_2**2

    def vertex(self, l: Any, K: float) -> np.ndarray:
        return (3 * self.kappa - 1) * K**2 * (np.asarray(l, dtype=float) - 1)

    def ntk_fluctuations(self, l: Any, K: float, lambda_b: float = 1.0, lambda_W: float = 1.0) -> dict:
        """H, A, B, D, F at layer l (arrays like l) for a single input with kernel K."""
        l = np.asarray(l, dtype=float)
        k, A2 = self.kappa, self.A_2
        h, u = lambda_b + lambda_W * A2 * K, lambda_W * A2 * K
        return {
            "H": h * l,
            "B": k * h**2 * (l - 1) * l * (2 * l - 1) / 6,
            "F": k * K * h * l * (l - 1) / 2,
            "D": K * (u * (3 * k - 1) + h * (k - 1)) * l * (l - 1) / 2,
            "A": (u**2 * (3 * k - 1) + (h**2 + u * h) * (k - 1)) * (l - 1) * l * (2 * l - 1) / 6
                 + u * h * (k - 1) * l * (l - 1) / 2,
        }


def large_depth(activation: Any) -> KStarZeroLargeDepth | ScaleInvariantLargeDepth:
    """The large-depth power laws at criticality of an activation's universality class.

    Returns a :class:`KStarZeroLargeDepth` (tanh, sin, erf, ...) or a
    :class:`ScaleInvariantLargeDepth` (relu, leaky relu); raises ``ValueError`` for classes
    without such laws here (half-stable, none, or a K* = 0 flow that is not analytic).

    Examples
    --------
    >>> import pdlt
    >>> laws = pdlt.large_depth("tanh")
    >>> round(laws.a_1, 8), round(laws.p_perp, 8)   # K^(l) ~ 1/(2 l), chi_perp ~ 1 - 1/l
    (-2.0, 1.0)
    """
    act = as_activation(activation)
    cp = critical_point(act)
    if cp.universality_class == "K*=0" and cp.a_1 is not None and cp.a_2 is not None and cp.p_perp is not None:
        assert cp.b_1 is not None and cp.C_W is not None
        return KStarZeroLargeDepth(act.name, cp.a_1, cp.a_2, cp.b_1, cp.p_perp, 1.0 / cp.C_W)
    if cp.universality_class == "scale-invariant":
        return ScaleInvariantLargeDepth(act.name, float(act(1.0)), float(-act(-1.0)))
    raise ValueError(f"no large-depth power laws for {act.name} (universality class {cp.universality_class}"
                     f"{'' if cp.exists else ': ' + cp.reason})")
