"""Aggregate scored detections into per-sponsor exposure numbers and visibility segments.

The definitions are in :mod:`measure.methodology` (docs/methodology.md); this module
implements them exactly, vectorised with numpy so that 135,000 analysed frames with a few
detections each aggregate in seconds. Summary:

* A detection **qualifies** (:func:`measure.quality.qualifies`) when its short side in reference
  pixels (on the frame scaled to a 720 px short side, :func:`measure.quality.reference_sides`) is
  ``>= min_side_px`` and its clarity without the size factor (``clarity / size_score``) is ``>= min_clarity``.
* Analysed frame ``i`` stands for ``timeline.intervals[i]`` seconds. A sponsor is **visible** in
  an analysed frame when it has at least one qualifying detection there, or when the frame lies in
  a **bridged** gap: two consecutive analysed frames ``i < j`` of the same shot where the sponsor is
  visible, with ``t_j - (t_i + interval_i) <= max_gap_s`` (or, for one missed frame ``j = i + 2``,
  ``<= ONE_FRAME_GAP_S``, 1 s; ``max_gap_s = 0`` turns both off), make frames ``i+1 .. j-1`` visible,
  holding frame ``i``'s values. Gaps are bridged per sponsor, whichever logo or track was seen (a
  tracker splits a small or occluded logo into many short tracks); cuts are never bridged.
* Per visible frame: ``screen_share`` = union of the sponsor's qualifying polygons inside the frame
  / frame area; ``clarity`` = the best clarity among them; ``centrality`` = that of the largest;
  ``clutter`` = number of other sponsors visible; quality
  ``q = size_factor * clarity * position_factor * clutter_factor``.
* Per sponsor: sums and interval-weighted means over visible frames (see ``SPONSOR_COLUMNS``).
* Per catalogue category (``categories``): :mod:`measure.categories` over the same visible frames.
* Per sponsor and visual context (``context``): :mod:`measure.context` over the same visible frames,
  each of which has a ``placement`` (that of its largest qualifying detection; a bridged frame takes
  its source frame's), a ``shot_type`` and a ``replay`` flag (its shot's, from the timeline).

All times are seconds, shares fractions of the frame area, frame numbers decoded frame indices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

from measure.categories import category_codes, category_table, competitor_seconds
from measure.context import context_table, weighted_mean
from measure.geometry import clipped_areas, group_union_areas
from measure.methodology import FULL_SIZE_SHARE, ONE_FRAME_GAP_S, POSITION_FLOOR
from measure.quality import qualifies
from measure.records import BOX_COLUMNS, CONTEXT_COLUMNS, POLY_COLUMNS, UNKNOWN, Timeline
from measure.settings import MeasureSettings, RateCard

#: Tolerance (seconds) for comparing computed durations and gaps with the thresholds.
TIME_TOLERANCE_S: float = 1e-9

#: Per-sponsor table, one row per sponsor (see :func:`aggregate`).
SPONSOR_COLUMNS: list[str] = [
    "sponsor",  # sponsor (model class) name
    "exposure_s",  # seconds visible
    "exposures",  # number of segments lasting >= min_exposure_s
    "mean_screen_share",  # interval-weighted mean over visible frames, fraction of frame area
    "max_screen_share",  # max over visible frames, fraction of frame area
    "mean_clarity",  # interval-weighted mean over visible frames, [0, 1]
    "quality_s",  # quality-weighted seconds: sum of q x interval
    "share_of_voice",  # exposure_s / all listed sponsors' exposure_s, fraction
    "solo_s",  # seconds visible with no other sponsor visible
    "mean_clutter",  # interval-weighted mean number of other sponsors visible
    "media_value",  # quality_s x rate card rate, currency
    "best_frame",  # decoded frame index of the frame with a real (not bridged) detection and the highest q (-1 if never visible)
    "best_t",  # its timestamp, seconds (NaN if never visible)
    "competitor_s",  # seconds visible while another sponsor of its category is visible (0 without one)
    "category",  # the catalogue's category (None without one)
]

#: Segment table, one row per maximal run of visible analysed frames inside one shot.
SEGMENT_COLUMNS: list[str] = [
    "sponsor",
    "start_s",  # timestamp of the first visible analysed frame, seconds
    "end_s",  # end of the last visible analysed frame's interval, seconds
    "duration_s",  # end_s - start_s, seconds
    "start_frame",  # decoded frame index of the first visible analysed frame
    "end_frame",  # decoded frame index of the last visible analysed frame
    "shot",  # shot index (0-based) from timeline.cuts_s
    "mean_screen_share",  # interval-weighted, fraction of frame area
    "mean_clarity",  # interval-weighted, [0, 1]
    "best_frame",  # decoded frame index of the segment's frame with a real (not bridged) detection and the highest q
    "best_t",  # its timestamp, seconds
    "quality_s",  # sum of q x interval over the segment, seconds
    "placement",  # the placement holding most of the segment's seconds (measure.records.PLACEMENTS or UNKNOWN)
    "shot_type",  # the shot's type (measure.records.SHOT_TYPES or UNKNOWN); one shot per segment
    "replay",  # True when the shot is a replay
]

#: Per visible (sponsor, analysed frame) table, ordered by sponsor then time.
FRAME_COLUMNS: list[str] = [
    "sponsor",
    "frame",  # decoded frame index
    "t",  # timestamp, seconds
    "interval_s",  # seconds this analysed frame stands for
    "shot",
    "screen_share",  # union of the sponsor's qualifying polygons, fraction of frame area
    "clarity",  # best clarity among them, [0, 1]
    "centrality",  # centrality of the largest, [0, 1]
    "clutter",  # number of other sponsors visible
    "quality",  # q in [0, 1]
    "bridged",  # True when visible only through a bridged gap of the sponsor
    "placement",  # placement of the largest qualifying detection (a bridged frame: its source frame's); categorical
    "shot_type",  # the analysed frame's shot type (Timeline.shot_type_of_frame); categorical
    "replay",  # True inside a replay shot (Timeline.replay_of_frame)
]

_REQUIRED = ["frame", "sponsor", "x1", "y1", "x2", "y2", "track_id", "shot"]
_REQUIRED_QUALITY = ["clarity", "short_side_px", "centrality"]


@dataclass(frozen=True)
class Exposure:
    """Result of :func:`aggregate`.

    ``sponsors`` has ``SPONSOR_COLUMNS`` (one row per sponsor), ``segments`` has
    ``SEGMENT_COLUMNS``, ``detections`` is the input (same rows and order) with ``qualifies`` set
    and the context columns (:data:`measure.records.CONTEXT_COLUMNS`),
    and ``frames`` has ``FRAME_COLUMNS``: one row per sponsor and analysed frame where it is visible.
    ``categories`` has :data:`measure.categories.CATEGORY_COLUMNS`: one row per catalogue category of
    the sponsors analysed (empty without categories). ``context`` has
    :data:`measure.context.CONTEXT_TABLE_COLUMNS`: one row per sponsor, context dimension and value.
    """

    sponsors: pd.DataFrame
    segments: pd.DataFrame
    detections: pd.DataFrame
    frames: pd.DataFrame
    categories: pd.DataFrame = field(default_factory=pd.DataFrame)
    context: pd.DataFrame = field(default_factory=pd.DataFrame)


def quality_index(
    screen_share: np.ndarray, clarity: np.ndarray, centrality: np.ndarray, clutter: np.ndarray
) -> np.ndarray:
    """Return q in [0, 1] = size_factor x clarity x position_factor x clutter_factor per visible frame.

    ``size_factor = min(1, sqrt(screen_share / FULL_SIZE_SHARE))``,
    ``position_factor = POSITION_FLOOR + (1 - POSITION_FLOOR) x centrality`` and
    ``clutter_factor = 1 / (1 + clutter)``.
    """
    share = np.clip(np.asarray(screen_share, dtype=float), 0.0, None)
    size_factor = np.minimum(1.0, np.sqrt(share / FULL_SIZE_SHARE))
    position = POSITION_FLOOR + (1.0 - POSITION_FLOOR) * np.asarray(centrality, dtype=float)
    return size_factor * np.asarray(clarity, dtype=float) * position / (1.0 + np.asarray(clutter))


def _first_of_groups(groups: np.ndarray, n: int) -> np.ndarray:
    """Return, for sorted ``groups``, the index of the first row of each group 0..n-1 (-1 if none)."""
    first = np.full(n, -1, dtype=np.int64)
    if len(groups):
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        first[groups[starts]] = starts
    return first


def _check_input(detections: pd.DataFrame, timeline: Timeline) -> None:
    missing = [c for c in _REQUIRED + _REQUIRED_QUALITY if c not in detections.columns]
    if missing:
        raise ValueError(f"detections lack columns: {', '.join(missing)}")
    frames = timeline.frames
    if len(frames) > 1 and np.any(np.diff(frames) <= 0):
        raise ValueError("Timeline.frames must be strictly increasing")
    if timeline.width <= 0 or timeline.height <= 0:
        raise ValueError(f"Timeline frame size must be positive, got {timeline.width}x{timeline.height}")


def _polygons(det: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Return the ``(N, 4, 2)`` polygons (pixels) of the selected rows, like
    :func:`measure.records.polygons`.

    Fills one output array column by column: the only other memory is one column of ``rows``,
    which matters for the millions of detections of a long match.
    """
    out = np.empty((len(rows), 4, 2))
    corners = (("x1", "y1"), ("x2", "y1"), ("x2", "y2"), ("x1", "y2"))  # clockwise from top-left
    for i, (x, y) in enumerate(corners):
        out[:, i, 0] = det[x].to_numpy()[rows]
        out[:, i, 1] = det[y].to_numpy()[rows]
    if "px0" not in det.columns:
        return out
    has_poly = np.ones(len(rows), bool)
    for c in POLY_COLUMNS:
        has_poly &= ~np.isnan(det[c].to_numpy()[rows])
    at = np.flatnonzero(has_poly)
    for i in range(4):
        out[at, i, 0] = det[f"px{i}"].to_numpy()[rows[at]]
        out[at, i, 1] = det[f"py{i}"].to_numpy()[rows[at]]
    return out


