"""Logos cut off by the frame border: how much of each one is inside the frame.

A detector boxes only what it sees, so the box of a logo that runs off the frame ends at the frame
border and lies wholly inside the frame: ``area(box ∩ frame) / area(box)`` is 1 for it, however little
of the logo shows. The logo's own shape says how long it is. For a box that touches the left or right
border (and neither the top nor the bottom), the whole logo is about ``h × a`` pixels wide, where ``h``
is the box's height and ``a`` the logo's width / height as seen uncut; for one that touches the top or
bottom border, it is about ``w / a`` pixels high. The reference aspect ``a`` is the median
``w / h`` of the uncut boxes (touching no border) of, in this order of preference:

1. the same track (shot, sponsor, track id);
2. the same sponsor in the same shot (a photo is one shot with no tracks: the same photo);
3. the same sponsor anywhere in the video.

``visible_fraction`` of a cut box is then ``min(1, w / (h × a))`` (or ``min(1, h × a / w)``), and its
``clarity`` (a product with ``visible_fraction`` as a factor, :mod:`measure.quality`) falls in
proportion. A box cut on both axes (a corner), a box whose polygon already reaches outside the frame
(its ``visible_fraction`` is below 1 already), and a sponsor never seen uncut keep their values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: A box side within this many pixels of a frame border is cut by that border.
EDGE_PX = 1.5
#: Boxes whose ``visible_fraction`` is below this already reach outside the frame: left as they are.
ALREADY_CUT = 0.999


def cut_sides(detections: pd.DataFrame, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Return two bool arrays: whether each box is cut by the left or right border, and by the top or bottom."""
    x1, y1, x2, y2 = (detections[c].to_numpy(float) for c in ("x1", "y1", "x2", "y2"))
    return (x1 <= EDGE_PX) | (x2 >= width - EDGE_PX), (y1 <= EDGE_PX) | (y2 >= height - EDGE_PX)


def _sizes(detections: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return the boxes' widths and heights, pixels."""
    w = (detections["x2"] - detections["x1"]).to_numpy(float)
    h = (detections["y2"] - detections["y1"]).to_numpy(float)
    return w, h


def _references(detections: pd.DataFrame, uncut: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Return the reference aspect of the detections ``rows`` (indices), from the ``uncut`` boxes (bool
    mask over every detection); NaN where the sponsor is never seen uncut."""
    w, h = _sizes(detections)
    frame = pd.DataFrame(
        {
            "shot": detections["shot"].to_numpy(),
            "sponsor": detections["sponsor"].to_numpy(dtype=object),
            "track_id": detections["track_id"].to_numpy(),
            "aspect": np.divide(w, h, out=np.full(len(w), np.nan), where=h > 0),
        }
    )
    source = frame[uncut & np.isfinite(frame["aspect"])]
    wanted = frame.iloc[rows]
    out = np.full(len(rows), np.nan)
    for keys in (["shot", "sponsor", "track_id"], ["shot", "sponsor"], ["sponsor"]):
        by = source[source["track_id"] >= 0] if "track_id" in keys else source
        medians = by.groupby(keys, sort=False)["aspect"].median().rename("ref")
        found = wanted[keys].join(medians, on=keys)["ref"].to_numpy(float, copy=True)
        if "track_id" in keys:
            found[wanted["track_id"].to_numpy() < 0] = np.nan
        out = np.where(np.isnan(out), found, out)
    return out


def reference_aspects(detections: pd.DataFrame, width: int, height: int) -> np.ndarray:
    """Return each detection's reference aspect (width / height of its logo seen uncut, see the module
    doc), NaN where the sponsor is never seen uncut."""
    cut_x, cut_y = cut_sides(detections, width, height)
    return _references(detections, ~(cut_x | cut_y), np.arange(len(detections)))


def cut_visible_fractions(detections: pd.DataFrame, width: int, height: int) -> np.ndarray:
    """Return each detection's fraction in [0, 1] of its logo inside the ``width x height`` frame,
    estimated for boxes cut by the frame border (see the module doc); other boxes keep their
    ``visible_fraction``."""
    visible = detections["visible_fraction"].to_numpy(float).copy()
    cut_x, cut_y = cut_sides(detections, width, height)
    w, h = _sizes(detections)
    rows = np.flatnonzero((cut_x ^ cut_y) & (visible >= ALREADY_CUT) & (w > 0) & (h > 0))
    if len(rows) == 0:  # most frames: no box touches the border, no reference is needed
        return visible
    ref = _references(detections, ~(cut_x | cut_y), rows)
    ok = np.isfinite(ref) & (ref > 0)
    rows, ref = rows[ok], ref[ok]
    along_x = cut_x[rows]
    full = np.where(along_x, h[rows] * ref, w[rows] / ref)  # the whole logo's width, or height
    visible[rows] = np.minimum(1.0, np.where(along_x, w[rows], h[rows]) / full)
    return visible


def complete_cut_logos(detections: pd.DataFrame, width: int, height: int) -> pd.DataFrame:
    """Return ``detections`` (scored, with ``shot`` and ``track_id``) with ``visible_fraction`` and
    ``clarity`` of the boxes cut by the border of the ``width x height`` frame (pixels) lowered to the
    estimated fraction of the logo inside the frame (:func:`cut_visible_fractions`); ``qualifies``
    is recomputed by :func:`measure.exposure.aggregate`."""
    if detections.empty:
        return detections
    old = detections["visible_fraction"].to_numpy(float)
    new = cut_visible_fractions(detections, width, height)
    scale = np.divide(new, old, out=np.zeros_like(new), where=old > 0)
    return detections.assign(
        visible_fraction=new, clarity=detections["clarity"].to_numpy(float) * np.where(old > 0, scale, 1.0)
    )
