"""Visual context of an analysis: each detection's placement and each shot's type, in one object.

:class:`FrameContext` is fed every analysed frame (downscaled, as the cut detector sees it) during the
pass and classifies after it: the ``placement`` column (:mod:`vision.inference.placement`) and
``Timeline.shot_types`` (:mod:`vision.inference.shot_type`). Cost: about 2 ms per analysed frame on one
CPU core (phase correlation, Canny and a colour histogram on a 256 px wide frame), plus an O(N)
grouping of the detections after the pass.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from measure.records import UNKNOWN
from vision.inference.placement import CameraMotion, placements
from vision.inference.shot_type import ShotFeatures, shot_types, surface_shares


class FrameContext:
    """Feed analysed frames with :meth:`update`; :meth:`classify` returns placements and shot types."""

    def __init__(self) -> None:
        self.motion = CameraMotion()
        self.features = ShotFeatures()
        self._frames: list[int] = []
        self._shots: list[int] = []
        #: CPU seconds (this thread) spent in :meth:`update` and :meth:`classify`, for the cost benchmark.
        self.cpu_s = 0.0

    def update(self, small: np.ndarray, frame: int, shot: int, new_shot: bool) -> None:
        """Add analysed frame ``frame`` (decoded index) of shot ``shot``, downscaled to ``small``;
        ``new_shot`` is True at its first frame after a cut."""
        start = time.thread_time()
        self.motion.update(small, new_shot)
        self.features.update(small)
        self._frames.append(int(frame))
        self._shots.append(int(shot))
        self.cpu_s += time.thread_time() - start

    def classify(
        self, table: pd.DataFrame, width: int, height: int, n_shots: int
    ) -> tuple[np.ndarray, tuple[str, ...]]:
        """Return (placement of each row of ``table``, shot type of each of the ``n_shots`` shots).

        ``table`` is the detection table (``frame``, ``shot``, ``sponsor``, box and ``short_side_px``
        columns; pixels); ``width`` x ``height`` the frame size in pixels. With no analysed frame the
        shot types are empty (not classified) and every placement ``UNKNOWN``.
        """
        start = time.thread_time()
        try:
            return self._classify(table, width, height, n_shots)
        finally:
            self.cpu_s += time.thread_time() - start

    def _classify(
        self, table: pd.DataFrame, width: int, height: int, n_shots: int
    ) -> tuple[np.ndarray, tuple[str, ...]]:
        frames = np.asarray(self._frames, dtype=np.int64)
        if len(frames) == 0:
            return np.full(len(table), UNKNOWN, dtype=object), ()
        place = placements(table, width, height, frames, self.motion.positions, self.motion.pictures)
        logo_side = np.full(len(frames), np.nan)
        venue = table[place == "in_venue"]
        if len(venue):
            side = (venue["short_side_px"].to_numpy(np.float64) / max(height, 1)).astype(np.float64)
            per_frame = pd.Series(side).groupby(venue["frame"].to_numpy()).median()
            idx = np.searchsorted(frames, per_frame.index.to_numpy())
            ok = (idx < len(frames)) & (
                frames[np.minimum(idx, len(frames) - 1)] == per_frame.index.to_numpy()
            )
            logo_side[idx[ok]] = per_frame.to_numpy()[ok]
        details = self.features.details
        surface = surface_shares(self.features.histograms, details)
        types = shot_types(np.asarray(self._shots, dtype=np.int64), n_shots, details, surface, logo_side)
        return place, types