def _row_hash(columns: Iterable[np.ndarray]) -> np.ndarray | None:
    """Return a 64-bit hash per row of the given numeric columns (bit patterns, FNV-1a style).

    ``columns`` may be a generator, so that only one column is held at a time; None when empty.
    """
    h: np.ndarray | None = None
    prime = np.uint64(0x100000001B3)
    for col in columns:
        bits = np.ascontiguousarray(col, dtype=np.float64).view(np.uint64)
        if h is None:
            h = np.full(len(bits), 0xCBF29CE484222325, dtype=np.uint64)
        h = (h ^ bits) * prime
        h ^= h >> np.uint64(29)
    return h


def _shot_types(timeline: Timeline) -> pd.Categorical:
    """Return the shot type of each analysed frame (categories sorted, ``UNKNOWN`` among them): a
    code per frame, not one string object per frame as :attr:`Timeline.shot_type_of_frame`."""
    names = sorted({*timeline.shot_types, UNKNOWN})
    if not timeline.shot_types:
        return pd.Categorical.from_codes(np.zeros(len(timeline.times), np.int64), categories=names)
    per_shot = pd.Index(names, dtype=object).get_indexer(list(timeline.shot_types))
    return pd.Categorical.from_codes(per_shot[timeline.shot_of_frame], categories=names)


