"""Video files and live streams as a sequence of timestamped BGR frames.

Decoding is done by OpenCV's FFmpeg backend (``cv2.VideoCapture``); the container is probed with
PyAV for what OpenCV does not expose (stream duration, exact frame count, missing-stream reasons).
Every :class:`Frame` carries the presentation timestamp the container gives it (seconds), so
variable-frame-rate files are timed correctly. Frames are decoded in a background thread into a
small bounded queue, so memory stays flat for a video of any length.

Errors the user can cause (missing file, not a video, no frames, unreachable stream) raise
:class:`SourceError` with a one-line message naming the source and the reason. Damage in the middle
of a file does not raise: iteration yields every frame up to the damage and then records where and
why it stopped in :attr:`VideoSource.stopped`.
"""

from __future__ import annotations

import contextlib
import math
import os

# Keep FFmpeg's and OpenCV's console noise (damaged packets, probing) out of the user's terminal.
# Both are read when the first capture is opened, so this works even if cv2 is already imported.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

import queue
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from measure.errors import InputError, first_line
from measure.limits import check_frame_pixels
from measure.paths import display_path
from vision.io.discovery import unreadable_file

#: Milliseconds OpenCV waits to open a stream, and for each read, before giving up.
STREAM_TIMEOUT_MS = 15_000

#: Memory (bytes) the frames decoded ahead of the consumer may take when ``prefetch`` is not given:
#: about 40 frames of 1080p, 10 of 4K; always between 2 and 64 frames.
PREFETCH_BYTES = 256 * 1024 * 1024

_URL_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_MAX_SANE_FPS = 1000.0


