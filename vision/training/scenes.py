"""Procedural scenes where sponsor logos appear, drawn with exact labels.

Scene kinds (see :data:`KINDS`): ``stadium`` (football broadcast: perimeter LED boards, players with
shirt sponsors, banners in the stands, score bug), ``arena`` (indoor court: courtside boards, floor
logo, dark stands), ``event`` (step-and-repeat media wall, people, podium, signage), ``closeup`` (one
big element: a shirt, a flag, a board or a podium) and ``photo`` (elements placed over a frame of the
user's own images or videos). Every logo goes through :meth:`vision.training.compose.Canvas.paste_logo`, so its
label is read from its actual warped, occluded, truncated pixels.

Colours come from a :class:`Palette`; the validation split uses palettes the training split never sees.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from vision.training.compose import (
    Canvas,
    Displacement,
    Field,
    LogoBank,
    plane_homography,
    polygon_area,
    project,
    rect_homography,
)

__all__ = ["KINDS", "PALETTES", "Ctx", "Palette", "SceneRecipe", "draw_scene"]

BGR = tuple[int, int, int]

#: Words for distractor text (never a sponsor name; checked at run time).
WORDS: tuple[str, ...] = (
    "WELCOME", "STADIUM", "TICKETS", "FAN ZONE", "LIVE", "GOAL", "CITY", "ARENA", "HOME", "AWAY",
    "SEASON", "FINAL", "CUP", "LEAGUE", "NORTH STAND", "GATE 4", "EXIT", "CLUB", "UNITED", "ROVERS",
    "ATHLETIC", "SPORT", "PLAY FAIR", "RESPECT", "2025", "MATCHDAY", "KIDS", "FOUNDATION", "TOUR",
    "OPEN", "CHAMPIONS", "SUMMIT", "PRESS", "MEDIA", "SHOP", "FOOD", "VIP", "ROW K", "SECTOR B",
)  # fmt: skip
_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
)  # fmt: skip


@dataclass(frozen=True)
class SceneRecipe:
    """Every randomisation range of the scene generator (units in the field names)."""

    logo_min_px: float = 8.0  # smallest labelled logo height, pixels
    logo_max_frac: float = 0.5  # largest logo height, fraction of frame height
    stretch: tuple[float, float] = (0.85, 1.15)  # logo aspect jitter (width factor)
    min_visible: float = 0.4  # labels less visible than this are dropped
    p_empty: float = 0.10  # frames with no sponsor at all
    p_distractor_content: float = 0.15  # board / banner / sign slots showing non-sponsor content
    p_scroll: float = 0.15  # LED boards caught mid-transition between two contents
    board_height_frac: tuple[float, float] = (0.025, 0.28)  # perimeter board height / frame height
    board_logo_fill: tuple[float, float] = (0.55, 0.85)  # logo height / board height
    board_len: tuple[float, float] = (4.5, 9.0)  # board length / board height
    board_squeeze: tuple[float, float] = (1.0, 2.4)  # horizontal foreshortening of the board row
    board_tilt_deg: tuple[float, float] = (-6.0, 6.0)
    players: tuple[int, int] = (0, 7)  # occluding players per stadium / arena frame
    player_height_boards: tuple[float, float] = (2.2, 6.0)  # player height / board height
    p_graphics: float = 0.35  # score bug / lower third with a sponsor
    p_banner: float = 0.45
    wall_logo_px: tuple[float, float] = (16.0, 80.0)  # media-wall logo height at 640 px width
    wall_max_logos: int = 40  # cells grow until a wall shows at most about this many logos
    yaw_deg: tuple[float, float] = (-55.0, 55.0)  # out-of-plane rotation of signs, walls, banners
    pitch_deg: tuple[float, float] = (-25.0, 25.0)
    roll_deg: tuple[float, float] = (-18.0, 18.0)
    distractors: tuple[int, int] = (1, 6)  # free-standing distractor words / shapes per frame
    kinds: tuple[tuple[str, float], ...] = (
        ("stadium", 0.4),
        ("event", 0.25),
        ("closeup", 0.2),
        ("arena", 0.15),
    )
    p_photo: float = 0.7  # share of frames drawn over user backgrounds when given
    bg_min_scale: float = 0.8  # smallest background crop scale, source px per output px (1 = native)
    val_only_kinds: tuple[str, ...] = ("arena",)  # scene families only the validation split sees


@dataclass(frozen=True)
class Palette:
    """Colours of one look (BGR). Training and validation splits use disjoint palettes."""

    name: str
    grass: tuple[BGR, ...]
    stands: tuple[BGR, ...]
    boards: tuple[BGR, ...]
    walls: tuple[BGR, ...]
    kits: tuple[BGR, ...]
    floors: tuple[BGR, ...]
    sky: tuple[BGR, ...]
    light: tuple[float, float]


_SKIN: tuple[BGR, ...] = ((160, 190, 230), (120, 160, 210), (80, 120, 170), (60, 85, 120), (40, 60, 90))

PALETTES: dict[str, tuple[Palette, ...]] = {
    "train": (
        Palette(
            "day",
            grass=((60, 150, 70), (50, 135, 60), (70, 160, 90)),
            stands=(
                (200, 60, 40),
                (40, 40, 200),
                (230, 230, 230),
                (60, 60, 60),
                (30, 160, 230),
                (120, 120, 120),
            ),
            boards=((20, 20, 20), (255, 255, 255), (150, 40, 10), (10, 10, 130), (0, 90, 0), (230, 230, 230)),
            walls=((245, 245, 245), (235, 235, 235), (90, 40, 10), (30, 30, 30), (200, 200, 200)),
            kits=((255, 255, 255), (30, 30, 200), (200, 80, 20), (20, 20, 20), (0, 200, 255)),
            floors=((90, 150, 200), (80, 130, 180)),
            sky=((230, 200, 160), (200, 200, 200)),
            light=(0.9, 1.15),
        ),
        Palette(
            "overcast",
            grass=((70, 130, 75), (60, 120, 70)),
            stands=((150, 150, 150), (80, 80, 160), (160, 80, 80), (200, 200, 200), (40, 40, 40)),
            boards=((40, 40, 40), (240, 240, 240), (120, 60, 0), (0, 0, 160), (0, 120, 200)),
            walls=((250, 250, 250), (220, 220, 225), (60, 60, 60), (0, 60, 120)),
            kits=((255, 255, 255), (0, 0, 160), (160, 0, 0), (0, 120, 0), (200, 200, 0)),
            floors=((100, 160, 210),),
            sky=((190, 190, 190),),
            light=(0.8, 1.0),
        ),
    ),
    "val": (
        Palette(
            "floodlit-night",
            grass=((40, 120, 40), (30, 110, 60)),
            stands=((30, 30, 30), (0, 0, 120), (120, 0, 120), (10, 10, 60), (70, 70, 70)),
            boards=((0, 0, 0), (255, 255, 255), (0, 60, 120), (90, 0, 90), (200, 120, 0)),
            walls=((240, 240, 240), (20, 20, 20), (40, 0, 80), (0, 70, 70)),
            kits=((0, 220, 220), (120, 0, 120), (255, 255, 255), (0, 0, 0), (0, 128, 255)),
            floors=((60, 110, 160), (150, 160, 170)),
            sky=((40, 20, 10), (30, 30, 30)),
            light=(0.7, 1.0),
        ),
    ),
}


# ------------------------------------------------------------------------------------------------ context
@dataclass
class Ctx:
    """Everything a scene element needs: the canvas, the artwork, the generator and the look."""

    canvas: Canvas
    bank: LogoBank
    rng: np.random.Generator
    pal: Palette
    recipe: SceneRecipe
    empty: bool

    @property
    def w(self) -> int:
        return self.canvas.width

    @property
    def h(self) -> int:
        return self.canvas.height

    def pick(self, options: tuple[BGR, ...], jitter: float = 18.0) -> np.ndarray:
        """One palette colour with a little random jitter (BGR float32)."""
        c = np.asarray(options[int(self.rng.integers(len(options)))], np.float32)
        return np.clip(c + self.rng.uniform(-jitter, jitter, 3), 0, 255).astype(np.float32)

    def sponsor(self) -> tuple[int, int] | None:
        """A random (class, artwork variant), or None when this slot shows non-sponsor content."""
        if self.empty or self.rng.random() < self.recipe.p_distractor_content:
            return None
        cls = int(self.rng.integers(len(self.bank)))
        return cls, int(self.rng.integers(self.bank.variants(cls)))

    def loguniform(self, lo: float, hi: float) -> float:
        lo, hi = max(lo, 1e-6), max(hi, lo * 1.0001)
        return float(math.exp(self.rng.uniform(math.log(lo), math.log(hi))))

    def logo(
        self,
        art: tuple[int, int],
        box: tuple[float, float, float, float],
        surface: np.ndarray,
        fill: float,
        *,
        align: float = 0.5,
        **kw: object,
    ) -> bool:
        """Paste artwork ``art`` centred in ``box`` = (u0, v0, u1, v1) of a surface whose homography to the
        frame is ``surface``; the logo's height is ``fill`` x the box height (shrunk to fit the width).
        ``align`` places it horizontally (0 left .. 1 right). Logos that would be shorter than
        ``logo_min_px`` are not drawn. Returns True if it was pasted."""
        cls, var = art
        u0, v0, u1, v1 = box
        aspect = self.bank.aspect(cls, var) * self.rng.uniform(*self.recipe.stretch)
        lh = fill * (v1 - v0)
        lw = lh * aspect
        if lw > 0.94 * (u1 - u0):
            lw = 0.94 * (u1 - u0)
            lh = lw / aspect
        ul = u0 + align * ((u1 - u0) - lw)
        vt = v0 + 0.5 * ((v1 - v0) - lh)
        return self.logo_at(art, (ul, vt, lw, lh), surface, **kw)

    def logo_at(
        self, art: tuple[int, int], rect: tuple[float, float, float, float], surface: np.ndarray, **kw: object
    ) -> bool:
        """Paste artwork ``art`` onto the surface rectangle ``rect`` = (u, v, width, height)."""
        cls, var = art
        bh, bw = self.bank.base(cls, var).shape[:2]
        ul, vt, lw, lh = rect
        sx, sy = lw / bw, lh / bh
        a = np.array([[sx, 0, ul + 0.5 * sx], [0, sy, vt + 0.5 * sy], [0, 0, 1]])
        m = surface @ a
        q = project(m, np.array([[0, 0], [bw, 0], [bw, bh], [0, bh]], np.float64) - 0.5)
        if not np.isfinite(q).all():
            return False
        if q[:, 0].max() < -1 or q[:, 1].max() < -1 or q[:, 0].min() > self.w or q[:, 1].min() > self.h:
            return False  # entirely outside the frame
        h_px = 0.5 * (math.hypot(*(q[3] - q[0])) + math.hypot(*(q[2] - q[1])))
        if h_px < self.recipe.logo_min_px:
            return False
        self.canvas.paste_logo(self.bank, cls, var, m, **kw)  # type: ignore[arg-type]
        return True


# ------------------------------------------------------------------------------------------- primitives
def solid_texture(w: int, h: int, colour: np.ndarray) -> np.ndarray:
    """Premultiplied BGRA float32 texture of one opaque colour."""
    t = np.empty((max(1, h), max(1, w), 4), np.float32)
    t[..., :3] = colour
    t[..., 3] = 1.0
    return t


def text_texture(
    rng: np.random.Generator, height_px: float, sponsors: list[str], colour: np.ndarray | None = None
) -> np.ndarray:
    """Premultiplied BGRA texture of distractor text (a random non-sponsor word, sometimes with a simple
    shape icon), about ``height_px`` tall."""
    banned = {s.lower() for s in sponsors}
    word = WORDS[int(rng.integers(len(WORDS)))]
    if rng.random() < 0.3:  # random letters
        word = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(3, 8))))
    if word.lower() in banned:
        word = "XQZ"
    font = _FONTS[int(rng.integers(len(_FONTS)))]
    px = max(6.0, height_px)
    scale = px / 22.0
    thick = max(1, round(scale * rng.uniform(1.0, 3.5)))
    (tw, th), base = cv2.getTextSize(word, font, scale, thick)
    icon = rng.random() < 0.4
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
    """A w x h float32 BGR texture of a crowd in the stands: blobs of seat, shirt and skin colours."""
    rng = ctx.rng
    gw, gh = max(2, int(w / cell_px)), max(2, int(h / cell_px))
    cols = np.asarray(colours + _SKIN, np.float32)
    idx = rng.integers(len(cols), size=(gh, gw))
    small = cols[idx] * rng.uniform(0.55, 1.05, (gh, gw, 1)).astype(np.float32)
    rows = (np.arange(gh) % 2 == 0).astype(np.float32)[:, None, None]
    small *= 1 - 0.25 * rows
    small *= np.float32(dark)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR if cell_px >= 3 else cv2.INTER_AREA)


def grass(ctx: Ctx, w: int, h: int, horizon: float) -> np.ndarray:
    """A w x h float32 BGR pitch with mowing stripes converging to a vanishing point ``horizon`` px above."""
    rng = ctx.rng
    base = ctx.pick(ctx.pal.grass, 10)
    sw, sh = max(2, w // 4), max(2, h // 4)  # computed at quarter resolution, then upscaled (soft edges)
    ys, xs = np.mgrid[0:sh, 0:sw].astype(np.float32) * 4
    vx = rng.uniform(-0.5, 1.5) * w
    freq, phase = rng.uniform(3, 8), rng.uniform(0, 6)
    stripe = np.sign(np.sin((xs - vx) / np.maximum(ys + horizon, 1) * freq + phase))
    noise = rng.uniform(0.93, 1.07, (sh, sw)).astype(np.float32)
    shade = cv2.resize((1 + 0.07 * stripe) * noise, (w, h), interpolation=cv2.INTER_LINEAR)
    return shade[..., None] * base


def cloth(
    ctx: Ctx, x0: int, y0: int, w: int, h: int, amp_px: float, wave: bool
) -> tuple[Displacement, Field]:
    """A smooth cloth (or waving flag) displacement over a frame region and the matching shading field."""
    rng = ctx.rng
    w, h = max(2, w), max(2, h)
    if wave:
        xs = np.arange(w, dtype=np.float32)[None, :]
        phase = rng.uniform(0, 2 * np.pi)
        lam = rng.uniform(0.5, 1.2) * w
        dy = amp_px * np.sin(2 * np.pi * xs / lam + phase) * np.ones((h, 1), np.float32)
        dx = 0.3 * amp_px * np.cos(2 * np.pi * xs / lam + phase) * np.ones((h, 1), np.float32)
        shade = 1.0 + 0.28 * np.cos(2 * np.pi * xs / lam + phase) * np.ones((h, 1), np.float32)
    else:
        g = int(rng.integers(3, 6))
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


def sponsor_or_text(
    ctx: Ctx,
    art: tuple[int, int] | None,
    box: tuple[float, float, float, float],
    surface: np.ndarray,
    fill: float,
    px_per_unit: float,
    **kw: object,
) -> None:
    """Fill a surface box with sponsor ``art``, or with distractor text when ``art`` is None."""
    if art is not None:
        ctx.logo(art, box, surface, fill, **kw)
        return
    u0, v0, u1, v1 = box
    tex = text_texture(ctx.rng, fill * (v1 - v0) * px_per_unit, ctx.bank.sponsors)
    th, tw = tex.shape[:2]
    s = min(fill * (v1 - v0) / th, 0.94 * (u1 - u0) / tw)
    uc, vc = (u0 + u1) / 2, (v0 + v1) / 2
    a = np.array([[s, 0, uc - s * (tw - 1) / 2], [0, s, vc - s * (th - 1) / 2], [0, 0, 1]])
    geo = {k: v for k, v in kw.items() if k in ("clip_quad", "disp", "shade")}
    ctx.canvas.paste_texture(tex, surface @ a, **geo)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- elements
def board_strip(ctx: Ctx, quad: np.ndarray, board_h_px: float, led: bool = True) -> None:
    """A row of perimeter boards filling ``quad`` (frame pixels; TL, TR, BR, BL), each with its own
    content; some boards are caught mid-scroll between two contents."""
    r, rng = ctx.recipe, ctx.rng
    top = np.linalg.norm(quad[1] - quad[0])
    length = top / board_h_px / rng.uniform(*r.board_squeeze)
    hs = rect_homography(length, 1.0, quad)
    u = -rng.uniform(0, r.board_len[1])
    while u < length:
        blen = rng.uniform(*r.board_len)
        gap = rng.uniform(0.0, 0.12) if rng.random() < 0.5 else 0.0
        board = project(hs, np.array([[u, 0], [u + blen, 0], [u + blen, 1], [u, 1]]))
        if board[:, 0].max() >= 0 and board[:, 0].min() < ctx.w:
            _board(ctx, hs, (u, blen), board, led)
        u += blen + gap


def _board(ctx: Ctx, hs: np.ndarray, span: tuple[float, float], board: np.ndarray, led: bool) -> None:
    rng, r = ctx.rng, ctx.recipe
    u, blen = span
    bg = ctx.pick(ctx.pal.boards, 20)
    ctx.canvas.fill([board], bg)
    gain = np.full(3, rng.uniform(1.0, 1.25) if led else rng.uniform(0.8, 1.0), np.float32)
    px_per_unit = float(np.linalg.norm(board[3] - board[0]))
    fill = rng.uniform(*r.board_logo_fill)
    offset = rng.uniform(0.1, 0.9) * blen if rng.random() < r.p_scroll else 0.0
    axis = 0 if rng.random() < 0.8 else 1  # scroll sideways or vertically
    for k, shift in enumerate((0.0, 1.0) if offset else (0.0,)):
        if k == 1:
            bg2 = ctx.pick(ctx.pal.boards, 20)
            if axis == 0:
                rect = np.array(
                    [[u + blen - offset, 0], [u + blen, 0], [u + blen, 1], [u + blen - offset, 1]]
                )
            else:
                rect = np.array(
                    [[u, 1 - offset / blen], [u + blen, 1 - offset / blen], [u + blen, 1], [u, 1]]
                )
            ctx.canvas.fill([project(hs, rect)], bg2)
        du = (shift * blen - offset) if axis == 0 else 0.0
        dv = (shift - offset / blen) if axis == 1 else 0.0
        n = 1 if blen < 6 or rng.random() < 0.6 else 2
        art = ctx.sponsor()
        for i in range(n):
            box = (u + du + i * blen / n, dv, u + du + (i + 1) * blen / n, dv + 1.0)
            sponsor_or_text(ctx, art, box, hs, fill, px_per_unit, clip_quad=board, gain=gain)


def player(
    ctx: Ctx,
    foot: tuple[float, float],
    height_px: float,
    kit: np.ndarray,
    shirt: bool | tuple[int, int] = True,
) -> None:
    """A stylised player (legs, shorts, shirt, arms, head) standing at ``foot``; with ``shirt`` the front of
    the shirt may carry a sponsor (labelled) or a number (distractor); a (class, variant) ``shirt`` always
    shows that sponsor."""
    rng = ctx.rng
    fx, fy = foot
    hh = height_px
    lean = rng.uniform(-0.12, 0.12) * hh
    skin = ctx.pick(_SKIN, 10)
    shorts = ctx.pick(((255, 255, 255), (20, 20, 20), (30, 30, 160), (160, 60, 20)), 15)
    socks = kit * 0.9
    hip = (fx + lean * 0.3, fy - 0.47 * hh)
    stride = rng.uniform(-0.12, 0.12) * hh
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for dx in (-0.06 * hh + stride, 0.06 * hh - stride):
        leg = _thick_line((hip[0], hip[1]), (fx + dx, fy - 0.02 * hh), 0.075 * hh)
        parts.append((leg, socks if rng.random() < 0.5 else skin))
    sw = 0.3 * hh
    parts.append((_rect(hip[0] - sw / 2, hip[1] - 0.1 * hh, sw, 0.16 * hh), shorts))
    sh = (fx + lean, fy - 0.78 * hh)
    torso = np.array(
        [[sh[0] - 0.17 * hh, sh[1]], [sh[0] + 0.17 * hh, sh[1]], [hip[0] + 0.15 * hh, hip[1] - 0.05 * hh],
         [hip[0] - 0.15 * hh, hip[1] - 0.05 * hh]]
    )  # fmt: skip
    for side in (-1, 1):
        hand = (sh[0] + side * rng.uniform(0.18, 0.35) * hh, sh[1] + rng.uniform(0.15, 0.4) * hh)
        parts.append((_thick_line((sh[0] + side * 0.15 * hh, sh[1] + 0.03 * hh), hand, 0.07 * hh), kit))
    parts.append((torso, kit))
    parts.append((_circle((sh[0], sh[1] - 0.11 * hh), 0.085 * hh), skin))
    ctx.canvas.fill_many(parts)
    if not shirt:
        return
    chest = (sh[0] - 0.12 * hh, sh[1] + 0.07 * hh, 0.24 * hh, 0.17 * hh)
    x0, y0 = int(chest[0] - 0.05 * hh), int(chest[1] - 0.05 * hh)
    disp, shade = cloth(ctx, x0, y0, int(0.34 * hh), int(0.3 * hh), rng.uniform(0.005, 0.02) * hh, wave=False)
    surface = plane_homography(
        chest[2], chest[3], (chest[0] + chest[2] / 2, chest[1] + chest[3] / 2), chest[3],
        rng.uniform(-35, 35), rng.uniform(-10, 10), rng.uniform(-8, 8), 3.0,
    )  # fmt: skip
    art = shirt if isinstance(shirt, tuple) else (ctx.sponsor() if rng.random() < 0.75 else None)
    if art is not None:
        ctx.logo(art, (0, 0, chest[2], chest[3]), surface, rng.uniform(0.45, 0.8), disp=disp, shade=shade,
                 gain=np.full(3, rng.uniform(0.75, 1.0), np.float32))  # fmt: skip
    elif rng.random() < 0.5:
        tex = text_texture(ctx.rng, chest[3] * 0.6, ctx.bank.sponsors)
        th, tw = tex.shape[:2]
        s = min(chest[3] * 0.6 / th, chest[2] / tw)
        a = np.array([[s, 0, 0.5 * (chest[2] - s * tw)], [0, s, 0.2 * chest[3]], [0, 0, 1]])
        ctx.canvas.paste_texture(tex, surface @ a, disp=disp, shade=shade)


def banner(ctx: Ctx, surface: np.ndarray, w_u: float, h_u: float, px_per_unit: float, wave: bool) -> None:
    """A cloth banner/flag (w_u x h_u surface units) with one or two sponsors or distractor text."""
    rng = ctx.rng
    quad = project(surface, np.array([[0, 0], [w_u, 0], [w_u, h_u], [0, h_u]], np.float64))
    x0, y0 = int(quad[:, 0].min()) - 4, int(quad[:, 1].min()) - 4
    bw, bh = int(np.ptp(quad[:, 0])) + 8, int(np.ptp(quad[:, 1])) + 8
    amp = rng.uniform(0.01, 0.05) * max(8.0, float(np.ptp(quad[:, 1])))
    disp, shade = cloth(ctx, x0, y0, bw, bh, amp, wave=wave)
    tw, th = max(2, round(w_u * px_per_unit)), max(2, round(h_u * px_per_unit))
    sc = np.array([[w_u / tw, 0, 0.5 * w_u / tw], [0, h_u / th, 0.5 * h_u / th], [0, 0, 1]])
    ctx.canvas.paste_texture(solid_texture(tw, th, ctx.pick(ctx.pal.boards + ctx.pal.walls)), surface @ sc,
                             disp=disp, shade=shade)  # fmt: skip
    n = 2 if w_u / h_u > 4 and rng.random() < 0.5 else 1
    gain = np.full(3, rng.uniform(0.8, 1.05), np.float32)
    for i in range(n):
        box = (i * w_u / n, 0, (i + 1) * w_u / n, h_u)
        fill = rng.uniform(0.5, 0.85)
        sponsor_or_text(
            ctx, ctx.sponsor(), box, surface, fill, px_per_unit, disp=disp, shade=shade, gain=gain
        )


def sign(
    ctx: Ctx, surface: np.ndarray, w_u: float, h_u: float, px_per_unit: float, frame: bool = True
) -> None:
    """A rigid sign, podium front or roll-up (w_u x h_u surface units) with a sponsor or text."""
    rng = ctx.rng
    quad = project(surface, np.array([[0, 0], [w_u, 0], [w_u, h_u], [0, h_u]], np.float64))
    if frame:
        ctx.canvas.fill([quad + (quad - quad.mean(0)) * 0.04], ctx.pick(((40, 40, 40), (200, 200, 200))))
    ctx.canvas.fill([quad], ctx.pick(ctx.pal.walls + ctx.pal.boards))
    gain = np.full(3, rng.uniform(0.8, 1.05), np.float32)
    fill = rng.uniform(0.45, 0.8)
    sponsor_or_text(
        ctx, ctx.sponsor(), (0, 0, w_u, h_u), surface, fill, px_per_unit, clip_quad=quad, gain=gain
    )


def media_wall(ctx: Ctx, surface: np.ndarray, w_u: float, h_u: float, cell_h: float) -> None:
    """A step-and-repeat wall: a grid (staggered rows) of 1-3 alternating sponsors on a flat colour."""
    rng = ctx.rng
    quad = project(surface, np.array([[0, 0], [w_u, 0], [w_u, h_u], [0, h_u]], np.float64))
    ctx.canvas.fill([quad], ctx.pick(ctx.pal.walls, 8))
    arts = [ctx.sponsor() for _ in range(int(rng.integers(1, 4)))]
    gain = np.full(3, rng.uniform(0.85, 1.05), np.float32)
    cell_w = cell_h * rng.uniform(2.2, 3.5)
    fill = rng.uniform(0.45, 0.7)
    quad_c = np.clip(quad, [0, 0], [ctx.w, ctx.h])  # the part of the wall inside the frame
    visible_share = max(1e-3, polygon_area(quad_c) / max(polygon_area(quad), 1e-6))
    n_cells = w_u * h_u / (cell_w * cell_h) * visible_share
    if n_cells > ctx.recipe.wall_max_logos:
        k = math.sqrt(n_cells / ctx.recipe.wall_max_logos)
        cell_w, cell_h = cell_w * k, cell_h * k
    stagger = rng.random() < 0.6
    # non-sponsor cells (event name, venue) repeat one text each
    texts = [None if a is not None else text_texture(rng, 40.0, ctx.bank.sponsors) for a in arts]
    for row in range(math.ceil(h_u / cell_h)):
        off = (cell_w / 2) if (stagger and row % 2) else 0.0
        for col in range(-1, math.ceil(w_u / cell_w) + 1):
            u0 = col * cell_w + off
            box = (u0, row * cell_h, u0 + cell_w, (row + 1) * cell_h)
            k = (row + col) % len(arts)
            art, tex = arts[k], texts[k]
            if art is not None:
                ctx.logo(art, box, surface, fill, clip_quad=quad, gain=gain)
            elif tex is not None:
                th, tw = tex.shape[:2]
                sc = min(fill * cell_h / th, 0.9 * cell_w / tw)
                a = np.array(
                    [
                        [sc, 0, u0 + (cell_w - sc * tw) / 2],
                        [0, sc, row * cell_h + (cell_h - sc * th) / 2],
                        [0, 0, 1],
                    ]
                )
                q = project(surface @ a, np.array([[0, 0], [tw, 0], [tw, th], [0, th]], np.float64))
                if (
                    q[:, 0].max() >= 0
                    and q[:, 1].max() >= 0
                    and q[:, 0].min() < ctx.w
                    and q[:, 1].min() < ctx.h
                ):
                    ctx.canvas.paste_texture(tex, surface @ a, clip_quad=quad)


def graphics(ctx: Ctx) -> None:
    """Broadcast graphics: a score bug (top) or a lower third, each with a sponsor panel (flat, crisp)."""
    rng = ctx.rng
    w, h = ctx.w, ctx.h
    dark = ctx.pick(((30, 20, 20), (60, 20, 0), (20, 20, 60), (40, 40, 40)), 10)
    flat = np.eye(3)
    if rng.random() < 0.6:  # score bug
        gh = h * rng.uniform(0.045, 0.085)
        gx, gy = w * rng.uniform(0.02, 0.06), h * rng.uniform(0.03, 0.07)
        gw = gh * rng.uniform(5, 7)
        ctx.canvas.fill([_rect(gx, gy, gw, gh)], dark, opacity=rng.uniform(0.85, 1.0))
        words = ["".join(chr(int(c)) for c in rng.integers(65, 91, 3)) for _ in range(2)]
        txt = f"{words[0]} {rng.integers(0, 5)}-{rng.integers(0, 5)} {words[1]}  {rng.integers(1, 90)}:{rng.integers(0, 60):02d}"
        _put_text(ctx, txt, (gx + 0.1 * gh, gy + 0.72 * gh), gh * 0.5, (255, 255, 255), gw * 0.95)
        px, py, pw, ph = gx + gw, gy, gh * rng.uniform(2.2, 3.4), gh
    else:  # lower third
        gh = h * rng.uniform(0.06, 0.11)
        gx, gy = w * rng.uniform(0.04, 0.15), h * rng.uniform(0.72, 0.86)
        gw = w * rng.uniform(0.4, 0.6)
        ctx.canvas.fill([_rect(gx, gy, gw, gh)], dark, opacity=rng.uniform(0.85, 1.0))
        name = (
            WORDS[int(rng.integers(len(WORDS)))].title() + " " + WORDS[int(rng.integers(len(WORDS)))].title()
        )
        _put_text(ctx, name, (gx + 0.2 * gh, gy + 0.65 * gh), gh * 0.45, (255, 255, 255), gw * 0.6)
        pw, ph = gh * rng.uniform(2.2, 3.4), gh
        px, py = gx + gw - pw, gy
    panel = ctx.pick(((255, 255, 255), (240, 240, 240), (30, 30, 30)), 5)
    ctx.canvas.fill([_rect(px, py, pw, ph)], panel)
    sponsor_or_text(ctx, ctx.sponsor(), (px, py, px + pw, py + ph), flat, rng.uniform(0.6, 0.85), 1.0)


def distractors(ctx: Ctx, n: int) -> None:
    """Free-standing hard negatives: random words and coloured shapes anywhere in the frame."""
    rng = ctx.rng
    for _ in range(n):
        if rng.random() < 0.6:
            hpx = ctx.loguniform(8, ctx.h * 0.15)
            tex = text_texture(rng, hpx, ctx.bank.sponsors)
            th, tw = tex.shape[:2]
            s = hpx / th
            surface = plane_homography(tw, th, (rng.uniform(0, ctx.w), rng.uniform(0, ctx.h)), th * s,
                                       rng.uniform(-40, 40), rng.uniform(-20, 20), rng.uniform(-20, 20))  # fmt: skip
            ctx.canvas.paste_texture(tex, surface, opacity=rng.uniform(0.7, 1.0))
        else:
            c = (rng.uniform(0, ctx.w), rng.uniform(0, ctx.h))
            r = ctx.loguniform(4, ctx.h * 0.08)
            k = int(rng.integers(3, 9))
            ang = np.sort(rng.uniform(0, 2 * np.pi, k))
            pts = np.stack([c[0] + r * np.cos(ang), c[1] + r * np.sin(ang)], 1)
            ctx.canvas.fill([pts], rng.uniform(0, 255, 3).astype(np.float32))


# ------------------------------------------------------------------------------------------------ scenes
def stadium(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """Football broadcast: stands, perimeter boards in perspective, pitch, players, banners, score bug."""
    r, rng = ctx.recipe, ctx.rng
    w, h = ctx.w, ctx.h
    bh = ctx.loguniform(max(r.logo_min_px / r.board_logo_fill[1] * 1.2, h * r.board_height_frac[0]),
                        h * r.board_height_frac[1])  # fmt: skip
    yc = rng.uniform(0.2, 0.62) * h
    tilt = math.tan(math.radians(rng.uniform(*r.board_tilt_deg)))
    taper = rng.uniform(-0.45, 0.45)
    quad = _strip_quad(w, yc, bh, tilt, taper)
    if background is None:
        img = ctx.canvas.image
        img[:] = crowd(
            ctx, w, h, max(2.0, bh * rng.uniform(0.12, 0.3)), ctx.pal.stands, rng.uniform(*ctx.pal.light)
        )
        if rng.random() < 0.3:
            sky_y = rng.uniform(0.0, 0.3) * max(1.0, float(quad[:, 1].min()))
            ctx.canvas.fill([_rect(-1, -1, w + 2, sky_y + 1)], ctx.pick(ctx.pal.sky))
        pitch_top = int(max(0, min(quad[2, 1], quad[3, 1]) - 2))
        if pitch_top < h:
            g = grass(ctx, w, h - pitch_top, rng.uniform(0.3, 3.0) * h)
            ctx.canvas.paste_patch(g, None, 0, pitch_top)
            if rng.random() < 0.5:
                y = rng.uniform(pitch_top + 0.1 * h, h)
                ctx.canvas.fill([_thick_line((-10, y), (w + 10, y + rng.uniform(-0.1, 0.1) * h), max(1.0, bh * 0.05))],
                                (235, 235, 235), opacity=0.8)  # fmt: skip
    board_strip(ctx, quad, bh)
    if rng.random() < 0.3 and quad[:, 1].min() > 3 * bh:  # upper-tier ribbon board
        bh2 = bh * rng.uniform(0.35, 0.7)
        if bh2 * r.board_logo_fill[1] > r.logo_min_px:
            board_strip(
                ctx, _strip_quad(w, rng.uniform(0.25, 0.6) * float(quad[:, 1].min()), bh2, tilt, taper), bh2
            )
    top = float(quad[:, 1].min())
    if rng.random() < r.p_banner and top > 25:
        for _ in range(int(rng.integers(1, 3))):
            bw_px = ctx.loguniform(40, w * 0.4)
            h_u = rng.uniform(0.18, 0.5)
            surface = plane_homography(1.0, h_u, (rng.uniform(0, w), rng.uniform(0.1, 0.9) * top), bw_px * h_u,
                                       rng.uniform(-30, 30), rng.uniform(-10, 10), rng.uniform(-8, 8), 4.0)  # fmt: skip
            banner(ctx, surface, 1.0, h_u, bw_px, wave=rng.random() < 0.5)
    kits = [ctx.pick(ctx.pal.kits, 10) for _ in range(2)]
    bottom = float(quad[2:, 1].max())
    feet = []
    for _ in range(int(rng.integers(r.players[0], r.players[1] + 1))):
        ph = bh * rng.uniform(*r.player_height_boards)
        fy = rng.uniform(bottom + 0.05 * ph, h + 0.4 * ph)
        feet.append((fy, rng.uniform(-0.05, 1.05) * w, ph))
    for fy, fx, ph in sorted(feet):  # far players first
        player(ctx, (fx, fy), ph, kits[int(rng.integers(2))])
    distractors(ctx, int(rng.integers(*r.distractors)))
    if rng.random() < r.p_graphics:
        graphics(ctx)


def arena(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """Indoor court: dark stands, courtside LED boards, a floor logo in steep perspective, players."""
    r, rng = ctx.recipe, ctx.rng
    w, h = ctx.w, ctx.h
    bh = ctx.loguniform(max(12.0, h * 0.03), h * 0.18)
    yc = rng.uniform(0.25, 0.5) * h
    tilt = math.tan(math.radians(rng.uniform(-4, 4)))
    quad = np.array([[-0.3 * w, yc - bh / 2 - tilt * 0.8 * w], [1.3 * w, yc - bh / 2 + tilt * 0.8 * w],
                     [1.3 * w, yc + bh / 2 + tilt * 0.8 * w], [-0.3 * w, yc + bh / 2 - tilt * 0.8 * w]])  # fmt: skip
    if background is None:
        ctx.canvas.image[:] = crowd(ctx, w, h, max(2.0, bh * 0.2), ctx.pal.stands, rng.uniform(0.25, 0.55))
        floor_top = int(max(0, quad[2:, 1].min() - 2))
        floor = np.empty((h - floor_top, w, 3), np.float32)
        floor[:] = ctx.pick(ctx.pal.floors, 12)
        planks = cv2.resize(rng.uniform(0.92, 1.08, (max(2, (h - floor_top) // 3), 6)).astype(np.float32),
                            (w, h - floor_top), interpolation=cv2.INTER_NEAREST)  # fmt: skip
        ctx.canvas.paste_patch(floor * planks[..., None], None, 0, floor_top)
        if rng.random() < 0.6:  # floor logo (centre court), steep perspective
            art = ctx.sponsor()
            fw = ctx.loguniform(0.15 * w, 0.7 * w)
            surface = plane_homography(1.0, 1.0, (rng.uniform(0.2, 0.8) * w, rng.uniform(0.65, 0.95) * h), fw,
                                       rng.uniform(-20, 20), rng.uniform(55, 72), rng.uniform(-5, 5), 3.0)  # fmt: skip
            if art is not None:
                ctx.logo(art, (0, 0, 1, 1), surface, 0.7, opacity=rng.uniform(0.6, 0.95))
    board_strip(ctx, quad, bh, led=True)
    kits = [ctx.pick(ctx.pal.kits, 10) for _ in range(2)]
    bottom = float(quad[2:, 1].max())
    for _ in range(int(rng.integers(r.players[0], r.players[1] + 1))):
        ph = bh * rng.uniform(3.0, 7.0)
        player(
            ctx,
            (rng.uniform(0, w), rng.uniform(bottom + 0.05 * ph, h + 0.3 * ph)),
            ph,
            kits[int(rng.integers(2))],
        )
    distractors(ctx, int(rng.integers(*r.distractors)))
    if rng.random() < r.p_graphics:
        graphics(ctx)


def event(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """Event photo: a media wall in perspective, people in front, sometimes a podium or a sign."""
    r, rng = ctx.recipe, ctx.rng
    w, h = ctx.w, ctx.h
    if background is None:
        ctx.canvas.image[:] = ctx.pick(ctx.pal.walls, 30) * rng.uniform(0.5, 1.0)
    cell_px = ctx.loguniform(*r.wall_logo_px) * (w / 640) / rng.uniform(0.45, 0.7)
    wall_h_px = h * rng.uniform(0.6, 1.4)
    aspect = rng.uniform(1.2, 2.5)
    yaw = rng.uniform(-45, 45)
    surface = plane_homography(aspect, 1.0, (rng.uniform(0.3, 0.7) * w, rng.uniform(0.35, 0.6) * h), wall_h_px,
                               yaw, rng.uniform(-12, 12), rng.uniform(-6, 6), rng.uniform(1.5, 4.0))  # fmt: skip
    media_wall(ctx, surface, aspect, 1.0, cell_px / wall_h_px)
    if rng.random() < 0.3:
        tex = text_texture(rng, cell_px * 0.5, ctx.bank.sponsors)
        th, _tw = tex.shape[:2]
        s = 0.08 / th
        ctx.canvas.paste_texture(tex, surface @ np.array([[s, 0, rng.uniform(0, aspect * 0.6)],
                                                          [0, s, rng.uniform(0, 0.8)], [0, 0, 1]]))  # fmt: skip
    if rng.random() < 0.35:
        pw = ctx.loguniform(0.15, 0.35) * w
        ph = pw * rng.uniform(0.8, 1.4)
        cx, by = rng.uniform(0.15, 0.85) * w, rng.uniform(0.85, 1.1) * h
        surf = plane_homography(
            1.0, ph / pw, (cx, by - ph / 2), ph, rng.uniform(-30, 30), rng.uniform(-8, 8), 0, 4.0
        )
        sign(ctx, surf, 1.0, ph / pw, pw)
    people = int(rng.integers(0, 6))
    suits = ((30, 30, 30), (80, 60, 40), (200, 200, 200), (40, 40, 120), (120, 40, 40))
    for _ in range(people):
        ph = h * rng.uniform(0.5, 1.4)
        player(ctx, (rng.uniform(-0.1, 1.1) * w, h + ph * rng.uniform(-0.05, 0.35)), ph, ctx.pick(suits, 10),
               shirt=rng.random() < 0.3)  # fmt: skip
    distractors(ctx, int(rng.integers(*r.distractors)))


def closeup(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """One big element in front of a blurred background: a shirt, a flag, a board section or a podium."""
    r, rng = ctx.recipe, ctx.rng
    w, h = ctx.w, ctx.h
    if background is None:
        bg = crowd(
            ctx, w // 4, h // 4, rng.uniform(2, 5), ctx.pal.stands + ctx.pal.walls, rng.uniform(0.5, 1.0)
        )
        ctx.canvas.image[:] = cv2.GaussianBlur(cv2.resize(bg, (w, h)), (0, 0), rng.uniform(2, 6))
    choice = rng.random()
    max_logo = r.logo_max_frac * h
    if choice < 0.35:  # player close-up (shirt sponsor big)
        ph = h * rng.uniform(1.2, 2.8)
        player(
            ctx, (rng.uniform(0.3, 0.7) * w, h + ph * rng.uniform(0.25, 0.5)), ph, ctx.pick(ctx.pal.kits, 10)
        )
    elif choice < 0.6:  # flag / banner
        h_px = ctx.loguniform(max_logo * 0.35, max_logo * 1.3)
        aspect = rng.uniform(1.3, 3.0)
        surface = plane_homography(aspect, 1.0, (rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h), h_px,
                                   rng.uniform(*r.yaw_deg) * 0.6, rng.uniform(*r.pitch_deg), rng.uniform(*r.roll_deg))  # fmt: skip
        banner(ctx, surface, aspect, 1.0, h_px, wave=rng.random() < 0.7)
    elif choice < 0.8:  # board section, large
        bh = ctx.loguniform(max_logo * 0.4, max_logo * 1.2)
        yc = rng.uniform(0.3, 0.7) * h
        t = rng.uniform(-0.15, 0.15)
        quad = np.array([[-0.2 * w, yc - bh / 2 - t * w], [1.2 * w, yc - bh / 2 + t * w],
                         [1.2 * w, yc + bh / 2 + t * w], [-0.2 * w, yc + bh / 2 - t * w]])  # fmt: skip
        board_strip(ctx, quad, bh)
    else:  # podium / sign
        ph = ctx.loguniform(max_logo * 0.5, max_logo * 1.6)
        aspect = rng.uniform(0.8, 2.0)
        surf = plane_homography(aspect, 1.0, (rng.uniform(0.3, 0.7) * w, rng.uniform(0.35, 0.7) * h), ph,
                                rng.uniform(*r.yaw_deg), rng.uniform(*r.pitch_deg), rng.uniform(*r.roll_deg))  # fmt: skip
        sign(ctx, surf, aspect, 1.0, ph)
    distractors(ctx, int(rng.integers(*r.distractors)))


def photo(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """Elements placed over a frame of the user's own footage: signs, banners, a board row, a wall, players."""
    r, rng = ctx.recipe, ctx.rng
    w, h = ctx.w, ctx.h
    for _ in range(int(rng.integers(1, 4))):
        e = rng.random()
        if e < 0.3:
            size = ctx.loguniform(r.logo_min_px * 2.0, r.logo_max_frac * h * 1.3)
            aspect = rng.uniform(1.0, 4.0)
            surf = plane_homography(aspect, 1.0, (rng.uniform(0, w), rng.uniform(0, h)), size,
                                    rng.uniform(*r.yaw_deg), rng.uniform(*r.pitch_deg), rng.uniform(*r.roll_deg))  # fmt: skip
            sign(ctx, surf, aspect, 1.0, size, frame=rng.random() < 0.5)
        elif e < 0.55:
            size = ctx.loguniform(r.logo_min_px * 2.0, r.logo_max_frac * h * 1.2)
            aspect = rng.uniform(1.5, 5.0)
            surf = plane_homography(aspect, 1.0, (rng.uniform(0, w), rng.uniform(0, h)), size,
                                    rng.uniform(*r.yaw_deg), rng.uniform(*r.pitch_deg), rng.uniform(*r.roll_deg))  # fmt: skip
            banner(ctx, surf, aspect, 1.0, size, wave=rng.random() < 0.5)
        elif e < 0.8:
            bh = ctx.loguniform(14.0, h * 0.2)
            yc = rng.uniform(0.2, 0.9) * h
            t = rng.uniform(-0.1, 0.1)
            quad = np.array([[-0.3 * w, yc - bh / 2 - t * w], [1.3 * w, yc - bh / 2 + t * w],
                             [1.3 * w, yc + bh / 2 + t * w * 1.2], [-0.3 * w, yc + bh / 2 - t * w * 1.2]])  # fmt: skip
            board_strip(ctx, quad, bh)
        elif e < 0.9:
            cell = ctx.loguniform(*r.wall_logo_px) / 0.55
            wall_h = rng.uniform(0.3, 0.8) * h
            surf = plane_homography(1.5, 1.0, (rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h), wall_h,
                                    rng.uniform(-40, 40), rng.uniform(-10, 10), rng.uniform(-5, 5))  # fmt: skip
            media_wall(ctx, surf, 1.5, 1.0, cell / wall_h)
        else:
            ph = h * rng.uniform(0.3, 1.2)
            player(ctx, (rng.uniform(0, w), rng.uniform(0.6, 1.3) * h), ph, ctx.pick(ctx.pal.kits, 10))
    distractors(ctx, int(rng.integers(0, 3)))
    if rng.random() < r.p_graphics * 0.5:
        graphics(ctx)