def _placement_codes(column: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(names, codes)``: the sorted placement names (object array) of the selected ``rows``
    of ``column`` and each row's index into them; a missing value counts as ``UNKNOWN``. The codes
    follow the names' sorted order, so they do not depend on the row order."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object)[rows], use_na_sentinel=True)
    found = [str(u) for u in uniques]
    names = sorted({*found, *([UNKNOWN] if (codes < 0).any() else [])})
    lookup = pd.Index(names, dtype=object).get_indexer([*found, UNKNOWN]).astype(np.int64)
    return np.array(names or [UNKNOWN], dtype=object), lookup[codes]  # code -1 takes UNKNOWN's (last)


def _frame_positions(frame: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Return each detection's analysed-frame index; ValueError if a frame is not in the timeline."""
    pos = np.searchsorted(timeline.frames, frame)
    ok = pos < len(timeline.frames)
    ok[ok] = timeline.frames[pos[ok]] == frame[ok]
    if not ok.all():
        bad = np.unique(frame[~ok])
        raise ValueError(
            f"{int((~ok).sum())} detections are on frames the timeline does not list "
            f"(e.g. frame {int(bad[0])}); every detection's frame must be an analysed frame"
        )
    return pos


def aggregate(
    detections: pd.DataFrame,
    timeline: Timeline,
    settings: MeasureSettings,
    rate_card: RateCard | None = None,
    sponsors: Sequence[str] | None = None,
    categories: Mapping[str, str | None] | None = None,
) -> Exposure:
    """Aggregate scored detections into per-sponsor numbers, segments and visible frames.

    ``detections`` has ``DETECTION_COLUMNS`` and ``QUALITY_COLUMNS`` (``qualifies`` is recomputed
    from ``settings``). With ``sponsors``, exactly those sponsors get rows, in that order (zeros when
    never visible) and detections of other sponsors are left out of every number (clutter, share
    of voice); without it, every sponsor in ``detections`` gets a row, sorted by name. ``categories``
    maps sponsor names to their catalogue category (sponsors it leaves out, or maps to None, have
    none): it gives each sponsor's ``category`` and ``competitor_s`` and the ``categories`` table
    (:mod:`measure.categories`). The result
    does not depend on the row order of ``detections``. The returned ``detections`` also carry the
    context columns (:data:`measure.records.CONTEXT_COLUMNS`): ``shot_type`` and ``replay`` of their
    analysed frame (from ``timeline``) and ``placement`` (``UNKNOWN`` when the input has none).
    Segments break where
    ``timeline.shot_of_frame`` changes, i.e. at the first analysed frame at or after each cut.
    Raises ValueError when a detection's frame is not in ``timeline``, a qualifying polygon is not
    finite, or columns are missing.
    """
    _check_input(detections, timeline)
    # assign, not copy(): the input's columns are shared (copy-on-write), not duplicated
    frame_side = min(int(timeline.width), int(timeline.height))
    det = detections.assign(
        qualifies=qualifies(
            detections["clarity"],
            detections["short_side_px"],
            frame_side,
            settings,
            detections["visible_fraction"],
        )
    )
    fpos = _frame_positions(det["frame"].to_numpy(np.int64), timeline)
    shot_cat, frame_replays = _shot_types(timeline), timeline.replay_of_frame
    # object columns (CONTEXT_COLUMNS): pandas would otherwise convert the strings, row by row
    type_names = np.asarray(shot_cat.categories, dtype=object)
    context_cols = {"shot_type": type_names[shot_cat.codes[fpos]], "replay": frame_replays[fpos]}
    if "placement" not in det.columns:
        unknown = np.empty(len(det), dtype=object)
        unknown[:] = UNKNOWN  # one shared string (np.full would make one str object per row)
        context_cols = {"placement": unknown, **context_cols}
    det = det.assign(
        **{
            c: pd.Series(v, index=det.index, dtype=CONTEXT_COLUMNS[c], copy=False)
            for c, v in context_cols.items()
        }
    )

    sponsor_values = det["sponsor"].to_numpy(dtype=object)
    present = pd.unique(sponsor_values)
    if not all(isinstance(v, str) for v in present):
        sponsor_values = det["sponsor"].astype(str).to_numpy(dtype=object)
        present = pd.unique(sponsor_values)
    names = list(dict.fromkeys(str(s) for s in sponsors)) if sponsors is not None else sorted(present)
    n_fr = len(timeline.times)
    times, intervals, shots = timeline.times, timeline.intervals, timeline.shot_of_frame
    width, height = int(timeline.width), int(timeline.height)

    code = pd.Index(names, dtype=object).get_indexer(sponsor_values)
    code = code.astype(np.int64)
    keep = det["qualifies"].to_numpy(bool) & (code >= 0)

    rows = np.flatnonzero(keep)
    sp, fi = code[rows], fpos[rows]
    clarity = det["clarity"].to_numpy(float)[rows]
    centrality = det["centrality"].to_numpy(float)[rows]
    place_names, place = _placement_codes(det["placement"], rows)

    # Canonical order, independent of the input's row order: sponsor, frame, then a hash of every
    # value used below (rows can only tie when they are identical in all of them). The geometry is
    # hashed from its columns one at a time, and the polygons are built once, already in order.
    key = sp * max(n_fr, 1) + fi
    geometry = [c for c in (*BOX_COLUMNS, *POLY_COLUMNS) if c in det.columns]
    hashed = _row_hash(chain((det[c].to_numpy()[rows] for c in geometry), (clarity, centrality, place)))
    order = np.lexsort([hashed, key]) if hashed is not None else np.zeros(0, np.int64)
    rows, sp, fi, key, clarity, centrality, place = (
        a[order] for a in (rows, sp, fi, key, clarity, centrality, place)
    )
    del code, fpos, keep, hashed, order  # per-detection arrays of the whole table, no longer needed
    polys = _polygons(det, rows)
    if not (np.isfinite(polys).all() and np.isfinite(clarity).all() and np.isfinite(centrality).all()):
        raise ValueError("qualifying detections have NaN or infinite boxes, clarity or centrality")

    # --- per (sponsor, analysed frame) values from real detections -------------------------------
    new_group = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, bool)
    gid = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    g_key = key[starts]
    g_sp, g_fi = sp[starts], fi[starts]
    g_share = group_union_areas(polys, gid, width, height) / (float(width) * float(height))
    g_clarity = np.maximum.reduceat(clarity, starts) if len(starts) else np.zeros(0)
    area = clipped_areas(polys, width, height)
    largest = np.lexsort([-area, gid])  # stable: ties keep the canonical order
    pick = largest[_first_of_groups(gid[largest], len(starts))]
    g_centrality, g_place = centrality[pick], place[pick]
    del polys, area, largest  # the largest arrays of a long match; nothing below needs them

    # --- bridging short gaps of each sponsor ---------------------------------------------------------
    # the groups are sorted by (sponsor, frame), so a bridged frame is never one with a detection
    b_sp, b_fi, b_src = _bridges(g_sp, g_fi, times, intervals, shots, settings.max_gap_s)
    src_g = np.searchsorted(g_key, b_sp * max(n_fr, 1) + b_src)
    # the per-detection arrays (millions of rows in a long match) are not needed below
    del rows, sp, fi, key, clarity, centrality, place, new_group, gid

    # --- visible frames table ----------------------------------------------------------------------
    v_sp = np.r_[g_sp, b_sp].astype(np.int64)
    v_fi = np.r_[g_fi, b_fi].astype(np.int64)
    v_share = np.r_[g_share, g_share[src_g]]
    v_clarity = np.r_[g_clarity, g_clarity[src_g]]
    v_centrality = np.r_[g_centrality, g_centrality[src_g]]
    v_place = np.r_[g_place, g_place[src_g]]
    v_bridged = np.r_[np.zeros(len(g_sp), bool), np.ones(len(b_sp), bool)]
    o = np.argsort(v_sp * max(n_fr, 1) + v_fi, kind="stable")
    v_sp, v_fi, v_share, v_clarity, v_centrality, v_place, v_bridged = (
        a[o] for a in (v_sp, v_fi, v_share, v_clarity, v_centrality, v_place, v_bridged)
    )
    v_dt = intervals[v_fi] if n_fr else np.zeros(0)
    v_clutter = np.bincount(v_fi, minlength=n_fr)[v_fi] - 1
    v_q = quality_index(v_share, v_clarity, v_centrality, v_clutter)
    v_shot = shots[v_fi] if n_fr else np.zeros(0, np.int64)

    frames_df = pd.DataFrame(
        {
            "sponsor": pd.Series(np.array(names, dtype=object)[v_sp], dtype=object),
            "frame": timeline.frames[v_fi].astype(np.int64),
            "t": times[v_fi] if n_fr else np.zeros(0),
            "interval_s": v_dt,
            "shot": v_shot.astype(np.int64),
            "screen_share": v_share,
            "clarity": v_clarity,
            "centrality": v_centrality,
            "clutter": v_clutter.astype(np.int64),
            "quality": v_q,
            "bridged": v_bridged,
            # categorical: a small code per row, not a reference to a string
            "placement": pd.Categorical.from_codes(v_place, categories=place_names),
            "shot_type": pd.Categorical.from_codes(shot_cat.codes[v_fi], categories=shot_cat.categories),
            "replay": frame_replays[v_fi],
        },
        columns=FRAME_COLUMNS,
        copy=False,  # wrap the arrays, do not stack them into a second copy
    )

    # best frames are chosen among frames with a real detection: a bridged frame shows no logo box
    v_best_q = np.where(v_bridged, -1.0, v_q)
    segments = _segments(
        names, v_sp, v_fi, v_dt, v_share, v_clarity, v_q, v_best_q, v_place, place_names, shot_cat,
        frame_replays, timeline,
    )  # fmt: skip
    sponsors_df = _sponsor_table(
        names, v_sp, v_fi, v_dt, v_share, v_clarity, v_q, v_best_q, v_clutter, segments, timeline, settings,
        rate_card,
    )  # fmt: skip
    rates = np.array([rate_card.rate(s) for s in names]) if rate_card is not None else np.zeros(len(names))
    cat_names, sponsor_cat = category_codes(names, categories)
    sponsors_df["competitor_s"] = competitor_seconds(v_sp, v_fi, v_dt, sponsor_cat, n_fr)
    sponsors_df["category"] = pd.Series(
        [cat_names[c] if c >= 0 else None for c in sponsor_cat], dtype=object, index=sponsors_df.index
    )
    cats = category_table(
        v_sp, v_fi, intervals, sponsor_cat, cat_names, sponsors_df["exposure_s"].to_numpy(float)
    )
    context = context_table(frames_df, segments, names, rates, settings.min_exposure_s)
    return Exposure(
        sponsors=sponsors_df,
        segments=segments,
        detections=det,
        frames=frames_df,
        categories=cats,
        context=context,
    )


def _bridges(
    sp: np.ndarray,
    fi: np.ndarray,
    times: np.ndarray,
    intervals: np.ndarray,
    shots: np.ndarray,
    max_gap_s: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (sponsor, analysed frame, source frame) of every frame visible through a bridged gap.

    ``sp`` and ``fi`` are the sponsor codes and analysed-frame positions where a sponsor has a
    qualifying detection, one row per pair, sorted by sponsor then frame."""
    if len(sp) < 2:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    i, j = fi[:-1], fi[1:]
    uncovered = times[j] - (times[i] + intervals[i])
    ok = (
        (sp[1:] == sp[:-1])
        & (j > i + 1)
        & (shots[i] == shots[j])
        & (
            (uncovered <= max_gap_s + TIME_TOLERANCE_S)
            | ((j == i + 2) & (max_gap_s > 0) & (uncovered <= ONE_FRAME_GAP_S + TIME_TOLERANCE_S))
        )
    )
    i, j, ps = i[ok], j[ok], sp[:-1][ok]
    lengths = j - i - 1
    rep = np.repeat(np.arange(len(i)), lengths)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return ps[rep], i[rep] + 1 + offset, i[rep]


def _segments(
    names: list[str],
    v_sp: np.ndarray,
    v_fi: np.ndarray,
    v_dt: np.ndarray,
    v_share: np.ndarray,
    v_clarity: np.ndarray,
    v_q: np.ndarray,
    v_best_q: np.ndarray,
    v_place: np.ndarray,
    place_names: np.ndarray,
    shot_cat: pd.Categorical,
    frame_replays: np.ndarray,
    timeline: Timeline,
) -> pd.DataFrame:
    """Split the visible frames (sorted by sponsor, frame) into segments; return the segment table.

    ``v_best_q`` is ``q``, or -1 for bridged frames: the best frame maximises it, so it always has a
    real, qualifying detection (every segment holds one: a bridge lies between two). ``v_place`` is
    each visible frame's code in ``place_names``; a segment takes the placement holding most of its
    seconds (then most of its frames, then the first name). A segment lies in one shot, so its shot
    type and replay flag are those of its first frame (``shot_cat`` and ``frame_replays``: per
    analysed frame)."""
    shots = timeline.shot_of_frame
    if len(v_sp):
        brk = np.r_[
            True,
            (v_sp[1:] != v_sp[:-1]) | (v_fi[1:] != v_fi[:-1] + 1) | (shots[v_fi[1:]] != shots[v_fi[:-1]]),
        ]
    else:
        brk = np.zeros(0, bool)
    seg = np.cumsum(brk) - 1
    n_seg = int(brk.sum())
    first = np.flatnonzero(brk)
    last = np.r_[first[1:] - 1, len(v_sp) - 1] if n_seg else np.zeros(0, np.int64)
    f0, f1 = v_fi[first], v_fi[last]
    start = timeline.times[f0] if n_seg else np.zeros(0)
    end = timeline.times[f1] + timeline.intervals[f1] if n_seg else np.zeros(0)
    best = np.lexsort([v_fi, -v_best_q, seg])  # highest q among real detections, earliest on ties
    best = best[_first_of_groups(seg[best], n_seg)]
    n_place = len(place_names)
    main = np.zeros(n_seg, np.int64)
    if n_place > 1 and n_seg:
        by_place = seg * n_place + v_place
        seconds = np.bincount(by_place, v_dt, minlength=n_seg * n_place).reshape(n_seg, n_place)
        counts = np.bincount(by_place, minlength=n_seg * n_place).reshape(n_seg, n_place)
        del by_place
        # most seconds, then most frames, then the lowest code (names are sorted)
        main = np.lexsort([-counts, -seconds], axis=-1)[:, 0]
    return pd.DataFrame(
        {
            "sponsor": pd.Series(np.array(names, dtype=object)[v_sp[first]], dtype=object),
            "start_s": start,
            "end_s": end,
            "duration_s": end - start,
            "start_frame": timeline.frames[f0].astype(np.int64),
            "end_frame": timeline.frames[f1].astype(np.int64),
            "shot": shots[f0].astype(np.int64) if n_seg else np.zeros(0, np.int64),
            "mean_screen_share": weighted_mean(v_share, v_dt, seg, n_seg),
            "mean_clarity": weighted_mean(v_clarity, v_dt, seg, n_seg),
            "best_frame": timeline.frames[v_fi[best]].astype(np.int64),
            "best_t": timeline.times[v_fi[best]] if n_seg else np.zeros(0),
            "quality_s": np.bincount(seg, v_q * v_dt, minlength=n_seg),
            "placement": pd.Series(place_names[main], dtype=object),
            "shot_type": pd.Series(
                np.asarray(shot_cat.categories, dtype=object)[shot_cat.codes[f0]], dtype=object
            ),
            "replay": frame_replays[f0],
        },
        columns=SEGMENT_COLUMNS,
    )


def _sponsor_table(
    names: list[str],
    v_sp: np.ndarray,
    v_fi: np.ndarray,
    v_dt: np.ndarray,
    v_share: np.ndarray,
    v_clarity: np.ndarray,
    v_q: np.ndarray,
    v_best_q: np.ndarray,
    v_clutter: np.ndarray,
    segments: pd.DataFrame,
    timeline: Timeline,
    settings: MeasureSettings,
    rate_card: RateCard | None,
) -> pd.DataFrame:
    """Return the per-sponsor table (``SPONSOR_COLUMNS``) from the visible-frames arrays."""
    n = len(names)
    exposure = np.bincount(v_sp, v_dt, minlength=n)
    max_share = np.zeros(n)
    np.maximum.at(max_share, v_sp, v_share)
    quality_s = np.bincount(v_sp, v_q * v_dt, minlength=n)
    total = exposure.sum()
    sov = exposure / total if total > 0 else np.zeros(n)
    long_enough = segments["duration_s"].to_numpy(float) >= settings.min_exposure_s - TIME_TOLERANCE_S
    seg_code = pd.Index(names, dtype=object).get_indexer(segments["sponsor"].to_numpy(object))
    exposures = np.bincount(seg_code[long_enough], minlength=n).astype(np.int64)
    rates = np.array([rate_card.rate(s) for s in names]) if rate_card is not None else np.zeros(n)
    best_frame = np.full(n, -1, dtype=np.int64)
    best_t = np.full(n, np.nan)
    order = np.lexsort([v_fi, -v_best_q, v_sp])  # highest q among real detections, earliest on ties
    first = _first_of_groups(v_sp[order], n)
    seen = first >= 0
    best_frame[seen] = timeline.frames[v_fi[order[first[seen]]]]
    best_t[seen] = timeline.times[v_fi[order[first[seen]]]]
    return pd.DataFrame(
        {
            "sponsor": pd.Series(names, dtype=object),
            "exposure_s": exposure,
            "exposures": exposures,
            "mean_screen_share": weighted_mean(v_share, v_dt, v_sp, n),
            "max_screen_share": max_share,
            "mean_clarity": weighted_mean(v_clarity, v_dt, v_sp, n),
            "quality_s": quality_s,
            "share_of_voice": sov,
            "solo_s": np.bincount(v_sp, v_dt * (v_clutter == 0), minlength=n),
            "mean_clutter": weighted_mean(v_clutter.astype(float), v_dt, v_sp, n),
            "media_value": quality_s * rates,
            "best_frame": best_frame,
            "best_t": best_t,
        },
        columns=SPONSOR_COLUMNS,
    )
