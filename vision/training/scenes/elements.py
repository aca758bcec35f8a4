"""The drawn building blocks of the scenes: perimeter board rows, players, banners and flags, signs,
media walls, broadcast graphics, free-standing distractors, and the polygon helpers they share.

Every element draws its randomness from ``ctx.rng`` in a fixed order and its ranges from the nested
recipes of :class:`~vision.training.scenes.recipe.SceneRecipe` (``board``, ``player``, ``banner``,
``sign``, ``wall``, ``graphics``, ``distractor``, ``jitter``).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vision.training.compose import plane_homography, polygon_area, project, rect_homography
from vision.training.scenes.context import Ctx
from vision.training.scenes.palettes import (
    BGR,
    GRAPHICS_BACKGROUNDS,
    GRAPHICS_PANELS,
    SHORTS,
    SIGN_FRAMES,
    SKIN,
)
from vision.training.scenes.textures import WORDS, cloth, solid_texture, text_texture

__all__ = [
    "banner",
    "board_strip",
    "circle",
    "distractors",
    "graphics",
    "media_wall",
    "player",
    "put_text",
    "rect",
    "sign",
    "sponsor_or_text",
    "strip_quad",
    "thick_line",
]


def sponsor_or_text(
    ctx: Ctx,
    art: tuple[int, int] | None,
    box: tuple[float, float, float, float],
    surface: np.ndarray,
    fill: float,
    px_per_unit: float,
    **kw: object,
) -> None:
    """Fill the surface box ``box`` = (u0, v0, u1, v1) (surface units; ``px_per_unit`` frame pixels per
    unit) with sponsor ``art``, its height ``fill`` x the box height, or with distractor text when ``art``
    is None. ``kw`` goes to the paste (clip quad, displacement, shading, gain). Returns nothing."""
    if art is not None:
        ctx.logo(art, box, surface, fill, **kw)
        return
    u0, v0, u1, v1 = box
    tex = text_texture(ctx.rng, fill * (v1 - v0) * px_per_unit, ctx.bank.sponsors, recipe=ctx.recipe.text)
    th, tw = tex.shape[:2]
    s = min(fill * (v1 - v0) / th, 0.94 * (u1 - u0) / tw)
    uc, vc = (u0 + u1) / 2, (v0 + v1) / 2
    a = np.array([[s, 0, uc - s * (tw - 1) / 2], [0, s, vc - s * (th - 1) / 2], [0, 0, 1]])
    geo = {k: v for k, v in kw.items() if k in ("clip_quad", "disp", "shade")}
    ctx.canvas.paste_texture(tex, surface @ a, **geo)  # type: ignore[arg-type]


def board_strip(ctx: Ctx, quad: np.ndarray, board_h_px: float, led: bool = True) -> None:
    """A row of perimeter boards filling ``quad`` (frame pixels; TL, TR, BR, BL), each with its own
    content; some boards are caught mid-scroll between two contents. ``board_h_px`` is the row's height
    in frame pixels; ``led`` brightens the content as an LED board would. Returns nothing."""
    r, b, rng = ctx.recipe, ctx.recipe.board, ctx.rng
    top = np.linalg.norm(quad[1] - quad[0])
    length = top / board_h_px / rng.uniform(*r.board_squeeze)
    hs = rect_homography(length, 1.0, quad)
    u = -rng.uniform(0, r.board_len[1])
    while u < length:
        blen = rng.uniform(*r.board_len)
        gap = rng.uniform(*b.gap) if rng.random() < b.p_gap else 0.0
        board = project(hs, np.array([[u, 0], [u + blen, 0], [u + blen, 1], [u, 1]]))
        if board[:, 0].max() >= 0 and board[:, 0].min() < ctx.w:
            _board(ctx, hs, (u, blen), board, led)
        u += blen + gap


def _board(ctx: Ctx, hs: np.ndarray, span: tuple[float, float], board: np.ndarray, led: bool) -> None:
    """One board ``span`` = (u, length) of the row whose homography is ``hs`` (board units to frame);
    ``board`` is its frame quad. Draws its background and content (and the incoming content when it is
    caught mid-transition). Returns nothing."""
    rng, r, b = ctx.rng, ctx.recipe, ctx.recipe.board
    u, blen = span
    bg = ctx.pick(ctx.pal.boards, r.jitter.board)
    ctx.canvas.fill([board], bg)
    gain = np.full(3, rng.uniform(*b.led_gain) if led else rng.uniform(*b.printed_gain), np.float32)
    px_per_unit = float(np.linalg.norm(board[3] - board[0]))
    fill = rng.uniform(*r.board_logo_fill)
    offset = rng.uniform(*b.scroll_offset) * blen if rng.random() < r.p_scroll else 0.0
    axis = 0 if rng.random() < b.p_scroll_sideways else 1  # scroll sideways or vertically
    for k, shift in enumerate((0.0, 1.0) if offset else (0.0,)):
        if k == 1:
            bg2 = ctx.pick(ctx.pal.boards, r.jitter.board)
            if axis == 0:
                incoming = np.array(
                    [[u + blen - offset, 0], [u + blen, 0], [u + blen, 1], [u + blen - offset, 1]]
                )
            else:
                incoming = np.array(
                    [[u, 1 - offset / blen], [u + blen, 1 - offset / blen], [u + blen, 1], [u, 1]]
                )
            ctx.canvas.fill([project(hs, incoming)], bg2)
        du = (shift * blen - offset) if axis == 0 else 0.0
        dv = (shift - offset / blen) if axis == 1 else 0.0
        n = 1 if blen < b.two_copies_min_len or rng.random() < b.p_one_copy else 2
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
    shows that sponsor. ``height_px`` is the player's height in frame pixels, ``kit`` the BGR shirt colour.
    Returns nothing."""
    rng, p, jit = ctx.rng, ctx.recipe.player, ctx.recipe.jitter
    fx, fy = foot
    hh = height_px
    lean = rng.uniform(*p.lean) * hh
    skin = ctx.pick(SKIN, jit.skin)
    shorts = ctx.pick(SHORTS, jit.shorts)
    socks = kit * 0.9
    hip = (fx + lean * 0.3, fy - 0.47 * hh)
    stride = rng.uniform(*p.stride) * hh
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for dx in (-0.06 * hh + stride, 0.06 * hh - stride):
        leg = thick_line((hip[0], hip[1]), (fx + dx, fy - 0.02 * hh), 0.075 * hh)
        parts.append((leg, socks if rng.random() < p.p_sock_leg else skin))
    sw = 0.3 * hh
    parts.append((rect(hip[0] - sw / 2, hip[1] - 0.1 * hh, sw, 0.16 * hh), shorts))
    sh = (fx + lean, fy - 0.78 * hh)
    torso = np.array(
        [
            [sh[0] - 0.17 * hh, sh[1]],
            [sh[0] + 0.17 * hh, sh[1]],
            [hip[0] + 0.15 * hh, hip[1] - 0.05 * hh],
            [hip[0] - 0.15 * hh, hip[1] - 0.05 * hh],
        ]
    )
    for side in (-1, 1):
        hand = (sh[0] + side * rng.uniform(*p.hand_out) * hh, sh[1] + rng.uniform(*p.hand_down) * hh)
        parts.append((thick_line((sh[0] + side * 0.15 * hh, sh[1] + 0.03 * hh), hand, 0.07 * hh), kit))
    parts.append((torso, kit))
    parts.append((circle((sh[0], sh[1] - 0.11 * hh), 0.085 * hh), skin))
    ctx.canvas.fill_many(parts)
    if not shirt:
        return
    chest = (sh[0] - 0.12 * hh, sh[1] + 0.07 * hh, 0.24 * hh, 0.17 * hh)
    x0, y0 = int(chest[0] - 0.05 * hh), int(chest[1] - 0.05 * hh)
    disp, shade = cloth(ctx, x0, y0, int(0.34 * hh), int(0.3 * hh), rng.uniform(*p.fold_amp) * hh, wave=False)
    surface = plane_homography(
        chest[2],
        chest[3],
        (chest[0] + chest[2] / 2, chest[1] + chest[3] / 2),
        chest[3],
        rng.uniform(*p.chest_yaw_deg),
        rng.uniform(*p.chest_pitch_deg),
        rng.uniform(*p.chest_roll_deg),
        3.0,
    )
    art = shirt if isinstance(shirt, tuple) else (ctx.sponsor() if rng.random() < p.p_shirt_sponsor else None)
    if art is not None:
        ctx.logo(
            art,
            (0, 0, chest[2], chest[3]),
            surface,
            rng.uniform(*p.shirt_logo_fill),
            disp=disp,
            shade=shade,
            gain=np.full(3, rng.uniform(*p.shirt_gain), np.float32),
        )
    elif rng.random() < p.p_shirt_number:
        tex = text_texture(ctx.rng, chest[3] * 0.6, ctx.bank.sponsors, recipe=ctx.recipe.text)
        th, tw = tex.shape[:2]
        s = min(chest[3] * 0.6 / th, chest[2] / tw)
        a = np.array([[s, 0, 0.5 * (chest[2] - s * tw)], [0, s, 0.2 * chest[3]], [0, 0, 1]])
        ctx.canvas.paste_texture(tex, surface @ a, disp=disp, shade=shade)


