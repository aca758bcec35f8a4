"""Exact areas of convex quadrilaterals clipped to the frame, alone or as a union.

Every detection is a convex quadrilateral (an axis-aligned or a rotated box), given as an
``(..., 4, 2)`` array of corners in pixels. Areas are computed exactly (up to floating-point
rounding) by slab decomposition: the frame is cut into vertical slabs at every x where the
cross-section of the shapes can change slope (corners, crossings of two edges, crossings of an
edge with the top or bottom of the frame). Inside one slab the length of the union's vertical
cross-section is linear in x, so its value at the slab's middle times the slab's width is the
exact area of that slab. For axis-aligned boxes with integer corners the result is exact.

Only numpy is used, and everything is vectorised over batches of equally sized groups.
"""

from __future__ import annotations

import numpy as np

#: Upper bound on the number of float64 elements of the largest temporary array per batch.
_MAX_ELEMENTS = 4_000_000


def polygon_areas(polys: np.ndarray) -> np.ndarray:
    """Return the unclipped area (pixels²) of each polygon of an ``(N, M, 2)`` array (shoelace)."""
    polys = np.asarray(polys, dtype=float)
    x, y = polys[..., 0], polys[..., 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=-1) - np.roll(x, -1, axis=-1) * y, axis=-1))


def is_axis_aligned(polys: np.ndarray) -> np.ndarray:
    """Return, per polygon of an ``(..., 4, 2)`` array, whether every edge is horizontal or vertical."""
    polys = np.asarray(polys, dtype=float)
    d = np.roll(polys, -1, axis=-2) - polys
    return np.all((d[..., 0] == 0) | (d[..., 1] == 0), axis=-1)


#: Rows per slice in :func:`clipped_areas`: bounds its temporary arrays to a few tens of MB.
_SLICE = 1 << 18


def clipped_areas(polys: np.ndarray, width: float, height: float) -> np.ndarray:
    """Return the area (pixels²) of each ``(N, 4, 2)`` convex polygon inside the ``width x height`` frame."""
    polys = np.asarray(polys, dtype=float)
    if len(polys) > _SLICE:  # slices are views: memory stays bounded for millions of polygons
        return np.concatenate(
            [_clipped_areas(polys[i : i + _SLICE], width, height) for i in range(0, len(polys), _SLICE)]
        )
    return _clipped_areas(polys, width, height)


def _clipped_areas(polys: np.ndarray, width: float, height: float) -> np.ndarray:
    out = np.zeros(len(polys))
    if len(polys) == 0:
        return out
    aligned = is_axis_aligned(polys)
    if aligned.any():
        p = polys[aligned]
        w = np.clip(p[..., 0].max(-1), 0, width) - np.clip(p[..., 0].min(-1), 0, width)
        h = np.clip(p[..., 1].max(-1), 0, height) - np.clip(p[..., 1].min(-1), 0, height)
        out[aligned] = w * h
    rotated = ~aligned
    if rotated.any():
        lo, hi = polys.min(axis=1), polys.max(axis=1)
        inside = (lo[:, 0] >= 0) & (lo[:, 1] >= 0) & (hi[:, 0] <= width) & (hi[:, 1] <= height)
        out[rotated & inside] = polygon_areas(polys[rotated & inside])
        cut = rotated & ~inside
        if cut.any():
            out[cut] = union_areas(polys[cut][:, None], width, height)
    return out


