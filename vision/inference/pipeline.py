"""Source to frames to detections to tracks: the streaming analysis of one video.

Frames come from :mod:`vision.io.sources` in batches, go through the detector, the cut detector and
the tracker, and each detection is scored by :func:`vision.inference.quality.frame_quality` while its frame
is still in memory. Only plain arrays are kept, so memory grows with the number of detections,
not with the length of the video.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from measure.frame_edge import complete_cut_logos
from measure.quality import qualifies
from measure.records import DETECTION_COLUMNS, QUALITY_COLUMNS, Timeline, empty_detections
from measure.settings import MeasureSettings
from vision.inference.checking import TrackChecker, add_reads, combined_names
from vision.inference.context import FrameContext
from vision.inference.detections import Detections
from vision.inference.detector import LogoDetector
from vision.inference.occlusion import ArtworkOcclusion, in_view
from vision.inference.other_reads import OtherReads
from vision.inference.quality import frame_quality
from vision.inference.reader import TextReader, text_detections
from vision.inference.replay import ReplaySpotter
from vision.inference.reread import ReReader
from vision.inference.shots import CutDetector, downscale
from vision.inference.tracker import SponsorTracker
from vision.io.sources import SourceInfo, StopInfo, VideoSource


@dataclass
class VideoAnalysis:
    """What the vision side hands to ``measure``: detections, the timeline and the source facts.

    ``detections`` has every column of ``records.DETECTION_COLUMNS`` and ``QUALITY_COLUMNS``
    except ``qualifies``; ``stopped`` is set when decoding ended early because of damage. ``info`` is
    the source as known after the pass (frame count and fps measured where the file did not say).
    ``checking`` is the text reader's check of the model (:meth:`vision.inference.checking.TrackChecker.summary`),
    None when the model was not checked; ``reads`` the number of whole-frame reads; ``replay_reads`` the
    number of border strips the replay spotter read (:mod:`vision.inference.replay`); ``other_reads``
    the lines whole-frame reads read that name no sponsor (the ambush radar's input), None without
    whole-frame reads. ``detections`` also has the ``placement`` column and ``timeline.shot_types``
    the type of each shot (:mod:`vision.inference.context`); ``context_cpu_s`` is the CPU time that
    classification took, seconds.
    """

    detections: pd.DataFrame
    timeline: Timeline
    info: SourceInfo
    stopped: StopInfo | None
    checking: dict[str, object] | None = None
    reads: int = 0
    context_cpu_s: float = 0.0
    replay_reads: int = 0
    other_reads: OtherReads | None = None  # unmatched lines of whole-frame reads; None: none were made
    #: the reader alone: crops read again at a previous detection's place, and detections they added
    #: (:mod:`vision.inference.reread`); None with a model
    reread: dict[str, int] | None = None


#: The detection table's columns as :func:`analyse_video` returns them, and their dtypes.
_COLUMNS: dict[str, str] = {
    c: DETECTION_COLUMNS.get(c) or QUALITY_COLUMNS[c]
    for c in (*DETECTION_COLUMNS, *QUALITY_COLUMNS)
    if c != "qualifies"
}


class _Columns:
    """Accumulates the detection table column by column and builds its DataFrame once at the end.

    Each column is one preallocated numpy array that doubles its capacity when full, one column
    at a time, so the only memory beyond the table itself is the untouched tail of each numeric array
    (virtual memory, not resident) and one column during a resize. String columns (``sponsor``,
    ``zone``) are stored as references to one shared string object per distinct value, never as
    one string per row. The DataFrame :meth:`frame` returns wraps these arrays without a copy.
    The table costs about 170 bytes per detection.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self.rows = 0
        self.arrays: dict[str, np.ndarray] = {c: np.empty(capacity, dtype=d) for c, d in _COLUMNS.items()}
        self._strings: dict[str, str] = {}  # one shared object per distinct string value

    def add(self, dets: Detections) -> None:
        """Append the rows of ``dets``: its detection columns (shot included) and, from its ``data``,
        the quality columns."""
        n = len(dets)
        if n == 0:
            return
        part = dets.columns()
        if self.rows + n > self.capacity:
            self._grow(self.rows + n)
        end = self.rows + n
        for c, arr in self.arrays.items():
            values = part[c]
            if arr.dtype == object:
                values = [self._strings.setdefault(v, v) for v in values]
            arr[self.rows : end] = values
        self.rows = end

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * self.capacity)
        for c in self.arrays:  # one column at a time: the transient is one column, not the table
            bigger = np.empty(capacity, dtype=self.arrays[c].dtype)
            bigger[: self.rows] = self.arrays[c][: self.rows]
            self.arrays[c] = bigger
        self.capacity = capacity

    def frame(self) -> pd.DataFrame:
        """Return the table (one row per detection, columns and dtypes of ``_COLUMNS``), no copy."""
        if self.rows == 0:
            return empty_detections(with_quality=True)[list(_COLUMNS)]
        # Series with an explicit dtype: pandas would otherwise infer its string dtype for the
        # object columns, one new string object per row
        data = {c: pd.Series(a[: self.rows], dtype=a.dtype, copy=False) for c, a in self.arrays.items()}
        return pd.DataFrame(data, copy=False)


