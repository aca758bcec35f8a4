"""Photo archives: per-photo detections to per-sponsor archive statistics.

A photo has no duration, so the unit is the photo. A sponsor *appears* in a photo when at least
one of its detections there qualifies, with exactly the rule video uses
(:func:`measure.quality.qualifies`: the short side on the photo scaled to a 720 px short side
>= ``min_side_px`` and clarity without its size factor >= ``min_clarity``).
For each photo and sponsor that appears:

- ``screen_share`` = area of the union of the sponsor's qualifying polygons inside the photo /
  photo area (:func:`measure.quality.union_share`: overlapping detections count once), a fraction;
- ``clarity`` = the clarity of its clearest qualifying detection in the photo, in [0, 1];
- ``centrality`` = that of its largest qualifying detection, in [0, 1];
- ``clutter`` = the number of other sponsors that appear in the photo;
- ``quality`` = :func:`measure.exposure.quality_index` of the above, in [0, 1]: the same quality
  index a video frame gets.

These are the per-frame definitions of video (:mod:`measure.exposure`), applied to one photo.

Per sponsor, over the archive:

==================== ==========================================================================
photos_with_sponsor  photos in which the sponsor appears (count)
photo_rate           photos_with_sponsor / photos analysed (fraction; 0 for an empty archive)
mean_screen_share    mean of the per-photo screen_share over the photos it appears in (0 if none)
max_screen_share     largest per-photo screen_share (0 if none)
mean_clarity         mean of the per-photo clarity over the photos it appears in (0 if none)
best_photo           the photo with the highest quality (ties: the earlier photo); None if it
                     appears in none
best_photo_quality   the quality of the best photo, [0, 1] (0 if none)
solo_photos          photos in which it is the only sponsor that appears (count)
detections           qualifying detections of the sponsor over the archive (count)
competitor_photos    photos in which another sponsor of its catalogue category appears too (count)
category             its catalogue category (None without one)
==================== ==========================================================================

Per catalogue category: :func:`measure.categories.photo_categories`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from measure.categories import photo_categories
from measure.exposure import quality_index
from measure.geometry import clipped_areas
from measure.quality import qualifies, union_share
from measure.records import polygons
from measure.settings import MeasureSettings

#: Columns (and dtypes) of the per-sponsor archive table, in this order.
PHOTO_SPONSOR_COLUMNS: dict[str, str] = {
    "sponsor": "object",
    "photos_with_sponsor": "int64",
    "photo_rate": "float64",
    "mean_screen_share": "float64",
    "max_screen_share": "float64",
    "mean_clarity": "float64",
    "best_photo": "object",
    "best_photo_quality": "float64",
    "solo_photos": "int64",
    "detections": "int64",
    "competitor_photos": "int64",  # photos in which another sponsor of its category appears too
    "category": "object",  # the catalogue's category (None without one)
}

#: Columns (and dtypes) of the per-photo table, in this order.
PHOTO_COLUMNS: dict[str, str] = {
    "photo": "object",  # path of the photo
    "width": "int64",  # pixels, after EXIF orientation
    "height": "int64",
    "detections": "int64",  # all detections of the reported sponsors
    "qualifying": "int64",  # detections that qualify
    "sponsors": "int64",  # sponsors that appear (have a qualifying detection)
    "sponsor_names": "object",  # their names, sorted, joined with ";"
    "screen_share": "float64",  # union of every qualifying polygon / photo area, fraction
}

#: Columns (and dtypes) of the per-photo, per-sponsor table.
APPEARANCE_COLUMNS: dict[str, str] = {
    "photo": "object",
    "sponsor": "object",
    "screen_share": "float64",
    "clarity": "float64",
    "centrality": "float64",
    "clutter": "int64",
    "quality": "float64",
    "detections": "int64",
}


@dataclass(frozen=True)
class PhotoStats:
    """Result of :func:`photo_stats`.

    ``sponsors``: one row per sponsor (:data:`PHOTO_SPONSOR_COLUMNS`); ``photos``: one row per
    photo (:data:`PHOTO_COLUMNS`); ``appearances``: one row per photo and sponsor that appears in
    it (:data:`APPEARANCE_COLUMNS`); ``detections``: the input detections of the reported sponsors
    with ``qualifies`` set; ``categories``: one row per catalogue category
    (:data:`measure.categories.PHOTO_CATEGORY_COLUMNS`; empty without categories).
    """

    sponsors: pd.DataFrame
    photos: pd.DataFrame
    appearances: pd.DataFrame
    detections: pd.DataFrame
    categories: pd.DataFrame = field(default_factory=pd.DataFrame)


def _typed(rows: list[dict[str, object]] | dict[str, object], columns: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    return df.astype(columns)


def photo_stats(
    detections: pd.DataFrame,
    photos: pd.DataFrame,
    settings: MeasureSettings,
    sponsors: Sequence[str] | None = None,
    categories: Mapping[str, str | None] | None = None,
) -> PhotoStats:
    """Return per-photo and per-sponsor archive statistics (see the module docstring).

    ``detections`` has the detection and quality columns of :mod:`measure.records` (``qualifies``
    is recomputed from ``settings``) plus ``photo``, the path of the photo each came from.
    ``photos`` lists every analysed photo (``photo``, ``width``, ``height`` in pixels), including
    those without detections: it is the denominator of ``photo_rate``. ``sponsors`` are the
    sponsors to report, each getting a row even when it appears nowhere; ``None`` reports every
    sponsor found in ``detections``. Detections of other sponsors are ignored. ``categories`` maps
    sponsors to their catalogue category (:func:`measure.categories.photo_categories`).

    Raises ValueError when a detection names a photo missing from ``photos`` or ``photos`` lists a
    photo twice.
    """
    photos = photos.reset_index(drop=True)
    if photos["photo"].duplicated().any():
        dup = photos.loc[photos["photo"].duplicated(), "photo"].iloc[0]
        raise ValueError(f"photo listed twice: {dup}")
    if sponsors is None:
        sponsors = sorted(set(detections["sponsor"].astype(str)))
    sponsors = list(dict.fromkeys(sponsors))
    dets = detections[detections["sponsor"].isin(sponsors)].copy()
    unknown = set(dets["photo"]) - set(photos["photo"])
    if unknown:
        raise ValueError(f"detections of a photo not in the photo list: {sorted(map(str, unknown))[0]}")
    size = {p: (int(w), int(h)) for p, w, h in photos[["photo", "width", "height"]].itertuples(index=False)}
    frame_side = np.array([min(size[p]) for p in dets["photo"]], dtype=float)
    dets["qualifies"] = qualifies(
        dets["clarity"], dets["short_side_px"], frame_side, settings, dets["visible_fraction"]
    )
    order = {p: i for i, p in enumerate(photos["photo"])}
    good = dets[dets["qualifies"]]
    polys = polygons(good)
    clarity = good["clarity"].to_numpy(float)
    centrality = good["centrality"].to_numpy(float)
    if not (np.isfinite(polys).all() and np.isfinite(clarity).all() and np.isfinite(centrality).all()):
        raise ValueError("qualifying detections have NaN or infinite boxes, clarity or centrality")

    appearances: list[dict[str, object]] = []
    for (photo, sponsor), rows in good.groupby(["photo", "sponsor"], sort=False).indices.items():
        w, h = size[photo]
        area = clipped_areas(polys[rows], w, h)
        appearances.append(
            {
                "photo": photo,
                "sponsor": sponsor,
                "screen_share": union_share(polys[rows], w, h),
                "clarity": float(clarity[rows].max()),
                "centrality": float(centrality[rows][np.argmax(area)]),
                "clutter": 0,
                "quality": 0.0,
                "detections": len(rows),
            }
        )
    app = _typed(appearances, APPEARANCE_COLUMNS)
    app["_order"] = app["photo"].map(order).astype(np.int64)
    app = app.sort_values(["_order", "sponsor"], kind="stable").reset_index(drop=True)
    app["clutter"] = app.groupby("photo")["sponsor"].transform("size").astype(np.int64) - 1
    app["quality"] = quality_index(app["screen_share"], app["clarity"], app["centrality"], app["clutter"])

    n_photos = len(photos)
    rows_out: list[dict[str, object]] = []
    for sponsor in sponsors:
        mine = app[app["sponsor"] == sponsor]
        k = len(mine)
        if k:
            best = np.lexsort((mine["_order"].to_numpy(), -mine["quality"].to_numpy()))[0]
            best_photo, best_quality = mine["photo"].iloc[best], float(mine["quality"].iloc[best])
        else:
            best_photo, best_quality = None, 0.0
        rows_out.append(
            {
                "sponsor": sponsor,
                "photos_with_sponsor": k,
                "photo_rate": k / n_photos if n_photos else 0.0,
                "mean_screen_share": float(mine["screen_share"].mean()) if k else 0.0,
                "max_screen_share": float(mine["screen_share"].max()) if k else 0.0,
                "mean_clarity": float(mine["clarity"].mean()) if k else 0.0,
                "best_photo": best_photo,
                "best_photo_quality": best_quality,
                "solo_photos": int((mine["clutter"] == 0).sum()),
                "detections": int(mine["detections"].sum()),
            }
        )
    competitor, of, category_table = photo_categories(app, sponsors, categories)
    for r, n, c in zip(rows_out, competitor, of, strict=True):
        r.update(competitor_photos=int(n), category=c)
    sponsor_table = _typed(rows_out, PHOTO_SPONSOR_COLUMNS)
    sponsor_table["category"] = pd.Series(of, dtype=object, index=sponsor_table.index)  # None, not NaN

    photo_rows: list[dict[str, object]] = []
    all_count = dets.groupby("photo").size()
    good_rows = good.groupby("photo").indices
    per_photo = app.groupby("photo")["sponsor"].agg(lambda s: ";".join(sorted(s)))
    n_sponsors = app.groupby("photo").size()
    for photo, w, h in photos[["photo", "width", "height"]].itertuples(index=False):
        rows = good_rows.get(photo, np.zeros(0, np.int64))
        photo_rows.append(
            {
                "photo": photo,
                "width": w,
                "height": h,
                "detections": int(all_count.get(photo, 0)),
                "qualifying": len(rows),
                "sponsors": int(n_sponsors.get(photo, 0)),
                "sponsor_names": per_photo.get(photo, ""),
                "screen_share": union_share(polys[rows], int(w), int(h)),
            }
        )
    photo_table = _typed(photo_rows, PHOTO_COLUMNS)
    return PhotoStats(
        sponsor_table, photo_table, app.drop(columns="_order"), dets.reset_index(drop=True), category_table
    )