def union_areas(groups: np.ndarray, width: float, height: float) -> np.ndarray:
    """Return the area (pixels²) of the union of each group's polygons inside the frame.

    ``groups`` is ``(G, K, 4, 2)``: G groups of K convex quadrilaterals each. Overlaps inside a
    group are counted once; anything outside ``[0, width] x [0, height]`` is not counted.
    """
    groups = np.asarray(groups, dtype=float)
    n_groups, k = groups.shape[:2]
    out = np.zeros(n_groups)
    if n_groups == 0 or k == 0:
        return out
    aligned = is_axis_aligned(groups).all(axis=1)
    for flag in (True, False):
        ids = np.flatnonzero(aligned == flag)
        if len(ids) == 0:
            continue
        n_events = 4 * k + 2 + (0 if flag else 8 * k + 16 * k * k)
        chunk = max(1, _MAX_ELEMENTS // (n_events * k * 4))
        for s in range(0, len(ids), chunk):
            part = ids[s : s + chunk]
            out[part] = _union_areas_batch(groups[part], float(width), float(height), flag)
    return out


def _union_areas_batch(groups: np.ndarray, width: float, height: float, aligned: bool) -> np.ndarray:
    n = len(groups)
    a = groups.reshape(n, -1, 4, 2)
    b = np.roll(a, -1, axis=2)  # edge i runs from a[..., i, :] to b[..., i, :]
    xa, ya, xb, yb = a[..., 0], a[..., 1], b[..., 0], b[..., 1]  # (n, k, 4)
    events = [xa.reshape(n, -1), np.zeros((n, 1)), np.full((n, 1), width)]
    if not aligned:
        dy = yb - ya
        with np.errstate(divide="ignore", invalid="ignore"):
            for level in (0.0, height):  # where an edge crosses the top or bottom of the frame
                events.append((xa + (level - ya) / dy * (xb - xa)).reshape(n, -1))
            # where two edges (of any polygons of the group) cross
            p = a.reshape(n, -1, 2)
            d = (b - a).reshape(n, -1, 2)
            denom = d[:, :, None, 0] * d[:, None, :, 1] - d[:, :, None, 1] * d[:, None, :, 0]
            q = p[:, None, :, :] - p[:, :, None, :]
            t = (q[..., 0] * d[:, None, :, 1] - q[..., 1] * d[:, None, :, 0]) / denom
            events.append((p[:, :, None, 0] + t * d[:, :, None, 0]).reshape(n, -1))
    ev = np.concatenate(events, axis=1)
    ev = np.clip(np.where(np.isfinite(ev), ev, 0.0), 0.0, width)
    ev.sort(axis=1)
    widths = np.diff(ev, axis=1)  # (n, s)
    mids = 0.5 * (ev[:, 1:] + ev[:, :-1])
    m = mids[:, :, None, None]  # (n, s, 1, 1) against edges (n, 1, k, 4)
    x0, x1 = np.minimum(xa, xb)[:, None], np.maximum(xa, xb)[:, None]
    spans = (x0 < m) & (m < x1)
    with np.errstate(divide="ignore", invalid="ignore"):
        y_at = ya[:, None] + (m - xa[:, None]) * ((yb - ya) / (xb - xa))[:, None]
    lo = np.where(spans, y_at, np.inf).min(axis=3)  # (n, s, k) cross-section of each polygon
    hi = np.where(spans, y_at, -np.inf).max(axis=3)
    lo = np.clip(lo, 0.0, height)
    hi = np.clip(hi, 0.0, height)
    order = np.argsort(lo, axis=2, kind="stable")
    lo = np.take_along_axis(lo, order, axis=2)
    hi = np.take_along_axis(hi, order, axis=2)
    reach = np.maximum.accumulate(hi, axis=2)
    prev = np.concatenate([np.full((*reach.shape[:2], 1), -np.inf), reach[:, :, :-1]], axis=2)
    length = np.maximum(0.0, hi - np.maximum(lo, prev)).sum(axis=2)  # union of intervals
    return np.sum(widths * length, axis=1)


def group_union_areas(polys: np.ndarray, group: np.ndarray, width: float, height: float) -> np.ndarray:
    """Return, per group, the area (pixels²) of the union of its polygons inside the frame.

    ``polys`` is ``(N, 4, 2)`` and ``group`` an ``(N,)`` array of group numbers ``0..G-1``; the
    result has length ``G = group.max() + 1`` (0 for a group without polygons). Groups are
    batched by size, so a million polygons take seconds.
    """
    polys = np.asarray(polys, dtype=float)
    group = np.asarray(group, dtype=np.int64)
    n_groups = int(group.max()) + 1 if len(group) else 0
    out = np.zeros(n_groups)
    if n_groups == 0:
        return out
    order = np.argsort(group, kind="stable")
    group_sorted = group[order]
    sizes = np.bincount(group_sorted, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    singles = np.flatnonzero(sizes == 1)
    for i in range(0, len(singles), _SLICE):  # a slice at a time: the gathered copy stays small
        part = singles[i : i + _SLICE]
        out[part] = clipped_areas(polys[order[starts[part]]], width, height)
    for k in np.unique(sizes[sizes > 1]):
        ids = np.flatnonzero(sizes == k)
        rows = order[starts[ids][:, None] + np.arange(k)[None, :]]  # (G_k, k)
        # groups whose bounding boxes do not overlap: the union is the sum of the parts
        lo, hi = polys[rows].min(axis=2), polys[rows].max(axis=2)  # (G_k, k, 2)
        meets = np.all(
            (lo[:, :, None] < hi[:, None, :]) & (lo[:, None, :] < hi[:, :, None]), axis=3
        )  # (G_k, k, k)
        meets[:, np.arange(k), np.arange(k)] = False
        overlapping = meets.any(axis=(1, 2))
        apart = ~overlapping
        out[ids[apart]] = (
            clipped_areas(polys[rows[apart]].reshape(-1, 4, 2), width, height).reshape(-1, k).sum(axis=1)
        )
        if overlapping.any():
            out[ids[overlapping]] = union_areas(polys[rows[overlapping]], width, height)
    return out


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Return the IoU (0..1) of one xyxy ``box`` with each row of ``boxes`` (N, 4), pixels."""
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)
