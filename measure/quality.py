"""Per-detection quality: screen share, size, sharpness, contrast, truncation, clarity, position.

This module needs no pixels: ``sharpness`` and ``contrast`` are measured on the pixels inside each
detection's polygon (the crop) by :mod:`vision.inference.quality`, cheap enough to run on every
detection of every analysed frame, and enter here as numbers. The formulas and their constants
are defined once in :mod:`measure.methodology` (docs/methodology.md); in short::

    screen_share     = area(polygon ∩ frame) / area(frame)                       fraction
    visible_fraction = area(polygon ∩ frame) / area(polygon)                     fraction
        (lowered for boxes that end at the frame border: measure.frame_edge, and to the share of
         the logo in view where its artwork is known: vision.inference.occlusion)
    short_side_px    = smaller mean of opposite sides of the polygon             pixels
    reference_side   = short_side_px * REFERENCE_SIDE_PX / min(width, height)    pixels at 720p
    size_score       = min(1, reference_side / LEGIBLE_SIDE_PX)                  [0, 1]
    contrast         = (P98 - P2) / 255 in the crop's widest-range channel       [0, 1]
    sharpness        = 1 - exp(-s / SHARPNESS_SCALE)                             [0, 1]
        s = mean of the n steepest Sobel gradients / (P98 - P2),  n = max(4, ceil(0.5 sqrt(pixels)))
    clarity          = sharpness * contrast_factor * size_score * visible_fraction   [0, 1]
        contrast_factor = clip((contrast - CONTRAST_FLOOR) / (CONTRAST_FULL - CONTRAST_FLOOR), 0, 1)
    centrality       = 1 - |centre - frame centre| / |corner - frame centre|      [0, 1]

``s`` (1/pixels) says over how many pixels the logo's edges are smeared: it does not depend on the
logo's size, brightness or contrast, and falls strictly as blur rises (about ``0.4 / sigma`` for a
step edge blurred by a Gaussian of ``sigma`` pixels).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from measure.geometry import clipped_areas, polygon_areas, union_areas
from measure.methodology import (
    CONTRAST_FLOOR,
    CONTRAST_FULL,
    LEGIBLE_SIDE_PX,
    REFERENCE_SIDE_PX,
)
from measure.records import ZONES
from measure.settings import MeasureSettings


def union_share(polys: np.ndarray, width: int, height: int) -> float:
    """Return the area of the union of ``polys`` (``(N, 4, 2)`` pixels) inside the frame / frame area.

    Overlapping polygons are counted once, parts outside the ``width x height`` frame not at all,
    so the result is a fraction in [0, 1]. Exact for axis-aligned boxes; polygons must be convex.
    """
    polys = np.asarray(polys, dtype=float).reshape(-1, 4, 2)
    if width <= 0 or height <= 0:
        raise ValueError(f"frame size must be positive, got {width}x{height}")
    if len(polys) == 0:
        return 0.0
    return float(union_areas(polys[None], width, height)[0] / (float(width) * float(height)))


def contrast_factor(contrast: np.ndarray | float) -> np.ndarray:
    """Return the clarity factor in [0, 1] for a contrast (fraction of the 0..255 range)."""
    c = np.asarray(contrast, dtype=float)
    return np.clip((c - CONTRAST_FLOOR) / (CONTRAST_FULL - CONTRAST_FLOOR), 0.0, 1.0)


def clarity_from(
    sharpness: np.ndarray, contrast: np.ndarray, size_score: np.ndarray, visible_fraction: np.ndarray
) -> np.ndarray:
    """Return clarity in [0, 1] = sharpness x contrast_factor(contrast) x size_score x visible_fraction."""
    return (
        np.asarray(sharpness, dtype=float)
        * contrast_factor(contrast)
        * np.asarray(size_score, dtype=float)
        * np.asarray(visible_fraction, dtype=float)
    )


def short_sides(polys: np.ndarray) -> np.ndarray:
    """Return the short side (pixels) of each ``(N, 4, 2)`` quadrilateral.

    That is the smaller of the two means of opposite sides (``min(w, h)`` for a box).
    """
    polys = np.asarray(polys, dtype=float)
    sides = np.linalg.norm(np.roll(polys, -1, axis=1) - polys, axis=2)  # (N, 4)
    return np.minimum(0.5 * (sides[:, 0] + sides[:, 2]), 0.5 * (sides[:, 1] + sides[:, 3]))


def reference_sides(
    short_side_px: np.ndarray | pd.Series | float, frame_side_px: np.ndarray | pd.Series | float
) -> np.ndarray:
    """Return each short side in reference pixels: ``short_side_px`` (pixels) on a frame whose short side
    is ``frame_side_px`` pixels, scaled to a frame with a ``REFERENCE_SIDE_PX`` (720) pixel short side.

    Raises ValueError when a frame side is not positive."""
    frame = np.asarray(frame_side_px, dtype=float)
    if (frame <= 0).any():
        raise ValueError("frame sides must be positive pixels")
    return np.asarray(short_side_px, dtype=float) * (REFERENCE_SIDE_PX / frame)


def zones_and_centrality(polys: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Return each polygon's screen zone (one of ``ZONES``) and centrality in [0, 1].

    Both use the centre of the polygon's bounding box clipped to the frame. The zone is the cell of
    a 3 x 3 grid over the frame; centrality is 1 at the frame centre and 0 at a corner.
    """
    polys = np.asarray(polys, dtype=float).reshape(-1, 4, 2)
    cx = 0.5 * (np.clip(polys[:, :, 0].min(1), 0, width) + np.clip(polys[:, :, 0].max(1), 0, width))
    cy = 0.5 * (np.clip(polys[:, :, 1].min(1), 0, height) + np.clip(polys[:, :, 1].max(1), 0, height))
    col = np.clip(np.floor(3 * cx / width), 0, 2).astype(int)
    row = np.clip(np.floor(3 * cy / height), 0, 2).astype(int)
    zone = np.array(ZONES, dtype=object)[row * 3 + col]
    dist = np.hypot(cx - width / 2, cy - height / 2) / math.hypot(width / 2, height / 2)
    return zone, np.clip(1.0 - dist, 0.0, 1.0)


