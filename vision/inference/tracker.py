"""Track identities across frames with ultralytics' ByteTrack.

Two things differ from ``model.track(persist=True)``:

- The memory of a lost track is set in **seconds** (``memory_s``) and converted to analysed frames
  from the analysed frame rate, so tracks survive ``--sample-fps`` (ultralytics counts it in frames
  at an assumed 30 fps, so its IDs vanish when analysed frames are far apart).
- One tracker runs per sponsor, so a track never changes sponsor, and every tracker is reset at a
  camera cut, so tracks break at cuts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import SimpleNamespace

import numpy as np
from ultralytics.engine.results import OBB, Boxes
from ultralytics.trackers.byte_tracker import BYTETracker

from vision.inference.detections import Detections


class SponsorTracker:
    """ByteTrack per sponsor with a memory in seconds; call :meth:`update` once per analysed frame.

    ``analysed_fps`` is the rate at which frames reach the tracker (the sampling rate, or the
    source's fps when every frame is analysed). Track IDs are unique across sponsors and shots.
    ``names`` orders the sponsors (the detector's classes): in a frame, new tracks get their IDs
    sponsor by sponsor in this order; sponsors not in it come after, in the order first seen.
    """

    def __init__(
        self,
        analysed_fps: float,
        memory_s: float = 1.0,
        high_thresh: float = 0.25,
        low_thresh: float = 0.1,
        match_thresh: float = 0.8,
        names: Sequence[str] = (),
    ) -> None:
        if analysed_fps <= 0:
            raise ValueError("analysed_fps must be positive")
        self.args = SimpleNamespace(
            tracker_type="bytetrack",
            track_high_thresh=high_thresh,
            track_low_thresh=low_thresh,
            new_track_thresh=high_thresh,
            track_buffer=max(1, math.ceil(memory_s * analysed_fps)),
            match_thresh=match_thresh,
            fuse_score=True,
        )
        self._order: dict[str, int] = {n: i for i, n in enumerate(dict.fromkeys(names))}
        self._trackers: dict[str, BYTETracker] = {}
        self._id_map: dict[tuple[int, str, int], int] = {}
        self._generation = 0
        self._next_id = 1

    def reset(self) -> None:
        """Forget every track (call at a camera cut)."""
        self._trackers.clear()
        self._generation += 1

    def _global_id(self, sponsor: str, local: int) -> int:
        key = (self._generation, sponsor, local)
        if key not in self._id_map:
            self._id_map[key] = self._next_id
            self._next_id += 1
        return self._id_map[key]

    def _class_ids(self, sponsors: np.ndarray) -> np.ndarray:
        """Return (N,) int64: each sponsor's place in the tracker's sponsor order (new ones appended)."""
        for s in sponsors:
            self._order.setdefault(str(s), len(self._order))
        return np.fromiter((self._order[str(s)] for s in sponsors), dtype=np.int64, count=len(sponsors))

    def update(self, dets: Detections, shape: tuple[int, int]) -> Detections:
        """Return ``dets`` (one frame) with ``track_id`` filled in place (-1 for detections no track
        claimed).

        ``shape`` is the frame's (height, width) in pixels.
        """
        track_id = np.full(len(dets), -1, dtype=np.int64)
        cls = self._class_ids(dets.sponsor)
        classes = set(cls.tolist()) | {self._order[s] for s in self._trackers}
        by_id = {i: s for s, i in self._order.items()}
        for c in sorted(classes):
            sponsor = by_id[c]
            idx = np.flatnonzero(cls == c)
            tracker = self._trackers.setdefault(sponsor, BYTETracker(self.args))
            data = self._as_results(dets, cls, idx, shape)
            out = tracker.update(data)
            if len(out):
                local_ids = out[:, -4].astype(np.int64)
                det_idx = out[:, -1].astype(np.int64)
                for lid, di in zip(local_ids, det_idx, strict=True):
                    track_id[idx[di]] = self._global_id(sponsor, int(lid))
        dets.track_id = track_id
        return dets

    @staticmethod
    def _as_results(
        dets: Detections, cls: np.ndarray, idx: np.ndarray, shape: tuple[int, int]
    ) -> Boxes | OBB:
        """Return the detections ``idx`` as ultralytics boxes (or oriented boxes) for ByteTrack,
        with ``cls`` (N,) as their class column."""
        conf = dets.confidence[idx, None]
        cls = cls[idx, None].astype(np.float64)
        if dets.polygon is not None:
            import cv2

            rows = []
            for poly in dets.polygon[idx]:
                (cx, cy), (w, h), angle = cv2.minAreaRect(poly.astype(np.float32))
                rows.append([cx, cy, w, h, math.radians(angle)])
            xywhr = np.asarray(rows, dtype=np.float64).reshape(-1, 5)
            return OBB(np.hstack([xywhr, conf, cls]), shape)
        return Boxes(np.hstack([dets.xyxy[idx], conf, cls]), shape)
