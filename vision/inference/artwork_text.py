"""What the text reader reads in a sponsor's own artwork: where its text sits inside the logo.

Inference uses it to guess whether a model's class reads as text (:func:`vision.inference.detectors.reader_beside`)
and to widen a line read on screen to the whole logo (:func:`widen_polygon`): a sponsor found by reading
then has the logo's screen share, as the model's box gives it. The text teacher
(:mod:`vision.training.teacher`) widens its labels the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from vision.inference.text_match import squash

if TYPE_CHECKING:
    from measure.catalogue import Catalogue
    from vision.inference.reader import TextReader

#: Artwork is read on a square canvas of the reader's detection size (so it is never scaled up,
#: where the text detector fails on huge letters), scaled to at most these fractions of it.
CANVAS_WIDTH = 0.7
CANVAS_HEIGHT = 0.15
#: A line read on screen is widened with a layout only when its text is this close in length
#: (squashed characters, as a ratio either way) to the artwork's text: a longer line
#: (``"WWW.SANTANDER.DE"``) or a shorter one (cut by the frame edge) is boxed differently than in the artwork.
LENGTH_RATIO = 1.34
#: Backgrounds (BGR grey level) transparent artwork is read on, in turn: dark text reads on white,
#: white text on black.
BACKGROUNDS = (255, 0)


@dataclass(frozen=True)
class TextLayout:
    """Where the text naming a sponsor sits in its artwork: the text box's corners as fractions of
    the artwork's width (``x1``, ``x2``) and height (``y1``, ``y2``), in [0, 1], the artwork being
    its visible pixels (as the model is trained to box it). ``text`` is the line as read there."""

    x1: float
    y1: float
    x2: float
    y2: float
    text: str = ""


def fits_layout(line_text: str, expected: str) -> bool:
    """True when ``line_text`` is about as long as ``expected`` (squashed characters, within
    :data:`LENGTH_RATIO` either way): the line holds the artwork's whole text and no more."""
    a, b = len(squash(line_text)), len(squash(expected))
    return a > 0 and b > 0 and max(a, b) / min(a, b) <= LENGTH_RATIO


def widen_polygon(polygon: np.ndarray, layout: TextLayout) -> np.ndarray:
    """Return the whole logo's polygon (4, 2 pixels, clockwise from the top-left) that puts the text
    line ``polygon`` (same convention) where ``layout`` has the text in the artwork.

    The logo is extended along the line's own axes, so a tilted line gives a tilted logo: corner
    ``(a, b)`` in the line's units (0..1 across the text) is ``p0 + a (p1 - p0) + b (p3 - p0)``, with
    ``a`` from ``-x1 / (x2 - x1)`` to ``(1 - x1) / (x2 - x1)`` and ``b`` likewise with ``y``.
    """
    p = np.asarray(polygon, dtype=np.float64).reshape(4, 2)
    u, v = p[1] - p[0], p[3] - p[0]
    tw, th = max(layout.x2 - layout.x1, 1e-6), max(layout.y2 - layout.y1, 1e-6)
    a0, a1 = -layout.x1 / tw, (1.0 - layout.x1) / tw
    b0, b1 = -layout.y1 / th, (1.0 - layout.y1) / th
    return np.stack([p[0] + a * u + b * v for a, b in ((a0, b0), (a1, b0), (a1, b1), (a0, b1))])


def entry_name(catalogue: Catalogue, name: str) -> str:
    """Return the name of the catalogue entry named by ``name`` (its name or an alias), else ``name``."""
    entry = catalogue.named(name)
    return entry.name if entry is not None else name


def _canvas(rgba: np.ndarray, background: int, side: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Return the RGBA artwork composited on ``background`` (BGR), scaled to fit the canvas
    fractions and centred on a ``side`` x ``side`` canvas padded with its replicated border; with
    the scale (canvas pixels per artwork pixel) and the artwork's top-left (x, y) in the canvas."""
    h, w = rgba.shape[:2]
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    bgr = rgba[..., 2::-1].astype(np.float32)
    flat = (bgr * alpha + background * (1.0 - alpha)).round().astype(np.uint8)
    scale = min(CANVAS_WIDTH * side / w, CANVAS_HEIGHT * side / h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    art = cv2.resize(flat, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    sx, sy = size[0] / w, size[1] / h
    left, top = (side - size[0]) // 2, (side - size[1]) // 2
    board = cv2.copyMakeBorder(
        art, top, side - size[1] - top, left, side - size[0] - left, cv2.BORDER_REPLICATE
    )
    return board, (sx + sy) / 2, (left, top)


def text_layout(reader: TextReader, sponsor: str, artwork_files: Sequence[str | Path]) -> TextLayout | None:
    """Return where the text naming ``sponsor`` sits in its artwork, or None when no artwork reads.

    Each file (in order; the first that reads wins) is loaded as the model's training loads it
    (:func:`vision.io.artwork.load_artwork`: background keyed out, cropped to its visible pixels),
    put on a flat background (white, then black) and padded with its replicated border to a square
    of the reader's detection size, then read. Of the lines that name ``sponsor`` (a catalogue
    name, or a text naming one), the most confident is kept. Unreadable files are skipped.
    Returns fractions of the artwork's width and height, clipped to [0, 1].
    """
    from vision.io.artwork import ArtworkError, load_artwork

    target = entry_name(reader.catalogue, sponsor)
    side = int(reader.det_side)
    for path in artwork_files:
        try:
            rgba = load_artwork(path)
        except ArtworkError:
            continue
        h, w = rgba.shape[:2]
        opaque = int(rgba[..., 3].min()) >= 250
        for background in BACKGROUNDS[:1] if opaque else BACKGROUNDS:
            board, scale, (left, top) = _canvas(rgba, background, side)
            best: tuple[float, TextLayout] | None = None
            for line in reader.read_lines(board):
                hits = [m for m in reader.matcher.match_all(line.text) if m.sponsor == target]
                if not hits:
                    continue
                (px1, py1), (px2, py2) = line.polygon.min(axis=0), line.polygon.max(axis=0)
                fx1, fx2 = np.clip([(px1 - left) / scale / w, (px2 - left) / scale / w], 0.0, 1.0)
                fy1, fy2 = np.clip([(py1 - top) / scale / h, (py2 - top) / scale / h], 0.0, 1.0)
                if fx2 <= fx1 or fy2 <= fy1:
                    continue
                score = line.score * hits[0].score
                layout = TextLayout(float(fx1), float(fy1), float(fx2), float(fy2), line.text)
                if best is None or score > best[0]:
                    best = (score, layout)
            if best is not None:
                return best[1]
    return None


def text_layouts(reader: TextReader, artwork: Mapping[str, Sequence[str | Path]]) -> dict[str, TextLayout]:
    """Return ``{sponsor: layout}`` (:func:`text_layout`) for the sponsors of ``artwork``
    (``{sponsor: files}``) the reader can name and whose artwork reads; the others are left out."""
    out: dict[str, TextLayout] = {}
    for sponsor, files in artwork.items():
        entry = reader.catalogue.named(sponsor)
        if entry is None or entry.reads is False:
            continue
        layout = text_layout(reader, sponsor, files)
        if layout is not None:
            out[sponsor] = layout
    return out
