"""Artwork of ten fictional demo sponsors, drawn with Pillow and OpenCV.

The demo sponsors let the whole pipeline (synthesise, train, analyse, report) run without anyone's real
logos. They are deliberately different from each other (icon shapes, colours, fonts, weights, one
white-on-colour badge) so that a small detector can tell them apart. Fonts are the DejaVu fonts bundled
with matplotlib and OpenCV's Hershey fonts, so the drawings are the same on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["DEMO_SPONSORS", "draw_demo_logo", "make_demo_artwork"]

#: The demo sponsors, in class order.
DEMO_SPONSORS: tuple[str, ...] = (
    "Apexa",
    "Boltline",
    "Corvo",
    "Dunmore",
    "Eskaro",
    "Fjordia",
    "Glint",
    "Helix",
    "Ironwood",
    "Juniper",
)

_SS = 2  # supersampling factor; artwork is drawn at _SS x and downsampled (anti-aliasing)
_H = 160  # final artwork height, pixels (before cropping to the visible pixels)

RGB = tuple[int, int, int]


def _font(name: str, px: int) -> ImageFont.FreeTypeFont:
    import matplotlib

    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), px)


class _Canvas:
    """An RGBA canvas drawn at ``_SS`` x resolution; coordinates are given in final pixels."""

    def __init__(self, w: int, h: int = _H) -> None:
        self.w, self.h = w, h
        self.rgba = np.zeros((h * _SS, w * _SS, 4), np.float32)

    def paint(self, mask: np.ndarray, colour: RGB) -> None:
        """Composite ``colour`` over the canvas through ``mask`` (uint8 or float 0..1, canvas-sized)."""
        a = mask.astype(np.float32) / (255.0 if mask.dtype == np.uint8 else 1.0)
        self.rgba[..., :3] = (
            self.rgba[..., :3] * (1 - a[..., None]) + np.asarray(colour, np.float32) * a[..., None]
        )
        self.rgba[..., 3] = self.rgba[..., 3] * (1 - a) + a

    def blank(self) -> np.ndarray:
        return np.zeros(self.rgba.shape[:2], np.uint8)

    def text(
        self, s: str, font: str, px: int, xy: tuple[float, float], colour: RGB, anchor: str = "lm"
    ) -> None:
        m = Image.new("L", (self.w * _SS, self.h * _SS), 0)
        ImageDraw.Draw(m).text(
            (xy[0] * _SS, xy[1] * _SS), s, font=_font(font, px * _SS), fill=255, anchor=anchor
        )
        self.paint(np.asarray(m), colour)

    def hershey(
        self, s: str, font: int, scale: float, thick: int, org: tuple[float, float], colour: RGB
    ) -> None:
        m = self.blank()
        cv2.putText(
            m, s, (int(org[0] * _SS), int(org[1] * _SS)), font, scale * _SS, 255, thick * _SS, cv2.LINE_AA
        )
        self.paint(m, colour)

    def poly(self, pts: list[tuple[float, float]], colour: RGB) -> None:
        m = self.blank()
        cv2.fillPoly(m, [np.round(np.asarray(pts) * _SS * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
        self.paint(m, colour)

    def circle(self, c: tuple[float, float], r: float, colour: RGB, thick: int = -1) -> None:
        m = self.blank()
        t = -1 if thick < 0 else thick * _SS
        cv2.circle(m, (int(c[0] * _SS * 16), int(c[1] * _SS * 16)), int(r * _SS * 16), 255, t, cv2.LINE_AA, 4)
        self.paint(m, colour)

    def polyline(self, pts: np.ndarray, colour: RGB, thick: int) -> None:
        m = self.blank()
        p = np.round(np.asarray(pts) * _SS * 16).astype(np.int32)
        cv2.polylines(m, [p], False, 255, thick * _SS, cv2.LINE_AA, 4)
        self.paint(m, colour)

    def image(self) -> Image.Image:
        """Return the downsampled RGBA artwork (straight alpha), cropped to its visible pixels."""
        a = self.rgba[..., 3:4]
        premult = np.concatenate([self.rgba[..., :3] * a, a * 255.0], axis=2)  # premultiplied for resizing
        im = Image.fromarray(np.round(np.clip(premult, 0, 255)).astype(np.uint8), "RGBa")
        im = im.resize((self.w, self.h), Image.Resampling.BOX).convert("RGBA")
        bbox = im.getchannel("A").point(lambda v: 255 if v > 8 else 0).getbbox()
        return im.crop(bbox) if bbox else im


def _apexa() -> Image.Image:
    c = _Canvas(560)
    c.poly([(10, 140), (75, 20), (140, 140)], (220, 30, 40))
    c.poly([(55, 140), (75, 100), (95, 140)], (255, 255, 255))
    c.text("APEXA", "DejaVuSans-Bold.ttf", 92, (160, 84), (20, 20, 20))
    return c.image()


def _boltline() -> Image.Image:
    c = _Canvas(640)
    c.poly([(60, 8), (18, 88), (52, 88), (30, 152), (98, 62), (62, 62), (92, 8)], (250, 200, 0))
    c.text("Boltline", "DejaVuSans-BoldOblique.ttf", 86, (112, 82), (20, 50, 140))
    return c.image()


def _corvo() -> Image.Image:
    c = _Canvas(520)
    c.circle((72, 80), 66, (15, 15, 15))
    c.poly([(30, 70), (72, 100), (114, 70), (114, 92), (72, 122), (30, 92)], (255, 255, 255))
    c.poly([(46, 48), (72, 66), (98, 48), (98, 60), (72, 78), (46, 60)], (255, 255, 255))
    c.text("CORVO", "DejaVuSerif-Bold.ttf", 84, (156, 84), (15, 15, 15))
    return c.image()


def _dunmore() -> Image.Image:
    c = _Canvas(600)
    m = c.blank()
    cv2.rectangle(m, (4 * _SS, 22 * _SS), (596 * _SS, 138 * _SS), 255, -1, cv2.LINE_AA)
    c.paint(cv2.GaussianBlur(m, (0, 0), 0.6 * _SS), (0, 122, 70))
    c.text("DUNMORE", "DejaVuSansMono-Bold.ttf", 88, (300, 82), (255, 255, 255), anchor="mm")
    return c.image()


def _eskaro() -> Image.Image:
    c = _Canvas(520)
    c.hershey("Eskaro", cv2.FONT_HERSHEY_SCRIPT_COMPLEX, 3.6, 4, (14, 104), (120, 40, 160))
    xs = np.linspace(20, 480, 60)
    c.polyline(np.stack([xs, 130 + 10 * np.sin((xs - 20) / 460 * np.pi)], 1), (120, 40, 160), 5)
    return c.image()


def _fjordia() -> Image.Image:
    c = _Canvas(560)
    xs = np.linspace(8, 120, 50)
    for i, col in enumerate([(0, 90, 170), (0, 140, 200), (80, 190, 230)]):
        c.polyline(np.stack([xs, 52 + 28 * i + 9 * np.sin(xs / 14.0)], 1), col, 9)
    c.hershey("fjordia", cv2.FONT_HERSHEY_SIMPLEX, 2.9, 3, (140, 108), (0, 120, 130))
    return c.image()


def _glint() -> Image.Image:
    c = _Canvas(480)
    cx, cy, r, k = 70, 80, 66, 14
    c.poly([(cx, cy - r), (cx + k, cy - k), (cx + r, cy), (cx + k, cy + k), (cx, cy + r), (cx - k, cy + k),
            (cx - r, cy), (cx - k, cy - k)], (255, 120, 0))  # fmt: skip
    c.hershey("GLINT", cv2.FONT_HERSHEY_DUPLEX, 3.4, 9, (150, 118), (40, 40, 40))
    return c.image()


def _helix() -> Image.Image:
    c = _Canvas(520)
    ys = np.linspace(14, 146, 60)
    c.polyline(np.stack([60 + 34 * np.sin(ys / 18.0), ys], 1), (220, 0, 140), 8)
    c.polyline(np.stack([60 - 34 * np.sin(ys / 18.0), ys], 1), (0, 170, 210), 8)
    c.text("Helix", "DejaVuSerif-BoldItalic.ttf", 96, (122, 80), (220, 0, 140))
    return c.image()


def _ironwood() -> Image.Image:
    c = _Canvas(700)
    c.poly([(8, 14), (118, 14), (118, 80), (63, 150), (8, 80)], (90, 90, 95))
    c.poly([(63, 28), (98, 96), (28, 96)], (110, 200, 90))
    c.poly([(56, 96), (70, 96), (70, 124), (56, 124)], (110, 200, 90))
    c.hershey("IRONWOOD", cv2.FONT_HERSHEY_TRIPLEX, 2.6, 4, (134, 106), (100, 60, 30))
    return c.image()


def _juniper() -> Image.Image:
    c = _Canvas(380)
    c.circle((80, 78), 70, (40, 30, 120))
    c.circle((80, 78), 48, (150, 110, 230))
    c.circle((80, 78), 24, (40, 30, 120))
    c.poly([(120, 10), (150, 0), (136, 30)], (60, 150, 60))
    c.text("juniper", "DejaVuSans.ttf", 54, (164, 80), (40, 30, 120))
    return c.image()


_DRAWERS: dict[str, Callable[[], Image.Image]] = {
    "Apexa": _apexa,
    "Boltline": _boltline,
    "Corvo": _corvo,
    "Dunmore": _dunmore,
    "Eskaro": _eskaro,
    "Fjordia": _fjordia,
    "Glint": _glint,
    "Helix": _helix,
    "Ironwood": _ironwood,
    "Juniper": _juniper,
}


def draw_demo_logo(sponsor: str) -> np.ndarray:
    """Return the (H, W, 4) uint8 RGBA artwork of one demo sponsor (about 160 px tall)."""
    if sponsor not in _DRAWERS:
        raise KeyError(f"{sponsor!r} is not a demo sponsor (one of {', '.join(DEMO_SPONSORS)})")
    return np.asarray(_DRAWERS[sponsor](), dtype=np.uint8).copy()


def make_demo_artwork(out_dir: str | Path) -> list[Path]:
    """Draw the ten demo sponsors' artwork into ``out_dir`` as ``SPONSOR.png`` (RGBA, transparent
    background) and return the written paths in class order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for sponsor in DEMO_SPONSORS:
        path = out / f"{sponsor}.png"
        Image.fromarray(draw_demo_logo(sponsor), "RGBA").save(path, optimize=True)
        paths.append(path)
    return paths
