"""Plain-text tables for the command line."""

from __future__ import annotations


def table(header: list[str], rows: list[list[str]]) -> str:
    """Right-aligned columns under a header and a rule."""
    widths = [max([len(h)] + [len(r[j]) for r in rows]) for j, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)