def banner(ctx: Ctx, surface: np.ndarray, w_u: float, h_u: float, px_per_unit: float, wave: bool) -> None:
    """A cloth banner/flag (``w_u`` x ``h_u`` surface units, ``px_per_unit`` frame pixels per unit) with one
    or two sponsors or distractor text; ``wave`` makes it a waving flag. Returns nothing."""
    rng, b = ctx.rng, ctx.recipe.banner
    quad = project(surface, np.array([[0, 0], [w_u, 0], [w_u, h_u], [0, h_u]], np.float64))
    x0, y0 = int(quad[:, 0].min()) - 4, int(quad[:, 1].min()) - 4
    bw, bh = int(np.ptp(quad[:, 0])) + 8, int(np.ptp(quad[:, 1])) + 8
    amp = rng.uniform(*b.fold_amp) * max(8.0, float(np.ptp(quad[:, 1])))
    disp, shade = cloth(ctx, x0, y0, bw, bh, amp, wave=wave)
    tw, th = max(2, round(w_u * px_per_unit)), max(2, round(h_u * px_per_unit))
    sc = np.array([[w_u / tw, 0, 0.5 * w_u / tw], [0, h_u / th, 0.5 * h_u / th], [0, 0, 1]])
    ctx.canvas.paste_texture(
        solid_texture(tw, th, ctx.pick(ctx.pal.boards + ctx.pal.walls, ctx.recipe.jitter.banner)),
        surface @ sc,
        disp=disp,
        shade=shade,
    )
    n = 2 if w_u / h_u > b.two_sponsors_min_aspect and rng.random() < b.p_two_sponsors else 1
    gain = np.full(3, rng.uniform(*b.gain), np.float32)
    for i in range(n):
        box = (i * w_u / n, 0, (i + 1) * w_u / n, h_u)
        fill = rng.uniform(*b.logo_fill)
        sponsor_or_text(
            ctx, ctx.sponsor(), box, surface, fill, px_per_unit, disp=disp, shade=shade, gain=gain
        )


