"""Small videos and images generated for the tests (nothing is downloaded or checked in).

Every video frame ``i`` carries its number as a 6-bit black/white stripe code in its top half
(robust to lossy compression) and a pure blue bottom half (BGR order check), so a decoded frame
can be matched to the frame that was written.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

BITS = 6


def frame_image(i: int, width: int = 160, height: int = 120) -> np.ndarray:
    """Return the BGR picture written as frame ``i`` (0 <= i < 64)."""
    img = np.zeros((height, width, 3), np.uint8)
    img[height // 2 :] = (255, 0, 0)
    edges = np.linspace(0, width, BITS + 1).astype(int)
    for bit in range(BITS):
        if (i >> bit) & 1:
            img[: height // 2, edges[bit] : edges[bit + 1]] = 255
    return img


def frame_id(image: np.ndarray) -> int:
    """Return the frame number coded in ``image`` by :func:`frame_image`."""
    height, width = image.shape[:2]
    edges = np.linspace(0, width, BITS + 1).astype(int)
    grey = image[: height // 2].mean(axis=2)
    value = 0
    for bit in range(BITS):
        lo, hi = edges[bit], edges[bit + 1]
        centre = grey[height // 8 : 3 * height // 8, lo + (hi - lo) // 4 : hi - (hi - lo) // 4]
        value |= int(centre.mean() > 128) << bit
    return value


def is_blue_bottom(image: np.ndarray) -> bool:
    """True when the bottom half decodes as blue (channel order BGR kept)."""
    b, g, r = (float(image[image.shape[0] * 5 // 8 :, :, c].mean()) for c in range(3))
    return b > 200 and g < 60 and r < 60


def write_cv_video(
    path: Path, fourcc: str = "mp4v", n: int = 30, fps: float = 25.0, size: tuple[int, int] = (160, 120)
) -> Path:
    """Write ``n`` identifying frames with ``cv2.VideoWriter``; return ``path``."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    assert writer.isOpened(), f"OpenCV cannot write {fourcc} to {path}"
    for i in range(n):
        writer.write(frame_image(i, *size))
    writer.release()
    return path


def write_av_video(
    path: Path,
    pts: list[int],
    time_base: Fraction = Fraction(1, 1000),
    codec: str = "mpeg4",
    fmt: str | None = None,
    rate: int | None = None,
    rotation: int | None = None,
    size: tuple[int, int] = (64, 48),
    no_rate: bool = False,
    image=None,
) -> Path:
    """Write one frame per entry of ``pts`` (in ``time_base`` units) with PyAV; return ``path``.

    ``no_rate`` clears the frame rate so the container carries no rate information;
    ``rotation`` sets the display matrix (counter-clockwise degrees, as PyAV defines it);
    ``image(i)`` overrides the picture of frame ``i``.
    """
    width, height = size
    container = av.open(str(path), "w", format=fmt)
    stream = container.add_stream(codec, rate=rate) if rate else container.add_stream(codec)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    stream.time_base = time_base
    stream.codec_context.time_base = time_base
    if no_rate:
        stream.codec_context.framerate = Fraction(0, 1)
    if rotation is not None:
        stream.set_display_rotation(rotation)
    for i, p in enumerate(pts):
        pic = image(i) if image is not None else frame_image(i, width, height)
        frame = av.VideoFrame.from_ndarray(pic, format="bgr24")
        frame.pts = p
        frame.time_base = time_base
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def write_audio_only(path: Path) -> Path:
    """Write a short AAC file without any video stream; return ``path``."""
    container = av.open(str(path), "w")
    stream = container.add_stream("aac", rate=44100)
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
    frame.sample_rate = 44100
    for i in range(10):
        frame.pts = i * 1024
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def truncate(src: Path, dst: Path, fraction: float) -> Path:
    """Copy the first ``fraction`` of ``src``'s bytes to ``dst``; return ``dst``."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst
