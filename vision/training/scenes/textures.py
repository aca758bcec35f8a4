"""Textures the scene elements are made of: distractor text, crowds, mown grass, cloth folds.

Their random ranges are in :class:`~vision.training.scenes.recipe.TextRecipe` and
:class:`~vision.training.scenes.recipe.TextureRecipe`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vision.training.compose import Displacement, Field
from vision.training.scenes.context import Ctx
from vision.training.scenes.palettes import BGR, SKIN
from vision.training.scenes.recipe import TextRecipe

__all__ = ["FONTS", "MAX_TEXT_PX", "WORDS", "cloth", "crowd", "grass", "solid_texture", "text_texture"]

#: Words for distractor text (never a sponsor name; checked at run time).
WORDS: tuple[str, ...] = (
    "WELCOME", "STADIUM", "TICKETS", "FAN ZONE", "LIVE", "GOAL", "CITY", "ARENA", "HOME", "AWAY",
    "SEASON", "FINAL", "CUP", "LEAGUE", "NORTH STAND", "GATE 4", "EXIT", "CLUB", "UNITED", "ROVERS",
    "ATHLETIC", "SPORT", "PLAY FAIR", "RESPECT", "2025", "MATCHDAY", "KIDS", "FOUNDATION", "TOUR",
    "OPEN", "CHAMPIONS", "SUMMIT", "PRESS", "MEDIA", "SHOP", "FOOD", "VIP", "ROW K", "SECTOR B",
)  # fmt: skip
#: OpenCV fonts of distractor text.
FONTS: tuple[int, ...] = (
    cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
)  # fmt: skip
#: Tallest letters a distractor text texture is drawn with, pixels. A board seen edge-on close to the
#: camera asks for letters thousands of pixels tall (a texture of gigabytes); the paste scales the
#: texture to its box anyway, so a larger one adds memory, not detail.
MAX_TEXT_PX = 256.0


def solid_texture(w: int, h: int, colour: np.ndarray) -> np.ndarray:
    """Return a premultiplied BGRA float32 texture (h, w, 4) of one opaque BGR ``colour``."""
    t = np.empty((max(1, h), max(1, w), 4), np.float32)
    t[..., :3] = colour
    t[..., 3] = 1.0
    return t


def text_texture(
    rng: np.random.Generator,
    height_px: float,
    sponsors: list[str],
    colour: np.ndarray | None = None,
    recipe: TextRecipe | None = None,
) -> np.ndarray:
    """Return a premultiplied BGRA float32 texture (H, W, 4) of distractor text: a random non-sponsor
    word or letter string, sometimes with a simple shape icon, with letters about ``height_px`` pixels
    tall (at most :data:`MAX_TEXT_PX`), in ``colour`` (BGR) or a random one. ``recipe`` (default
    :class:`TextRecipe`) sets the odds."""
    r = recipe or TextRecipe()
    banned = {s.lower() for s in sponsors}
    word = WORDS[int(rng.integers(len(WORDS)))]
    if rng.random() < r.p_random_letters:  # random capital letters
        n = int(rng.integers(r.random_letters[0], r.random_letters[1] + 1))
        word = "".join(chr(int(c)) for c in rng.integers(65, 91, n))
    if word.lower() in banned:
        word = "XQZ"
    font = FONTS[int(rng.integers(len(FONTS)))]
    px = min(max(6.0, height_px), MAX_TEXT_PX)
    scale = px / 22.0
    thick = max(1, round(scale * rng.uniform(*r.stroke)))
    (tw, th), base = cv2.getTextSize(word, font, scale, thick)
    icon = rng.random() < r.p_icon
    iw = th + 4 if icon else 0
    w, h = tw + iw + 6, th + base + 6
    mask = np.zeros((h, w), np.uint8)
    cv2.putText(mask, word, (iw + 3, th + 3), font, scale, 255, thick, cv2.LINE_AA)
    col = colour if colour is not None else rng.uniform(0, 255, 3).astype(np.float32)
    tex = np.zeros((h, w, 4), np.float32)
    if icon:
        imask = np.zeros((h, w), np.uint8)
        r = th // 2
        c = (3 + r, 3 + r + base // 2)
        shape = int(rng.integers(3))
        if shape == 0:
            cv2.circle(imask, c, r, 255, -1, cv2.LINE_AA)
        elif shape == 1:
            pts = np.array([[c[0], c[1] - r], [c[0] + r, c[1] + r], [c[0] - r, c[1] + r]], np.int32)
            cv2.fillPoly(imask, [pts], 255, cv2.LINE_AA)
        else:
            cv2.rectangle(imask, (c[0] - r, c[1] - r), (c[0] + r, c[1] + r), 255, -1)
        a = imask.astype(np.float32) / 255.0
        tex[..., :3] += a[..., None] * rng.uniform(0, 255, 3).astype(np.float32)
        tex[..., 3] += a
    a = mask.astype(np.float32) / 255.0
    tex[..., :3] = tex[..., :3] * (1 - a[..., None]) + a[..., None] * col
    tex[..., 3] = np.maximum(tex[..., 3], a)
    return tex


def crowd(
    ctx: Ctx, w: int, h: int, cell_px: float, colours: tuple[BGR, ...], dark: float = 1.0
) -> np.ndarray:
    """Return a (h, w, 3) float32 BGR texture of a crowd in the stands: blobs of seat, shirt and skin
    colours about ``cell_px`` pixels wide, darkened by the factor ``dark``."""
    rng = ctx.rng
    gw, gh = max(2, int(w / cell_px)), max(2, int(h / cell_px))
    cols = np.asarray(colours + SKIN, np.float32)
    idx = rng.integers(len(cols), size=(gh, gw))
    small = cols[idx] * rng.uniform(*ctx.recipe.texture.crowd_shade, (gh, gw, 1)).astype(np.float32)
    rows = (np.arange(gh) % 2 == 0).astype(np.float32)[:, None, None]
    small *= 1 - 0.25 * rows
    small *= np.float32(dark)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR if cell_px >= 3 else cv2.INTER_AREA)


def grass(ctx: Ctx, w: int, h: int, horizon: float) -> np.ndarray:
    """Return a (h, w, 3) float32 BGR pitch with mowing stripes converging to a vanishing point
    ``horizon`` pixels above its top edge."""
    rng, t = ctx.rng, ctx.recipe.texture
    base = ctx.pick(ctx.pal.grass, ctx.recipe.jitter.grass)
    sw, sh = max(2, w // 4), max(2, h // 4)  # computed at quarter resolution, then upscaled (soft edges)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32) * 4
    vx = rng.uniform(*t.grass_vanish_x) * w
    freq, phase = rng.uniform(*t.grass_stripe_freq), rng.uniform(*t.grass_stripe_phase)
    stripe = np.sign(np.sin((xs - vx) / np.maximum(ys + horizon, 1) * freq + phase))
    noise = rng.uniform(*t.grass_noise, (sh, sw)).astype(np.float32)
    shade = cv2.resize((1 + 0.07 * stripe) * noise, (w, h), interpolation=cv2.INTER_LINEAR)
    return shade[..., None] * base


def cloth(
    ctx: Ctx, x0: int, y0: int, w: int, h: int, amp_px: float, wave: bool
) -> tuple[Displacement, Field]:
    """Return a smooth cloth (or, with ``wave``, waving flag) displacement of amplitude ``amp_px`` pixels
    over the frame region at (``x0``, ``y0``) of ``w`` x ``h`` pixels, and the matching shading field
    (a brightness factor around 1)."""
    rng, t = ctx.rng, ctx.recipe.texture
    w, h = max(2, w), max(2, h)
    if wave:
        xs = np.arange(w, dtype=np.float32)[None, :]
        phase = rng.uniform(0, 2 * np.pi)
        lam = rng.uniform(*t.cloth_wave_len) * w
        dy = amp_px * np.sin(2 * np.pi * xs / lam + phase) * np.ones((h, 1), np.float32)
        dx = 0.3 * amp_px * np.cos(2 * np.pi * xs / lam + phase) * np.ones((h, 1), np.float32)
        shade = 1.0 + 0.28 * np.cos(2 * np.pi * xs / lam + phase) * np.ones((h, 1), np.float32)
    else:
        g = int(rng.integers(t.cloth_fold_grid[0], t.cloth_fold_grid[1] + 1))
        dx = (
            cv2.resize(rng.uniform(-1, 1, (g, g)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
            * amp_px
        )
        dy = (
            cv2.resize(rng.uniform(-1, 1, (g, g)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
            * amp_px
        )
        gx = cv2.Sobel(dx, cv2.CV_32F, 1, 0, ksize=3) / max(amp_px, 1e-3) * (w / g) / 4
        shade = 1.0 + np.clip(gx, -0.3, 0.3)
    pad = math.ceil(amp_px * 1.5) + 1
    disp = Displacement(Field(x0, y0, dx.astype(np.float32)), Field(x0, y0, dy.astype(np.float32)), pad)
    return disp, Field(x0, y0, shade.astype(np.float32), fill=1.0)
