"""Competitors: catalogue categories (``category = "airline"``) over a video's visible frames.

Sponsors of one category compete for the same viewers. From the visible (sponsor, analysed frame)
rows that :func:`measure.exposure.aggregate` builds (every one already counted in the sponsor's
``exposure_s``), this module gives

* per sponsor, ``competitor_s``: seconds the sponsor is visible while at least one *other* sponsor
  of its category is visible too (0 for a sponsor without a category);
* per category, one row of :data:`CATEGORY_COLUMNS`: its sponsors, the seconds any of them is
  visible (``category_s``), the sum of their exposure (``sponsor_s``), its share of voice and its
  *clash seconds* (``clash_s``: two or more of its sponsors visible at once).

A photo archive counts photos instead (:func:`photo_categories`): per sponsor ``competitor_photos``,
per category :data:`PHOTO_CATEGORY_COLUMNS`.

Definitions are :data:`measure.methodology.METRICS`; the visible frames and their ``interval_s``
weights are exactly those of the sponsor numbers, so ``competitor_s <= exposure_s``,
``clash_s <= category_s <= sponsor_s`` and the category shares add up to the categorised sponsors'
share of voice. Sponsors without a category belong to no category. All times are seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

#: Per-category table, one row per category of the sponsors analysed, sorted by category name.
CATEGORY_COLUMNS: dict[str, str] = {
    "category": "object",  # the catalogue's category name
    "sponsors": "int64",  # sponsors analysed in the category (count)
    "category_s": "float64",  # seconds at least one of its sponsors is visible (union), seconds
    "sponsor_s": "float64",  # sum of its sponsors' exposure_s, seconds
    "category_share_of_voice": "float64",  # sponsor_s / every analysed sponsor's exposure_s, fraction
    "clash_s": "float64",  # seconds two or more of its sponsors are visible at once, seconds
}


#: Per-category table of a photo archive, one row per category, sorted by category name.
PHOTO_CATEGORY_COLUMNS: dict[str, str] = {
    "category": "object",
    "sponsors": "int64",  # sponsors analysed in the category (count)
    "photos_with_category": "int64",  # photos in which at least one of its sponsors appears (count)
    "clash_photos": "int64",  # photos in which two or more of its sponsors appear (count)
}

#: Per-sponsor numbers that mean something only when the catalogue gives categories: reports and
#: comparisons without categories leave them out of their tables (they are 0 there).
COMPETITOR_KEYS: frozenset[str] = frozenset({"competitor_s", "competitor_photos"})


def empty_categories() -> pd.DataFrame:
    """Return an empty category table with :data:`CATEGORY_COLUMNS` and their dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in CATEGORY_COLUMNS.items()})


def category_codes(
    names: Sequence[str], categories: Mapping[str, str | None] | None
) -> tuple[list[str], np.ndarray]:
    """Return ``(category names sorted, code per sponsor)``: ``code[i]`` is the index of sponsor
    ``names[i]``'s category in the sorted list, -1 for a sponsor without one."""
    cats = categories or {}
    of = [cats.get(n) or None for n in names]
    found = sorted({c for c in of if c is not None})
    index = {c: i for i, c in enumerate(found)}
    return found, np.array([index[c] if c is not None else -1 for c in of], dtype=np.int64)