KINDS: dict[str, Callable[[Ctx, np.ndarray | None], None]] = {
    "stadium": stadium,
    "arena": arena,
    "event": event,
    "closeup": closeup,
    "photo": photo,
}


def draw_scene(ctx: Ctx, kind: str, background: np.ndarray | None = None) -> None:
    """Draw one scene of ``kind`` onto ``ctx.canvas`` (whose image already holds ``background`` if any)."""
    if kind not in KINDS:
        raise ValueError(f"unknown scene kind {kind!r} (one of {', '.join(KINDS)})")
    KINDS[kind](ctx, background)


# -------------------------------------------------------------------------------------------- shapes
def _strip_quad(w: int, yc: float, bh: float, tilt: float, taper: float) -> np.ndarray:
    """Quad (TL, TR, BR, BL) of a board row crossing the frame: centre height ``yc`` at mid-frame, height
    ``bh`` there, slope ``tilt`` and relative height change ``taper`` across the frame width."""

    def edge(x: float, v: float) -> tuple[float, float]:
        hx = bh * (1 + taper * (x - w / 2) / w)
        return x, yc + tilt * (x - w / 2) + (v - 0.5) * hx

    xl, xr = -0.4 * w, 1.4 * w
    return np.array([edge(xl, 0), edge(xr, 0), edge(xr, 1), edge(xl, 1)])


