"""A synthetic broadcast football clip with exact per-frame truth, for end-to-end accuracy checks.

The clip is filmed by a virtual camera moving over a large world panorama (stands, a row of perimeter
LED boards along the far touchline, the pitch). The boards rotate their content every few seconds with
a scrolling transition; players run in front of them; the camera pans (with motion blur when fast) and
zooms; 2-4 hard cuts switch between a wide camera, a tight camera and a player close-up (shirt sponsor);
a score bug with one sponsor stays on screen. With ``replays``, some shots are replays: a caption in a
corner ("REPLAY", "WIEDERHOLUNG", ...) and a broadcast transition on each of their cuts
(:mod:`vision.training.replay_graphics`). Every sponsor pixel goes through
:meth:`vision.training.compose.Canvas.paste_logo`, so the truth is exact: per frame and instance, the polygon,
the box of the visible pixels, the visible fraction and the short side in pixels.

Truth definitions (also in :class:`ClipTruth`):

* an instance *qualifies* in a frame when ``visible_fraction >= 0.6`` and its short side is at least 10
  pixels on the frame scaled to a 720 px short side (:func:`measure.quality.reference_sides`, as
  ``measure/`` judges detections);
* ``exposure_s[sponsor]`` = (frames with at least one qualifying instance of the sponsor) / fps;
* ``mean_screen_share[sponsor]`` = mean, over the frames where the sponsor is exposed, of the area of
  the union of its qualifying instances' visible boxes divided by the frame area (the definition
  ``measure/`` uses for detections; 0 for a sponsor never exposed).

The per-row ``screen_share`` column is the instance's polygon area inside the frame / frame area.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from measure.quality import reference_sides
from measure.settings import MeasureSettings
from vision.io.artwork import Logo
from vision.training.compose import Canvas, LogoBank, instance_label, polygon_area, project
from vision.training.degrade import motion_blur
from vision.training.replay_graphics import (
    TRANSITION_S,
    ReplayStyle,
    draw_caption,
    draw_transition,
    plan_replays,
    transition_progress,
)
from vision.training.scenes.context import Ctx
from vision.training.scenes.elements import player
from vision.training.scenes.palettes import PALETTES
from vision.training.scenes.recipe import SceneRecipe
from vision.training.scenes.textures import crowd, grass, text_texture
from vision.training.synth import SynthError

__all__ = ["MIN_SHORT_SIDE_PX", "MIN_VISIBLE", "TRUTH_COLUMNS", "ClipTruth", "box_union_area", "render_clip"]

#: An instance counts toward exposure when at least this fraction of it is visible (``measure/``'s
#: default ``min_visible``) ...
MIN_VISIBLE = MeasureSettings().min_visible
#: ... and the short side of its polygon is at least this many pixels.
MIN_SHORT_SIDE_PX = 10.0

TRUTH_COLUMNS = (
    "frame", "t", "shot", "sponsor", "x1", "y1", "x2", "y2", "px0", "py0", "px1", "py1", "px2", "py2", "px3",
    "py3", "visible_fraction", "short_side_px", "screen_share", "qualifies", "source",
)  # fmt: skip


@dataclass
class ClipTruth:
    """Ground truth of a rendered clip.

    ``frames`` has one row per visible sponsor instance per frame (columns :data:`TRUTH_COLUMNS`; pixels,
    seconds, fractions). ``cuts_s`` are the times (s) of the first frame of each new shot; ``shots`` lists
    ``(start_s, end_s, kind)``. ``exposure_s`` and ``mean_screen_share`` follow the module definitions.
    ``replays`` holds one bool per shot (True: a replay; empty: every shot live), ``captions`` the
    replay caption word per shot (``""`` for a live shot) and ``transitions_s`` the ``(start_s, end_s)``
    of each replay transition.
    """

    frames: pd.DataFrame
    cuts_s: tuple[float, ...]
    shots: list[tuple[float, float, str]]
    exposure_s: dict[str, float]
    mean_screen_share: dict[str, float]
    duration_s: float
    fps: float
    width: int
    height: int
    n_frames: int
    sponsors: list[str]
    seed: int
    video: str = ""
    thresholds: dict[str, float] = field(
        default_factory=lambda: {"min_visible": MIN_VISIBLE, "min_short_side_px": MIN_SHORT_SIDE_PX}
    )
    replays: list[bool] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    transitions_s: list[tuple[float, float]] = field(default_factory=list)

    def replay_of_shot(self) -> list[bool]:
        """Return one bool per shot, True for a replay (all False when the clip has none)."""
        return list(self.replays) if self.replays else [False] * len(self.shots)

    def summary(self) -> dict[str, object]:
        """Everything but the per-frame table, JSON-serialisable (the replay keys only when a shot is one)."""
        out: dict[str, object] = {
            "video": self.video,
            "duration_s": self.duration_s,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "n_frames": self.n_frames,
            "seed": self.seed,
            "sponsors": self.sponsors,
            "cuts_s": list(self.cuts_s),
            "shots": [list(s) for s in self.shots],
            "exposure_s": self.exposure_s,
            "mean_screen_share": self.mean_screen_share,
            "thresholds": self.thresholds,
            "table": "truth.parquet",
        }
        if any(self.replays):
            out["replays"] = list(self.replays)
            out["captions"] = list(self.captions)
            out["transitions_s"] = [list(t) for t in self.transitions_s]
        return out

    def save(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``truth.json`` (summary) and ``truth.parquet`` (per-frame table) into ``directory``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        js, pq = d / "truth.json", d / "truth.parquet"
        js.write_text(json.dumps(self.summary(), indent=2))
        self.frames.to_parquet(pq, index=False)
        return js, pq

    @classmethod
    def load(cls, directory: str | Path) -> ClipTruth:
        """Read a truth saved by :meth:`save`."""
        d = Path(directory)
        s = json.loads((d / "truth.json").read_text())
        return cls(
            frames=pd.read_parquet(d / s.get("table", "truth.parquet")),
            cuts_s=tuple(s["cuts_s"]),
            shots=[(a, b, k) for a, b, k in s["shots"]],
            exposure_s=s["exposure_s"],
            mean_screen_share=s["mean_screen_share"],
            duration_s=s["duration_s"],
            fps=s["fps"],
            width=s["width"],
            height=s["height"],
            n_frames=s["n_frames"],
            sponsors=s["sponsors"],
            seed=s["seed"],
            video=s.get("video", ""),
            thresholds=s["thresholds"],
            replays=[bool(r) for r in s.get("replays", [])],
            captions=[str(c) for c in s.get("captions", [])],
            transitions_s=[(a, b) for a, b in s.get("transitions_s", [])],
        )


# ------------------------------------------------------------------------------------------------- world
@dataclass
class _World:
    """The static panorama and the fixed geometry of the board row (world pixels)."""

    image: np.ndarray  # uint8 BGR
    half: np.ndarray  # image at half resolution (for wide shots: no aliasing)
    board_top: float
    board_h: float
    boards: list[tuple[float, float]]  # (x, length) of each board
    pitch_top: float


def _build_world(ctx: Ctx, f: float) -> _World:
    rng = ctx.rng
    ww, wh = round(5120 * f), round(2400 * f)
    board_top, board_h = 900 * f, 50 * f
    pitch_top = board_top + board_h
    img = np.zeros((wh, ww, 3), np.float32)
    img[: int(board_top) + 1] = crowd(ctx, ww, int(board_top) + 1, max(2.0, 9 * f), ctx.pal.stands, 0.9)
    roof = int(board_top * 0.25)
    img[:roof] = img[:roof] * 0.35
    img[int(pitch_top) :] = grass(ctx, ww, wh - int(pitch_top), 1500 * f)
    for y in (pitch_top + 40 * f, wh - 80 * f):  # touchline and a far line
        cv2.line(img, (0, int(y)), (ww, int(y)), (235, 235, 235), max(1, round(4 * f)), cv2.LINE_AA)
    cv2.line(
        img,
        (ww // 2, int(pitch_top + 40 * f)),
        (ww // 2, wh),
        (235, 235, 235),
        max(1, round(4 * f)),
        cv2.LINE_AA,
    )
    boards, x = [], 0.0
    while x < ww:
        length = board_h * rng.uniform(6.0, 8.0)
        boards.append((x, length))
        x += length
    world = np.clip(img, 0, 255).astype(np.uint8)
    half = cv2.resize(world, (ww // 2, wh // 2), interpolation=cv2.INTER_AREA)
    return _World(world, half, board_top, board_h, boards, pitch_top)


# ---------------------------------------------------------------------------------------------- schedule
@dataclass
class _Slot:
    """What the LED boards show from ``start`` (s): sponsors alternating along the row, or club text."""

    start: float
    arts: list[tuple[int, int]]
    text: list[np.ndarray] | None
    background: np.ndarray  # BGR float32 board colour


def _schedule(
    rng: np.random.Generator, bank: LogoBank, duration: float, h: float
) -> tuple[list[_Slot], float]:
    period = rng.uniform(3.5, 5.0)
    slots = []
    order = list(rng.permutation(len(bank)))
    colours = ((245, 245, 245), (245, 245, 245), (20, 20, 20), (110, 40, 0), (0, 0, 130), (0, 90, 0))
    k = 0
    t = 0.0
    while t < duration + period:
        bg = np.asarray(colours[int(rng.integers(len(colours)))], np.float32)
        if rng.random() < 0.12:
            ink = np.array([255, 255, 255] if bg.mean() < 128 else [30, 30, 30], np.float32)
            texts = [text_texture(rng, h * 0.6, bank.sponsors, ink) for _ in range(2)]
            slots.append(_Slot(t, [], texts, bg))
        else:
            n = 1 if rng.random() < 0.25 else 2
            arts = []
            for _ in range(n):
                cls = int(order[k % len(order)])
                k += 1
                arts.append((cls, int(rng.integers(bank.variants(cls)))))
            slots.append(_Slot(t, arts, None, bg))
        t += period
    return slots, period


# ------------------------------------------------------------------------------------------------- shots
@dataclass
class _Shot:
    start: int  # first frame
    end: int  # one past the last frame
    kind: str  # wide | tight | closeup
    zoom0: float
    zoom1: float
    board_y: float  # where the board row sits on screen, fraction of frame height
    lag: float  # camera follow lag, seconds
    seed: int


def _plan_shots(rng: np.random.Generator, n_frames: int, fps: float) -> list[_Shot]:
    duration = n_frames / fps
    n_cuts = int(rng.integers(2, 5))
    min_len = min(3.0, duration / (n_cuts + 1) * 0.7)
    for _ in range(200):
        cuts = np.sort(rng.uniform(min_len, duration - min_len, n_cuts))
        bounds = np.concatenate([[0.0], cuts, [duration]])
        if np.all(np.diff(bounds) >= min_len):
            break
    else:  # no random draw kept every shot long enough: evenly spaced cuts
        cuts = np.linspace(0.0, duration, n_cuts + 2)[1:-1]
    frames = sorted({round(c * fps) for c in cuts} - {0, n_frames})
    edges = [0, *frames, n_frames]
    kinds, shots = ["wide"], []
    for _ in range(len(edges) - 2):
        options = [k for k in ("wide", "tight", "closeup") if k != kinds[-1]]
        kinds.append(options[int(rng.integers(len(options)))])
    for i, kind in enumerate(kinds):
        if kind == "wide":
            z0, z1 = rng.uniform(0.55, 0.8), rng.uniform(0.55, 0.8)
        elif kind == "tight":
            z0, z1 = rng.uniform(0.9, 1.2), rng.uniform(0.9, 1.25)
        else:
            z0 = z1 = 1.0
        shots.append(_Shot(edges[i], edges[i + 1], kind, z0, z1, rng.uniform(0.22, 0.4), rng.uniform(0.3, 0.8),
                           int(rng.integers(1 << 30))))  # fmt: skip
    return shots


def _ball_path(rng: np.random.Generator, n_frames: int, fps: float, ww: float, margin: float) -> np.ndarray:
    """Ball x (world px) per frame: piecewise velocity changes, smoothed; sometimes fast breaks."""
    x = np.empty(n_frames)
    pos, vel = ww / 2 + rng.uniform(-0.2, 0.2) * ww, 0.0
    target_v = 0.0
    for i in range(n_frames):
        if i % max(1, int(fps * 1.2)) == 0:
            target_v = rng.normal(0, 0.06 * ww) * (3.0 if rng.random() < 0.2 else 1.0)
        vel += (target_v - vel) * min(1.0, 2.5 / fps)
        pos += vel / fps
        if pos < margin or pos > ww - margin:
            pos = float(np.clip(pos, margin, ww - margin))
            vel, target_v = -vel * 0.3, -target_v
        x[i] = pos
    return x


def _follow(target: np.ndarray, lag_frames: float) -> np.ndarray:
    out = np.empty_like(target)
    a = 1.0 / max(1.0, lag_frames)
    cur = target[0]
    for i, v in enumerate(target):
        cur += (v - cur) * a
        out[i] = cur
    return out


def _camera(cx: float, cy: float, z: float, w: int, h: int, keystone: float) -> np.ndarray:
    """World -> frame homography: centre ``(cx, cy)`` at the frame centre, ``z`` frame px per world px, and a
    horizontal keystone (relative scale change across the frame width) mimicking a panning camera."""
    k = keystone / (w / (2 * z))
    t = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]], np.float64)
    p = np.array([[1, 0, 0], [0, 1, 0], [k, 0, 1]], np.float64)
    s = np.array([[z, 0, w / 2], [0, z, h / 2], [0, 0, 1]], np.float64)
    return s @ p @ t


# ------------------------------------------------------------------------------------------------ render
def render_clip(
    logos: dict[str, list[Logo]] | LogoBank,
    out_path: str | Path,
    seconds: float = 30.0,
    fps: int = 25,
    size: tuple[int, int] = (1280, 720),
    seed: int = 0,
    crf: int = 20,
    replays: int = 0,
) -> ClipTruth:
    """Render a broadcast-like football clip to ``out_path`` (H.264 in MP4, via PyAV/libx264) and return
    its :class:`ClipTruth`, also saved as ``truth.json`` + ``truth.parquet`` next to the clip.

    ``size`` = (width, height) in pixels (even numbers); boards are about 25-60 px tall at 720p in wide
    and tight shots. ``replays`` shots (never the first) are replays, with a caption and a transition on
    each of their cuts; 0 (the default) renders no replay graphics and leaves every other draw as it was.
    Raises :class:`~vision.training.synth.SynthError` for bad arguments.
    """
    w, h = int(size[0]), int(size[1])
    if w < 64 or h < 64 or w % 2 or h % 2:
        raise SynthError(f"clip size must be even and at least 64x64 pixels, not {w}x{h}")
    if seconds <= 0 or fps <= 0:
        raise SynthError(f"seconds and fps must be positive (got {seconds}, {fps})")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    bank = logos if isinstance(logos, LogoBank) else LogoBank(logos)
    n_frames = max(1, round(seconds * fps))
    rng = np.random.default_rng([seed, 1])
    f = h / 720.0
    recipe = SceneRecipe(logo_min_px=6.0 * f + 2.0, stretch=(1.0, 1.0))  # no per-frame aspect jitter
    pal = PALETTES["train"][0]
    world = _build_world(Ctx(Canvas(np.zeros((2, 2, 3), np.float32)), bank, rng, pal, recipe, False), f)
    _wh, ww = world.image.shape[:2]
    slots, period = _schedule(rng, bank, n_frames / fps, world.board_h)
    shots = _plan_shots(rng, n_frames, fps)
    ball = _ball_path(rng, n_frames, fps, ww, w / (2 * 0.55) + 10)
    bug_art = (int(rng.integers(len(bank))), 0)
    players = [
        (
            rng.uniform(0.05, 0.95) * ww,
            rng.uniform(0.05, 0.6),
            rng.uniform(-1, 1),
            int(rng.integers(2)),
            int(rng.integers(1 << 30)),
        )
        for _ in range(14)
    ]  # (x, depth 0..1 from the touchline, drift, team, pose seed)
    kits = [np.asarray(pal.kits[1], np.float32), np.asarray(pal.kits[0], np.float32)]
    rows: list[tuple] = []
    shot_of = np.zeros(n_frames, int)
    for si, s in enumerate(shots):
        shot_of[s.start : s.end] = si
    cams = _camera_paths(shots, ball, world, w, h, fps)
    styles = plan_replays(np.random.default_rng([seed, 3]), len(shots), replays)
    n_trans = max(2, round(TRANSITION_S * fps))
    wipes = _transition_cuts(shots, styles)

    import av

    with av.open(str(out_path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "superfast"}
        for i in range(n_frames):
            t = i / fps
            shot = shots[shot_of[i]]
            canvas = Canvas(np.zeros((h, w, 3), np.float32))
            ctx = Ctx(canvas, bank, np.random.default_rng([seed, 2, i]), pal, recipe, False)
            if shot.kind == "closeup":
                canvas = _closeup_frame(ctx, world, shot, i, f)
                ctx = Ctx(canvas, bank, ctx.rng, pal, recipe, False)
            else:
                cam, speed = cams[i]
                _draw_wide(ctx, world, cam, slots, period, t, players, kits, f)
                if speed > 3.0:  # fast pan: blur along the pan direction (frame px per frame)
                    canvas.image = motion_blur(canvas.image, min(speed * 0.5, 40.0), 0.0)
            n_scene = len(canvas.instances)
            _draw_bug(ctx, bug_art, f)
            if shot_of[i] in styles:
                draw_caption(canvas, styles[shot_of[i]], f)
            for cut, style in wipes.items():
                progress = transition_progress(i, cut, n_trans)
                if progress is not None:
                    draw_transition(canvas, style, progress)
            for k, inst in enumerate(canvas.instances):
                lab = instance_label(inst, w, h)
                if lab is None:
                    continue
                share = polygon_area(inst.polygon) / (w * h)
                src = "score_bug" if k >= n_scene else ("shirt" if shot.kind == "closeup" else "board")
                rows.append((i, t, int(shot_of[i]), lab.sponsor, *lab.xyxy, *lab.polygon.reshape(-1).tolist(),
                             lab.visible_fraction, lab.short_side_px, share,
                             lab.visible_fraction >= MIN_VISIBLE and reference_sides(lab.short_side_px, min(w, h)) >= MIN_SHORT_SIDE_PX, src))  # fmt: skip
            # composites are non-negative, so convertScaleAbs is a fast round-and-saturate to uint8;
            # OpenCV's I420 conversion is much faster than letting the encoder convert BGR
            yuv = cv2.cvtColor(cv2.convertScaleAbs(canvas.image), cv2.COLOR_BGR2YUV_I420)
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)

    _CLOSEUP.clear()
    df = pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))
    truth = _summarise(df, bank.sponsors, shots, n_frames, fps, w, h, seed, out_path.name)
    if styles:
        truth.replays = [si in styles for si in range(len(shots))]
        truth.captions = [styles[si].word if si in styles else "" for si in range(len(shots))]
        truth.transitions_s = [
            (
                round(max(0, c - n_trans // 2) / fps, 6),
                round(min(n_frames, c - n_trans // 2 + n_trans) / fps, 6),
            )
            for c in sorted(wipes)
        ]
    truth.save(out_path.parent)
    return truth


def _transition_cuts(shots: list[_Shot], styles: dict[int, ReplayStyle]) -> dict[int, ReplayStyle]:
    """Return ``{cut frame: style}``: a transition on each cut into or out of a replay shot, in that
    replay's style (the later shot's where both sides are replays)."""
    out: dict[int, ReplayStyle] = {}
    for si, s in enumerate(shots):
        if si in styles:
            if si > 0:
                out[s.start] = styles[si]
            if si + 1 < len(shots):
                out.setdefault(s.end, styles[si])
    return out


def _camera_paths(
    shots: list[_Shot], ball: np.ndarray, world: _World, w: int, h: int, fps: float
) -> list[tuple[np.ndarray, float]]:
    """Per frame: (world -> frame homography, camera speed in frame px per frame)."""
    ww = world.image.shape[1]
    out: list[tuple[np.ndarray, float]] = []
    for s in shots:
        n = s.end - s.start
        if s.kind == "closeup":
            out.extend((np.eye(3), 0.0) for _ in range(n))
            continue
        z = np.linspace(s.zoom0, s.zoom1, n) if n > 1 else np.array([s.zoom0])
        cx = _follow(ball[s.start : s.end], s.lag * fps)
        half_w = w / (2 * z)
        cx = np.clip(cx, half_w, ww - half_w)
        by = world.board_top + world.board_h / 2
        cy = by + (0.5 - s.board_y) * h / z
        prev = None
        for j in range(n):
            key = 0.25 * (cx[j] - ww / 2) / (ww / 2)
            cam = _camera(cx[j], cy[j], z[j], w, h, key)
            speed = 0.0 if prev is None else abs(cx[j] - prev) * z[j]
            prev = cx[j]
            out.append((cam, speed))
    return out


def _draw_wide(
    ctx: Ctx,
    world: _World,
    cam: np.ndarray,
    slots: list[_Slot],
    period: float,
    t: float,
    players: list[tuple],
    kits: list[np.ndarray],
    f: float,
) -> None:
    canvas = ctx.canvas
    w, h = canvas.width, canvas.height
    # The static panorama is warped at half the frame resolution and upscaled: 4x cheaper, and the
    # slight softness of stands and grass is what a broadcast camera focused on the play shows anyway.
    half = (
        np.array([[0.5, 0, -0.25], [0, 0.5, -0.25], [0, 0, 1]])
        @ cam
        @ np.array([[2.0, 0, 0.5], [0, 2.0, 0.5], [0, 0, 1]])
    )
    bg = cv2.warpPerspective(
        world.half, half, (w // 2, h // 2), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    canvas.image[:] = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    # boards
    slot_i = min(int(t // period), len(slots) - 1)
    slot = slots[slot_i]
    prev = slots[slot_i - 1] if slot_i > 0 else None
    trans = 0.7
    into = t - slot.start
    progress = into / trans if (prev is not None and into < trans) else 1.0
    bt, bh = world.board_top, world.board_h
    for bi, (x, length) in enumerate(world.boards):
        corners = project(cam, np.array([[x, bt], [x + length, bt], [x + length, bt + bh], [x, bt + bh]]))
        if corners[:, 0].max() < 0 or corners[:, 0].min() > w:
            continue
        surface = cam @ np.array([[bh, 0, x], [0, bh, bt], [0, 0, 1]])  # board units (board heights)
        blen = length / bh
        shows = [(slot, (1.0 - progress) * blen)] if progress < 1.0 else [(slot, 0.0)]
        if progress < 1.0 and prev is not None:
            shows.insert(0, (prev, -progress * blen))
        for content, du in shows:
            # each content brings its own background, scrolling with it
            strip = np.array([[du, 0], [du + blen, 0], [du + blen, 1], [du, 1]], np.float64)
            canvas.fill([_clip_to(project(surface, strip), corners)], content.background)
        for content, du in shows:
            _board_content(ctx, content, bi, surface, blen, du, corners)
    # players (far ones first), moving along the pitch
    order = sorted(players, key=lambda p: p[1])
    for px, depth, drift, team, pose in order:
        x = (px + drift * 120 * f * t * (1 + depth)) % world.image.shape[1]
        y = world.pitch_top + 25 * f + depth * 900 * f
        foot = project(cam, np.array([[x, y]]))[0]
        scale = float(np.sqrt(abs(np.linalg.det(cam[:2, :2]))))
        hp = (150 + 120 * depth) * f * scale
        if -hp < foot[0] < w + hp and foot[1] - hp < h:
            pctx = Ctx(canvas, ctx.bank, np.random.default_rng(pose), ctx.pal, ctx.recipe, True)
            player(pctx, (float(foot[0]), float(foot[1])), hp, kits[team], shirt=False)


def _clip_to(poly: np.ndarray, clip: np.ndarray) -> np.ndarray:
    from vision.training.compose import clip_polygon

    out = clip_polygon(poly, clip)
    return out if len(out) >= 3 else clip[:0]


def _board_content(
    ctx: Ctx,
    content: _Slot,
    board_index: int,
    surface: np.ndarray,
    blen: float,
    du: float,
    corners: np.ndarray,
) -> None:
    if content.text is not None:
        tex = content.text[board_index % len(content.text)]
        th, tw = tex.shape[:2]
        s = min(0.6 / th, 0.9 * blen / tw)
        a = np.array([[s, 0, du + (blen - s * tw) / 2], [0, s, (1 - s * th) / 2], [0, 0, 1]])
        ctx.canvas.paste_texture(tex, surface @ a, clip_quad=corners)
        return
    art = content.arts[board_index % len(content.arts)]
    ctx.logo(
        art, (du, 0.0, du + blen, 1.0), surface, 0.72, clip_quad=corners, gain=np.full(3, 1.1, np.float32)
    )


_CLOSEUP: dict[tuple[int, int, int], Canvas] = {}


def _closeup_frame(ctx: Ctx, world: _World, shot: _Shot, i: int, f: float) -> Canvas:
    """A player close-up: blurred stands behind, a big torso whose shirt sponsor is clearly visible.

    The shot is drawn once on a slightly larger canvas; each frame is a window of it moved by a few
    whole pixels (a hand-held camera), so the truth of every frame is exact and cheap."""
    w, h = ctx.canvas.width, ctx.canvas.height
    m = max(4, round(24 * f))
    key = (shot.seed, w, h)
    if key not in _CLOSEUP:
        _CLOSEUP.clear()
        srng = np.random.default_rng(shot.seed)
        big = Canvas(np.zeros((h + 2 * m, w + 2 * m, 3), np.float32))
        x0 = int(srng.uniform(0.1, 0.7) * world.image.shape[1])
        y0 = int(world.board_top * 0.3)
        crop = world.image[y0 : y0 + h // 2, x0 : x0 + w // 2]
        small = cv2.resize(crop, ((w + 2 * m) // 4, (h + 2 * m) // 4), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small.astype(np.float32), (0, 0), 1.5 * f + 0.3)
        big.image[:] = cv2.resize(small, (w + 2 * m, h + 2 * m), interpolation=cv2.INTER_LINEAR)
        art = (int(srng.integers(len(ctx.bank))), 0)
        pctx = Ctx(big, ctx.bank, np.random.default_rng(shot.seed + 1), ctx.pal, ctx.recipe, False)
        hp = h * 1.9
        player(pctx, (m + w * srng.uniform(0.4, 0.6), m + h + hp * 0.42), hp, np.asarray(ctx.pal.kits[1], np.float32),
               shirt=art)  # fmt: skip
        _CLOSEUP[key] = big
    k = i - shot.start
    dx = round(m * (0.6 * math.sin(k / 19.0) + 0.3 * math.sin(k / 7.3)))
    dy = round(m * 0.5 * math.sin(k / 23.0 + 1.0))
    return _CLOSEUP[key].crop(m + dx, m + dy, w, h)


def _draw_bug(ctx: Ctx, art: tuple[int, int], f: float) -> None:
    """Score bug (top-left) with a sponsor panel; constant through the clip."""
    gh = 36 * f
    gx, gy = 40 * f, 30 * f
    gw = gh * 6
    ctx.canvas.fill([np.array([[gx, gy], [gx + gw, gy], [gx + gw, gy + gh], [gx, gy + gh]])], (60, 25, 10))
    m = np.zeros((int(gh), int(gw)), np.uint8)
    cv2.putText(m, "HOM 1-0 AWY  67:12", (int(0.15 * gh), int(0.68 * gh)), cv2.FONT_HERSHEY_SIMPLEX, gh / 60, 255,
                max(1, round(gh / 24)), cv2.LINE_AA)  # fmt: skip
    a = m.astype(np.float32) / 255.0
    ctx.canvas.composite(a[..., None] * 255.0, a, int(gx), int(gy))
    px, pw = gx + gw, gh * 2.8
    ctx.canvas.fill([np.array([[px, gy], [px + pw, gy], [px + pw, gy + gh], [px, gy + gh]])], (255, 255, 255))
    ctx.logo(art, (px, gy, px + pw, gy + gh), np.eye(3), 0.75)


def box_union_area(boxes: np.ndarray) -> float:
    """Exact area (pixels^2) of the union of axis-aligned boxes given as (N, 4) ``x1, y1, x2, y2``."""
    if len(boxes) == 0:
        return 0.0
    xs = np.unique(boxes[:, [0, 2]])
    area = 0.0
    for xa, xb in itertools.pairwise(xs):
        cover = boxes[(boxes[:, 0] <= xa) & (boxes[:, 2] >= xb)]
        if len(cover) == 0:
            continue
        spans = sorted(cover[:, [1, 3]].tolist())
        total, (cy0, cy1) = 0.0, spans[0]
        for y0, y1 in spans[1:]:
            if y0 > cy1:
                total += cy1 - cy0
                cy0, cy1 = y0, y1
            else:
                cy1 = max(cy1, y1)
        area += (total + cy1 - cy0) * (xb - xa)
    return float(area)


def _summarise(
    df: pd.DataFrame,
    sponsors: list[str],
    shots: list[_Shot],
    n_frames: int,
    fps: float,
    w: int,
    h: int,
    seed: int,
    video: str,
) -> ClipTruth:
    exposure, share = {}, {}
    q = df[df["qualifies"]]
    for sp in sponsors:
        rows = q[q["sponsor"] == sp]
        frames = rows.groupby("frame")
        exposure[sp] = round(frames.ngroups / fps, 6)
        shares = [box_union_area(g[["x1", "y1", "x2", "y2"]].to_numpy(float)) / (w * h) for _, g in frames]
        share[sp] = round(float(np.mean(shares)), 8) if shares else 0.0
    cuts = tuple(round(s.start / fps, 6) for s in shots[1:])
    shot_list = [(round(s.start / fps, 6), round(s.end / fps, 6), s.kind) for s in shots]
    return ClipTruth(df, cuts, shot_list, exposure, share, n_frames / fps, float(fps), w, h, n_frames,
                     list(sponsors), seed, video)  # fmt: skip
