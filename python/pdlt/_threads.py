"""Thread control. Results never depend on the number of threads."""

from __future__ import annotations

from . import _validate
from ._core_loader import core

__all__ = ["set_num_threads", "get_num_threads", "openmp_enabled"]


def set_num_threads(n: int) -> None:
    """Use ``n`` OpenMP threads in pdlt's parallel loops (default: ``OMP_NUM_THREADS`` or all cores).

    Every parallel loop computes independent entries in a fixed order, so results are bitwise
    identical whatever ``n`` is. Without OpenMP (see :func:`openmp_enabled`) this is a no-op.
    """
    core.set_num_threads(_validate.integer("n", n, minimum=1))


def get_num_threads() -> int:
    """The number of threads pdlt uses."""
    return int(core.get_num_threads())


def openmp_enabled() -> bool:
    """Whether the compiled core was built with OpenMP."""
    return bool(core.openmp_enabled())
