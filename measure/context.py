"""Exposure by visual context: each sponsor's numbers split by placement, shot type and live/replay.

Every visible (sponsor, analysed frame) row of :func:`measure.exposure.aggregate` has a
``placement`` (in the venue, overlaid, or unknown), a ``shot_type`` (wide, tight, close-up or
unknown) and a ``replay`` flag. For each sponsor and each of the three dimensions, this module sums
the sponsor's numbers over the visible frames of each value (:data:`CONTEXT_TABLE_COLUMNS`). Each
dimension is a partition of the sponsor's visible frames, so its parts add up to the sponsor's
``exposure_s``, ``quality_s``, ``media_value`` and ``exposures`` (a segment counts under the value
of its shot, and under the placement holding most of its seconds), and its shares of exposure add
up to 1 for a sponsor that was visible.

Definitions are :data:`measure.methodology.METRICS` (``context``, ``share_of_exposure``). Times are
seconds, shares fractions, media value in the rate card's currency.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from measure.records import PLACEMENTS, SHOT_TYPES, UNKNOWN

#: The context dimensions, in display order (each a column of the visible-frames table).
DIMENSIONS: tuple[str, ...] = ("placement", "shot_type", "replay")

#: Values of the ``replay`` dimension in the table (the column itself is a bool).
LIVE, REPLAY = "live", "replay"

#: The values every sponsor gets a row for, per dimension, in display order (others found are added
#: after them, sorted).
DIMENSION_VALUES: dict[str, tuple[str, ...]] = {
    "placement": (*PLACEMENTS, UNKNOWN),
    "shot_type": (*SHOT_TYPES, UNKNOWN),
    "replay": (LIVE, REPLAY),
}

#: The context table, one row per sponsor, dimension and value (sponsors in the sponsor table's
#: order, then dimensions and values in display order).
CONTEXT_TABLE_COLUMNS: dict[str, str] = {
    "sponsor": "object",
    "dimension": "object",  # one of DIMENSIONS
    "value": "object",  # one of DIMENSION_VALUES[dimension] (or another value the classifier gave)
    "exposure_s": "float64",  # seconds visible with this value
    "share_of_exposure": "float64",  # exposure_s / the sponsor's exposure_s, fraction (0 if never visible)
    "quality_s": "float64",  # sum of q x interval over those frames, seconds
    "media_value": "float64",  # quality_s x the sponsor's rate, currency
    "mean_screen_share": "float64",  # interval-weighted mean over those frames, fraction of frame area
    "mean_clarity": "float64",  # interval-weighted mean over those frames, [0, 1]
    "exposures": "int64",  # segments lasting >= min_exposure_s whose value this is, count
}


def empty_context() -> pd.DataFrame:
    """Return an empty context table with :data:`CONTEXT_TABLE_COLUMNS` and their dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in CONTEXT_TABLE_COLUMNS.items()})


