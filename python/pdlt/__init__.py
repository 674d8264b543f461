"""pdlt: the effective theory of deep neural networks, as fast, tested numbers.

The formulas are those of *The Principles of Deep Learning Theory* (Roberts & Yaida,
arXiv:2106.10165); the notation (K, H, chi_par, chi_perp, C_b, C_W, lambda_b, lambda_W) is the
book's. Heavy numerics run in a C++/Eigen/OpenMP core; this package validates input and
shapes results.
"""

from ._core_loader import core as _core
from ._threads import get_num_threads, openmp_enabled, set_num_threads
from .activation import Activation, activations
from .ensemble import Ensemble, load_ensemble
from .extrapolate import WidthFit, fit_in_width
from .criticality import (
    CriticalPoint,
    FixedPoint,
    FixedPointError,
    critical_point,
    fixed_point,
    fixed_points,
    large_depth,
    susceptibilities,
)
from .finite_width import (
    FiniteWidth,
    NtkFluctuations,
    finite_width,
    four_point_vertex,
    kernel_nlo,
    ntk_fluctuations,
    ntk_nlo,
    two_point,
)
from .gaussian import AccuracyWarning, activation_kernel, gaussian_expectation
from .kernels import kernel, kernel_and_ntk, ntk
from .mlp import MLP
from .sampling import SamplingInterrupted, sample

__version__ = _core.__version__

__all__ = [
    "AccuracyWarning",
    "Activation",
    "CriticalPoint",
    "Ensemble",
    "FixedPoint",
    "FiniteWidth",
    "FixedPointError",
    "MLP",
    "NtkFluctuations",
    "SamplingInterrupted",
    "WidthFit",
    "activation_kernel",
    "activations",
    "critical_point",
    "fixed_point",
    "finite_width",
    "fit_in_width",
    "fixed_points",
    "four_point_vertex",
    "gaussian_expectation",
    "get_num_threads",
    "kernel",
    "kernel_and_ntk",
    "kernel_nlo",
    "large_depth",
    "load_ensemble",
    "ntk",
    "ntk_fluctuations",
    "ntk_nlo",
    "openmp_enabled",
    "sample",
    "set_num_threads",
    "susceptibilities",
    "two_point",
]
