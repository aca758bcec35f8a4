"""``analyze --annotate OUT.mp4``: the input video with every detection drawn and an exposure clock.

Every input frame is written, so the output has the input's frame count and frame rate. A frame
that was not analysed (``--sample-fps``) shows the detections of the latest analysed frame at or
before it. Qualifying detections (those counted as exposure) are drawn solid, the others dashed
and thin. The per-sponsor clock shows the exposure seconds counted up to the end of the frame on
screen, read from the segments table, so on the last frame it equals each sponsor's
``exposure_s``.

Faces are blurred (on by default, :mod:`vision.inference.faces`), logos kept sharp. The face detector
runs :data:`FACE_FPS` times a second of video; every frame is blurred where the faces were found at
the detection before it and the one after it, so a face moving between two detections stays covered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from cli.annotators import LabelAnnotator, PolygonAnnotator, annotate_each, sponsor_track_labels
from cli.draw import bgr, paste_label, sponsor_colors
from measure.clock import ExposureClock
from measure.errors import InputError, OutputError
from measure.store import atomic_path
from vision.inference.detections import Detections
from vision.inference.faces import Anonymiser, anonymiser
from vision.inference.faces import anonymise as anonymise_faces
from vision.io.sources import Frame, SampleRule

VIDEO_OUT_SUFFIXES = (".mp4", ".m4v", ".mov")
MAX_CLOCK_ROWS = 12
#: Face detections per second of video for the annotated video (each costs about a second of CPU
#: at 720p; docs/benchmarks.md).
FACE_FPS = 5.0


@dataclass(frozen=True)
class AnnotateResult:
    """What :func:`annotate_video` wrote: the file, frames written, and their rate (frames/s)."""

    path: Path
    frames: int
    fps: float


def _per_frame(dets: pd.DataFrame) -> dict[int, Detections]:
    """Group the detection table by frame, each frame's rows in table order, with a boolean
    ``qualifies`` column in ``data`` (all True when the table has none)."""
    if dets.empty:
        return {}
    d = Detections.from_frame(dets)
    d.sponsor = np.asarray([str(s) for s in d.sponsor], dtype=object)
    q = dets["qualifies"].to_numpy(bool) if "qualifies" in dets else np.ones(len(dets), bool)
    d.data = {"qualifies": q}
    order = np.argsort(d.frame, kind="stable")
    frames, starts = np.unique(d.frame[order], return_index=True)
    return {int(f): d[rows] for f, rows in zip(frames, np.split(order, starts[1:]), strict=True)}


def _fmt_clock(seconds: float) -> str:
    m, s = divmod(seconds, 60.0)
    return f"{int(m)}:{s:04.1f}" if m else f"{s:.1f} s"


class _Overlay:
    """Draws one frame's boxes, labels, the exposure clock panel and the timecode."""

    def __init__(
        self, width: int, height: int, sponsors: Sequence[str], colors: dict[str, str], clock: ExposureClock
    ) -> None:
        self.colors = {s: bgr(c) for s, c in colors.items()}
        self.clock = clock
        self.line = max(2, round(height / 360))
        self.font = max(11, round(height / 42))
        #: qualifying detections solid over a dark outline, the others dashed and thin
        self.annotators = (
            PolygonAnnotator(
                colors, self.line, outline=2, solid="qualifies", dashed_thickness=max(1, self.line // 2)
            ),
            LabelAnnotator(colors, round(self.font * 0.8), text=sponsor_track_labels, offset=self.line),
        )
        shown = [s for s in sponsors if clock.total(s) > 0] or list(sponsors)
        shown.sort(key=lambda s: -clock.total(s))
        self.rows = shown[:MAX_CLOCK_ROWS]
        self.name_w = max((len(s) for s in self.rows), default=4)

    def draw(
        self,
        img: np.ndarray,
        detections: Detections,
        index: int,
        t: float,
        t_end: float,
    ) -> None:
        """Draw ``detections`` (one frame's, ``qualifies`` in ``data``), the clock panel and the
        timecode of frame ``index`` at ``t`` seconds on ``img`` (in place); the clock shows the
        exposure counted up to ``t_end`` seconds."""
        annotate_each(img, detections, self.annotators)
        self._panel(img, t, t_end)
        m, s = divmod(t, 60.0)
        h, w = img.shape[:2]
        text = f"frame {index}  {int(m)}:{s:06.3f}"
        paste_label(img, text, w, h, (32, 32, 32), round(self.font * 0.75), above=True)

    def _panel(self, img: np.ndarray, t: float, t_end: float) -> None:
        if not self.rows:
            return
        pad, row_h = self.font // 2, round(self.font * 1.55)
        width = round(self.font * (0.62 * self.name_w + 7.5))
        height = pad * 2 + row_h * (len(self.rows) + 1)
        h, w = img.shape[:2]
        x0, y0 = pad, pad
        x1, y1 = min(x0 + width, w), min(y0 + height, h)
        roi = img[y0:y1, x0:x1]
        roi[:] = (roi.astype(np.uint16) * 2 // 5).astype(np.uint8)  # darken 60 %: readable on any frame
        paste_label(
            img, "Exposure (counted s)", x0 + pad, y0 + pad, (24, 24, 24), round(self.font * 0.8), False
        )
        for i, sponsor in enumerate(self.rows):
            y = y0 + pad + row_h * (i + 1)
            color = self.colors.get(sponsor, (255, 255, 255))
            on = self.clock.visible(sponsor, t)
            sw = round(self.font * 0.9)
            cv2.rectangle(img, (x0 + pad, y + 2), (x0 + pad + sw, y + 2 + sw), color, -1 if on else self.line)
            text = f"{sponsor}  {_fmt_clock(self.clock.at(sponsor, t_end))}"
            paste_label(img, text, x0 + 2 * pad + sw, y, (24, 24, 24) if not on else color, self.font, False)


def check_annotate_path(out: Path) -> None:
    """Raise ValueError when ``out`` cannot name the annotated video (call before a long analysis)."""
    if out.suffix.lower() not in VIDEO_OUT_SUFFIXES:
        raise InputError(f"{out}: annotated video must end in one of {', '.join(VIDEO_OUT_SUFFIXES)}")
    if out.is_dir():
        raise InputError(f"{out}: is a directory; give a file name ending in .mp4")


def annotate_video(
    video: str | Path,
    detections: pd.DataFrame,
    segments: pd.DataFrame,
    out_mp4: str | Path,
    sponsors: Sequence[str] | None = None,
    sample_fps: float | None = None,
    on_frames: Callable[[int], None] | None = None,
    anonymise: bool = True,
) -> AnnotateResult:
    """Write ``out_mp4``: ``video`` with boxes or oriented polygons, sponsor labels, track IDs and a
    running per-sponsor exposure clock; return what was written.

    ``detections`` is the analysis's detection table (``qualifies`` column: solid vs dashed),
    ``segments`` its segments table (drives the clock), ``sponsors`` the sponsor names in colour
    order (the model's classes; default: the order they appear in), ``sample_fps`` the value the
    analysis ran with. Every decoded frame is written (MPEG-4 Part 2, at the input's frame rate),
    through a temporary file renamed into place, so a failed run leaves no partial file.
    ``on_frames(1)`` is called per written frame. ``anonymise`` blurs faces (module docstring). Raises :class:`OutputError` when the file cannot
    be written and ValueError for an unsupported suffix or a stream URL.
    """
    from vision.io.sources import is_stream_url, open_video

    if is_stream_url(video):
        raise InputError(f"{video}: --annotate needs a video file; a live stream cannot be read twice")
    out = Path(out_mp4)
    check_annotate_path(out)
    names = list(sponsors or []) + [
        str(s) for s in pd.unique(pd.concat([segments["sponsor"], detections["sponsor"]]))
    ]
    colors = sponsor_colors(names)
    clock = ExposureClock(segments)
    by_frame = _per_frame(detections)
    rule = SampleRule(sample_fps)
    blur = anonymiser(anonymise)

    written = 0
    with open_video(video) as source, atomic_path(out) as tmp:
        info = source.info
        fps = info.fps if info.fps > 0 else 25.0
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps, (info.width, info.height))
        if not writer.isOpened():
            raise OutputError(f"{out}: cannot write video here")
        overlay = _Overlay(info.width, info.height, list(dict.fromkeys(names)), colors, clock)
        current = Detections.empty()
        pending = None  # (index, t, image, detections): written once the next frame's time is known
        try:
            for frame, image in _blurred(source, blur, by_frame):
                if rule.picks(frame.t):
                    current = by_frame.get(frame.index, Detections.empty())
                if pending is not None:
                    _emit(writer, overlay, *pending, t_end=frame.t)
                    written += 1
                    if on_frames:
                        on_frames(1)
                pending = (frame.index, frame.t, image, current)
            if pending is not None:
                _emit(writer, overlay, *pending, t_end=math.inf)
                written += 1
                if on_frames:
                    on_frames(1)
        finally:
            writer.release()
        if tmp.stat().st_size == 0:
            raise OutputError(f"{out}: cannot write video (nothing was written; disk full?)")
    return AnnotateResult(out, written, fps)


def _blurred(
    frames: Iterable[Frame], blur: Anonymiser | None, logos: dict[int, Detections]
) -> Iterator[tuple[Frame, np.ndarray]]:
    """Yield each frame with its picture, faces blurred when ``blur`` is given (module docstring):
    frames are held from one face detection to the next, then blurred where either found faces.
    The latest analysed logos (``logos`` by frame) stay sharp."""
    if blur is None:
        yield from ((f, f.image) for f in frames)
        return
    held: list[tuple[Frame, np.ndarray]] = []
    last = np.empty((0, 5), np.float32)
    next_t = -math.inf
    keep = np.empty((0, 4, 2))
    for f in frames:
        if f.index in logos:
            keep = logos[f.index].corners
        if f.t + 1e-9 >= next_t:
            found = blur.detector(f.image)
            both = np.vstack([last, found])
            for g, k in held:
                yield g, anonymise_faces(g.image.copy(), both, k)
            held, last, next_t = [], found, f.t + 1.0 / FACE_FPS
        held.append((f, keep))
    for g, k in held:
        yield g, anonymise_faces(g.image.copy(), last, k)


def _emit(
    writer: cv2.VideoWriter,
    overlay: _Overlay,
    index: int,
    t: float,
    image: np.ndarray,
    detections: Detections,
    t_end: float,
) -> None:
    img = image.copy()
    overlay.draw(img, detections, index, t, t_end)
    writer.write(img)