def _codes(values: np.ndarray, names: list[str]) -> np.ndarray:
    """Return each entry's index in ``names`` (-1 where absent), hashing the entries once: the
    tables hold a row per visible frame, millions in a long match."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = pd.Index(names, dtype=object).get_indexer(np.asarray(uniques, dtype=object))
    return np.append(lookup, -1).astype(np.int64)[codes]


def _values(column: pd.Series, dimension: str) -> tuple[list[str], np.ndarray]:
    """Return ``(values, code per row)`` of a context column: the table's value names and each row's
    index into them. A missing value counts as ``UNKNOWN``; ``replay`` gives ``LIVE`` or ``REPLAY``
    (missing: live)."""
    if dimension == "replay":
        return [LIVE, REPLAY], column.fillna(False).to_numpy(dtype=bool).astype(np.int64)
    if isinstance(column.dtype, pd.CategoricalDtype):  # the visible-frames table's: codes at hand
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    found = [*(str(u) for u in uniques), UNKNOWN]
    codes = np.asarray(codes, dtype=np.int64)
    return found, np.where(codes < 0, len(found) - 1, codes)


def context_table(
    frames: pd.DataFrame,
    segments: pd.DataFrame,
    names: Sequence[str],
    rates: np.ndarray,
    min_exposure_s: float,
    tolerance_s: float = 1e-9,
) -> pd.DataFrame:
    """Return the context table (:data:`CONTEXT_TABLE_COLUMNS`) of the sponsors ``names``.

    ``frames`` is the visible-frames table of :mod:`measure.exposure` (``FRAME_COLUMNS``: ``sponsor``,
    ``interval_s``, ``screen_share``, ``clarity``, ``quality`` and the context columns), ``segments``
    its segment table (``sponsor``, ``duration_s`` and the context columns), ``rates`` each sponsor's
    rate (currency per quality second, aligned with ``names``). A segment counts as an exposure when
    ``duration_s >= min_exposure_s - tolerance_s`` (seconds). Every sponsor gets a row for each value
    of :data:`DIMENSION_VALUES` (zeros where it never had it), plus any other value found; sponsors
    in ``names`` order, then dimensions and values in display order.
    """
    names = list(names)
    n = len(names)
    if n == 0:
        return empty_context()
    sp = _codes(frames["sponsor"].to_numpy(dtype=object), names)
    dt = frames["interval_s"].to_numpy(dtype=float)
    share = frames["screen_share"].to_numpy(dtype=float)
    clarity = frames["clarity"].to_numpy(dtype=float)
    q_dt = frames["quality"].to_numpy(dtype=float) * dt
    total = np.bincount(sp, dt, minlength=n)
    seg_sp = _codes(segments["sponsor"].to_numpy(dtype=object), names)
    counted = segments["duration_s"].to_numpy(dtype=float) >= min_exposure_s - tolerance_s
    rates = np.asarray(rates, dtype=float)

    parts = []
    for dim in DIMENSIONS:
        found, codes = _values(frames[dim], dim)
        seg_found, seg_codes = _values(segments[dim], dim)
        known = DIMENSION_VALUES[dim]
        extra = sorted({found[c] for c in np.unique(codes)} | {seg_found[c] for c in np.unique(seg_codes)})
        values = [*known, *(v for v in extra if v not in known)]
        k = len(values)
        key = sp * k + pd.Index(values, dtype=object).get_indexer(found)[codes]
        seg_value = pd.Index(values, dtype=object).get_indexer(seg_found)[seg_codes]
        m = n * k
        seconds = np.bincount(key, dt, minlength=m)
        quality_s = np.bincount(key, q_dt, minlength=m)
        sponsor_total = np.repeat(total, k)
        part = {
            "sponsor": np.repeat(np.array(names, dtype=object), k),
            "dimension": np.full(m, dim, dtype=object),
            "value": np.tile(np.array(values, dtype=object), n),
            "exposure_s": seconds,
            "share_of_exposure": np.divide(seconds, sponsor_total, out=np.zeros(m), where=sponsor_total > 0),
            "quality_s": quality_s,
            "media_value": quality_s * np.repeat(rates, k),
            "mean_screen_share": weighted_mean(share, dt, key, m),
            "mean_clarity": weighted_mean(clarity, dt, key, m),
            "exposures": np.bincount(seg_sp[counted] * k + seg_value[counted], minlength=m).astype(np.int64),
        }
        parts.append(pd.DataFrame({c: pd.Series(v, dtype=CONTEXT_TABLE_COLUMNS[c]) for c, v in part.items()}))
    table = pd.concat(parts, ignore_index=True)
    # sponsor order first (stable: dimensions and values keep their display order)
    order = np.argsort(_codes(table["sponsor"].to_numpy(dtype=object), names), kind="stable")
    return table.iloc[order].reset_index(drop=True)


def weighted_mean(values: np.ndarray, weights: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """Return, per group ``0..n-1``, the mean of ``values`` weighted by ``weights`` (seconds): the
    plain mean where the weights sum to 0, and 0 for an empty group. The sponsor and segment tables
    (:mod:`measure.exposure`) take their interval-weighted means from it too."""
    num = np.bincount(groups, weights * values, minlength=n)
    den = np.bincount(groups, weights, minlength=n)
    count = np.bincount(groups, minlength=n)
    plain = np.bincount(groups, values, minlength=n)
    out = np.zeros(n)
    np.divide(plain, count, out=out, where=count > 0)
    np.divide(num, den, out=out, where=den > 0)
    return out