def _visible(polys: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Return area(polygon ∩ frame) / area(polygon) from the clipped areas ``inside`` (pixels²)."""
    area = polygon_areas(polys)
    return np.divide(inside, area, out=np.zeros(len(polys)), where=area > 0).clip(0.0, 1.0)


def visible_fractions(polys: np.ndarray, width: int, height: int) -> np.ndarray:
    """Return area(polygon ∩ frame) / area(polygon) of each ``(N, 4, 2)`` polygon: fractions in [0, 1]."""
    polys = np.asarray(polys, dtype=float).reshape(-1, 4, 2)
    return _visible(polys, clipped_areas(polys, width, height))


def size_scores(reference_side_px: np.ndarray) -> np.ndarray:
    """Return ``min(1, reference_side_px / LEGIBLE_SIDE_PX)`` of short sides in reference pixels: [0, 1]."""
    return np.clip(np.asarray(reference_side_px, dtype=float) / LEGIBLE_SIDE_PX, 0.0, 1.0)


def detection_quality(
    polys: np.ndarray,
    width: int,
    height: int,
    sharpness: np.ndarray,
    contrast: np.ndarray,
    in_view: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Score the detections of one ``width x height`` frame from their polygons and pixel measures.

    ``polys`` are the detections' polygons (``(N, 4, 2)`` pixels, e.g. from
    :func:`measure.records.polygons`); ``sharpness`` and ``contrast`` (N values in [0, 1]) are
    measured on the crops' pixels by the vision side (``vision.inference.quality``), so this
    module needs no pixels. Returns arrays of length N for every column of ``QUALITY_COLUMNS``
    except ``qualifies``: ``screen_share`` and ``visible_fraction`` (fractions), ``short_side_px``
    (pixels), ``sharpness``, ``contrast``, ``size_score``, ``clarity``, ``centrality`` (all in
    [0, 1]) and ``zone`` (strings of ``ZONES``). ``in_view`` (N values in [0, 1], NaN where not
    judged) is the share of each logo not hidden by what stands in front of it, judged on the pixels
    against the sponsor's artwork (:mod:`vision.inference.occlusion`): ``visible_fraction`` is the
    smaller of it and the part inside the frame.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"frame is empty ({width}x{height})")
    polys = np.asarray(polys, dtype=float).reshape(-1, 4, 2)
    if not np.isfinite(polys).all():
        raise ValueError("detection polygons contain NaN or infinite coordinates")
    sharp = np.asarray(sharpness, dtype=float).reshape(-1)
    contrast = np.asarray(contrast, dtype=float).reshape(-1)
    if not len(sharp) == len(contrast) == len(polys):
        raise ValueError(
            f"{len(polys)} polygons but {len(sharp)} sharpness and {len(contrast)} contrast values"
        )
    inside = clipped_areas(polys, width, height)
    visible = _visible(polys, inside)  # clipped once, for the share and the visible fraction
    if in_view is not None:
        in_view = np.asarray(in_view, dtype=float).reshape(-1)
        if len(in_view) != len(polys):
            raise ValueError(f"{len(polys)} polygons but {len(in_view)} in-view values")
        visible = np.fmin(visible, in_view)  # NaN (not judged) keeps the geometric value
    short = short_sides(polys)
    size_score = size_scores(reference_sides(short, min(width, height)))
    zone, centrality = zones_and_centrality(polys, width, height)
    return {
        "screen_share": inside / (float(width) * float(height)),
        "short_side_px": short,
        "sharpness": sharp,
        "contrast": contrast,
        "size_score": size_score,
        "visible_fraction": visible,
        "clarity": clarity_from(sharp, contrast, size_score, visible),
        "zone": zone,
        "centrality": centrality,
    }


def qualifies(
    clarity: np.ndarray | pd.Series,
    short_side_px: np.ndarray | pd.Series,
    frame_side_px: np.ndarray | pd.Series | float,
    settings: MeasureSettings,
    visible_fraction: np.ndarray | pd.Series,
) -> np.ndarray:
    """Return a bool array: whether each detection counts toward exposure.

    It counts when its short side in reference pixels (:func:`reference_sides` of ``short_side_px`` on
    frames with a ``frame_side_px`` pixel short side) is >= ``settings.min_side_px``, its
    ``visible_fraction`` is >= ``settings.min_visible``, and its clarity
    *without the size factor* (``clarity / size_score`` = sharpness x contrast factor x visible
    fraction) is >= ``settings.min_clarity``: size is gated once, by ``min_side_px``, not a second time
    inside clarity (where ``size_score`` grows up to 32 reference pixels and would make the real
    minimum size 10-16 px, depending on sharpness)."""
    clarity = np.asarray(clarity, dtype=float)
    short = reference_sides(short_side_px, frame_side_px)
    size = size_scores(short)
    legible = np.divide(clarity, size, out=np.zeros_like(clarity), where=size > 0)
    visible = np.asarray(visible_fraction, dtype=float)
    return (
        (legible >= settings.min_clarity)
        & (short >= settings.min_side_px)
        & (visible >= settings.min_visible)
    )
