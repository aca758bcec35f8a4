"""Broadcast-like frames with real-font text boards and the demo artwork, for the text reader's tests.

Text is drawn with DejaVu Sans Bold, the TrueType font matplotlib ships (a dependency), so nothing
is downloaded and every machine renders the same letters.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from weights import WEIGHTS_DIR

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
ARTWORK = WEIGHTS_DIR / "demo_artwork"

#: Board = (text or "artwork:NAME", x, y, width, height) in pixels of a 1280x720 frame.
Board = tuple[str, int, int, int, int]

#: A frame's boards: two real wordmarks, a demo sponsor's artwork, and a board of other words.
BOARDS: tuple[Board, ...] = (
    ("SANTANDER", 60, 420, 360, 70),
    ("Cantabria Labs", 460, 420, 380, 70),
    ("artwork:Apexa", 880, 420, 330, 70),
    ("HELLO WORLD", 300, 560, 420, 80),
)


def board_image(
    text: str, width: int, height: int, colour: tuple[int, int, int] = (30, 30, 160)
) -> np.ndarray:
    """Return a BGR board ``width`` x ``height`` pixels: white ``text`` centred on ``colour``, a demo
    sponsor's artwork on white for ``artwork:NAME``, or for ``lookalike:WORD`` another brand's mark
    in the style of Apexa's (a red triangle, then WORD in dark capitals on white)."""
    if text.startswith("lookalike:"):
        return _lookalike(text.split(":", 1)[1], width, height)
    if text.startswith("artwork:"):
        art = cv2.imread(str(ARTWORK / f"{text.split(':', 1)[1]}.png"), cv2.IMREAD_UNCHANGED)
        board = np.full((height, width, 3), 255, np.uint8)
        scale = min((width - 12) / art.shape[1], (height - 12) / art.shape[0])
        art = cv2.resize(
            art, (int(art.shape[1] * scale), int(art.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
        y, x = (height - art.shape[0]) // 2, (width - art.shape[1]) // 2
        rgb, alpha = art[..., :3].astype(float), (art[..., 3:4] / 255.0 if art.shape[2] == 4 else 1.0)
        region = board[y : y + art.shape[0], x : x + art.shape[1]].astype(float)
        board[y : y + art.shape[0], x : x + art.shape[1]] = (rgb * alpha + region * (1 - alpha)).astype(
            np.uint8
        )
        return board
    img = Image.new("RGB", (width, height), colour[::-1])
    draw = ImageDraw.Draw(img)
    size = int(height * 0.6)
    font = ImageFont.truetype(str(FONT), size)
    while draw.textlength(text, font=font) > width * 0.9 and size > 8:
        size -= 2
        font = ImageFont.truetype(str(FONT), size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(
        ((width - (right - left)) / 2 - left, (height - (bottom - top)) / 2 - top),
        text,
        font=font,
        fill="white",
    )
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def _lookalike(word: str, width: int, height: int) -> np.ndarray:
    """Return a BGR ``width`` x ``height`` board: a red triangle, then ``word`` in dark capitals, on white."""
    img = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    m = height // 8
    tri_w = int((height - 2 * m) * 1.1)
    draw.polygon([(m, height - m), (m + tri_w / 2, m), (m + tri_w, height - m)], fill=(220, 30, 40))
    font = ImageFont.truetype(str(FONT), int(height * 0.6))
    draw.text((2 * m + tri_w, height * 0.15), word, font=font, fill=(20, 20, 20))
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)


def board_frame(
    boards: Sequence[Board] = BOARDS, size: tuple[int, int] = (1280, 720), shift: int = 0
) -> np.ndarray:
    """Return a BGR frame of ``size`` (w, h): a green pitch with the ``boards``, moved ``shift`` px right."""
    w, h = size
    frame = np.zeros((h, w, 3), np.uint8)
    frame[:] = (40, 120, 40)
    frame[: h // 2] = (90, 90, 90)  # stands
    for text, x, y, bw, bh in boards:
        x += shift
        board = board_image(text, bw, bh)
        x0, x1 = max(0, x), min(w, x + bw)
        if x1 > x0:
            frame[y : y + bh, x0:x1] = board[:, x0 - x : x1 - x]
    return frame


def board_box(name: str, boards: Sequence[Board] = BOARDS, shift: int = 0) -> np.ndarray:
    """Return the xyxy box (pixels) of the board whose text is ``name``."""
    for text, x, y, bw, bh in boards:
        if text == name:
            return np.array([x + shift, y, x + shift + bw, y + bh], dtype=np.float64)
    raise KeyError(name)


def artwork_box(name: str, boards: Sequence[Board] = BOARDS, shift: int = 0) -> np.ndarray:
    """Return the xyxy pixels the artwork of board ``artwork:NAME`` covers (as :func:`board_image` puts
    it: scaled to fit 12 px inside the board, centred on white)."""
    x, y, bw, bh = next(b[1:] for b in boards if b[0] == f"artwork:{name}")
    art_h, art_w = cv2.imread(str(ARTWORK / f"{name}.png"), cv2.IMREAD_UNCHANGED).shape[:2]
    scale = min((bw - 12) / art_w, (bh - 12) / art_h)
    w, h = int(art_w * scale), int(art_h * scale)
    x0, y0 = x + shift + (bw - w) // 2, y + (bh - h) // 2
    return np.array([x0, y0, x0 + w, y0 + h], np.float64)


def write_board_video(
    path: Path,
    seconds: float = 3.0,
    fps: float = 10.0,
    boards: Sequence[Board] = BOARDS,
    size: tuple[int, int] = (1280, 720),
) -> Path:
    """Write an mp4 of the board frame panning slowly right (2 px a frame), scaled from 1280x720 to
    ``size`` (w, h); return ``path``."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for i in range(round(seconds * fps)):
        frame = board_frame(boards, shift=2 * i)
        writer.write(frame if size == (1280, 720) else cv2.resize(frame, size, interpolation=cv2.INTER_AREA))
    writer.release()
    return path


#: The ambush radar's clip: two shots (a cut at 4 s) of boards panning 2 px a frame, holding two
#: catalogue sponsors, an unlisted brand (VOLTARIX, in both shots at different places), common words
#: (STADIUM ARENA), a one-off word (ZEPHYRQUAD, on frames 18-22 only), and the broadcaster's own
#: graphics fixed on screen across the cut: a channel name (TELEMAX) and a clock (45:12).
RADAR_SHOTS: tuple[tuple[Board, ...], ...] = (
    (
        ("SANTANDER", 60, 430, 360, 70),
        ("VOLTARIX", 470, 430, 340, 70),
        ("STADIUM ARENA", 860, 430, 380, 70),
    ),
    (
        ("VOLTARIX", 100, 560, 360, 80),
        ("Cantabria Labs", 520, 560, 400, 80),
    ),
)
RADAR_ONE_OFF: Board = ("ZEPHYRQUAD", 300, 580, 380, 70)
RADAR_GRAPHICS: tuple[Board, ...] = (("TELEMAX", 40, 30, 230, 50), ("45:12", 1080, 30, 150, 50))


def radar_frame(i: int, fps: float = 10.0) -> np.ndarray:
    """Return frame ``i`` of the radar clip (:data:`RADAR_SHOTS`): BGR, 1280x720."""
    second = i >= round(4 * fps)
    boards = RADAR_SHOTS[1 if second else 0]
    frame = board_frame(boards, shift=2 * (i % round(4 * fps)))
    if second:  # another camera: another look, so the cut detector sees the cut
        frame[: 720 // 2] = (150, 70, 30)
        frame[720 // 2 : 540] = (20, 80, 20)
    elif 18 <= i <= 22:
        text, x, y, bw, bh = RADAR_ONE_OFF
        frame[y : y + bh, x : x + bw] = board_image(text, bw, bh)
    for text, x, y, bw, bh in RADAR_GRAPHICS:
        frame[y : y + bh, x : x + bw] = board_image(text, bw, bh, colour=(20, 20, 20))
    return frame


def write_radar_video(path: Path, seconds: float = 8.0, fps: float = 10.0) -> Path:
    """Write the radar clip (:func:`radar_frame`) as an mp4; return ``path``."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (1280, 720))
    assert writer.isOpened()
    for i in range(round(seconds * fps)):
        writer.write(radar_frame(i, fps))
    writer.release()
    return path
