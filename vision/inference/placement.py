"""Placement of each detection: a surface in the venue (``in_venue``) or a broadcast graphic (``overlay``).

An overlay (a score bug with a sponsor panel, a lower third) keeps a fixed screen position while the
picture behind it moves, and it survives camera cuts; a board, banner or shirt moves with the picture.
Two steps:

* during the pass, :class:`CameraMotion` measures the global camera motion of every analysed frame:
  the phase correlation (:func:`cv2.phaseCorrelate`) of the frame with the previous analysed frame,
  both downscaled grey frames (the cut detector's, :func:`vision.inference.shots.downscale`), summed
  into a camera position per frame that restarts at 0 at every cut (fractions of the frame width and
  height; about 0.5 ms a frame);
* after the pass, :func:`placements` groups each sponsor's detections by a stable screen box (centre
  and size each within ``PLACEMENT_CELL`` of the frame, found with a grid hash in O(N)) and calls a
  group an overlay when it spans at least ``OVERLAY_MIN_SHOTS`` shots, or when the camera moved
  at least ``OVERLAY_CAMERA_MOVE`` of the frame within one shot while the box stayed put. The shots
  must show different pictures (``OVERLAY_PICTURE_CHANGE``, on 16x9 grey thumbnails that
  :class:`CameraMotion` keeps: 144 bytes a frame): a fixed camera that returns to one framing after
  a cut shows its boards at the same screen place, and they are not overlays.

Everything else is ``in_venue``. A graphic that is on screen in one shot of a still camera only
cannot be told from a board and counts as ``in_venue``. Constants: :mod:`measure.methodology`.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pandas as pd

from measure.methodology import (
    OVERLAY_CAMERA_MOVE,
    OVERLAY_MIN_RUN_S,
    OVERLAY_MIN_SHOTS,
    OVERLAY_PICTURE_CHANGE,
    OVERLAY_STEP_MAX,
    PLACEMENT_CELL,
)


class CameraMotion:
    """Feed the downscaled analysed frames in order; :attr:`positions` is the camera position of each.

    A position is the picture's shift since the first analysed frame of the shot, (x, y) in fractions
    of the frame width and height, positive when the picture content moves right / down.
    :attr:`pictures` holds a 16x9 grey thumbnail of each frame (what the picture shows, for telling
    a cut to another picture from a cut back to the same framing).
    """

    THUMBNAIL: tuple[int, int] = (16, 9)

    def __init__(self) -> None:
        self._prev: np.ndarray | None = None
        self._window: np.ndarray | None = None
        self._pos = np.zeros(2)
        self._rows: list[tuple[float, float]] = []
        self._thumbs: list[np.ndarray] = []

    def update(self, small: np.ndarray, new_shot: bool) -> None:
        """Add the frame ``small`` (BGR or grey, already downscaled); ``new_shot`` restarts the position."""
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
        self._thumbs.append(cv2.resize(grey, self.THUMBNAIL, interpolation=cv2.INTER_AREA).reshape(-1))
        grey = grey.astype(np.float32)
        h, w = grey.shape
        if self._window is None or self._window.shape != grey.shape:
            self._window = cv2.createHanningWindow((w, h), cv2.CV_32F)
            self._prev = None
        if new_shot or self._prev is None:
            self._pos = np.zeros(2)
        else:
            (dx, dy), _response = cv2.phaseCorrelate(self._prev, grey, self._window)
            self._pos = self._pos + np.array([dx / w, dy / h])
        self._prev = grey
        self._rows.append((float(self._pos[0]), float(self._pos[1])))

    @property
    def positions(self) -> np.ndarray:
        """Return the (n_frames, 2) camera positions, fractions of the frame width and height."""
        return np.asarray(self._rows, dtype=np.float64).reshape(-1, 2)

    @property
    def pictures(self) -> np.ndarray:
        """Return the (n_frames, 144) uint8 grey thumbnails (16x9, grey levels 0-255), one per frame."""
        size = self.THUMBNAIL[0] * self.THUMBNAIL[1]
        return np.asarray(self._thumbs, dtype=np.uint8).reshape(-1, size)


def overlay_groups(
    keys: np.ndarray,
    step: np.ndarray,
    t: np.ndarray,
    shots: np.ndarray,
    cam: np.ndarray,
    boxes: np.ndarray,
    pictures: np.ndarray | None = None,
) -> np.ndarray:
    """Return, per detection, True where its group (equal ``keys``) is an overlay.

    ``keys`` (N,) int64 group keys, ``step`` (N,) the index of each detection's analysed frame (0, 1, 2 ...
    in the order of analysis), ``t`` (N,) its time in seconds, ``shots`` (N,) shot indices, ``cam`` (N, 2) the camera position of each
    detection's frame (fractions of the frame), ``boxes`` (N, 4) the boxes in pixels.

    A *run* is a stretch of consecutive analysed frames of one shot in which the group is present and
    the camera moved at most ``OVERLAY_STEP_MAX`` from one frame to the next (a faster step could carry
    one board onto the place of the next board of the same sponsor). A group is an overlay when one
    of its runs saw the camera range over ``OVERLAY_CAMERA_MOVE`` or more (Euclidean, fractions of the
    frame) while the group has at least two different boxes (a held whole-frame read repeats one box
    and proves nothing), or when it has runs lasting ``OVERLAY_MIN_RUN_S`` seconds or more (first to
    last frame) in at least ``OVERLAY_MIN_SHOTS`` shots. With ``pictures`` (one thumbnail per analysed
    frame, indexed by ``step``: :attr:`CameraMotion.pictures`), the second rule also needs a long run
    whose first frame's thumbnail differs from that of the group's first long run, in another shot, by
    ``OVERLAY_PICTURE_CHANGE`` grey levels or more on average. O(N log N) (one sort; runs are then
    contiguous slices).
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=bool)
    group, _ = pd.factorize(keys)
    n_groups = int(group.max()) + 1
    order = np.lexsort((step, group))
    g, st, sh, c, tt = group[order], step[order], shots[order], cam[order], t[order]
    same = np.zeros(n, dtype=bool)
    same[1:] = (g[1:] == g[:-1]) & (st[1:] == st[:-1])  # a second detection of the group in one frame
    jump = np.hypot(*(c[1:] - c[:-1]).T) if n > 1 else np.zeros(0)
    cont = np.zeros(n, dtype=bool)
    cont[1:] = (g[1:] == g[:-1]) & (sh[1:] == sh[:-1]) & (st[1:] - st[:-1] <= 1) & (jump <= OVERLAY_STEP_MAX)
    starts = np.flatnonzero(~(cont | same))  # runs are contiguous in this order
    run_g, run_shot = g[starts], sh[starts]
    lasted = np.maximum.reduceat(tt, starts) - np.minimum.reduceat(tt, starts)
    span = [np.maximum.reduceat(c[:, k], starts) - np.minimum.reduceat(c[:, k], starts) for k in (0, 1)]
    move = np.hypot(span[0], span[1])
    moved = np.zeros(n_groups, dtype=bool)
    moved[run_g[move >= OVERLAY_CAMERA_MOVE]] = True
    b = boxes[order]
    differs = (g[1:] == g[:-1]) & (b[1:] != b[:-1]).any(axis=1)
    distinct = np.zeros(n_groups, dtype=bool)
    distinct[g[1:][differs]] = True
    long = lasted >= OVERLAY_MIN_RUN_S - 1e-9
    pairs = np.unique(np.stack([run_g[long], run_shot[long]], axis=1), axis=0).reshape(-1, 2)
    many_shots = np.bincount(pairs[:, 0], minlength=n_groups) >= OVERLAY_MIN_SHOTS
    if pictures is not None and many_shots.any():
        runs = np.flatnonzero(long & many_shots[run_g])  # in group order, then time order
        rg, rs, rstep = run_g[runs], run_shot[runs], st[starts[runs]]
        _, first = np.unique(rg, return_index=True)
        ref = first[np.searchsorted(rg[first], rg)]  # each run's group's first long run
        pics = pictures.astype(np.int16)
        change = np.abs(pics[rstep] - pics[rstep[ref]]).mean(axis=1)
        another = np.zeros(n_groups, dtype=bool)
        another[rg[(rs != rs[ref]) & (change >= OVERLAY_PICTURE_CHANGE)]] = True
        many_shots &= another
    overlay = (moved & distinct) | many_shots
    return overlay[group]