class SourceError(InputError):
    """A video or stream cannot be opened or decoded; the message is one line naming it and why."""


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source when it is opened (refined after a complete pass).

    ``duration_s``: seconds (video stream or container duration; 0.0 when unknown, e.g. a live
    stream or a raw elementary stream). ``fps``: nominal/average frames per second (0.0 when
    unknown). ``width``/``height``: pixels of the frames yielded (after rotation). ``frames``: frame
    count (0 when unknown; exact after a complete undamaged pass). ``rotation``: clockwise degrees
    (0, 90, 180, 270) the decoder turned the pictures by to honour the file's display matrix.
    """

    path: str
    duration_s: float
    fps: float
    width: int
    height: int
    frames: int
    rotation: int
    is_stream: bool = False


@dataclass(frozen=True)
class Frame:
    """One decoded frame: 0-based decoded-frame ``index``, presentation time ``t`` (seconds, from
    the container) and the picture ``image`` (BGR uint8, H x W x 3, rotation applied)."""

    index: int
    t: float
    image: np.ndarray


@dataclass(frozen=True)
class StopInfo:
    """Where decoding ended early: ``frame`` is the index of the first frame that could not be
    decoded (= number of frames decoded), ``t`` the time (seconds) decoding reached, ``reason`` a
    one-line explanation."""

    frame: int
    t: float
    reason: str


class SampleRule:
    """Which frames ``sample_fps=F`` picks, decided from timestamps fed in decoding order.

    A frame is picked iff its timestamp is at or past the next target ``k / F`` seconds
    (k = 0, 1, 2, ...); targets that one frame jumps over are not repeated. ``None`` picks all.
    """

    def __init__(self, sample_fps: float | None) -> None:
        self.step = 1.0 / sample_fps if sample_fps else 0.0
        self.next_k = 0

    def picks(self, t: float) -> bool:
        """Return True when the frame at ``t`` seconds is picked (call once per frame, in order)."""
        if not self.step:
            return True
        if t < self.next_k * self.step - 1e-6:
            return False
        self.next_k = math.floor(t / self.step + 1e-6) + 1
        return True


def is_stream_url(source: str | Path) -> bool:
    """Return True when ``source`` is a URL (``scheme://...``) rather than a file path."""
    return isinstance(source, str) and _URL_RE.match(source) is not None


def redact_url(url: str) -> str:
    """Return ``url`` with any password (``user:password@``) replaced by ``***``."""
    return re.sub(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*):[^/@]*@", r"\1:***@", url)


# --------------------------------------------------------------------------------------------- probe


@dataclass(frozen=True)
class _Probe:
    """Container facts PyAV can read without decoding (None/0 when unknown)."""

    has_video: bool
    duration_s: float | None = None
    frames: int = 0
    avg_fps: float = 0.0
    still_image: str = ""  #: the image format when the file is a single still picture, not a video


def _parse_hms(text: str) -> float | None:
    """Return seconds for a Matroska ``DURATION`` tag such as ``00:01:02.500000000``."""
    m = re.fullmatch(r"\s*(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*", text)
    if not m:
        return None
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def _probe(path: str) -> _Probe | None:
    """Probe a local file with PyAV; return None when PyAV cannot open it at all."""
    try:
        import av

        with av.open(path, metadata_errors="ignore") as container:
            fmt = str(container.format.name)
            if fmt in ("image2", "image2pipe") or fmt.endswith("_pipe"):  # still-image demuxers
                return _Probe(has_video=True, still_image=fmt.removesuffix("_pipe"))
            videos = [
                s
                for s in container.streams.video
                if not (int(s.disposition) & int(av.stream.Disposition.attached_pic))
            ]
            if not videos:
                return _Probe(has_video=False)
            s = videos[0]
            duration = None
            if s.duration and s.time_base:
                duration = float(s.duration * s.time_base)
            if not duration:
                duration = _parse_hms(str(s.metadata.get("DURATION", "")))
            if not duration and container.duration:
                duration = container.duration / 1_000_000
            avg = float(s.average_rate) if s.average_rate else 0.0
            return _Probe(
                has_video=True,
                duration_s=duration if duration and duration > 0 else None,
                frames=max(int(s.frames or 0), 0),
                avg_fps=avg if 0 < avg <= _MAX_SANE_FPS else 0.0,
            )
    except Exception:  # PyAV raises many types for undecodable input; OpenCV gets its own try
        return None


# ---------------------------------------------------------------------------------------- the source


class VideoSource:
    """An opened video or stream. Iterate it for :class:`Frame` objects; use as a context manager.

    ``info`` describes the source; after a complete pass without damage its ``frames``,
    ``duration_s`` and ``fps`` are replaced by the values measured while decoding where the
    container did not give them. ``stopped`` is a :class:`StopInfo` when the last pass ended early
    because of damage, else None. Iterating again re-opens the source and starts from frame 0.
    """

    def __init__(
        self,
        source: str,
        display: str,
        is_stream: bool,
        sample_fps: float | None,
        prefetch: int | None,
        tmpdir: str | None,
    ) -> None:
        self._source = source  # what OpenCV opens
        self._display = display  # what error messages show
        self._is_stream = is_stream
        self._sample_fps = sample_fps
        self._tmpdir = tmpdir
        self._cap: Any = None
        self._first: tuple[float, np.ndarray] | None = None
        self._probe: _Probe | None = None
        self.stopped: StopInfo | None = None
        self.repaired_timestamps = 0  #: frames whose timestamp was missing or went backwards
        self.resized_frames = 0  #: frames whose size changed mid-stream, resized to ``info`` size
        self._end_s: float | None = None
        self._decoded = 0
        self._closed = False
        self._active: list[_Pass] = []
        try:
            self.info = self._open()
        except BaseException:
            self.close()
            raise
        if prefetch is None:
            frame_bytes = self.info.width * self.info.height * 3
            prefetch = min(max(PREFETCH_BYTES // max(frame_bytes, 1), 2), 64)
        #: frames decoded ahead of the consumer by the background thread (0: no thread)
        self.prefetch = max(int(prefetch), 0)

    # ---------------------------------------------------------------- opening and validation

    def _open_capture(self) -> Any:
        params: list[int] = []
        if self._is_stream:
            params += [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
            ]
        try:
            cap = cv2.VideoCapture(self._source, cv2.CAP_FFMPEG, params)
        except cv2.error as exc:
            raise SourceError(f"{self._display}: cannot open: {first_line(exc)}") from None
        if not cap.isOpened():
            cap.release()
            if self._is_stream:
                raise SourceError(
                    f"{self._display}: cannot open stream (unreachable, refused, timed out "
                    f"after {STREAM_TIMEOUT_MS / 1000:g} s, or unsupported)"
                )
            if self._probe is not None and not self._probe.has_video:
                raise SourceError(f"{self._display}: cannot decode: no video stream")
            raise SourceError(
                f"{self._display}: cannot decode: not a video file, an unsupported format, "
                "or damaged beyond reading"
            )
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)  # the default; pictures come out upright
        return cap

    def _read_first(self, cap: Any) -> tuple[float, np.ndarray]:
        ok = cap.grab()
        img = cap.retrieve()[1] if ok else None
        if img is None or img.size == 0:
            if self._is_stream:
                raise SourceError(f"{self._display}: stream opened but delivered no frame")
            raise SourceError(f"{self._display}: cannot decode: no video frames (empty or damaged video)")
        return _pos_s(cap), _as_bgr(img)

    def _open(self) -> SourceInfo:
        if not self._is_stream:
            self._probe = _probe(self._source)
            if self._probe is not None and self._probe.still_image:
                raise SourceError(
                    f"{self._display}: cannot decode: a still image ({self._probe.still_image}), "
                    "not a video; use `sponsorlens photos` for photos"
                )
        cap = self._open_capture()
        self._cap = cap
        # refuse huge frames before decoding one (the container's size), and after (the decoded size)
        size = (
            int(_finite(cap.get(cv2.CAP_PROP_FRAME_WIDTH))),
            int(_finite(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))),
        )
        check_frame_pixels(self._display, *size, error=SourceError)
        t0, img0 = self._read_first(cap)
        self._first = (t0, img0)
        height, width = img0.shape[:2]
        check_frame_pixels(self._display, width, height, error=SourceError)

        cv_fps = _finite(cap.get(cv2.CAP_PROP_FPS))
        cv_frames = _finite(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        rotation = int(_finite(cap.get(cv2.CAP_PROP_ORIENTATION_META))) % 360
        probe = self._probe or _Probe(has_video=True)

        fps = probe.avg_fps or (cv_fps if 0 < cv_fps <= _MAX_SANE_FPS else 0.0)
        if probe.frames > 0:
            frames = probe.frames
        elif self._is_stream or probe.duration_s is None:
            frames = 0  # OpenCV's count is an estimate (or garbage) without a duration
        else:
            frames = int(cv_frames) if 0 < cv_frames < 1e9 else 0
        duration = probe.duration_s or 0.0
        if not duration and frames and fps and not self._is_stream:
            duration = frames / fps
        return SourceInfo(
            path=self._display,
            duration_s=float(duration),
            fps=float(fps),
            width=int(width),
            height=int(height),
            frames=int(frames),
            rotation=rotation if rotation in (0, 90, 180, 270) else 0,
            is_stream=self._is_stream,
        )

    # ---------------------------------------------------------------- iteration

    def __iter__(self) -> Iterator[Frame]:
        """Yield the frames (all, or those picked by ``sample_fps``) in decoding order."""
        if self._closed:
            raise SourceError(f"{self._display}: source is closed")
        if self._cap is None:  # a second pass: start again from the beginning
            cap = self._open_capture()
            self._cap = cap
            self._first = self._read_first(cap)
        cap, first = self._cap, self._first
        self._cap, self._first = None, None
        assert first is not None
        self.stopped = None
        self._end_s = None
        self.repaired_timestamps = 0
        self.resized_frames = 0
        run = _Pass(self, cap, first)
        self._active.append(run)
        try:
            yield from run.frames()
        finally:
            run.finish()
            self._active.remove(run)

    def batches(self, n: int) -> Iterator[list[Frame]]:
        """Yield lists of ``n`` consecutive frames (the last list may be shorter)."""
        if n < 1:
            raise InputError(f"batch size must be at least 1, got {n}")
        batch: list[Frame] = []
        for frame in self:
            batch.append(frame)
            if len(batch) == n:
                yield batch
                batch = []
        if batch:
            yield batch

    def timeline_end(self) -> float:
        """Return the end (seconds) of the last decoded frame of the latest pass: its timestamp plus
        its frame duration. After a complete pass this is the end of the video as decoded (where
        the last analysed frame stops standing); after an early ``break`` it is the end of the
        last frame yielded. Raises RuntimeError before any frame was yielded."""
        if self._end_s is None:
            raise RuntimeError("timeline_end() is known only after iterating the source")
        return self._end_s

    def end_time(self) -> float:
        """Alias of :meth:`timeline_end`."""
        return self.timeline_end()

    @property
    def analysed_fps(self) -> float:
        """Frames per second that iteration yields (for trackers): ``sample_fps`` when it is below
        the video's rate, else the video's rate; 25.0 when neither is known."""
        fps, sample = self.info.fps, self._sample_fps
        if sample and (fps <= 0 or sample < fps):
            return float(sample)
        return float(fps) if fps > 0 else 25.0

    @property
    def decoded_frames(self) -> int:
        """Number of frames decoded (grabbed) in the latest pass, picked by sampling or not."""
        return self._decoded

    # ---------------------------------------------------------------- closing

    def close(self) -> None:
        """Stop any decoding thread and release the decoder and temporary files."""
        self._closed = True
        for run in list(self._active):
            run.finish()
        if self._cap is not None:
            self._cap.release()
            self._cap = None
        self._first = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self) -> str:
        return f"VideoSource({self.info!r}, sample_fps={self._sample_fps})"


class _Pass:
    """One decoding pass over a capture: sampling, timestamps, damage detection, the thread."""

    def __init__(self, src: VideoSource, cap: Any, first: tuple[float, np.ndarray]) -> None:
        self.src = src
        self.cap = cap
        self.first: tuple[float, np.ndarray] | None = first
        self.stop_evt = threading.Event()
        self.thread: threading.Thread | None = None
        self.q: queue.Queue[Any] = queue.Queue(maxsize=max(src.prefetch, 1))
        self.finished = False
        self.last_yielded: tuple[float, float] | None = None  # (t, frame duration)
        # decoder state, written by the decoding thread and read after it has ended
        self.dec_count = 0
        self.dec_last_t = 0.0
        self.dec_last_dt = 0.0
        self.dec_stop: StopInfo | None = None
        self.dec_complete = False

    # The decoder proper: a plain generator of (Frame, frame duration estimate).
    def _decode(self) -> Iterator[tuple[Frame, float]]:
        src, info = self.src, self.src.info
        rule = SampleRule(src._sample_fps)
        nominal_dt = 1.0 / info.fps if info.fps > 0 else 0.0
        prev_t: float | None = None
        last_dt = nominal_dt
        index = -1
        while not self.stop_evt.is_set():
            if self.first is not None:
                t_raw, image = self.first
                self.first = None
            else:
                if not self.cap.grab():
                    break
                t_raw, image = _pos_s(self.cap), None
            index += 1
            # container timestamp, repaired only when missing or going backwards
            if prev_t is None:
                t = t_raw if math.isfinite(t_raw) and t_raw >= 0 else 0.0
            elif math.isfinite(t_raw) and t_raw > prev_t:
                t = t_raw
                last_dt = t - prev_t
            else:
                t = prev_t + (last_dt or 1e-3)
                src.repaired_timestamps += 1
            prev_t = t
            self.dec_count, self.dec_last_t, self.dec_last_dt = index + 1, t, last_dt
            if not rule.picks(t):
                continue  # skipped by sampling: grabbed, never converted
            if image is None:
                ok, image = self.cap.retrieve()
                if not ok or image is None or image.size == 0:
                    self.dec_count = index
                    self.dec_stop = StopInfo(index, t, "decoded frame could not be converted")
                    return
                image = _as_bgr(image)
                if image.shape[:2] != (info.height, info.width):
                    image = cv2.resize(image, (info.width, info.height), interpolation=cv2.INTER_AREA)
                    src.resized_frames += 1
            yield Frame(index=index, t=t, image=image), last_dt
        if self.stop_evt.is_set():
            return  # stopped by the consumer, not by the end of the data
        self.dec_complete = True
        self.dec_stop = self._damage_check()

    def _damage_check(self) -> StopInfo | None:
        """Compare how far decoding got with what the container promised."""
        info, probe = self.src.info, self.src._probe
        end = round(self.dec_last_t + self.dec_last_dt, 6)
        expected = info.duration_s if info.duration_s > 0 else 0.0
        if probe is not None and probe.frames > 0 and info.fps > 0:
            expected = max(expected, probe.frames / info.fps)
        if expected <= 0:
            return None
        tolerance = max(3.0 / info.fps if info.fps > 0 else 0.0, 0.1)
        if end >= expected - tolerance:
            return None
        what = "stream ended" if info.is_stream else "file truncated or damaged"
        of_frames = f" of {probe.frames}" if probe is not None and probe.frames > 0 else ""
        return StopInfo(
            frame=self.dec_count,
            t=end,
            reason=(
                f"decoding stopped at {end:.3f} s of {expected:.3f} s "
                f"after {self.dec_count}{of_frames} frames ({what})"
            ),
        )

    def _run_thread(self) -> None:
        try:
            for item in self._decode():
                if not self._put(item):
                    return
        except BaseException as exc:  # hand any failure to the consumer's thread
            self._put(_Failure(exc))
        self._put(_END)

    def _put(self, item: Any) -> bool:
        while not self.stop_evt.is_set():
            try:
                self.q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _items(self) -> Iterator[tuple[Frame, float]]:
        if self.src.prefetch <= 0:
            yield from self._decode()
            return
        self.thread = threading.Thread(target=self._run_thread, name="sponsorlens-decoder", daemon=True)
        self.thread.start()
        while True:
            item = self.q.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise SourceError(
                    f"{self.src._display}: decoding failed: {first_line(item.exc)}"
                ) from item.exc
            yield item

    def frames(self) -> Iterator[Frame]:
        for frame, dt in self._items():
            self.last_yielded = (frame.t, dt)
            self.src._decoded = self.dec_count
            yield frame
        self.src._decoded = self.dec_count

    def finish(self) -> None:
        """End the pass: stop and join the thread, release the decoder, settle the results."""
        if self.finished:
            return
        self.finished = True
        self.stop_evt.set()
        if self.thread is not None:
            while self.thread.is_alive():
                with contextlib.suppress(queue.Empty):
                    while True:
                        self.q.get_nowait()
                self.thread.join(timeout=0.05)
        self.cap.release()
        src = self.src
        src._decoded = self.dec_count
        if self.dec_complete:
            src._end_s = round(self.dec_last_t + self.dec_last_dt, 6)
            if src.info.duration_s > self.dec_last_t + 1e-9 and self.dec_stop is None:
                # the container knows when the last frame ends: trust it over the guessed duration
                src._end_s = min(src._end_s, src.info.duration_s)
            src.stopped = self.dec_stop
            if self.dec_stop is None:
                src.info = _refined(src.info, self.dec_count, src._end_s)
        else:
            src.stopped = self.dec_stop  # set only when a frame failed to convert
            if self.last_yielded is not None:
                src._end_s = round(self.last_yielded[0] + self.last_yielded[1], 6)


@dataclass(frozen=True)
class _Failure:
    exc: BaseException


_END = object()


def _refined(info: SourceInfo, count: int, end_s: float) -> SourceInfo:
    """Return ``info`` with frame count, duration and fps measured by a complete pass."""
    duration = info.duration_s if info.duration_s > 0 else end_s
    fps = info.fps if info.fps > 0 else (count / end_s if end_s > 0 else 0.0)
    return replace(info, frames=count, duration_s=duration, fps=fps)


def _pos_s(cap: Any) -> float:
    """Presentation time (seconds) of the frame just grabbed, as the container gives it, rounded
    to the microsecond (OpenCV's millisecond arithmetic leaves 1e-15 s noise)."""
    ms = _finite(cap.get(cv2.CAP_PROP_POS_MSEC), math.nan)
    return round(ms * 1000.0) / 1_000_000.0 if math.isfinite(ms) else math.nan


def _finite(x: float, default: float = 0.0) -> float:
    return float(x) if x is not None and math.isfinite(x) else default


def _as_bgr(img: np.ndarray) -> np.ndarray:
    """Return ``img`` as BGR uint8 H x W x 3 (OpenCV can hand out grey or 16-bit pictures)."""
    if img.dtype != np.uint8:
        img = cv2.convertScaleAbs(img, alpha=255.0 / 65535.0) if img.dtype == np.uint16 else img
        img = img.astype(np.uint8, copy=False)
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img


def open_video(
    path_or_url: str | Path,
    sample_fps: float | None = None,
    prefetch: int | None = None,
) -> VideoSource:
    """Open a video file or a stream URL and validate that it yields at least one frame.

    ``sample_fps``: None yields every frame; F > 0 yields frames evenly in time: a frame is yielded
    iff it is the first whose timestamp is >= the next target time (targets 0, 1/F, 2/F, ...
    seconds; targets a frame jumps over are not repeated). ``prefetch``: frames decoded ahead in a
    background thread (0 decodes in the caller's thread; None: as many as fit in
    :data:`PREFETCH_BYTES`, 2 to 64).

    Returns a :class:`VideoSource`. Raises :class:`SourceError` (one line: the file and the reason)
    for a missing, unreadable or non-video file, a file without frames or an unreachable stream,
    and ValueError for ``sample_fps <= 0``.
    """
    if sample_fps is not None:
        try:
            ok = math.isfinite(float(sample_fps)) and float(sample_fps) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(
                f"sample_fps must be a positive, finite number of frames per second, got {sample_fps!r}"
            )
        sample_fps = float(sample_fps)
    if is_stream_url(path_or_url):
        url = str(path_or_url)
        return VideoSource(url, redact_url(url), True, sample_fps, prefetch, None)

    path = os.fspath(path_or_url)
    display = display_path(path)
    if (why := unreadable_file(path, "video")) is not None:
        raise SourceError(f"{display}: {why}")
    try:
        with open(path, "rb") as fh:
            head = fh.read(1)
    except OSError as exc:
        raise SourceError(f"{display}: cannot read: {exc.strerror or exc}") from None
    if not head:
        raise SourceError(f"{display}: cannot decode: empty file (0 bytes)")

    source, tmpdir = path, None
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        # OpenCV cannot take a path that is not valid UTF-8 (it crashes); give it an ASCII symlink.
        tmpdir = tempfile.mkdtemp(prefix="sponsorlens-")
        suffix = Path(path).suffix if Path(path).suffix.isascii() else ""
        source = os.path.join(tmpdir, "video" + suffix)
        os.symlink(os.path.abspath(path), source)
    try:
        return VideoSource(source, display, False, sample_fps, prefetch, tmpdir)
    except BaseException:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
        raise
