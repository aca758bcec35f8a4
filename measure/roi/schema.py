"""The features table's schema (version, documented columns), validation, Parquet/CSV I/O, fingerprint.

Every features table carries all columns of :data:`FEATURE_SCHEMA` (values that do not apply, such
as photo statistics of a video source, are missing, never zero) and the schema version: in the
Parquet file metadata (key ``schema_version``) or, for CSV, in a ``FILE.schema.json`` sidecar (a
first line ``# schema_version=N`` is also accepted). Readers refuse a table whose version differs,
that lacks a schema column or that has a column the schema does not know.

Building the table from analyses lives in :mod:`measure.roi.features`, which re-exports this module.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from measure.errors import InputError, first_line
from measure.hashing import sha256_text
from measure.store import atomic_path

#: Version of :data:`FEATURE_SCHEMA`. Bump it whenever a column is added, removed or redefined.
FEATURE_SCHEMA_VERSION = "1"

#: Key of the schema version in Parquet metadata and in the CSV sidecar.
SCHEMA_VERSION_KEY = "schema_version"

KEYS: tuple[str, str] = ("event_id", "sponsor")


class FeatureError(InputError):
    """A features, events, costs or outcomes table is unreadable or does not fit the schema."""


@dataclass(frozen=True)
class FeatureColumn:
    """One documented column of the features table.

    ``kind`` is ``"string"``, ``"number"`` (float64, missing = NaN) or ``"date"``. ``role`` says
    where it comes from: ``key``, ``meta`` (provenance), ``event`` (events/costs table), ``video``
    or ``photo`` (the analysis), ``both`` (video and photo analyses). ``level`` is ``"event"`` for
    values that are the same for every sponsor of an event. ``bounds`` is the allowed closed range.
    """

    name: str
    kind: Literal["string", "number", "date"]
    unit: str
    role: Literal["key", "meta", "event", "video", "photo", "both"]
    description: str
    level: Literal["row", "event"] = "row"
    bounds: tuple[float, float] = (0.0, math.inf)


#: The features table, version :data:`FEATURE_SCHEMA_VERSION`, in column order.
FEATURE_SCHEMA: tuple[FeatureColumn, ...] = (
    FeatureColumn("event_id", "string", "", "key",
                  "event identifier: the analysis folder name or source file stem, or as mapped by the "
                  "events table", level="event"),
    FeatureColumn("sponsor", "string", "", "key", "sponsor name (class name of the detection model)"),
    FeatureColumn("source_kind", "string", "", "meta", "'video' or 'photos'", level="event"),
    FeatureColumn("source_path", "string", "", "meta", "analysed video or photo folder", level="event"),
    FeatureColumn("date", "date", "", "event", "event date (events table)", level="event"),
    FeatureColumn("competition", "string", "", "event", "competition or league (events table)",
                  level="event"),
    FeatureColumn("audience", "number", "people", "event", "audience of the event (events table)",
                  level="event"),
    FeatureColumn("cost", "number", "currency", "event",
                  "the sponsor's cost for the event (costs table); not a model feature by default"),
    FeatureColumn("exposure_s", "number", "s", "video", "seconds the sponsor was visible and qualifying"),
    FeatureColumn("exposures", "number", "count", "video",
                  "number of exposure segments at least min_exposure_s long"),
    FeatureColumn("quality_s", "number", "s", "video",
                  "quality-weighted seconds: sum of the frame quality index x frame interval"),
    FeatureColumn("mean_screen_share", "number", "fraction", "both",
                  "share of the frame/photo area: time-weighted mean over visible frames, or mean over "
                  "the photos showing the sponsor", bounds=(0.0, 1.0)),
    FeatureColumn("max_screen_share", "number", "fraction", "both",
                  "largest share of the frame/photo area", bounds=(0.0, 1.0)),
    FeatureColumn("mean_clarity", "number", "fraction", "both",
                  "clarity in [0, 1], averaged like mean_screen_share", bounds=(0.0, 1.0)),
    FeatureColumn("share_of_voice", "number", "fraction", "video",
                  "exposure_s / all reported sponsors' exposure_s in the event", bounds=(0.0, 1.0)),
    FeatureColumn("solo_s", "number", "s", "video", "seconds the sponsor was the only one visible"),
    FeatureColumn("mean_clutter", "number", "count", "video",
                  "mean number of other sponsors visible at the same time"),
    FeatureColumn("media_value", "number", "currency", "video",
                  "quality_s times the rate card's rate (0 without a rate card)"),
    FeatureColumn("photos", "number", "count", "photo", "photos analysed for the event", level="event"),
    FeatureColumn("photos_with_sponsor", "number", "count", "photo", "photos showing the sponsor"),
    FeatureColumn("photo_rate", "number", "fraction", "photo", "photos_with_sponsor / photos",
                  bounds=(0.0, 1.0)),
    FeatureColumn("solo_photos", "number", "count", "photo", "photos showing only this sponsor"),
)  # fmt: skip

FEATURE_COLUMNS: tuple[str, ...] = tuple(c.name for c in FEATURE_SCHEMA)
COLUMNS_BY_NAME: dict[str, FeatureColumn] = {c.name: c for c in FEATURE_SCHEMA}
NUMERIC_COLUMNS: tuple[str, ...] = tuple(c.name for c in FEATURE_SCHEMA if c.kind == "number")
#: Metrics taken from analysis reports / the batch database.
METRIC_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in FEATURE_SCHEMA if c.role in ("video", "photo", "both") and c.name != "photos"
)
#: Model inputs by default: every analysis metric plus the audience (``cost`` is left out).
DEFAULT_MODEL_FEATURES: tuple[str, ...] = (*METRIC_COLUMNS, "photos", "audience")
#: Features on which outcomes may only rise (the models are constrained accordingly).
MONOTONIC_FEATURES: tuple[str, ...] = ("exposure_s", "quality_s", "media_value")
EVENT_COLUMNS: tuple[str, ...] = ("date", "competition", "audience")


def schema_doc() -> dict[str, Any]:
    """Return the schema as a JSON-able dict: version and one entry per column."""
    cols = []
    for c in FEATURE_SCHEMA:
        d = asdict(c)
        d["bounds"] = [c.bounds[0], None if math.isinf(c.bounds[1]) else c.bounds[1]]
        cols.append(d)
    return {SCHEMA_VERSION_KEY: FEATURE_SCHEMA_VERSION, "columns": cols}


# ---------------------------------------------------------------------------------------------
# generic table reading


def read_table(path: str | Path, what: str, string_columns: Iterable[str] = KEYS) -> pd.DataFrame:
    """Read a CSV or Parquet table; ``string_columns`` are read as strings.

    Raises :class:`FeatureError` naming the file when it is missing, unreadable or of another type.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FeatureError(f"{path}: {what} not found")
    try:
        if suffix == ".parquet":
            df = pd.read_parquet(path)
        elif suffix in (".csv", ".tsv", ".txt"):
            skip = 1 if _csv_comment_version(path) is not None else 0
            sep = "\t" if suffix == ".tsv" else ","
            df = pd.read_csv(path, sep=sep, skiprows=skip, dtype={c: "str" for c in string_columns})
        else:
            raise FeatureError(f"{path}: {what} must be .csv or .parquet")
    except FeatureError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise FeatureError(f"{path}: cannot read {what}: {first_line(e)}") from None
    for c in string_columns:
        if c in df.columns:
            df[c] = _as_str(df[c])
    df.columns = [str(c).strip() for c in df.columns]
    return df


