"""Sponsor colours and the few OpenCV drawing calls the annotators (:mod:`cli.annotators`) share.

Lines and polygons are drawn with OpenCV; labels are rendered once per text with Pillow and the
DejaVu Sans font bundled with matplotlib (OpenCV's own fonts are ASCII only, sponsor names are
not), then pasted with their alpha. A sponsor has the same colour in the report's charts, its
thumbnails and the annotated video: colours follow the order of the names given (the model's
class order).
"""

from __future__ import annotations

import colorsys
import functools
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

#: Tableau 10, then the lighter half of matplotlib's tab20: distinct and print-friendly.
PALETTE: tuple[str, ...] = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
)  # fmt: skip


def _hex_rgb(h: str) -> tuple[int, int, int]:
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def color_hex(i: int) -> str:
    """Return the ``#rrggbb`` colour of the ``i``-th sponsor (golden-ratio hues past the palette)."""
    if i < len(PALETTE):
        return PALETTE[i]
    r, g, b = colorsys.hsv_to_rgb((i * 0.618034) % 1.0, 0.55, 0.8)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def sponsor_colors(names: Iterable[str]) -> dict[str, str]:
    """Return ``{sponsor: "#rrggbb"}`` in the order given (duplicates keep their first colour)."""
    out: dict[str, str] = {}
    for name in names:
        if name not in out:
            out[name] = color_hex(len(out))
    return out


def bgr(hex_color: str) -> tuple[int, int, int]:
    """Return an OpenCV BGR tuple for ``#rrggbb``."""
    r, g, b = _hex_rgb(hex_color)
    return b, g, r


@functools.cache
def _font_path() -> str:
    import matplotlib

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf")


@functools.lru_cache(maxsize=512)
def _label_sprite(text: str, size_px: int, fg: tuple[int, int, int], bg: tuple[int, int, int]) -> np.ndarray:
    """Return a BGR label image (``fg`` text on a solid ``bg`` box, both BGR), rendered with Pillow."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(_font_path(), size_px)
    left, top, right, bottom = font.getbbox(text)
    pad = max(2, size_px // 4)
    w, h = right - left + 2 * pad, bottom - top + 2 * pad
    img = Image.new("RGB", (max(w, 1), max(h, 1)), bg[::-1])
    ImageDraw.Draw(img).text((pad - left, pad - top), text, font=font, fill=fg[::-1])
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def text_color_on(bg_bgr: tuple[int, int, int]) -> tuple[int, int, int]:
    """Return black or white, whichever reads better on ``bg_bgr``."""
    b, g, r = bg_bgr
    return (20, 20, 20) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


def paste_label(
    img: np.ndarray, text: str, x: int, y: int, bg: tuple[int, int, int], size_px: int, above: bool = True
) -> tuple[int, int]:
    """Draw ``text`` on a ``bg`` (BGR) box anchored at pixel (x, y) of ``img`` (in place).

    With ``above`` the box sits above (x, y), else below; it is shifted to stay inside the image.
    Returns the box size (width, height) in pixels.
    """
    sprite = _label_sprite(text, max(int(size_px), 6), text_color_on(bg), bg)
    h, w = sprite.shape[:2]
    ih, iw = img.shape[:2]
    x0 = int(min(max(x, 0), max(iw - w, 0)))
    y0 = int(y - h if above else y)
    if y0 < 0:
        y0 = int(y) if above else 0
    y0 = int(min(max(y0, 0), max(ih - h, 0)))
    w_fit, h_fit = min(w, iw - x0), min(h, ih - y0)
    if w_fit > 0 and h_fit > 0:
        img[y0 : y0 + h_fit, x0 : x0 + w_fit] = sprite[:h_fit, :w_fit]
    return w, h


def draw_polygon(
    img: np.ndarray, poly: np.ndarray, color: tuple[int, int, int], thickness: int, solid: bool = True
) -> None:
    """Draw a closed 4-point polygon (pixels, (4, 2)) in place; dashed when not ``solid``."""
    pts = np.round(np.asarray(poly, dtype=float)).astype(np.int32)
    if solid:
        cv2.polylines(img, [pts.reshape(-1, 1, 2)], True, color, thickness, cv2.LINE_AA)
        return
    for a, b in zip(pts, np.roll(pts, -1, axis=0), strict=True):
        length = float(np.hypot(*(b - a)))
        n = max(int(length // 12), 1)
        for k in range(0, n, 2):
            p = a + (b - a) * (k / n)
            q = a + (b - a) * (min(k + 1, n) / n)
            cv2.line(img, tuple(int(v) for v in p), tuple(int(v) for v in q), color, thickness, cv2.LINE_AA)
