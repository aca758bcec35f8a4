"""ROI features: one row per (event, sponsor), built from analyses and an optional events table.

Rows come from analysis directories (``DIR/report.json`` written by ``sponsorlens analyze`` or
``sponsorlens photos``) or from a batch database (:mod:`measure.db`: tables ``sources`` and
``sponsor_exposure``). The schema, validation and file I/O are in :mod:`measure.roi.schema`
and re-exported here.

Event ids. An analysis directory's event is its folder name; a video in a batch database is its
file stem; a photo in a batch database belongs to the event named after its folder. An events
table with a ``path`` column overrides this: a source whose path (or analysis folder, or photo
folder) matches a row's ``path`` - as written, resolved, or by file/folder name - gets that row's
``event_id``.

Several sources of one event (two halves of a match, the photos of a folder) are combined:
seconds, counts and media value are summed, ``max_screen_share`` is the maximum, the video means
(screen share, clarity, clutter) are weighted by exposure seconds and the photo means by
``photos_with_sponsor``; ``share_of_voice`` is recomputed as the sponsor's share of the event's
exposure seconds and ``photo_rate`` as photos_with_sponsor / photos. An event cannot mix video
and photo sources (give them separate event ids), and one source never appears under two events.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from measure.errors import InputError, first_line
from measure.folder import REPORT_FILE, has_report, read_report
from measure.paths import common_path
from measure.report import PhotoSource
from measure.roi.schema import (
    COLUMNS_BY_NAME,
    DEFAULT_MODEL_FEATURES,
    EVENT_COLUMNS,
    FEATURE_COLUMNS,
    FEATURE_SCHEMA,
    FEATURE_SCHEMA_VERSION,
    KEYS,
    METRIC_COLUMNS,
    MONOTONIC_FEATURES,
    NUMERIC_COLUMNS,
    SCHEMA_VERSION_KEY,
    FeatureColumn,
    FeatureError,
    _as_str,
    _to_date,
    _to_number,
    conform,
    fingerprint,
    read_features,
    read_table,
    schema_doc,
    validate_features,
    write_features,
)

__all__ = [
    "COLUMNS_BY_NAME",
    "DEFAULT_MODEL_FEATURES",
    "EVENT_COLUMNS",
    "FEATURE_COLUMNS",
    "FEATURE_SCHEMA",
    "FEATURE_SCHEMA_VERSION",
    "KEYS",
    "METRIC_COLUMNS",
    "MONOTONIC_FEATURES",
    "NUMERIC_COLUMNS",
    "SCHEMA_VERSION_KEY",
    "FeatureColumn",
    "FeatureError",
    "Source",
    "build_features",
    "conform",
    "discover_inputs",
    "fingerprint",
    "read_costs",
    "read_database",
    "read_events",
    "read_features",
    "read_source",
    "read_table",
    "schema_doc",
    "validate_features",
    "write_features",
]

_VIDEO_SUMS = ("exposure_s", "exposures", "quality_s", "solo_s", "media_value")
_VIDEO_MEANS = ("mean_screen_share", "mean_clarity", "mean_clutter")
_PHOTO_SUMS = ("photos_with_sponsor", "solo_photos")
_PHOTO_MEANS = ("mean_screen_share", "mean_clarity")
_ROW_COLUMNS = ("sponsor", *METRIC_COLUMNS)


@dataclass(frozen=True)
class Source:
    """One analysed source and its per-sponsor metrics.

    ``kind`` is ``"video"`` or ``"photos"``; ``photos`` the number of photos it holds (NaN for a
    video); ``aliases`` the strings an events table's ``path`` may use for it, most specific
    first; ``rows`` one row per sponsor with ``sponsor`` and :data:`METRIC_COLUMNS` (NaN where the
    source does not report a metric).
    """

    event_id: str
    kind: str
    path: str
    photos: float
    aliases: tuple[str, ...]
    rows: pd.DataFrame


def _aliases(*paths: str | Path | None) -> tuple[str, ...]:
    out: list[str] = []
    for p in paths:
        if p is None or p == "":
            continue
        p = Path(p)
        out += [str(p), str(p.resolve()), p.name]
    return tuple(dict.fromkeys(out))


def _number(v: Any) -> float:
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _check_sponsors(rows: pd.DataFrame, where: str) -> None:
    dup = rows["sponsor"].duplicated()
    if dup.any():
        raise FeatureError(f"{where}: sponsor {rows.loc[dup, 'sponsor'].iloc[0]!r} is listed twice")


def read_source(directory: str | Path) -> Source:
    """Read an analysis directory (from ``analyze`` or ``photos``; its report validated by
    :func:`measure.folder.read_report`, the one reader of analysis folders) into a :class:`Source`.

    Raises :class:`FeatureError` naming the file when the folder is not an analysis, a sponsor is
    listed twice or a photo report lacks its photo count.
    """
    directory = Path(directory)
    path = directory / REPORT_FILE
    try:
        report = read_report(directory)
    except InputError as e:
        raise FeatureError(str(e)) from None
    src = report.source
    kind = report.kind
    rows = [
        {"sponsor": row["sponsor"], **{m: _number(row.get(m)) for m in METRIC_COLUMNS}}
        for row in (r.model_dump() for r in report.sponsors)
    ]
    for i, row in enumerate(rows):
        if not row["sponsor"]:
            raise FeatureError(f"{path}: sponsors[{i}] has no 'sponsor' name")
    table = pd.DataFrame(rows, columns=list(_ROW_COLUMNS))
    _check_sponsors(table, str(path))
    photos = _number(src.photos) if isinstance(src, PhotoSource) else math.nan
    return Source(
        event_id=directory.resolve().name,
        kind=kind,
        path=str(src.path or directory),
        photos=photos,
        aliases=_aliases(directory, src.path),
        rows=table,
    )


def read_database(db_path: str | Path, run: str | None = None) -> list[Source]:
    """Read the finished sources of one run of a batch database (:mod:`measure.db`).

    ``run`` is a run-key prefix, needed when the database holds results of several models or
    settings. Returns one :class:`Source` per video and per photo; a video's event id is its file
    stem, a photo's its folder name. Raises :class:`FeatureError`.
    """
    from measure import db as batch_db

    db_path = Path(db_path)
    try:
        con = batch_db.connect(db_path, read_only=True)
    except (OSError, ValueError) as e:
        raise FeatureError(f"{db_path}: {first_line(e).removeprefix(f'{db_path}: ')}") from None
    try:
        key = batch_db.pick_run_key(con, run)
        srcs = con.execute(
            "SELECT source_id, path, kind, photos FROM sources "
            "WHERE run_key = ? AND status = 'done' ORDER BY path, source_id",
            [key],
        ).df()
        exp = con.execute(
            "SELECT e.* FROM sponsor_exposure e JOIN sources s USING (source_id) "
            "WHERE s.run_key = ? AND s.status = 'done'",
            [key],
        ).df()
    except ValueError as e:
        raise FeatureError(f"{db_path}: {first_line(e)}") from None
    finally:
        con.close()
    by_source = dict(tuple(exp.groupby("source_id", sort=False))) if len(exp) else {}
    out = []
    for sid, path, kind, photos in srcs.itertuples(index=False):
        group = by_source.get(sid)
        rows = pd.DataFrame({"sponsor": [] if group is None else group["sponsor"].astype("str").to_numpy()})
        for m in METRIC_COLUMNS:
            rows[m] = pd.to_numeric(group[m], errors="coerce").to_numpy(float) if group is not None else []
        _check_sponsors(rows, f"{db_path}: source {path}")
        p = Path(str(path))
        if kind == "photo":
            n = _number(photos)
            src = Source(p.parent.name, "photos", str(p), 1.0 if math.isnan(n) else n,
                         _aliases(p, p.parent), rows)  # fmt: skip
        else:
            src = Source(p.stem, "video", str(p), math.nan, _aliases(p), rows)
        out.append(src)
    return out


def read_events(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Read an events table: ``event_id`` and optionally ``path``, ``date``, ``competition``, ``audience``.

    The table may also be in long form with ``sponsor`` and ``cost`` columns (one row per event and
    sponsor); then the event columns must agree within an event. Returns (events, costs or None).
    """
    path = Path(path)
    df = read_table(path, "events table", string_columns=(*KEYS, "path", "competition"))
    return _split_events(df, str(path))


