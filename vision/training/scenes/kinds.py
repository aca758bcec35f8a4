"""The scene kinds: ``stadium``, ``arena``, ``event``, ``closeup`` and ``photo`` (over the user's
footage), each composed of the elements of :mod:`vision.training.scenes.elements`, and
:func:`draw_scene`, which draws one of them.

Their ranges are the top-level fields of :class:`~vision.training.scenes.recipe.SceneRecipe` and its
nested recipe of the kind (``stadium``, ``arena``, ``event``, ``closeup``, ``photo``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from vision.training.compose import plane_homography
from vision.training.scenes.context import Ctx
from vision.training.scenes.elements import (
    banner,
    board_strip,
    distractors,
    graphics,
    media_wall,
    player,
    rect,
    sign,
    strip_quad,
    thick_line,
)
from vision.training.scenes.palettes import SUITS
from vision.training.scenes.textures import crowd, grass, text_texture

__all__ = ["KINDS", "arena", "closeup", "draw_scene", "event", "photo", "stadium"]


def stadium(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """Football broadcast: stands, perimeter boards in perspective, pitch, players, banners, score bug.
    Draws the stands and pitch only when there is no ``background``. Returns nothing."""
    r, s, rng = ctx.recipe, ctx.recipe.stadium, ctx.rng
    w, h = ctx.w, ctx.h
    bh = ctx.loguniform(
        max(r.logo_min_px / r.board_logo_fill[1] * 1.2, h * r.board_height_frac[0]),
        h * r.board_height_frac[1],
    )
    yc = rng.uniform(*s.board_y) * h
    tilt = math.tan(math.radians(rng.uniform(*r.board_tilt_deg)))
    taper = rng.uniform(*s.board_taper)
    quad = strip_quad(w, yc, bh, tilt, taper)
    if background is None:
        img = ctx.canvas.image
        img[:] = crowd(
            ctx, w, h, max(2.0, bh * rng.uniform(*s.crowd_cell)), ctx.pal.stands, rng.uniform(*ctx.pal.light)
        )
        if rng.random() < s.p_sky:
            sky_y = rng.uniform(*s.sky_depth) * max(1.0, float(quad[:, 1].min()))
            ctx.canvas.fill([rect(-1, -1, w + 2, sky_y + 1)], ctx.pick(ctx.pal.sky, r.jitter.sky))
        pitch_top = int(max(0, min(quad[2, 1], quad[3, 1]) - 2))
        if pitch_top < h:
            g = grass(ctx, w, h - pitch_top, rng.uniform(*s.grass_horizon) * h)
            ctx.canvas.paste_patch(g, None, 0, pitch_top)
            if rng.random() < s.p_pitch_line:
                y = rng.uniform(pitch_top + s.pitch_line_below * h, h)
                ctx.canvas.fill(
                    [
                        thick_line(
                            (-10, y), (w + 10, y + rng.uniform(*s.pitch_line_slope) * h), max(1.0, bh * 0.05)
                        )
                    ],
                    (235, 235, 235),
                    opacity=0.8,
                )
    board_strip(ctx, quad, bh)
    if rng.random() < s.p_upper_tier and quad[:, 1].min() > 3 * bh:  # upper-tier ribbon board
        bh2 = bh * rng.uniform(*s.upper_tier_height)
        if bh2 * r.board_logo_fill[1] > r.logo_min_px:
            board_strip(
                ctx,
                strip_quad(w, rng.uniform(*s.upper_tier_y) * float(quad[:, 1].min()), bh2, tilt, taper),
                bh2,
            )
    top = float(quad[:, 1].min())
    if rng.random() < r.p_banner and top > 25:
        for _ in range(int(rng.integers(s.banners[0], s.banners[1] + 1))):
            bw_px = ctx.loguniform(s.banner_px_min, w * s.banner_width_max)
            h_u = rng.uniform(*s.banner_aspect)
            surface = plane_homography(
                1.0,
                h_u,
                (rng.uniform(0, w), rng.uniform(*s.banner_y) * top),
                bw_px * h_u,
                rng.uniform(*s.banner_yaw_deg),
                rng.uniform(*s.banner_pitch_deg),
                rng.uniform(*s.banner_roll_deg),
                4.0,
            )
            banner(ctx, surface, 1.0, h_u, bw_px, wave=rng.random() < s.p_banner_wave)
    kits = [ctx.pick(ctx.pal.kits, r.jitter.kit) for _ in range(2)]
    bottom = float(quad[2:, 1].max())
    feet = []
    for _ in range(int(rng.integers(r.players[0], r.players[1] + 1))):
        ph = bh * rng.uniform(*r.player_height_boards)
        fy = rng.uniform(bottom + s.player_feet[0] * ph, h + s.player_feet[1] * ph)
        feet.append((fy, rng.uniform(*s.player_x) * w, ph))
    for fy, fx, ph in sorted(feet):  # far players first
        player(ctx, (fx, fy), ph, kits[int(rng.integers(2))])
    distractors(ctx, int(rng.integers(r.distractors[0], r.distractors[1] + 1)))
    if rng.random() < r.p_graphics:
        graphics(ctx)


def arena(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """Indoor court: dark stands, courtside LED boards, a floor logo in steep perspective, players.
    Draws the stands and floor only when there is no ``background``. Returns nothing."""
    r, a, rng = ctx.recipe, ctx.recipe.arena, ctx.rng
    w, h = ctx.w, ctx.h
    bh = ctx.loguniform(max(a.board_px_min, h * a.board_height[0]), h * a.board_height[1])
    yc = rng.uniform(*a.board_y) * h
    tilt = math.tan(math.radians(rng.uniform(*a.board_tilt_deg)))
    quad = np.array(
        [
            [-0.3 * w, yc - bh / 2 - tilt * 0.8 * w],
            [1.3 * w, yc - bh / 2 + tilt * 0.8 * w],
            [1.3 * w, yc + bh / 2 + tilt * 0.8 * w],
            [-0.3 * w, yc + bh / 2 - tilt * 0.8 * w],
        ]
    )
    if background is None:
        ctx.canvas.image[:] = crowd(ctx, w, h, max(2.0, bh * 0.2), ctx.pal.stands, rng.uniform(*a.crowd_dark))
        floor_top = int(max(0, quad[2:, 1].min() - 2))
        floor = np.empty((h - floor_top, w, 3), np.float32)
        floor[:] = ctx.pick(ctx.pal.floors, r.jitter.floor)
        planks = cv2.resize(
            rng.uniform(*a.plank_shade, (max(2, (h - floor_top) // 3), 6)).astype(np.float32),
            (w, h - floor_top),
            interpolation=cv2.INTER_NEAREST,
        )
        ctx.canvas.paste_patch(floor * planks[..., None], None, 0, floor_top)
        if rng.random() < a.p_floor_logo:  # floor logo (centre court), steep perspective
            art = ctx.sponsor()
            fw = ctx.loguniform(a.floor_logo_width[0] * w, a.floor_logo_width[1] * w)
            surface = plane_homography(
                1.0,
                1.0,
                (rng.uniform(*a.floor_logo_x) * w, rng.uniform(*a.floor_logo_y) * h),
                fw,
                rng.uniform(*a.floor_yaw_deg),
                rng.uniform(*a.floor_pitch_deg),
                rng.uniform(*a.floor_roll_deg),
                3.0,
            )
            if art is not None:
                ctx.logo(art, (0, 0, 1, 1), surface, 0.7, opacity=rng.uniform(*a.floor_opacity))
    board_strip(ctx, quad, bh, led=True)
    kits = [ctx.pick(ctx.pal.kits, r.jitter.kit) for _ in range(2)]
    bottom = float(quad[2:, 1].max())
    for _ in range(int(rng.integers(r.players[0], r.players[1] + 1))):
        ph = bh * rng.uniform(*a.player_height)
        player(
            ctx,
            (rng.uniform(0, w), rng.uniform(bottom + a.player_feet[0] * ph, h + a.player_feet[1] * ph)),
            ph,
            kits[int(rng.integers(2))],
        )
    distractors(ctx, int(rng.integers(r.distractors[0], r.distractors[1] + 1)))
    if rng.random() < r.p_graphics:
        graphics(ctx)


def event(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """Event photo: a media wall in perspective, people in front, sometimes a podium or a sign.
    Draws a backdrop colour only when there is no ``background``. Returns nothing."""
    r, e, rng = ctx.recipe, ctx.recipe.event, ctx.rng
    w, h = ctx.w, ctx.h
    if background is None:
        ctx.canvas.image[:] = ctx.pick(ctx.pal.walls, r.jitter.backdrop) * rng.uniform(*e.backdrop_shade)
    cell_px = ctx.loguniform(*r.wall_logo_px) * (w / 640) / rng.uniform(*e.wall_logo_fill)
    wall_h_px = h * rng.uniform(*e.wall_height)
    aspect = rng.uniform(*e.wall_aspect)
    yaw = rng.uniform(*e.wall_yaw_deg)
    surface = plane_homography(
        aspect,
        1.0,
        (rng.uniform(*e.wall_x) * w, rng.uniform(*e.wall_y) * h),
        wall_h_px,
        yaw,
        rng.uniform(*e.wall_pitch_deg),
        rng.uniform(*e.wall_roll_deg),
        rng.uniform(*e.wall_focal),
    )
    media_wall(ctx, surface, aspect, 1.0, cell_px / wall_h_px)
    if rng.random() < e.p_wall_text:
        tex = text_texture(rng, cell_px * 0.5, ctx.bank.sponsors, recipe=r.text)
        th, _tw = tex.shape[:2]
        s = 0.08 / th
        ctx.canvas.paste_texture(
            tex,
            surface
            @ np.array(
                [
                    [s, 0, rng.uniform(e.wall_text_u[0], aspect * e.wall_text_u[1])],
                    [0, s, rng.uniform(*e.wall_text_v)],
                    [0, 0, 1],
                ]
            ),
        )
    if rng.random() < e.p_sign:
        pw = ctx.loguniform(*e.sign_width) * w
        ph = pw * rng.uniform(*e.sign_aspect)
        cx, by = rng.uniform(*e.sign_x) * w, rng.uniform(*e.sign_bottom) * h
        surf = plane_homography(
            1.0,
            ph / pw,
            (cx, by - ph / 2),
            ph,
            rng.uniform(*e.sign_yaw_deg),
            rng.uniform(*e.sign_pitch_deg),
            0,
            4.0,
        )
        sign(ctx, surf, 1.0, ph / pw, pw)
    people = int(rng.integers(e.people[0], e.people[1] + 1))
    for _ in range(people):
        ph = h * rng.uniform(*e.person_height)
        player(
            ctx,
            (rng.uniform(*e.person_x) * w, h + ph * rng.uniform(*e.person_feet)),
            ph,
            ctx.pick(SUITS, r.jitter.suit),
            shirt=rng.random() < e.p_person_shirt,
        )
    distractors(ctx, int(rng.integers(r.distractors[0], r.distractors[1] + 1)))


def closeup(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """One big element in front of a blurred background: a shirt, a flag, a board section or a podium.
    Draws the blurred crowd only when there is no ``background``. Returns nothing."""
    r, c, rng = ctx.recipe, ctx.recipe.closeup, ctx.rng
    w, h = ctx.w, ctx.h
    if background is None:
        bg = crowd(
            ctx,
            w // 4,
            h // 4,
            rng.uniform(*c.crowd_cell),
            ctx.pal.stands + ctx.pal.walls,
            rng.uniform(*c.crowd_dark),
        )
        ctx.canvas.image[:] = cv2.GaussianBlur(cv2.resize(bg, (w, h)), (0, 0), rng.uniform(*c.blur_sigma))
    choice = _choose(rng.random(), c.element_shares)
    max_logo = r.logo_max_frac * h
    if choice == "player":  # player close-up (shirt sponsor big)
        ph = h * rng.uniform(*c.player_height)
        player(
            ctx,
            (rng.uniform(*c.player_x) * w, h + ph * rng.uniform(*c.player_feet)),
            ph,
            ctx.pick(ctx.pal.kits, r.jitter.kit),
        )
    elif choice == "flag":  # flag / banner
        h_px = ctx.loguniform(max_logo * c.flag_height[0], max_logo * c.flag_height[1])
        aspect = rng.uniform(*c.flag_aspect)
        surface = plane_homography(
            aspect,
            1.0,
            (rng.uniform(*c.flag_x) * w, rng.uniform(*c.flag_y) * h),
            h_px,
            rng.uniform(*r.yaw_deg) * c.flag_yaw_scale,
            rng.uniform(*r.pitch_deg),
            rng.uniform(*r.roll_deg),
        )
        banner(ctx, surface, aspect, 1.0, h_px, wave=rng.random() < c.p_flag_wave)
    elif choice == "board":  # board section, large
        bh = ctx.loguniform(max_logo * c.board_height[0], max_logo * c.board_height[1])
        yc = rng.uniform(*c.board_y) * h
        t = rng.uniform(*c.board_slope)
        quad = np.array(
            [
                [-0.2 * w, yc - bh / 2 - t * w],
                [1.2 * w, yc - bh / 2 + t * w],
                [1.2 * w, yc + bh / 2 + t * w],
                [-0.2 * w, yc + bh / 2 - t * w],
            ]
        )
        board_strip(ctx, quad, bh)
    else:  # podium / sign
        ph = ctx.loguniform(max_logo * c.sign_height[0], max_logo * c.sign_height[1])
        aspect = rng.uniform(*c.sign_aspect)
        surf = plane_homography(
            aspect,
            1.0,
            (rng.uniform(*c.sign_x) * w, rng.uniform(*c.sign_y) * h),
            ph,
            rng.uniform(*r.yaw_deg),
            rng.uniform(*r.pitch_deg),
            rng.uniform(*r.roll_deg),
        )
        sign(ctx, surf, aspect, 1.0, ph)
    distractors(ctx, int(rng.integers(r.distractors[0], r.distractors[1] + 1)))


def _anywhere(ctx: Ctx, aspect: float, size: float) -> np.ndarray:
    """Return the homography of an ``aspect`` x 1 surface ``size`` pixels tall, centred anywhere in
    the frame and turned by the recipe's yaw, pitch and roll (degrees)."""
    r, rng = ctx.recipe, ctx.rng
    return plane_homography(
        aspect,
        1.0,
        (rng.uniform(0, ctx.w), rng.uniform(0, ctx.h)),
        size,
        rng.uniform(*r.yaw_deg),
        rng.uniform(*r.pitch_deg),
        rng.uniform(*r.roll_deg),
    )