def _as_str(s: pd.Series) -> pd.Series:
    """Strings with surrounding blanks removed; missing stays missing."""
    out = s.astype("str")
    return out.where(s.isna(), out.str.strip())


def _csv_comment_version(path: Path) -> str | None:
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.readline().strip()
    if first.startswith("#") and "=" in first:
        key, _, value = first[1:].partition("=")
        if key.strip() == SCHEMA_VERSION_KEY:
            return value.strip()
    return None


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".schema.json")


def _to_number(s: pd.Series, name: str, path: Path | str) -> pd.Series:
    out = pd.to_numeric(s, errors="coerce").astype("float64")
    bad = out.isna() & s.notna()
    if bad.any():
        raise FeatureError(f"{path}: column {name!r} has a non-numeric value {s[bad].iloc[0]!r}")
    if np.isinf(out).any():
        raise FeatureError(f"{path}: column {name!r} has an infinite value")
    return out


def _to_date(s: pd.Series, path: Path | str) -> pd.Series:
    try:
        out = pd.to_datetime(s, errors="raise", format="mixed")
    except (ValueError, TypeError) as e:
        raise FeatureError(f"{path}: column 'date' has a value that is not a date: {first_line(e)}") from None
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(None)
    return out.astype("datetime64[ns]")


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with every schema column (missing ones added as NaN), in schema order and dtypes.

    Meant for tables this code builds; tables read from files are checked with
    :func:`validate_features`, which refuses missing columns instead.
    """
    out = pd.DataFrame(index=df.index)
    for c in FEATURE_SCHEMA:
        s = df[c.name] if c.name in df.columns else pd.Series(np.nan, index=df.index)
        if c.kind == "number":
            out[c.name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif c.kind == "date":
            out[c.name] = pd.to_datetime(s).astype("datetime64[ns]")
        else:
            out[c.name] = _as_str(s) if s.notna().any() else pd.Series(np.nan, index=df.index, dtype="str")
    out = out.sort_values(list(KEYS), kind="stable").reset_index(drop=True)
    out.attrs[SCHEMA_VERSION_KEY] = FEATURE_SCHEMA_VERSION
    return out


# ---------------------------------------------------------------------------------------------
# validation, reading and writing


def validate_features(
    df: pd.DataFrame, source: str = "features table", version: str | None = None
) -> pd.DataFrame:
    """Check a features table against :data:`FEATURE_SCHEMA`; return a conformed copy.

    ``version`` defaults to ``df.attrs["schema_version"]``. Raises :class:`FeatureError` on a
    missing or wrong schema version, missing or unknown columns, missing keys, duplicate (event,
    sponsor) rows, non-numeric or out-of-range numbers and unparseable dates.
    """
    version = version if version is not None else df.attrs.get(SCHEMA_VERSION_KEY)
    if version is None:
        raise FeatureError(
            f"{source}: no schema_version (features tables come from 'sponsorlens roi features'; "
            f"this sponsorlens reads version {FEATURE_SCHEMA_VERSION})"
        )
    if str(version) != FEATURE_SCHEMA_VERSION:
        raise FeatureError(
            f"{source}: feature schema version {version} but this sponsorlens reads version "
            f"{FEATURE_SCHEMA_VERSION}; rebuild it with 'sponsorlens roi features'"
        )
    missing = [c for c in FEATURE_COLUMNS if c not in df.columns]
    if missing:
        raise FeatureError(f"{source}: missing feature columns: {', '.join(missing)}")
    unknown = [str(c) for c in df.columns if c not in COLUMNS_BY_NAME]
    if unknown:
        raise FeatureError(f"{source}: unknown columns not in feature schema {version}: {', '.join(unknown)}")
    df = df.copy()
    for k in KEYS:
        if df[k].isna().any() or (df[k].astype("str").str.strip() == "").any():
            raise FeatureError(f"{source}: column {k!r} has empty values")
    for c in FEATURE_SCHEMA:
        if c.kind == "number":
            df[c.name] = _to_number(df[c.name], c.name, source)
            lo, hi = c.bounds
            bad = (df[c.name] < lo) | (df[c.name] > hi)
            if bad.any():
                raise FeatureError(
                    f"{source}: column {c.name!r} has a value outside [{lo:g}, {hi:g}]: "
                    f"{df.loc[bad, c.name].iloc[0]!r}"
                )
        elif c.kind == "date":
            df[c.name] = _to_date(df[c.name], source)
    dup = df.duplicated(subset=list(KEYS), keep=False)
    if dup.any():
        e, s = df.loc[dup, ["event_id", "sponsor"]].iloc[0]
        raise FeatureError(f"{source}: more than one row for event {e!r} and sponsor {s!r}")
    return conform(df)


def write_features(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a features table to ``.parquet`` (version in the file metadata) or ``.csv`` (plus sidecar).

    The table is validated first. Returns the path written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise FeatureError(f"{path}: features file must end in .parquet or .csv")
    df = validate_features(df, source="features table")
    doc = schema_doc()
    if suffix == ".parquet":
        table = pa.Table.from_pandas(df, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[SCHEMA_VERSION_KEY.encode()] = FEATURE_SCHEMA_VERSION.encode()
        meta[b"sponsorlens_feature_schema"] = json.dumps(doc).encode()
        with atomic_path(path) as tmp:
            pq.write_table(table.replace_schema_metadata(meta), tmp)
    else:
        with atomic_path(_sidecar(path)) as tmp:
            tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        with atomic_path(path) as tmp:
            df.to_csv(tmp, index=False, date_format="%Y-%m-%d", float_format="%.17g", lineterminator="\n")
    return path


def read_features(path: str | Path) -> pd.DataFrame:
    """Read and validate a features table written by :func:`write_features` (or matching its schema).

    Returns the conformed table with ``attrs["schema_version"]`` set; raises :class:`FeatureError`.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise FeatureError(f"{path}: features file not found")
    suffix = path.suffix.lower()
    version: str | None
    if suffix == ".parquet":
        try:
            meta = pq.read_schema(path).metadata or {}
        except (OSError, ValueError) as e:
            raise FeatureError(f"{path}: cannot read Parquet file: {first_line(e)}") from None
        raw = meta.get(SCHEMA_VERSION_KEY.encode())
        version = raw.decode() if raw is not None else None
    elif suffix == ".csv":
        version = _csv_comment_version(path)
        side = _sidecar(path)
        if version is None and side.is_file():
            try:
                version = str(json.loads(side.read_text(encoding="utf-8"))[SCHEMA_VERSION_KEY])
            except (OSError, ValueError, KeyError, TypeError) as e:
                raise FeatureError(f"{side}: cannot read schema sidecar: {first_line(e)}") from None
    else:
        raise FeatureError(f"{path}: features file must end in .parquet or .csv")
    if version is None:
        where = (
            "Parquet metadata"
            if suffix == ".parquet"
            else f"{_sidecar(path).name} or a '# schema_version=' line"
        )
        raise FeatureError(f"{path}: no schema_version ({where}); build it with 'sponsorlens roi features'")
    df = read_table(
        path, "features table", string_columns=(*KEYS, "source_kind", "source_path", "competition")
    )
    return validate_features(df, source=str(path), version=version)


def fingerprint(df: pd.DataFrame) -> str:
    """Return the sha256 (hex) of a canonical CSV rendering of ``df``.

    Rows are sorted by every column (keys first), columns by name, floats written with 17
    significant digits and dates as ISO dates, so equal tables give equal fingerprints whatever
    their row and column order.
    """
    cols = sorted(df.columns)
    first = [k for k in KEYS if k in cols]
    canon = df[cols].sort_values([*first, *(c for c in cols if c not in first)], kind="stable")
    text = canon.to_csv(index=False, float_format="%.17g", date_format="%Y-%m-%d", lineterminator="\n")
    return sha256_text(text)