def _split_events(df: pd.DataFrame, where: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    if "event_id" not in df.columns:
        raise FeatureError(f"{where}: events table has no 'event_id' column")
    unknown = set(map(str, df.columns)) - {"event_id", "path", "sponsor", "cost", *EVENT_COLUMNS}
    if unknown:
        raise FeatureError(f"{where}: events table has unknown columns: {', '.join(sorted(unknown))}")
    df = df.copy()
    for c in ("event_id", "sponsor", "path", "competition"):
        if c in df.columns:
            df[c] = _as_str(df[c])
    if df["event_id"].isna().any():
        raise FeatureError(f"{where}: column 'event_id' has empty values")
    costs = None
    if "sponsor" in df.columns or "cost" in df.columns:
        if not {"sponsor", "cost"} <= set(df.columns):
            raise FeatureError(f"{where}: an events table with costs needs both 'sponsor' and 'cost' columns")
        costs = _check_costs(df.loc[df["sponsor"].notna(), ["event_id", "sponsor", "cost"]], where)
        df = df.drop(columns=["sponsor", "cost"])
    events = _check_event_columns(df.drop_duplicates(), where)
    attrs = [c for c in EVENT_COLUMNS if c in events.columns]
    conflict = events.drop_duplicates(subset=["event_id", *attrs]).duplicated(subset=["event_id"], keep=False)
    if conflict.any():
        bad = events.drop_duplicates(subset=["event_id", *attrs]).loc[conflict, "event_id"].iloc[0]
        raise FeatureError(f"{where}: event {bad!r} has conflicting date, competition or audience rows")
    if "path" in events.columns:
        mapped = events.dropna(subset=["path"]).drop_duplicates(subset=["path", "event_id"])
        clash = mapped.duplicated(subset=["path"], keep=False)
        if clash.any():
            raise FeatureError(
                f"{where}: path {mapped.loc[clash, 'path'].iloc[0]!r} maps to several event_ids"
            )
    return events, costs


def read_costs(path: str | Path) -> pd.DataFrame:
    """Read a costs table (``event_id``, ``sponsor``, ``cost`` in currency); return it checked."""
    path = Path(path)
    df = read_table(path, "costs table")
    return _check_costs(df, str(path))


def _check_costs(df: pd.DataFrame, where: str) -> pd.DataFrame:
    missing = {"event_id", "sponsor", "cost"} - set(df.columns)
    if missing:
        raise FeatureError(f"{where}: costs table lacks columns: {', '.join(sorted(missing))}")
    df = df[["event_id", "sponsor", "cost"]].copy()
    for k in KEYS:
        df[k] = _as_str(df[k])
        if df[k].isna().any():
            raise FeatureError(f"{where}: column {k!r} of the costs has empty values")
    df["cost"] = _to_number(df["cost"], "cost", where)
    if (df["cost"] < 0).any():
        raise FeatureError(f"{where}: column 'cost' has negative values")
    dup = df.duplicated(subset=list(KEYS), keep=False)
    if dup.any():
        e, s = df.loc[dup, ["event_id", "sponsor"]].iloc[0]
        raise FeatureError(f"{where}: more than one cost for event {e!r} and sponsor {s!r}")
    return df


def _check_event_columns(events: pd.DataFrame, where: str) -> pd.DataFrame:
    events = events.copy()
    if "date" in events.columns:
        events["date"] = _to_date(events["date"], where)
    if "audience" in events.columns:
        events["audience"] = _to_number(events["audience"], "audience", where)
        if (events["audience"] < 0).any():
            raise FeatureError(f"{where}: column 'audience' has negative values")
    return events


def discover_inputs(inputs: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Sort inputs into analysis directories and DuckDB files.

    A directory with ``report.json`` is one analysis; a directory without one contributes its
    immediate subdirectories that have one. Files ending ``.duckdb`` or ``.db`` are databases.
    Returns (directories, databases); raises :class:`FeatureError` for anything else.
    """
    dirs: list[Path] = []
    dbs: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_file() and p.suffix.lower() in (".duckdb", ".db"):
            dbs.append(p)
        elif p.is_dir() and has_report(p):
            dirs.append(p)
        elif p.is_dir():
            found = sorted(d for d in p.iterdir() if d.is_dir() and has_report(d))
            if not found:
                raise FeatureError(f"{p}: no report.json in it or in its subdirectories")
            dirs += found
        elif p.exists():
            raise FeatureError(f"{p}: expected an analysis directory or a .duckdb database")
        else:
            raise FeatureError(f"{p}: not found")
    return dirs, dbs


def _weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    ok = values.notna()
    if not ok.any():
        return math.nan
    w = weights[ok].fillna(0).to_numpy(float)
    v = values[ok].to_numpy(float)
    return float(np.dot(w, v) / w.sum()) if w.sum() > 0 else 0.0


def _combine(sources: Sequence[Source], kind: str) -> pd.DataFrame:
    """Combine several sources of one event into one row per sponsor (rules in the module doc)."""
    df = pd.concat([s.rows for s in sources], ignore_index=True)
    rows = []
    if kind == "video":
        event_total = df["exposure_s"].sum()
    for sponsor, g in df.groupby("sponsor", sort=True):
        row: dict[str, Any] = {c: math.nan for c in _ROW_COLUMNS}
        row["sponsor"] = sponsor
        if kind == "video":
            for c in _VIDEO_SUMS:
                row[c] = g[c].sum(min_count=1)
            for c in _VIDEO_MEANS:
                row[c] = _weighted_mean(g[c], g["exposure_s"])
            row["max_screen_share"] = g["max_screen_share"].max()
            row["share_of_voice"] = row["exposure_s"] / event_total if event_total > 0 else 0.0
        else:
            for c in _PHOTO_SUMS:
                row[c] = g[c].sum(min_count=1)
            for c in _PHOTO_MEANS:
                row[c] = _weighted_mean(g[c], g["photos_with_sponsor"])
            row["max_screen_share"] = g["max_screen_share"].max()
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(_ROW_COLUMNS))
    if kind == "photos":
        photos = float(sum(s.photos for s in sources))
        out["photo_rate"] = out["photos_with_sponsor"] / photos if photos > 0 else 0.0
    return out


def build_features(
    inputs: Iterable[str | Path] = (),
    *,
    events: str | Path | pd.DataFrame | None = None,
    costs: str | Path | pd.DataFrame | None = None,
    run: str | None = None,
) -> pd.DataFrame:
    """Build the features table (one row per event and sponsor) from analyses and databases.

    ``inputs`` are analysis directories, folders of them, or DuckDB batch databases (see
    :func:`discover_inputs`); ``run`` picks the run key (prefix) of a database with several.
    ``events`` maps sources to event ids (by ``path``) and adds the event columns; ``costs`` adds
    the sponsor's cost. Returns a DataFrame with every column of :data:`FEATURE_SCHEMA`, sorted by
    event and sponsor, with ``attrs["schema_version"]`` set. Raises :class:`FeatureError`.
    """
    dirs, dbs = discover_inputs(inputs)
    sources: list[Source] = [read_source(d) for d in dirs]
    for db in dbs:
        sources += read_database(db, run)
    if not sources:
        raise FeatureError("no analysis directories or databases given")

    events_df, event_costs = _load_events(events)
    costs_df = _load_costs(costs)
    if event_costs is not None:
        both = event_costs if costs_df is None else pd.concat([event_costs, costs_df], ignore_index=True)
        costs_df = _check_costs(both, "events and costs tables")

    path_map: dict[str, str] = {}
    if events_df is not None and "path" in events_df.columns:
        for p, e in events_df.dropna(subset=["path"])[["path", "event_id"]].itertuples(index=False):
            for alias in _aliases(p):
                path_map.setdefault(alias, e)

    by_event: dict[str, list[Source]] = {}
    for s in sources:
        event_id = next((path_map[a] for a in s.aliases if a in path_map), s.event_id)
        by_event.setdefault(event_id, []).append(s)
    frames = []
    for event_id, group in by_event.items():
        paths = [s.path for s in group]
        if len(set(paths)) < len(paths):
            dup = next(p for p in paths if paths.count(p) > 1)
            raise FeatureError(
                f"{dup} is given twice (event {event_id!r}); pass each analysis once "
                "(a database holding it twice needs --run)"
            )
        kinds = sorted({s.kind for s in group})
        if len(kinds) > 1:
            raise FeatureError(
                f"event {event_id!r} mixes video and photo sources; "
                "give them distinct event_ids in an events table"
            )
        rows = group[0].rows.copy() if len(group) == 1 else _combine(group, kinds[0])
        rows.insert(0, "event_id", event_id)
        rows["source_kind"] = kinds[0]
        rows["source_path"] = common_path(paths)
        rows["photos"] = float(sum(s.photos for s in group)) if kinds[0] == "photos" else math.nan
        frames.append(rows)
    df = pd.concat(frames, ignore_index=True)
    if events_df is not None:
        ev = events_df.drop(columns=["path"], errors="ignore").drop_duplicates(subset=["event_id"])
        df = df.merge(ev, on="event_id", how="left")
    if costs_df is not None:
        df = df.merge(costs_df, on=list(KEYS), how="left")
    return conform(df)


def _load_events(events: str | Path | pd.DataFrame | None) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    if events is None:
        return None, None
    if isinstance(events, pd.DataFrame):
        return _split_events(events, "events table")
    return read_events(events)


def _load_costs(costs: str | Path | pd.DataFrame | None) -> pd.DataFrame | None:
    if costs is None:
        return None
    if isinstance(costs, pd.DataFrame):
        return _check_costs(costs, "costs table")
    return read_costs(costs)
