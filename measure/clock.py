"""Exposure clocks: a sponsor's cumulative exposure seconds at any moment of the video, from its
segments (what the annotated video shows beside each logo)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


class ExposureClock:
    """Cumulative exposure seconds per sponsor at any time, from the segments table.

    A sponsor's clock at time ``t`` is the length (seconds) of the union of its segments
    ``[start_s, end_s)`` that lies before ``t``; for ``t`` at or past the end it is the total.
    """

    def __init__(self, segments: pd.DataFrame) -> None:
        self.spans: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for sponsor, seg in segments.groupby("sponsor", sort=False):
            starts, ends = _union(seg["start_s"].to_numpy(float), seg["end_s"].to_numpy(float))
            self.spans[str(sponsor)] = (starts, ends)

    def at(self, sponsor: str, t: float) -> float:
        """Return the sponsor's exposure seconds in ``[0, t)``."""
        if sponsor not in self.spans:
            return 0.0
        starts, ends = self.spans[sponsor]
        return float(np.clip(np.minimum(ends, t) - starts, 0.0, None).sum())

    def visible(self, sponsor: str, t: float) -> bool:
        """Return True when ``t`` lies inside one of the sponsor's segments."""
        if sponsor not in self.spans:
            return False
        starts, ends = self.spans[sponsor]
        return bool(np.any((starts <= t) & (t < ends)))

    def total(self, sponsor: str) -> float:
        """Return the sponsor's total exposure seconds."""
        return self.at(sponsor, math.inf)


def _union(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the union of the intervals ``[starts, ends)`` as sorted disjoint intervals."""
    order = np.argsort(starts, kind="stable")
    out_s: list[float] = []
    out_e: list[float] = []
    for s, e in zip(starts[order], ends[order], strict=True):
        if e <= s:
            continue
        if out_e and s <= out_e[-1]:
            out_e[-1] = max(out_e[-1], e)
        else:
            out_s.append(s)
            out_e.append(e)
    return np.asarray(out_s), np.asarray(out_e)
