"""A tqdm progress bar (when tqdm is installed) fed by the core's (done, total) reports."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def progress_callback(total: int, enabled: bool, unit: str):
    """Yield a ``callback(done, total)`` that advances a bar appearing after a second, or None
    when disabled or when tqdm is missing; the bar is closed on leaving the block."""
    if not enabled:
        yield None
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional
        yield None
        return
    bar = tqdm(total=total, unit=unit, delay=1.0, leave=False)
    try:
        yield lambda done, _total: bar.update(done - bar.n)
    finally:
        bar.close()
