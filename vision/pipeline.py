"""Source to frames to detections to tracks: the streaming analysis of one video.

Frames come from :mod:`vision.sources` in batches, go through the detector, the cut detector and
the tracker, and each detection is scored by :func:`measure.quality.frame_quality` while its frame
is still in memory. Only plain arrays are kept, so memory grows with the number of detections,
not with the length of the video.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from measure.quality import frame_quality
from measure.records import DETECTION_COLUMNS, QUALITY_COLUMNS, Timeline, empty_detections
from vision.detector import FrameDetections, LogoDetector
from vision.shots import CutDetector
from vision.sources import SourceInfo, StopInfo, VideoSource
from vision.tracker import SponsorTracker


@dataclass
class VideoAnalysis:
    """What the vision side hands to ``measure``: detections, the timeline and the source facts.

    ``detections`` has every column of ``records.DETECTION_COLUMNS`` and ``QUALITY_COLUMNS``
    except ``qualifies``; ``stopped`` is set when decoding ended early because of damage. ``info`` is
    the source as known after the pass (frame count and fps measured where the file did not say).
    """

    detections: pd.DataFrame
    timeline: Timeline
    info: SourceInfo
    stopped: StopInfo | None


#: The detection table's columns as :func:`analyse_video` returns them, and their dtypes.
_COLUMNS: dict[str, str] = {
    c: DETECTION_COLUMNS.get(c) or QUALITY_COLUMNS[c]
    for c in (*DETECTION_COLUMNS, *QUALITY_COLUMNS)
    if c != "qualifies"
}


class _Columns:
    """Accumulates per-frame arrays and builds the detection table once at the end.

    Every ``compact_rows`` detections or ``compact_parts`` frames with detections, whichever comes
    first, the per-frame arrays are joined into one array per column:
    a frame's ~30 small arrays cost about 3.5 times the bytes of the values they hold, so without
    this a 3-hour match with ~10 logos in view would hold gigabytes of array headers. Memory then
    grows by about 220 bytes per detection (the table's own size), and :meth:`frame` joins the
    chunks one column at a time, so the peak stays near one copy of the table.
    """

    def __init__(self, compact_rows: int = 16384, compact_parts: int = 256) -> None:
        self.compact_rows = compact_rows
        self.compact_parts = compact_parts
        self.parts: list[dict[str, np.ndarray]] = []
        self.chunks: list[dict[str, np.ndarray]] = []
        self._rows = 0

    def add(self, dets: FrameDetections, shot: int, quality: dict[str, np.ndarray]) -> None:
        if len(dets) == 0:
            return
        part = dets.columns(shot)
        part.update(quality)
        self.parts.append(part)
        self._rows += len(dets)
        if self._rows >= self.compact_rows or len(self.parts) >= self.compact_parts:
            self._compact()

    def _compact(self) -> None:
        if self.parts:
            self.chunks.append(
                {c: np.concatenate([p[c] for p in self.parts]).astype(d) for c, d in _COLUMNS.items()}
            )
            self.parts = []
            self._rows = 0

    def frame(self) -> pd.DataFrame:
        self._compact()
        if not self.chunks:
            return empty_detections(with_quality=True)[list(_COLUMNS)]
        data = {}
        for c, dtype in _COLUMNS.items():  # one column at a time, dropping its chunks as it goes
            data[c] = np.concatenate([chunk.pop(c) for chunk in self.chunks]).astype(dtype, copy=False)
        self.chunks = []
        # astype again: pandas infers a string dtype for object arrays of str; the table keeps object
        return pd.DataFrame(data, copy=False).astype(_COLUMNS)


def analyse_video(
    source: VideoSource,
    detector: LogoDetector,
    batch_size: int = 8,
    track_memory_s: float = 1.0,
    on_frames: Callable[[int], None] | None = None,
) -> VideoAnalysis:
    """Run detection, cut detection, tracking and per-detection quality over ``source``.

    ``on_frames(n)`` is called after each batch with the number of decoded frames it advanced
    (for progress bars). Returns a :class:`VideoAnalysis`.
    """
    info = source.info
    analysed_fps = source.analysed_fps
    cuts = CutDetector(info.fps)
    tracker = SponsorTracker(analysed_fps, memory_s=track_memory_s)
    columns = _Columns()
    times: list[float] = []
    frames: list[int] = []
    shot = 0
    last_index = -1
    for batch in source.batches(batch_size):
        dets = detector.predict([f.image for f in batch], [f.index for f in batch], [f.t for f in batch])
        for f, d in zip(batch, dets, strict=True):
            if cuts.update(f.image, f.t):
                tracker.reset()
                shot += 1
            h, w = f.image.shape[:2]
            tracker.update(d, (h, w))
            columns.add(d, shot, frame_quality(f.image, d.corners) if len(d) else {})
            times.append(f.t)
            frames.append(f.index)
        if on_frames is not None:
            on_frames(batch[-1].index - last_index)
        last_index = batch[-1].index
    end = source.end_time()
    timeline = Timeline(
        times=np.asarray(times),
        frames=np.asarray(frames),
        duration_s=max(end, times[-1] if times else 0.0),
        width=info.width,
        height=info.height,
        cuts_s=tuple(cuts.cuts_s),
    )
    # source.info now holds what the complete pass measured (frame count, fps of files without one)
    return VideoAnalysis(columns.frame(), timeline, source.info, source.stopped)
