"""Per-detection quality: screen share, size, sharpness, contrast, truncation, clarity, position.

Everything here looks only at the pixels inside each detection's bounding box (the crop), so it is
cheap enough to run on every detection of every analysed frame. The formulas and their constants
are defined once in :mod:`measure.methodology` (docs/methodology.md); in short::

    screen_share     = area(polygon ∩ frame) / area(frame)                       fraction
    visible_fraction = area(polygon ∩ frame) / area(polygon)                     fraction
    short_side_px    = smaller mean of opposite sides of the polygon             pixels
    size_score       = min(1, short_side_px / LEGIBLE_SIDE_PX)                   [0, 1]
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

import cv2
import numpy as np
import pandas as pd

from measure.geometry import clipped_areas, is_axis_aligned, polygon_areas, union_areas
from measure.methodology import (
    CONTRAST_FLOOR,
    CONTRAST_FULL,
    CONTRAST_PERCENTILES,
    EDGE_FRACTION,
    LEGIBLE_SIDE_PX,
    SHARPNESS_SCALE,
)
from measure.records import QUALITY_COLUMNS, ZONES, polygons
from measure.settings import MeasureSettings

_LOW_FRACTION, _HIGH_FRACTION = (p / 100.0 for p in CONTRAST_PERCENTILES)
_QUALITY_OUT = [c for c in QUALITY_COLUMNS if c != "qualifies"]


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


def _crop_stats(image: np.ndarray, poly: np.ndarray, rotated: bool) -> tuple[float, float]:
    """Return ``(sharpness, contrast)`` of the pixels of ``image`` inside ``poly``."""
    h, w = image.shape[:2]
    x0 = max(0, math.floor(poly[:, 0].min()))
    y0 = max(0, math.floor(poly[:, 1].min()))
    x1 = min(w, math.ceil(poly[:, 0].max()))
    y1 = min(h, math.ceil(poly[:, 1].max()))
    if x1 <= x0 or y1 <= y0:
        return 0.0, 0.0
    crop = image[y0:y1, x0:x1]
    mask = None
    if rotated:
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        pts = np.round((poly - [x0, y0]) * 16).astype(np.int32)
        cv2.fillConvexPoly(mask, pts, 1, lineType=cv2.LINE_8, shift=4)
        if not mask.any():
            return 0.0, 0.0
    chans = crop.reshape(crop.shape[0], crop.shape[1], -1)
    spreads = []
    for c in range(chans.shape[2]):
        hist = cv2.calcHist([chans], [c], mask, [256], [0, 256]).ravel()
        cum = np.cumsum(hist)
        lo, hi = np.searchsorted(cum, [_LOW_FRACTION * cum[-1], _HIGH_FRACTION * cum[-1]])
        spreads.append(float(hi - lo))
    best = int(np.argmax(spreads))
    spread = spreads[best]
    contrast = spread / 255.0
    if spread <= 0:
        return 0.0, contrast
    chan = np.ascontiguousarray(chans[:, :, best], dtype=np.float32)
    gx = cv2.Sobel(chan, cv2.CV_32F, 1, 0, ksize=3, scale=0.125, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.Sobel(chan, cv2.CV_32F, 0, 1, ksize=3, scale=0.125, borderType=cv2.BORDER_REPLICATE)
    grad = cv2.magnitude(gx, gy)
    grad_values = grad[mask.astype(bool)] if mask is not None else grad.ravel()
    n_top = min(grad_values.size, max(4, math.ceil(EDGE_FRACTION * math.sqrt(grad_values.size))))
    top = np.partition(grad_values, grad_values.size - n_top)[grad_values.size - n_top :]
    slope = float(np.sort(top.astype(np.float64)).sum() / top.size) / spread  # 1 / pixels
    return float(1.0 - math.exp(-slope / SHARPNESS_SCALE)), contrast


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


def frame_quality(image: np.ndarray, polys: np.ndarray) -> dict[str, np.ndarray]:
    """Score every detection of one decoded frame.

    ``image`` is the frame (H x W grey or H x W x 3 BGR, uint8) and ``polys`` the detections'
    polygons (``(N, 4, 2)`` pixels, e.g. from :func:`measure.records.polygons`). Returns arrays of
    length N for every column of ``QUALITY_COLUMNS`` except ``qualifies``: ``screen_share`` and
    ``visible_fraction`` (fractions), ``short_side_px`` (pixels), ``sharpness``, ``contrast``,
    ``size_score``, ``clarity``, ``centrality`` (all in [0, 1]) and ``zone`` (strings of ``ZONES``).
    """
    image = np.asarray(image)
    shape_ok = image.ndim == 2 or (image.ndim == 3 and image.shape[2] in (1, 3))
    if image.dtype != np.uint8 or not shape_ok:
        raise ValueError(f"frame must be an HxW or HxWx3 uint8 image, got {image.dtype} {image.shape}")
    height, width = image.shape[:2]
    if width == 0 or height == 0:
        raise ValueError(f"frame is empty ({width}x{height})")
    polys = np.asarray(polys, dtype=float).reshape(-1, 4, 2)
    if not np.isfinite(polys).all():
        raise ValueError("detection polygons contain NaN or infinite coordinates")
    n = len(polys)
    area = polygon_areas(polys)
    inside = clipped_areas(polys, width, height)
    visible = np.divide(inside, area, out=np.zeros(n), where=area > 0).clip(0.0, 1.0)
    short = short_sides(polys)
    size_score = np.clip(short / LEGIBLE_SIDE_PX, 0.0, 1.0)
    rotated = ~is_axis_aligned(polys)
    sharp = np.zeros(n)
    contrast = np.zeros(n)
    for i in range(n):
        if visible[i] > 0:
            sharp[i], contrast[i] = _crop_stats(image, polys[i], bool(rotated[i]))
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
    clarity: np.ndarray | pd.Series, short_side_px: np.ndarray | pd.Series, settings: MeasureSettings
) -> np.ndarray:
    """Return a bool array: clarity >= ``settings.min_clarity`` and short side >= ``settings.min_side_px``."""
    clarity = np.asarray(clarity, dtype=float)
    short = np.asarray(short_side_px, dtype=float)
    return (clarity >= settings.min_clarity) & (short >= settings.min_side_px)


def score_detections(
    detections: pd.DataFrame, image: np.ndarray, settings: MeasureSettings | None = None
) -> pd.DataFrame:
    """Return a copy of one frame's ``detections`` with all ``QUALITY_COLUMNS`` filled in.

    ``qualifies`` uses ``settings`` (the defaults when ``None``); :func:`measure.exposure.aggregate`
    recomputes it from its own settings anyway.
    """
    settings = settings or MeasureSettings()
    out = detections.copy()
    scores = frame_quality(image, polygons(detections))
    for col in _QUALITY_OUT:
        out[col] = pd.Series(scores[col], index=out.index, dtype=QUALITY_COLUMNS[col])
    out["qualifies"] = qualifies(out["clarity"], out["short_side_px"], settings)
    return out