def sign(
    ctx: Ctx, surface: np.ndarray, w_u: float, h_u: float, px_per_unit: float, frame: bool = True
) -> None:
    """A rigid sign, podium front or roll-up (``w_u`` x ``h_u`` surface units, ``px_per_unit`` frame pixels
    per unit) with a sponsor or text, in a frame when ``frame``. Returns nothing."""
    rng, s, jit = ctx.rng, ctx.recipe.sign, ctx.recipe.jitter
    quad = project(surface, np.array([[0, 0], [w_u, 0], [w_u, h_u], [0, h_u]], np.float64))
    if frame:
        ctx.canvas.fill([quad + (quad - quad.mean(0)) * 0.04], ctx.pick(SIGN_FRAMES, jit.sign_frame))
    ctx.canvas.fill([quad], ctx.pick(ctx.pal.walls + ctx.pal.boards, jit.sign))
    gain = np.full(3, rng.uniform(*s.gain), np.float32)
    fill = rng.uniform(*s.logo_fill)
    sponsor_or_text(
        ctx, ctx.sponsor(), (0, 0, w_u, h_u), surface, fill, px_per_unit, clip_quad=quad, gain=gain
    )


def media_wall(ctx: Ctx, surface: np.ndarray, w_u: float, h_u: float, cell_h: float) -> None:
    """A step-and-repeat wall (``w_u`` x ``h_u`` surface units): a grid (staggered rows) of alternating
    sponsors on a flat colour, cells ``cell_h`` surface units tall (grown until at most about
    ``wall_max_logos`` are visible). Returns nothing."""
    rng, wr = ctx.rng, ctx.recipe.wall
    quad = project(surface, np.array([[0, 0], [w_u, 0], [w_u, h_u], [0, h_u]], np.float64))
    ctx.canvas.fill([quad], ctx.pick(ctx.pal.walls, ctx.recipe.jitter.media_wall))
    arts = [ctx.sponsor() for _ in range(int(rng.integers(wr.sponsors[0], wr.sponsors[1] + 1)))]
    gain = np.full(3, rng.uniform(*wr.gain), np.float32)
    cell_w = cell_h * rng.uniform(*wr.cell_aspect)
    fill = rng.uniform(*wr.logo_fill)
    quad_c = np.clip(quad, [0, 0], [ctx.w, ctx.h])  # the part of the wall inside the frame
    visible_share = max(1e-3, polygon_area(quad_c) / max(polygon_area(quad), 1e-6))
    n_cells = w_u * h_u / (cell_w * cell_h) * visible_share
    if n_cells > ctx.recipe.wall_max_logos:
        k = math.sqrt(n_cells / ctx.recipe.wall_max_logos)
        cell_w, cell_h = cell_w * k, cell_h * k
    stagger = rng.random() < wr.p_stagger
    # non-sponsor cells (event name, venue) repeat one text each
    texts = [
        None if a is not None else text_texture(rng, 40.0, ctx.bank.sponsors, recipe=ctx.recipe.text)
        for a in arts
    ]
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
    """Broadcast graphics: a score bug (top) or a lower third, each with a sponsor panel (flat, crisp).
    Returns nothing."""
    rng, g = ctx.rng, ctx.recipe.graphics
    w, h = ctx.w, ctx.h
    dark = ctx.pick(GRAPHICS_BACKGROUNDS, ctx.recipe.jitter.graphics)
    flat = np.eye(3)
    if rng.random() < g.p_score_bug:  # score bug
        gh = h * rng.uniform(*g.bug_height)
        gx, gy = w * rng.uniform(*g.bug_x), h * rng.uniform(*g.bug_y)
        gw = gh * rng.uniform(*g.bug_len)
        ctx.canvas.fill([rect(gx, gy, gw, gh)], dark, opacity=rng.uniform(*g.opacity))
        words = ["".join(chr(int(c)) for c in rng.integers(65, 91, 3)) for _ in range(2)]
        goals = [rng.integers(g.goals[0], g.goals[1] + 1) for _ in range(2)]
        minute, second = rng.integers(g.minute[0], g.minute[1] + 1), rng.integers(0, 60)
        txt = f"{words[0]} {goals[0]}-{goals[1]} {words[1]}  {minute}:{second:02d}"
        put_text(ctx, txt, (gx + 0.1 * gh, gy + 0.72 * gh), gh * 0.5, (255, 255, 255), gw * 0.95)
        px, py, pw, ph = gx + gw, gy, gh * rng.uniform(*g.panel_len), gh
    else:  # lower third
        gh = h * rng.uniform(*g.lower_height)
        gx, gy = w * rng.uniform(*g.lower_x), h * rng.uniform(*g.lower_y)
        gw = w * rng.uniform(*g.lower_len)
        ctx.canvas.fill([rect(gx, gy, gw, gh)], dark, opacity=rng.uniform(*g.opacity))
        name = (
            WORDS[int(rng.integers(len(WORDS)))].title() + " " + WORDS[int(rng.integers(len(WORDS)))].title()
        )
        put_text(ctx, name, (gx + 0.2 * gh, gy + 0.65 * gh), gh * 0.45, (255, 255, 255), gw * 0.6)
        pw, ph = gh * rng.uniform(*g.panel_len), gh
        px, py = gx + gw - pw, gy
    panel = ctx.pick(GRAPHICS_PANELS, ctx.recipe.jitter.graphics_panel)
    ctx.canvas.fill([rect(px, py, pw, ph)], panel)
    sponsor_or_text(ctx, ctx.sponsor(), (px, py, px + pw, py + ph), flat, rng.uniform(*g.logo_fill), 1.0)