def _per_category_frame(
    v_cat: np.ndarray, v_fi: np.ndarray, n_frames: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group categorised visible rows by (category, analysed frame).

    Returns ``(unique keys, inverse per row, rows per key)``; key = category x n_frames + frame. The
    rows are one per (sponsor, frame), so the count per key is the number of distinct sponsors of
    that category visible in that frame."""
    key = v_cat * max(n_frames, 1) + v_fi
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return uniq, inverse.reshape(-1), counts


def competitor_seconds(
    v_sp: np.ndarray,
    v_fi: np.ndarray,
    v_dt: np.ndarray,
    sponsor_cat: np.ndarray,
    n_frames: int,
) -> np.ndarray:
    """Return ``competitor_s`` per sponsor (seconds, float array of ``len(sponsor_cat)``).

    ``v_sp``, ``v_fi`` and ``v_dt`` are the visible rows (sponsor code, analysed-frame index, its
    ``interval_s`` in seconds), one per visible (sponsor, frame); ``sponsor_cat`` the category code of
    each sponsor (-1: none). A row counts when another sponsor of its category is visible in its frame.
    """
    n = len(sponsor_cat)
    v_cat = sponsor_cat[v_sp] if len(v_sp) else np.zeros(0, np.int64)
    has = v_cat >= 0
    if not has.any():
        return np.zeros(n)
    _, inverse, counts = _per_category_frame(v_cat[has], v_fi[has], n_frames)
    rival = counts[inverse] >= 2
    return np.bincount(v_sp[has], v_dt[has] * rival, minlength=n).astype(float)


def category_table(
    v_sp: np.ndarray,
    v_fi: np.ndarray,
    intervals: np.ndarray,
    sponsor_cat: np.ndarray,
    cat_names: Sequence[str],
    exposure_s: np.ndarray,
) -> pd.DataFrame:
    """Return the per-category table (:data:`CATEGORY_COLUMNS`, one row per name in ``cat_names``).

    ``v_sp``/``v_fi`` are the visible rows as in :func:`competitor_seconds`, ``intervals`` the
    ``interval_s`` of every analysed frame (seconds), ``exposure_s`` each sponsor's exposure seconds
    (its ``exposure_s``; their sum over all sponsors is the share-of-voice denominator).
    """
    n_cat, n_frames = len(cat_names), len(intervals)
    if n_cat == 0:
        return empty_categories()
    v_cat = sponsor_cat[v_sp] if len(v_sp) else np.zeros(0, np.int64)
    has = v_cat >= 0
    uniq, _, counts = _per_category_frame(v_cat[has], v_fi[has], n_frames)
    u_cat, u_fi = uniq // max(n_frames, 1), uniq % max(n_frames, 1)
    dt = intervals[u_fi] if len(uniq) else np.zeros(0)
    category_s = np.bincount(u_cat, dt, minlength=n_cat)
    clash_s = np.bincount(u_cat, dt * (counts >= 2), minlength=n_cat)
    of_cat = sponsor_cat >= 0
    sponsor_s = np.bincount(sponsor_cat[of_cat], exposure_s[of_cat], minlength=n_cat)
    members = np.bincount(sponsor_cat[of_cat], minlength=n_cat).astype(np.int64)
    total = float(np.sum(exposure_s))
    share = sponsor_s / total if total > 0 else np.zeros(n_cat)
    return pd.DataFrame(
        {
            "category": pd.Series(list(cat_names), dtype=object),
            "sponsors": members,
            "category_s": category_s,
            "sponsor_s": sponsor_s,
            "category_share_of_voice": share,
            "clash_s": clash_s,
        },
        columns=list(CATEGORY_COLUMNS),
    )


def photo_categories(
    appearances: pd.DataFrame, names: Sequence[str], categories: Mapping[str, str | None] | None
) -> tuple[np.ndarray, list[str | None], pd.DataFrame]:
    """Return ``(competitor_photos per sponsor of names, category per sponsor, category table)`` of a
    photo archive.

    ``appearances`` has one row per photo and sponsor that appears in it (``photo``, ``sponsor``;
    :data:`measure.photos.APPEARANCE_COLUMNS`). ``competitor_photos`` counts the photos in which the
    sponsor appears with another sponsor of its category; the table (:data:`PHOTO_CATEGORY_COLUMNS`)
    counts per category the photos with one or more of its sponsors and those with two or more.
    """
    cat_names, codes = category_codes(names, categories)
    of = [cat_names[c] if c >= 0 else None for c in codes]
    sponsor_cat = dict(zip(names, of, strict=True))
    app = appearances[["photo", "sponsor"]].assign(category=appearances["sponsor"].map(sponsor_cat))
    app = app[app["category"].notna()]
    per = app.groupby(["photo", "category"]).size().rename("n").reset_index()
    app = app.merge(per, on=["photo", "category"], how="left")
    rivals = app[app["n"] >= 2].groupby("sponsor").size()
    competitor = np.array([int(rivals.get(n, 0)) for n in names], dtype=np.int64)
    members = pd.Series([c for c in of if c is not None], dtype=object).value_counts()
    rows = [
        {
            "category": c,
            "sponsors": int(members.get(c, 0)),
            "photos_with_category": int((per["category"] == c).sum()),
            "clash_photos": int(((per["category"] == c) & (per["n"] >= 2)).sum()),
        }
        for c in cat_names
    ]
    table = pd.DataFrame(rows, columns=list(PHOTO_CATEGORY_COLUMNS)).astype(PHOTO_CATEGORY_COLUMNS)
    return competitor, of, table
