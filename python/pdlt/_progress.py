"""A tqdm progress bar (when tqdm is installed) fed by the core's (done, total) reports."""

from __future__ import annotations


def progress_bar(total: int, enabled: bool, unit: str):
    """``(bar, callback)``: the bar appears after a second; both are None when disabled or
    when tqdm is missing. Close the bar when the run ends."""
    if not enabled:
        return None, None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional
        return None, None
    bar = tqdm(total=total, unit=unit, delay=1.0, leave=False)

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return bar, update