def distractors(ctx: Ctx, n: int) -> None:
    """Draw ``n`` free-standing hard negatives: random words and coloured shapes anywhere in the frame.
    Returns nothing."""
    rng, d = ctx.rng, ctx.recipe.distractor
    for _ in range(n):
        if rng.random() < d.p_word:
            hpx = ctx.loguniform(d.word_px_min, ctx.h * d.word_height_max)
            tex = text_texture(rng, hpx, ctx.bank.sponsors, recipe=ctx.recipe.text)
            th, tw = tex.shape[:2]
            s = hpx / th
            surface = plane_homography(
                tw,
                th,
                (rng.uniform(0, ctx.w), rng.uniform(0, ctx.h)),
                th * s,
                rng.uniform(*d.yaw_deg),
                rng.uniform(*d.pitch_deg),
                rng.uniform(*d.roll_deg),
            )
            ctx.canvas.paste_texture(tex, surface, opacity=rng.uniform(*d.opacity))
        else:
            c = (rng.uniform(0, ctx.w), rng.uniform(0, ctx.h))
            r = ctx.loguniform(d.shape_px_min, ctx.h * d.shape_radius_max)
            k = int(rng.integers(d.shape_corners[0], d.shape_corners[1] + 1))
            ang = np.sort(rng.uniform(0, 2 * np.pi, k))
            pts = np.stack([c[0] + r * np.cos(ang), c[1] + r * np.sin(ang)], 1)
            ctx.canvas.fill([pts], rng.uniform(0, 255, 3).astype(np.float32))


