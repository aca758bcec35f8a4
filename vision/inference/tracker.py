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
from types import SimpleNamespace

import numpy as np
from ultralytics.engine.results import OBB, Boxes
from ultralytics.trackers.byte_tracker import BYTETracker

from vision.inference.detector import FrameDetections


class SponsorTracker:
    """ByteTrack per sponsor with a memory in seconds; call :meth:`update` once per analysed frame.

    ``analysed_fps`` is the rate at which frames reach the tracker (the sampling rate, or the
    source's fps when every frame is analysed). Track IDs are unique across sponsors and shots.
    """

    def __init__(
        self,
        analysed_fps: float,
        memory_s: float = 1.0,
        high_thresh: float = 0.25,
        low_thresh: float = 0.1,
        match_thresh: float = 0.8,
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
        self._trackers: dict[int, BYTETracker] = {}
        self._id_map: dict[tuple[int, int, int], int] = {}
        self._generation = 0
        self._next_id = 1

    def reset(self) -> None:
        """Forget every track (call at a camera cut)."""
        self._trackers.clear()
        self._generation += 1

    def _global_id(self, cls: int, local: int) -> int:
        key = (self._generation, cls, local)
        if key not in self._id_map:
            self._id_map[key] = self._next_id
            self._next_id += 1
        return self._id_map[key]

    def update(self, dets: FrameDetections, shape: tuple[int, int]) -> FrameDetections:
        """Return ``dets`` with ``track_id`` filled (-1 for detections no track claimed).

        ``shape`` is the frame's (height, width) in pixels.
        """
        track_id = np.full(len(dets), -1, dtype=np.int64)
        classes = set(int(c) for c in dets.cls) | set(self._trackers)
        for cls in sorted(classes):
            idx = np.flatnonzero(dets.cls == cls)
            tracker = self._trackers.setdefault(cls, BYTETracker(self.args))
            data = self._as_results(dets, idx, shape)
            out = tracker.update(data)
            if len(out):
                local_ids = out[:, -4].astype(np.int64)
                det_idx = out[:, -1].astype(np.int64)
                for lid, di in zip(local_ids, det_idx, strict=True):
                    track_id[idx[di]] = self._global_id(cls, int(lid))
        dets.track_id = track_id
        return dets

    @staticmethod
    def _as_results(dets: FrameDetections, idx: np.ndarray, shape: tuple[int, int]) -> Boxes | OBB:
        conf = dets.conf[idx, None]
        cls = dets.cls[idx, None].astype(np.float64)
        if dets.polygon is not None:
            import cv2

            rows = []
            for poly in dets.polygon[idx]:
                (cx, cy), (w, h), angle = cv2.minAreaRect(poly.astype(np.float32))
                rows.append([cx, cy, w, h, math.radians(angle)])
            xywhr = np.asarray(rows, dtype=np.float64).reshape(-1, 5)
            return OBB(np.hstack([xywhr, conf, cls]), shape)
        return Boxes(np.hstack([dets.xyxy[idx], conf, cls]), shape)