def placements(
    table: pd.DataFrame,
    width: int,
    height: int,
    frames: np.ndarray,
    positions: np.ndarray,
    pictures: np.ndarray | None = None,
) -> np.ndarray:
    """Return the placement (object array of ``"in_venue"`` / ``"overlay"``) of each row of ``table``.

    ``table`` is a detection table (``frame``, ``t``, ``sponsor``, ``shot``, ``x1``..``y2`` in pixels),
    ``width`` x ``height`` the frame size in pixels, ``frames`` the analysed frame indices (ascending)
    and ``positions`` their camera positions (:attr:`CameraMotion.positions`), ``pictures`` their
    thumbnails (:attr:`CameraMotion.pictures`; None: a second shot needs no other picture). A detection's screen box
    is its centre and size in fractions of the frame, quantised to cells of ``PLACEMENT_CELL``. To
    keep a box that jitters across a cell border together, the grid is laid 2^3 times, shifted by half
    a cell in each of centre x, centre y and size (the geometric mean of width and height); a detection
    is an overlay when its group is one in any of them (:func:`overlay_groups`). O(N) in detections.
    """
    n = len(table)
    out = np.full(n, "in_venue", dtype=object)
    if n == 0:
        return out
    x1, y1, x2, y2 = (table[c].to_numpy(np.float64) for c in ("x1", "y1", "x2", "y2"))
    w, h = max(int(width), 1), max(int(height), 1)
    dims = np.stack(
        [(x1 + x2) / (2 * w), (y1 + y2) / (2 * h), np.sqrt(np.abs((x2 - x1) * (y2 - y1)) / (w * h))], axis=1
    )
    cells = dims / PLACEMENT_CELL
    sponsor, _ = pd.factorize(table["sponsor"])
    shots = table["shot"].to_numpy(np.int64)
    idx = np.clip(np.searchsorted(frames, table["frame"].to_numpy(np.int64)), 0, max(len(frames) - 1, 0))
    cam = positions[idx] if len(positions) else np.zeros((n, 2))
    step = idx.astype(np.int64)
    t = table["t"].to_numpy(np.float64)
    boxes = np.stack([x1, y1, x2, y2], axis=1)
    overlay = np.zeros(n, dtype=bool)
    span = 1 << 12  # cells per dimension in the key: coordinates from -40 to +40 frames
    for shift in itertools.product((0.0, 0.5), repeat=3):
        q = np.clip(np.floor(cells + np.asarray(shift)).astype(np.int64) + span // 2, 0, span - 1)
        keys = ((sponsor.astype(np.int64) * span + q[:, 0]) * span + q[:, 1]) * span + q[:, 2]
        overlay |= overlay_groups(keys, step, t, shots, cam, boxes, pictures)
    out[overlay] = "overlay"
    return out
