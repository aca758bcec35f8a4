"""The broadcast graphics of a replay in the synthetic test clip: the caption and the transitions.

A replay shot of :func:`vision.training.clip.render_clip` shows a caption in a corner (a dark box with a
coloured accent and the word for "replay" in one of several languages, drawn with DejaVu Sans Bold,
the TrueType font matplotlib ships, so nothing is downloaded) and is bracketed by a transition
centred on each of its cuts: a coloured band with an emblem sweeping across the frame, or a white
flash. Both are painted through :class:`vision.training.compose.Canvas` as occluding layers, so the
sponsors they hide lose visible fraction in the clip's truth like under any other layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vision.training.compose import Canvas

#: Replay captions, one language each (English, German, Spanish, Italian, French, Portuguese, Dutch,
#: Polish, Turkish).
CAPTION_WORDS: tuple[str, ...] = (
    "REPLAY", "WIEDERHOLUNG", "REPETICIÓN", "RALENTI", "REPRISE", "REPETIÇÃO", "HERHALING", "POWTÓRKA",
    "TEKRAR",
)  # fmt: skip
#: Corners a caption may sit in (the score bug holds the top-left).
CORNERS: tuple[str, ...] = ("top-right", "bottom-right", "bottom-left")
#: Length of one transition, seconds, centred on its cut.
TRANSITION_S = 0.48
#: Accent colours (BGR) of a broadcaster's graphics.
ACCENTS: tuple[tuple[int, int, int], ...] = ((0, 140, 255), (200, 60, 20), (40, 40, 220), (30, 170, 30))
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class ReplayStyle:
    """How one replay shot looks: its caption ``word`` in ``corner``, the ``accent`` colour (BGR) and the
    transition ``kind`` (``"wipe"`` or ``"flash"``)."""

    word: str
    corner: str
    accent: tuple[int, int, int]
    kind: str


def plan_replays(rng: np.random.Generator, n_shots: int, count: int) -> dict[int, ReplayStyle]:
    """Return ``{shot index: style}`` for ``count`` replay shots among ``n_shots`` (never the first shot,
    at most ``n_shots - 1``), drawn with ``rng``."""
    count = max(0, min(int(count), n_shots - 1))
    chosen = (
        sorted(int(s) for s in rng.choice(np.arange(1, n_shots), size=count, replace=False)) if count else []
    )
    return {
        s: ReplayStyle(
            CAPTION_WORDS[int(rng.integers(len(CAPTION_WORDS)))],
            CORNERS[int(rng.integers(len(CORNERS)))],
            ACCENTS[int(rng.integers(len(ACCENTS)))],
            "wipe" if rng.random() < 0.7 else "flash",
        )
        for s in chosen
    }


@cache
def caption_patch(word: str, height: int, accent: tuple[int, int, int]) -> np.ndarray:
    """Return the caption as a BGRA uint8 patch ``height`` pixels tall: a dark box with an accent bar
    on its left and ``word`` in white (alpha 0.9 on the box)."""
    size = max(8, round(height * 0.62))
    font = ImageFont.truetype(str(FONT), size)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), word, font=font)
    bar = max(2, round(height * 0.18))
    pad = round(height * 0.35)
    width = bar + 2 * pad + (right - left)
    img = Image.new("RGB", (width, height), (15, 20, 35))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, bar - 1, height - 1), fill=tuple(int(c) for c in accent[::-1]))
    draw.text((bar + pad - left, (height - (bottom - top)) / 2 - top), word, font=font, fill=(255, 255, 255))
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    alpha = np.full((height, width, 1), 230, np.uint8)
    return np.concatenate([bgr, alpha], axis=2)


def draw_caption(canvas: Canvas, style: ReplayStyle, f: float) -> None:
    """Paint the caption of ``style`` in its corner of ``canvas`` (``f`` = frame height / 720)."""
    patch = caption_patch(style.word, max(12, round(40 * f)), style.accent)
    ph, pw = patch.shape[:2]
    margin_x, margin_y = round(40 * f), round(30 * f)
    x = canvas.width - margin_x - pw if style.corner.endswith("right") else margin_x
    y = margin_y if style.corner.startswith("top") else canvas.height - margin_y - ph
    canvas.paste_patch(patch[..., :3].astype(np.float32), patch[..., 3].astype(np.float32) / 255.0, x, y)


def draw_transition(canvas: Canvas, style: ReplayStyle, progress: float) -> None:
    """Paint the transition of ``style`` at ``progress`` (0 = its first frame, 1 = its end; the cut is at
    0.5, and it covers the whole frame from about 0.4 to 0.6) over everything on ``canvas``."""
    w, h = canvas.width, canvas.height
    if style.kind == "flash":
        opacity = float(np.clip((0.5 - abs(progress - 0.5)) / 0.4, 0.0, 1.0))
        canvas.fill([canvas.frame_quad], (250, 250, 250), opacity=opacity)
        return
    # a slanted band two frames wide sweeping left to right: it covers the frame from 0.36 to 0.57
    slant, band = 0.25 * w, 2.0 * w
    lead = -0.25 * w + progress * (band + 1.5 * w)
    tail = lead - band
    poly = np.array([[tail + slant, 0], [lead + slant, 0], [lead, h], [tail, h]], np.float64)
    edge = np.array(
        [[lead - 0.06 * w + slant, 0], [lead + slant, 0], [lead, h], [lead - 0.06 * w, h]], np.float64
    )
    canvas.fill([poly], style.accent)
    canvas.fill([edge], (245, 245, 245))
    cx = (tail + lead + slant) / 2
    if -0.2 * w < cx < 1.2 * w:  # the emblem in the middle of the band: a white ring and a star
        r = 0.16 * h
        ring = [
            np.column_stack([cx + r * np.cos(a), h / 2 + r * np.sin(a)])
            for a in [np.linspace(0, 2 * np.pi, 48)]
        ]
        canvas.fill(ring, (245, 245, 245))
        k = np.arange(10) * np.pi / 5 - np.pi / 2
        rad = np.where(np.arange(10) % 2 == 0, 0.8 * r, 0.35 * r)
        canvas.fill([np.column_stack([cx + rad * np.cos(k), h / 2 + rad * np.sin(k)])], style.accent)


def transition_progress(i: int, cut: int, n: int) -> float | None:
    """Return the progress in [0, 1] of the transition of ``n`` frames centred on the cut at frame
    ``cut`` at frame ``i``, or None when ``i`` lies outside it."""
    first = cut - n // 2
    if not first <= i < first + n:
        return None
    return (i - first + 0.5) / n
