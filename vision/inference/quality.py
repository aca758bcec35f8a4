"""Pixel scoring of detections: sharpness and contrast measured on each detection's crop.

The rest of a detection's quality (screen share, size, visibility, clarity, position) needs no
pixels and is computed by :func:`measure.quality.detection_quality`; the formulas and constants
are defined once in :mod:`measure.methodology` (docs/methodology.md).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pandas as pd

from measure.geometry import is_axis_aligned
from measure.methodology import CONTRAST_PERCENTILES, EDGE_FRACTION, SHARPNESS_SCALE
from measure.quality import detection_quality, qualifies, visible_fractions
from measure.records import QUALITY_COLUMNS, polygons
from measure.settings import MeasureSettings

_LOW_FRACTION, _HIGH_FRACTION = (p / 100.0 for p in CONTRAST_PERCENTILES)
_QUALITY_OUT = [c for c in QUALITY_COLUMNS if c != "qualifies"]


def crop_stats(image: np.ndarray, poly: np.ndarray, rotated: bool) -> tuple[float, float]:
    """Return ``(sharpness, contrast)``, both in [0, 1], of the pixels of ``image`` inside ``poly`` (4 x 2 pixels)."""
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


def frame_quality(
    image: np.ndarray, polys: np.ndarray, in_view: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Score every detection of one decoded frame.

    ``image`` is the frame (H x W grey or H x W x 3 BGR, uint8) and ``polys`` the detections'
    polygons (``(N, 4, 2)`` pixels). Returns what :func:`measure.quality.detection_quality` returns,
    with ``sharpness`` and ``contrast`` measured on the crops (0 for a polygon wholly off-frame);
    ``in_view`` (N fractions, NaN where not judged; :mod:`vision.inference.occlusion`) lowers
    ``visible_fraction`` to the share of each logo not hidden.
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
    visible = visible_fractions(polys, width, height)
    rotated = ~is_axis_aligned(polys)
    sharp = np.zeros(n)
    contrast = np.zeros(n)
    for i in range(n):
        if visible[i] > 0:
            sharp[i], contrast[i] = crop_stats(image, polys[i], bool(rotated[i]))
    return detection_quality(polys, width, height, sharp, contrast, in_view)


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
    out["qualifies"] = qualifies(
        out["clarity"], out["short_side_px"], min(image.shape[:2]), settings, out["visible_fraction"]
    )
    return out
