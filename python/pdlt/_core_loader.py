"""Imports the compiled core with a helpful message when it is missing."""

try:
    from . import _core as core
except ImportError as err:  # pragma: no cover - only on a broken install
    raise ImportError(
        "pdlt's compiled core (pdlt._core) could not be imported. pdlt must be installed, not run "
        "from a source checkout: `pip install .` (or `pip install --no-build-isolation -ve .` "
        "for development). Original error: " + str(err)
    ) from err

__all__ = ["core"]