def photo(ctx: Ctx, background: np.ndarray | None = None) -> None:
    """Elements placed over a frame of the user's own footage: signs, banners, a board row, a wall, players.
    The ``background`` is already on the canvas. Returns nothing."""
    r, p, rng = ctx.recipe, ctx.recipe.photo, ctx.rng
    w, h = ctx.w, ctx.h
    for _ in range(int(rng.integers(p.elements[0], p.elements[1] + 1))):
        e = _choose(rng.random(), p.element_shares)
        if e == "sign":
            size = ctx.loguniform(r.logo_min_px * p.sign_min, r.logo_max_frac * h * p.sign_max)
            aspect = rng.uniform(*p.sign_aspect)
            surf = _anywhere(ctx, aspect, size)
            sign(ctx, surf, aspect, 1.0, size, frame=rng.random() < p.p_sign_frame)
        elif e == "banner":
            size = ctx.loguniform(r.logo_min_px * p.banner_min, r.logo_max_frac * h * p.banner_max)
            aspect = rng.uniform(*p.banner_aspect)
            surf = _anywhere(ctx, aspect, size)
            banner(ctx, surf, aspect, 1.0, size, wave=rng.random() < p.p_banner_wave)
        elif e == "board":
            bh = ctx.loguniform(p.board_px_min, h * p.board_height_max)
            yc = rng.uniform(*p.board_y) * h
            t = rng.uniform(*p.board_slope)
            quad = np.array([[-0.3 * w, yc - bh / 2 - t * w], [1.3 * w, yc - bh / 2 + t * w],
                             [1.3 * w, yc + bh / 2 + t * w * 1.2], [-0.3 * w, yc + bh / 2 - t * w * 1.2]])  # fmt: skip
            board_strip(ctx, quad, bh)
        elif e == "wall":
            cell = ctx.loguniform(*r.wall_logo_px) / p.wall_logo_fill
            wall_h = rng.uniform(*p.wall_height) * h
            surf = plane_homography(
                1.5,
                1.0,
                (rng.uniform(*p.wall_xy) * w, rng.uniform(*p.wall_xy) * h),
                wall_h,
                rng.uniform(*p.wall_yaw_deg),
                rng.uniform(*p.wall_pitch_deg),
                rng.uniform(*p.wall_roll_deg),
            )
            media_wall(ctx, surf, 1.5, 1.0, cell / wall_h)
        else:
            ph = h * rng.uniform(*p.player_height)
            player(
                ctx,
                (rng.uniform(0, w), rng.uniform(*p.player_y) * h),
                ph,
                ctx.pick(ctx.pal.kits, r.jitter.kit),
            )
    distractors(ctx, int(rng.integers(p.distractors[0], p.distractors[1] + 1)))
    if rng.random() < r.p_graphics * p.graphics_share:
        graphics(ctx)


#: The scene kinds by name: each draws one scene onto a context.
KINDS: dict[str, Callable[[Ctx, np.ndarray | None], None]] = {
    "stadium": stadium,
    "arena": arena,
    "event": event,
    "closeup": closeup,
    "photo": photo,
}


def draw_scene(ctx: Ctx, kind: str, background: np.ndarray | None = None) -> None:
    """Draw one scene of ``kind`` (a key of :data:`KINDS`) onto ``ctx.canvas``, whose image already holds
    ``background`` if any. Returns nothing; raises ValueError for an unknown kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown scene kind {kind!r} (one of {', '.join(KINDS)})")
    KINDS[kind](ctx, background)


def _choose(u: float, shares: tuple[tuple[str, float], ...]) -> str:
    """The name whose share interval (in the given order, from 0) holds the uniform draw ``u``; the last
    name when ``u`` lies past the sum of the shares."""
    acc = 0.0
    for name, share in shares:
        acc += share
        if u < acc:
            return name
    return shares[-1][0]