def _rect(x: float, y: float, w: float, h: float) -> np.ndarray:
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float64)


def _circle(c: tuple[float, float], r: float, n: int = 20) -> np.ndarray:
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([c[0] + r * np.cos(a), c[1] + r * np.sin(a)], 1)


def _thick_line(p: tuple[float, float], q: tuple[float, float], width: float) -> np.ndarray:
    d = np.subtract(q, p)
    n = np.array([-d[1], d[0]]) / max(1e-6, float(np.hypot(*d))) * width / 2
    return np.array([np.add(p, n), np.add(q, n), np.subtract(q, n), np.subtract(p, n)])


def _put_text(
    ctx: Ctx, text: str, org: tuple[float, float], height_px: float, colour: BGR, max_w: float
) -> None:
    scale = max(0.25, height_px / 22.0)
    (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    if tw > max_w:
        scale *= max_w / tw
    thick = max(1, round(scale * 1.5))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    x, y = int(org[0]), int(org[1])
    x0, y0 = max(0, x), max(0, y - th - 2)
    x1, y1 = min(ctx.w, x + tw + 2), min(ctx.h, y + base + 2)
    if x0 >= x1 or y0 >= y1:
        return
    m = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.putText(m, text, (x - x0, y - y0), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thick, cv2.LINE_AA)
    a = m.astype(np.float32) / 255.0
    ctx.canvas.composite(a[..., None] * np.asarray(colour, np.float32), a, x0, y0)