def _restamp(dets: Detections, frame: int, t: float) -> Detections:
    """Return ``dets`` (a held whole-frame read) as detections of another frame (``t`` seconds), untracked."""
    return Detections(
        dets.xyxy, dets.confidence, dets.sponsor, dets.polygon, frame=frame, time=t, source=dets.source
    )


def _with_reserve(table: pd.DataFrame, reserve: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` plus the reserve reads (whole-frame reads of a sponsor the model detected on the
    same frame) of the (frame, sponsor) pairs where no detection is left after checking: the read
    stands in for the model's rejected or dropped detections. Rows stay in frame order."""
    if reserve.empty:
        return table
    left = pd.MultiIndex.from_arrays([table["frame"], table["sponsor"].astype(str)])
    wanted = ~pd.MultiIndex.from_arrays([reserve["frame"], reserve["sponsor"].astype(str)]).isin(left)
    if not wanted.any():
        return table
    merged = pd.concat([table, reserve[wanted]], ignore_index=True)
    return merged.iloc[np.argsort(merged["frame"].to_numpy(), kind="stable")].reset_index(drop=True)


def _read_whole(
    reader: TextReader, image: np.ndarray, frame: int, t: float, others: OtherReads
) -> Detections:
    """Read a whole frame: return its sponsor detections; the lines naming no sponsor go to ``others``."""
    dets, unmatched = reader.read_frame(image, frame, t)
    others.add(unmatched, frame, t)
    return dets


def analyse_video(
    source: VideoSource,
    detector: LogoDetector | TextReader,
    batch_size: int = 8,
    track_memory_s: float = 1.0,
    on_frames: Callable[[int], None] | None = None,
    reader: TextReader | None = None,
    check: bool = True,
    read_fps: float | None = None,
    settings: MeasureSettings | None = None,
    replays: bool = True,
    unread: str = "auto",
    occlusion: ArtworkOcclusion | None = None,
) -> VideoAnalysis:
    """Run detection, cut detection, tracking and per-detection quality over ``source``.

    ``detector`` is the YOLO model, or the text reader alone (reading is then the detector).
    With a model, ``reader`` adds the text reader: ``check`` reads the crops of the model's tracks
    and drops the rejected ones, and the unread ones as the ``unread`` policy says
    (:mod:`vision.inference.checking`); ``read_fps`` reads whole frames that many times per second
    (of presentation time) and adds the sponsors the model did not detect. A whole-frame read stands
    for the time until the next read, like a sampled frame: its detections are held, at their place,
    on every analysed frame until then, within the same shot, except in frames where the model
    detects that sponsor itself, unless the check drops every detection of it there (rejected, or
    unread and dropped): the read then stands in for them. Only detections that qualify under
    ``settings`` (default thresholds without) are read: the others count toward no number.
    ``on_frames(n)`` is called after each batch with the number of decoded frames it advanced (for
    progress bars). ``occlusion`` judges how much of each detected logo is hidden, against the
    sponsor's artwork (:mod:`vision.inference.occlusion`). ``replays`` finds the shots that
    are replays (:class:`vision.inference.replay.ReplaySpotter`, ``Timeline.replays``). Returns a :class:`VideoAnalysis`.
    """
    info = source.info
    analysed_fps = source.analysed_fps
    if occlusion:
        occlusion.start()
    cuts = CutDetector(info.fps)
    context = FrameContext()  # placement and shot type (vision.inference.context)
    columns = _Columns()
    times: list[float] = []
    frames: list[int] = []
    shot = 0
    last_index = -1
    if reader is detector:
        reader = None
    names = combined_names(detector.names, reader)
    tracker = SponsorTracker(analysed_fps, memory_s=track_memory_s, names=names)
    checker = TrackChecker(reader, set(reader.names), unread=unread) if reader is not None and check else None
    settings = settings or MeasureSettings()
    period = 1.0 / read_fps if reader is not None and read_fps else None
    next_read = -math.inf
    held: Detections | None = None
    reads = 0
    unread_rows: list[np.ndarray] = []  # per checked frame, its kept untracked detections that are unread
    reserve = _Columns(64)  # whole-frame reads of sponsors the model detected on the same frame
    spotter = ReplaySpotter() if replays else None
    others = OtherReads() if isinstance(detector, TextReader) or period is not None else None
    rereader = ReReader(detector) if isinstance(detector, TextReader) else None
    for batch in source.batches(batch_size):
        if isinstance(detector, TextReader) and others is not None:
            dets = [_read_whole(detector, f.image, f.index, f.t, others) for f in batch]
        else:
            dets = detector.predict([f.image for f in batch], [f.index for f in batch], [f.t for f in batch])
        for f, d in zip(batch, dets, strict=True):
            small = downscale(f.image)  # the cut detector's own downscaling, done once for both
            new_shot = cuts.update(small, f.t)
            if new_shot:
                tracker.reset()
                shot += 1
                held, next_read = None, -math.inf  # a read never outlives its shot
            context.update(small, f.index, shot, new_shot)
            if rereader is not None:
                d = rereader.update(f.image, d, f.index, f.t, new_shot)
            texts: list[str] = []  # the text lines of a whole-frame read of this frame
            if period is not None and reader is not None and f.t >= next_read:
                lines = reader.read_lines(f.image)
                found, unmatched = reader.split_lines(lines, f.image.shape[:2])
                held = text_detections(found, reader.names, f.index, f.t)
                if others is not None:
                    others.add(unmatched, f.index, f.t)
                reads += 1
                texts = [line.text for line in lines]
                next_read = (math.floor(f.t / period) + 1) * period
            if spotter is not None:
                spotter.update(f.image, f.t, shot, new_shot, texts)
            if held is not None:
                here = _restamp(held, f.index, f.t)
                if checker is not None:  # reads of sponsors the model detected: kept in reserve
                    spare = here[np.isin(here.sponsor.astype(str), d.sponsor.astype(str))]
                    if len(spare):
                        spare.polygon = spare.corners
                        spare, seen = in_view(occlusion, f.image, spare)
                        spare.data.update(frame_quality(f.image, spare.corners, seen))
                        spare.shot = np.full(len(spare), shot, dtype=np.int64)
                        reserve.add(spare)
                d = add_reads(d, here)
            if reader is not None and d.polygon is None:
                d.polygon = d.corners  # one box format for every frame: the tracker keeps its kind of box
            h, w = f.image.shape[:2]
            tracker.update(d, (h, w))
            if len(d):
                d, seen = in_view(occlusion, f.image, d)
                d.data.update(frame_quality(f.image, d.corners, seen))
            if checker is not None:  # every analysed frame, so that the checker sees a track's gaps
                worth = (
                    qualifies(
                        d.data["clarity"],
                        d.data["short_side_px"],
                        min(h, w),
                        settings,
                        d.data["visible_fraction"],
                    )
                    if len(d)
                    else np.zeros(0, dtype=bool)
                )
                keep = checker.check_mask(f.image, d, shot, worth)
                if checker.unread == "auto":  # only auto decides at the end which of them count
                    unread_rows.append(checker.last_unread[keep])
                if not keep.all():
                    d = d[keep]
            d.shot = np.full(len(d), shot, dtype=np.int64)
            columns.add(d)
            times.append(f.t)
            frames.append(f.index)
        if on_frames is not None:
            on_frames(batch[-1].index - last_index)
        last_index = batch[-1].index
    end = source.end_time()
    table = columns.frame()
    if checker is not None:
        keep = checker.keep(table["shot"].to_numpy(), table["sponsor"].tolist(), table["track_id"].to_numpy())
        if checker.drops_unread() and unread_rows:  # the untracked detections no read could judge
            keep &= ~np.concatenate(unread_rows)
        if not keep.all():
            table = table[keep].reset_index(drop=True)
        table = _with_reserve(table, reserve.frame())
    table = complete_cut_logos(table, info.width, info.height)  # logos cut off by the frame border
    table["placement"], shot_types = context.classify(table, info.width, info.height, len(cuts.cuts_s) + 1)
    timeline = Timeline(
        times=np.asarray(times),
        frames=np.asarray(frames),
        duration_s=max(end, times[-1] if times else 0.0),
        width=info.width,
        height=info.height,
        cuts_s=tuple(cuts.cuts_s),
        shot_types=shot_types,
        replays=spotter.replays(len(cuts.cuts_s) + 1) if spotter is not None else (),
    )
    # source.info now holds what the complete pass measured (frame count, fps of files without one)
    return VideoAnalysis(
        table,
        timeline,
        source.info,
        source.stopped,
        checking=checker.summary() if checker is not None else None,
        reads=reads,
        context_cpu_s=context.cpu_s,
        replay_reads=spotter.reads if spotter is not None else 0,
        other_reads=others,
        reread={"crops": rereader.crops, "found": rereader.added} if rereader is not None else None,
    )