# ------------------------------------------------------------------------------------------------ shapes
def strip_quad(w: int, yc: float, bh: float, tilt: float, taper: float) -> np.ndarray:
    """Quad (TL, TR, BR, BL) of a board row crossing the frame: centre height ``yc`` at mid-frame, height
    ``bh`` there, slope ``tilt`` and relative height change ``taper`` across the frame width."""

    def edge(x: float, v: float) -> tuple[float, float]:
        hx = bh * (1 + taper * (x - w / 2) / w)
        return x, yc + tilt * (x - w / 2) + (v - 0.5) * hx

    xl, xr = -0.4 * w, 1.4 * w
    return np.array([edge(xl, 0), edge(xr, 0), edge(xr, 1), edge(xl, 1)])


def rect(x: float, y: float, w: float, h: float) -> np.ndarray:
    """Return the (4, 2) quad (TL, TR, BR, BL) of the axis-aligned rectangle at (x, y), w x h pixels."""
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float64)


def circle(c: tuple[float, float], r: float, n: int = 20) -> np.ndarray:
    """Return an (n, 2) polygon approximating the circle of radius ``r`` pixels around ``c``."""
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([c[0] + r * np.cos(a), c[1] + r * np.sin(a)], 1)


def thick_line(p: tuple[float, float], q: tuple[float, float], width: float) -> np.ndarray:
    """Return the (4, 2) quad of the segment from ``p`` to ``q`` drawn ``width`` pixels wide."""
    d = np.subtract(q, p)
    n = np.array([-d[1], d[0]]) / max(1e-6, float(np.hypot(*d))) * width / 2
    return np.array([np.add(p, n), np.add(q, n), np.subtract(q, n), np.subtract(p, n)])


def put_text(
    ctx: Ctx, text: str, org: tuple[float, float], height_px: float, colour: BGR, max_w: float
) -> None:
    """Write crisp ``text`` (Hershey simplex) at the baseline origin ``org``, letters about ``height_px``
    pixels tall, shrunk to at most ``max_w`` pixels wide, in ``colour`` (BGR). Returns nothing."""
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
