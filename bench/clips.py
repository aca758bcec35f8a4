"""Test clips for the benchmarks: broadcast-like 1080p25 H.264 at a set bitrate, and long plain streams.

``broadcast_clip`` renders the demo sponsors' football clip (:func:`vision.training.clip.render_clip`) and
re-encodes it with libx264 at a constant target bitrate, as a broadcast contribution feed would be
(the renderer's own output is constant-quality, whose bitrate varies with content). Clips are
cached by their parameters, so a second benchmark run does not render again.
"""

from __future__ import annotations

import math
import tempfile
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
ARTWORK = REPO / "weights" / "demo_artwork"
CACHE = Path(tempfile.gettempdir()) / "sponsorlens-bench"


def transcode(
    src: Path,
    dst: Path,
    bitrate: int,
    max_frames: int | None = None,
    gop: int = 50,
    size: tuple[int, int] | None = None,
) -> Path:
    """Re-encode ``src`` to H.264 (libx264, ``bitrate`` bits/s, a keyframe every ``gop`` frames)
    into ``dst``, keeping only the first ``max_frames`` frames when given and scaling to ``size``
    (w, h) when given; return ``dst``."""
    import av

    tmp = dst.with_name(f".{dst.name}.part{dst.suffix}")
    with av.open(str(src)) as inp, av.open(str(tmp), "w") as out:
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        rate = vin.average_rate or Fraction(25)
        stream = out.add_stream("libx264", rate=rate)
        w, h = size or (vin.width, vin.height)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.bit_rate = bitrate
        stream.options = {
            "preset": "veryfast",
            "g": str(gop),
            "x264-params": f"vbv-maxrate={bitrate // 1000}:vbv-bufsize={bitrate // 1000}",
        }
        for i, frame in enumerate(inp.decode(vin)):
            if max_frames is not None and i >= max_frames:
                break
            if size is not None:
                frame = frame.reformat(width=w, height=h, format="yuv420p", interpolation="AREA")
            frame.pts, frame.time_base = i, 1 / rate  # constant frame rate, in frames
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.replace(dst)
    return dst


def broadcast_clip(
    seconds: float = 20.0, size: tuple[int, int] = (1920, 1080), bitrate: int = 8_000_000
) -> Path:
    """Return a cached broadcast-like H.264 clip: ``seconds`` long, ``size`` (w, h) pixels, 25 fps,
    ``bitrate`` bits/s, rendered with the demo sponsors' artwork."""
    from vision.io.artwork import load_logos
    from vision.training.clip import render_clip

    CACHE.mkdir(parents=True, exist_ok=True)
    w, h = size
    dst = CACHE / f"broadcast_{w}x{h}_25fps_{seconds:g}s_{bitrate // 1000}k.mp4"
    if dst.is_file():
        return dst
    raw = CACHE / f"render_{w}x{h}_25fps_{seconds:g}s.mp4"
    if not raw.is_file():
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            render_clip(
                load_logos(ARTWORK), Path(tmp) / raw.name, seconds=seconds, fps=25, size=size, seed=0, crf=12
            )
            (Path(tmp) / raw.name).replace(raw)
    return transcode(raw, dst, bitrate)


def small_broadcast_clip(
    seconds: float = 20.0, size: tuple[int, int] = (640, 360), bitrate: int = 1_500_000
) -> Path:
    """Return a cached ``size`` copy of the 1080p render behind :func:`broadcast_clip` (H.264,
    ``bitrate`` bits/s, 25 fps): the same sponsors and shots at a small size."""
    w, h = size
    dst = CACHE / f"broadcast_{w}x{h}_25fps_{seconds:g}s_{bitrate // 1000}k.mp4"
    if dst.is_file():
        return dst
    broadcast_clip(seconds)  # renders the 1080p original when it is not cached yet
    return transcode(CACHE / f"render_1920x1080_25fps_{seconds:g}s.mp4", dst, bitrate, size=size)


def head_clip(src: Path, frames: int, bitrate: int = 8_000_000) -> Path:
    """Return a cached copy of the first ``frames`` frames of ``src`` at ``bitrate`` bits/s."""
    dst = CACHE / f"{src.stem}_first{frames}.mp4"
    if dst.is_file() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    CACHE.mkdir(parents=True, exist_ok=True)
    return transcode(src, dst, bitrate, max_frames=frames)


def plain_stream(path: Path, seconds: float, size: tuple[int, int] = (640, 360), fps: int = 25) -> Path:
    """Write a ``seconds``-long H.264 stream of moving shapes with two static coloured boards
    (``size`` pixels, ``fps``), quickly: for memory tests, where length matters, not realism."""
    import av

    w, h = size
    n = round(seconds * fps)
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.integers(40, 200, (h, w, 3), dtype=np.uint8), (0, 0), 3)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "28"}
        for i in range(n):
            img = base.copy()
            cv2.rectangle(img, (w // 10, h // 8), (w // 10 + w // 4, h // 8 + h // 10), (0, 0, 220), -1)
            cv2.rectangle(img, (w // 2, h // 8), (w // 2 + w // 4, h // 8 + h // 10), (220, 200, 0), -1)
            cv2.circle(img, ((7 * i) % w, h // 2 + int(h / 4 * np.sin(i / 20))), h // 12, (255, 255, 255), -1)
            if i % (fps * 7) == 0:  # a "cut" every 7 s: shift the background
                base = np.roll(base, w // 3, axis=1)
            yuv = cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420)
            for packet in stream.encode(av.VideoFrame.from_ndarray(yuv, format="yuv420p")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def looped(src: Path, dst: Path, seconds: float) -> Path:
    """Write ``dst``: ``src``'s packets repeated (no re-encoding) until ``seconds`` long; return it.

    Timestamps continue across the joins, so the result plays as one long stream. ``src`` should
    start with a keyframe and have no edit list (true of the clips made here).
    """
    import av

    if dst.is_file():
        return dst
    tmp = dst.with_name(f".{dst.name}.part{dst.suffix}")
    with av.open(str(src)) as probe:
        s = probe.streams.video[0]
        period = int(s.duration) if s.duration else round(s.frames / float(s.average_rate) / s.time_base)
        period_s = float(period * s.time_base)
    loops = max(1, math.ceil(seconds / period_s - 1e-9))
    with av.open(str(tmp), "w") as out:
        ostream = None
        for k in range(loops):
            with av.open(str(src)) as inp:
                vin = inp.streams.video[0]
                if ostream is None:
                    ostream = out.add_stream_from_template(vin)
                for packet in inp.demux(vin):
                    if packet.dts is None:
                        continue
                    packet.pts += k * period
                    packet.dts += k * period
                    packet.stream = ostream
                    out.mux(packet)
    tmp.replace(dst)
    return dst
