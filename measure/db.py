"""The batch result store: one DuckDB file, one transaction per source, season totals in SQL.

Tables (every one keyed by ``source_id``):

``runs``             one row per combination of model and settings (``run_key``)
``sources``          one row per analysed or failed source (video file or photo)
``detections``       every detection, with its quality columns and ``qualifies``
``segments``         video visibility segments (:data:`measure.exposure.SEGMENT_COLUMNS`)
``sponsor_exposure`` one row per source and sponsor: video metrics for videos, photo metrics
                     for photos (the other kind's columns are NULL); its catalogue ``category``
``category_exposure`` one row per video and catalogue category (:mod:`measure.categories`)
``failures``         sources that could not be analysed: path, error, time

A source is identified by ``source_id = sha256(content_sha256 + ":" + run_key)``: the same bytes
analysed with the same model and settings are the same source wherever the file lies, and are
stored and counted once. Each source is written with all its rows in a single transaction, so a
job killed at any moment leaves every source either complete or absent; re-running skips the
sources already present (done or failed).

Only the batch parent writes; the module needs DuckDB and pandas, never torch.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from measure.categories import CATEGORY_COLUMNS, PHOTO_CATEGORY_COLUMNS
from measure.errors import InputError, OutputError
from measure.exposure import SEGMENT_COLUMNS, SPONSOR_COLUMNS
from measure.hashing import sha256_text
from measure.records import CONTEXT_COLUMNS, DETECTION_COLUMNS, QUALITY_COLUMNS

#: Version of the table layout below, stored in ``meta``; a database of another version is refused,
#: except the earlier versions in :data:`MIGRATIONS`, which are upgraded in place when opened for writing.
SCHEMA_VERSION = "4"
#: ``{old version: SQL statements that bring it to the next version}``. Version 2 added the detections'
#: ``source`` column (``model`` or ``text``); every earlier detection came from the model. Version 3
#: added catalogue categories: ``sponsor_exposure.category`` and ``competitor_s`` (NULL in earlier rows:
#: no category, no competitors), ``competitor_photos`` and the ``category_exposure`` table (see :data:`MIGRATIONS` below).
#: Version 4 added the visual context (:data:`measure.records.CONTEXT_COLUMNS`) to ``segments`` and
#: ``detections`` (NULL in earlier rows: not classified).
MIGRATIONS: dict[str, tuple[str, ...]] = {
    "1": ("ALTER TABLE detections ADD COLUMN IF NOT EXISTS source VARCHAR DEFAULT 'model'",),
}
#: Part of every run key: bump it when a change to the analysis changes the numbers it stores.
RESULTS_VERSION = 1

_SQL_TYPES = {
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "float32": "REAL",
    "object": "VARCHAR",
    "bool": "BOOLEAN",
}

#: ``sources`` columns and their DuckDB types.
SOURCE_COLUMNS: dict[str, str] = {
    "source_id": "VARCHAR PRIMARY KEY",  # sha256(content_sha256 + ':' + run_key), hex
    "run_key": "VARCHAR NOT NULL",  # sha256 of the model and settings, hex (see runs)
    "path": "VARCHAR NOT NULL",  # path the source was first found at
    "kind": "VARCHAR NOT NULL",  # 'video' or 'photo'
    "content_sha256": "VARCHAR",  # sha256 of the file's bytes (NULL when unreadable)
    "status": "VARCHAR NOT NULL",  # 'done' or 'failed'
    "duration_s": "DOUBLE",  # video duration, seconds (NULL for photos)
    "fps": "DOUBLE",  # video frame rate (NULL for photos)
    "width": "INTEGER",  # pixels
    "height": "INTEGER",
    "frames": "BIGINT",  # video frames (NULL for photos)
    "analysed_frames": "BIGINT",  # frames analysed (NULL for photos)
    "photos": "INTEGER",  # 1 for a photo, NULL for a video
    "taken_at": "TIMESTAMP",  # when it was shot: EXIF / container date, else file modification time
    "taken_at_origin": "VARCHAR",  # 'exif', 'container' or 'mtime'
    "stopped": "VARCHAR",  # why decoding stopped early (damaged video), else NULL
    "analysed_at": "TIMESTAMP",  # UTC
}

#: Photo metrics in ``sponsor_exposure`` (see :mod:`measure.photos`), with their pandas dtypes.
PHOTO_METRICS: dict[str, str] = {
    "photos_with_sponsor": "int64",
    "photo_rate": "float64",
    "solo_photos": "int64",
    "best_photo": "object",
    "best_photo_quality": "float64",
    "competitor_photos": "int64",
}

_VIDEO_METRIC_TYPES: dict[str, str] = {
    "sponsor": "object",
    "exposures": "int64",
    "best_frame": "int64",
    "category": "object",
}

_SEGMENT_TYPES: dict[str, str] = {"sponsor": "object", "start_frame": "int64", "end_frame": "int64",
                                  "shot": "int64", "best_frame": "int64", **CONTEXT_COLUMNS}  # fmt: skip


def _columns_sql(columns: Mapping[str, str]) -> str:
    return ",\n  ".join(f"{name} {typ}" for name, typ in columns.items())


def _typed(names: Iterable[str], types: Mapping[str, str], default: str = "float64") -> dict[str, str]:
    return {n: _SQL_TYPES[types.get(n, default)] for n in names}


DETECTION_TABLE: dict[str, str] = {
    "source_id": "VARCHAR NOT NULL",
    **_typed(DETECTION_COLUMNS, DETECTION_COLUMNS),
}
DETECTION_TABLE.update(_typed(QUALITY_COLUMNS, QUALITY_COLUMNS))
DETECTION_TABLE.update(_typed(CONTEXT_COLUMNS, CONTEXT_COLUMNS))
SEGMENT_TABLE: dict[str, str] = {"source_id": "VARCHAR NOT NULL", **_typed(SEGMENT_COLUMNS, _SEGMENT_TYPES)}
EXPOSURE_TABLE: dict[str, str] = {
    "source_id": "VARCHAR NOT NULL",
    **_typed(SPONSOR_COLUMNS, _VIDEO_METRIC_TYPES),
    **_typed(PHOTO_METRICS, PHOTO_METRICS),
}
#: One row per source and catalogue category: the video columns for videos, the photo ones for photos.
CATEGORY_TABLE: dict[str, str] = {
    "source_id": "VARCHAR NOT NULL",
    **_typed(CATEGORY_COLUMNS, CATEGORY_COLUMNS),
    **_typed(PHOTO_CATEGORY_COLUMNS, PHOTO_CATEGORY_COLUMNS),
}
FAILURE_TABLE: dict[str, str] = {
    "source_id": "VARCHAR PRIMARY KEY",
    "run_key": "VARCHAR NOT NULL",
    "path": "VARCHAR NOT NULL",
    "kind": "VARCHAR",
    "error": "VARCHAR NOT NULL",  # one line: what went wrong
    "failed_at": "TIMESTAMP",  # UTC
}
RUN_TABLE: dict[str, str] = {
    "run_key": "VARCHAR PRIMARY KEY",
    "model": "JSON",  # weights, sha256, task, classes
    "settings": "JSON",  # thresholds, rate card, run options that change the numbers
    "created_at": "TIMESTAMP",  # UTC
}

TABLES: dict[str, dict[str, str]] = {
    "runs": RUN_TABLE,
    "sources": SOURCE_COLUMNS,
    "detections": DETECTION_TABLE,
    "segments": SEGMENT_TABLE,
    "sponsor_exposure": EXPOSURE_TABLE,
    "category_exposure": CATEGORY_TABLE,
    "failures": FAILURE_TABLE,
}

MIGRATIONS["2"] = (
    "ALTER TABLE sponsor_exposure ADD COLUMN IF NOT EXISTS competitor_s DOUBLE",
    "ALTER TABLE sponsor_exposure ADD COLUMN IF NOT EXISTS category VARCHAR",
    "ALTER TABLE sponsor_exposure ADD COLUMN IF NOT EXISTS competitor_photos BIGINT",
    f"CREATE TABLE IF NOT EXISTS category_exposure (\n  {_columns_sql(CATEGORY_TABLE)}\n)",
)
MIGRATIONS["3"] = tuple(
    f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {_SQL_TYPES[dtype]}"
    for table in ("segments", "detections")
    for name, dtype in CONTEXT_COLUMNS.items()
)

#: Tables that hold a source's rows, in the order they are written.
SOURCE_TABLES: tuple[str, ...] = (
    "sources", "detections", "segments", "sponsor_exposure", "category_exposure", "failures",
)  # fmt: skip


class DatabaseError(InputError):
    """A file is not a SponsorLens batch database, or one of another schema version."""


def now_utc() -> dt.datetime:
    """Return the current UTC time as a naive datetime (DuckDB TIMESTAMP)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def run_key(model: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """Return the hex sha256 identifying a model and the settings that change the numbers.

    ``model`` must carry the weights' ``sha256``; ``settings`` everything that changes results
    (thresholds, rate card, sponsors, conf, imgsz, sample_fps...), not the device or batch size.
    """
    blob = json.dumps(
        {"results_version": RESULTS_VERSION, "model": dict(model), "settings": dict(settings)},
        sort_keys=True,
        default=str,
    )
    return sha256_text(blob)


def source_id(content_sha256: str, key: str) -> str:
    """Return the id of a source: hex sha256 of its content hash and the run key."""
    return sha256_text(f"{content_sha256}:{key}")


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or, for writing, create) a batch database and make sure its tables exist.

    Raises :class:`measure.store.OutputError` when the file cannot be opened (another process
    holds it, read-only directory...) and :class:`DatabaseError` when it is not a SponsorLens
    database of this schema version. A missing file with ``read_only`` raises :class:`InputError`.
    """
    path = Path(path)
    if read_only and not path.is_file():
        raise InputError(f"{path}: database not found")
    if not read_only:
        try:
            path.absolute().parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"{path}: cannot create the database here: {e.strerror or e}") from None
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as e:
        msg = str(e).splitlines()[0]
        if "lock" in msg.lower():
            raise OutputError(f"{path}: in use by another process (is a batch still running?)") from None
        raise OutputError(f"{path}: cannot open database: {msg}") from None
    except duckdb.Error as e:
        raise DatabaseError(f"{path}: not a DuckDB database: {str(e).splitlines()[0]}") from None
    try:
        _check_or_create(con, path, read_only)
    except BaseException:
        con.close()
        raise
    return con


def _check_or_create(con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "meta" in tables:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = row[0] if row else None
        if version in MIGRATIONS and not read_only:
            version = _migrate(con, version)
        elif version in MIGRATIONS:
            raise DatabaseError(
                f"{path}: batch database schema version {version}, written by an earlier SponsorLens; "
                "run `sponsorlens batch` on it once to upgrade it in place"
            )
        if version != SCHEMA_VERSION:
            raise DatabaseError(
                f"{path}: batch database schema version {version}, this SponsorLens writes {SCHEMA_VERSION}"
            )
    elif tables:
        raise DatabaseError(f"{path}: not a SponsorLens batch database (tables: {', '.join(sorted(tables))})")
    elif read_only:
        raise DatabaseError(f"{path}: empty database (no batch has written to it)")
    if read_only:
        return
    con.execute("BEGIN TRANSACTION")
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])
    for name, cols in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} (\n  {_columns_sql(cols)}\n)")
    con.execute("COMMIT")


def _migrate(con: duckdb.DuckDBPyConnection, version: str) -> str:
    """Upgrade a database from ``version`` through :data:`MIGRATIONS`, in one transaction; return
    the version it is at afterwards."""
    con.execute("BEGIN TRANSACTION")
    try:
        while version in MIGRATIONS:
            for statement in MIGRATIONS[version]:
                con.execute(statement)
            version = str(int(version) + 1)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return version


def register_run(
    con: duckdb.DuckDBPyConnection, key: str, model: Mapping[str, Any], settings: Mapping[str, Any]
) -> None:
    """Record the model and settings of ``key`` (once; later calls change nothing)."""
    con.execute(
        "INSERT OR IGNORE INTO runs VALUES (?, ?, ?, ?)",
        [key, json.dumps(dict(model), default=str), json.dumps(dict(settings), default=str), now_utc()],
    )


def finished_sources(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, str]:
    """Return ``{source_id: status}`` of every source of run ``key`` already stored (done or failed)."""
    rows = con.execute("SELECT source_id, status FROM sources WHERE run_key = ?", [key]).fetchall()
    return dict(rows)


def stored_contents(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, set[str]]:
    """Return ``{path: {content sha256, ...}}`` of the sources of run ``key`` already stored (a path
    whose file changed between runs has several)."""
    rows = con.execute("SELECT path, content_sha256 FROM sources WHERE run_key = ?", [key]).fetchall()
    out: dict[str, set[str]] = {}
    for path, content in rows:
        out.setdefault(path, set()).add(content)
    return out


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, sid: str) -> None:
    if df is None or len(df) == 0:
        return
    cols = [c for c in df.columns if c in TABLES[table] and c != "source_id"]
    view = f"_in_{table}"
    con.register(view, df[cols])
    try:
        names = ", ".join(cols)
        con.execute(
            f"INSERT INTO {table} (source_id, {names}) SELECT ? AS source_id, {names} FROM {view}", [sid]
        )
    finally:
        con.unregister(view)


def _source_row(row: Mapping[str, Any]) -> list[Any]:
    unknown = set(row) - set(SOURCE_COLUMNS)
    if unknown:
        raise ValueError(f"unknown sources columns: {', '.join(sorted(unknown))}")
    out = []
    for c in SOURCE_COLUMNS:
        v = row.get(c)
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        out.append(v)
    return out


def write_source(
    con: duckdb.DuckDBPyConnection,
    source: Mapping[str, Any],
    detections: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
    sponsor_exposure: pd.DataFrame | None = None,
    error: str | None = None,
    categories: pd.DataFrame | None = None,
) -> None:
    """Store one source and all its rows in a single transaction.

    ``categories`` are the video's catalogue categories (:data:`measure.categories.CATEGORY_COLUMNS`).

    ``source`` holds ``SOURCE_COLUMNS`` values (``status`` is set here: ``failed`` with ``error``,
    else ``done``; ``analysed_at`` defaults to now). Rows already stored for the same
    ``source_id`` (a failure being retried) are replaced. Either everything is stored or, on any
    error, nothing.
    """
    row = dict(source)
    sid = row["source_id"]
    row["status"] = "failed" if error is not None else "done"
    row.setdefault("analysed_at", now_utc())
    con.execute("BEGIN TRANSACTION")
    try:
        for table in SOURCE_TABLES:
            con.execute(f"DELETE FROM {table} WHERE source_id = ?", [sid])
        placeholders = ", ".join("?" for _ in SOURCE_COLUMNS)
        con.execute(f"INSERT INTO sources VALUES ({placeholders})", _source_row(row))
        if error is not None:
            con.execute(
                "INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?)",
                [sid, row["run_key"], row["path"], row.get("kind"), error, row["analysed_at"]],
            )
        else:
            _insert(con, "detections", detections, sid)
            _insert(con, "segments", segments, sid)
            _insert(con, "sponsor_exposure", sponsor_exposure, sid)
            _insert(con, "category_exposure", categories, sid)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# ------------------------------------------------------------------------------------------------
# season totals

TotalsBy = Literal["sponsor", "source", "month", "category"]

#: Grouping keys of ``totals --by``, as SQL expressions over ``sources s``.
GROUP_KEYS: dict[str, list[tuple[str, str]]] = {
    "sponsor": [],
    "source": [("path", "s.path"), ("kind", "s.kind")],
    "month": [("month", "strftime(date_trunc('month', s.taken_at), '%Y-%m')")],
}

_TOTALS_TEMPLATE = """\
WITH s AS (SELECT * FROM sources WHERE status = 'done' AND run_key = $run_key)
SELECT {keys}e.sponsor,
       count(*) FILTER (WHERE s.kind = 'video')                      AS videos,
       coalesce(sum(s.duration_s) FILTER (WHERE s.kind = 'video'), 0) AS footage_s,
       coalesce(sum(e.exposure_s), 0)                                 AS exposure_s,
       coalesce(sum(e.exposures), 0)::BIGINT                          AS exposures,
       coalesce(sum(e.quality_s), 0)                                  AS quality_s,
       coalesce(sum(e.solo_s), 0)                                     AS solo_s,
       coalesce(sum(e.media_value), 0)                                AS media_value,
       coalesce(sum(e.exposure_s) / nullif(sum(sum(e.exposure_s)) OVER ({window}), 0), 0)
                                                                      AS share_of_voice,
       coalesce(sum(e.mean_screen_share * e.exposure_s) FILTER (WHERE s.kind = 'video')
                / nullif(sum(e.exposure_s), 0), 0)                    AS video_mean_screen_share,
       count(*) FILTER (WHERE s.kind = 'photo')                      AS photos,
       coalesce(sum(e.photos_with_sponsor), 0)::BIGINT                AS photos_with_sponsor,
       coalesce(sum(e.photos_with_sponsor) / nullif(count(*) FILTER (WHERE s.kind = 'photo'), 0), 0)
                                                                      AS photo_rate,
       coalesce(sum(e.solo_photos), 0)::BIGINT                        AS solo_photos,
       coalesce(avg(e.mean_screen_share) FILTER (WHERE s.kind = 'photo' AND e.photos_with_sponsor > 0), 0)
                                                                      AS photo_mean_screen_share,
       coalesce(max(e.max_screen_share), 0)                           AS max_screen_share
FROM sponsor_exposure e JOIN s USING (source_id)
GROUP BY {group}e.sponsor
{having}ORDER BY {order}exposure_s DESC, photos_with_sponsor DESC, e.sponsor"""


#: ``totals --by category``: one row per catalogue category over the run's sources. Seconds are summed
#: over the sources; the share of voice divides the category's sponsor seconds by every sponsor's
#: exposure seconds in the run (the per-report definition over the whole season).
CATEGORY_TOTALS_SQL = """\
WITH s AS (SELECT * FROM sources WHERE status = 'done' AND run_key = $run_key),
e AS (SELECT e.* FROM sponsor_exposure e JOIN s USING (source_id)),
everyone AS (SELECT coalesce(sum(exposure_s), 0) AS all_s FROM e),
per_sponsor AS (
  SELECT category,
         count(DISTINCT sponsor)               AS sponsors,
         coalesce(sum(exposure_s), 0)          AS sponsor_s,
         coalesce(sum(competitor_s), 0)        AS competitor_s,
         coalesce(sum(competitor_photos), 0)::BIGINT AS competitor_photos,
         coalesce(sum(quality_s), 0)           AS quality_s,
         coalesce(sum(media_value), 0)         AS media_value
  FROM e WHERE category IS NOT NULL GROUP BY category),
per_category AS (
  SELECT c.category,
         count(DISTINCT c.source_id) FILTER (WHERE s.kind = 'video') AS videos,
         count(DISTINCT c.source_id) FILTER (WHERE s.kind = 'photo') AS photos,
         coalesce(sum(c.category_s), 0)        AS category_s,
         coalesce(sum(c.clash_s), 0)           AS clash_s,
         coalesce(sum(c.photos_with_category), 0)::BIGINT AS photos_with_category,
         coalesce(sum(c.clash_photos), 0)::BIGINT AS clash_photos
  FROM category_exposure c JOIN s USING (source_id) GROUP BY c.category)
SELECT p.category, p.sponsors, coalesce(c.videos, 0) AS videos,
       coalesce(c.category_s, 0) AS category_s, p.sponsor_s,
       coalesce(p.sponsor_s / nullif(everyone.all_s, 0), 0) AS category_share_of_voice,
       coalesce(c.clash_s, 0) AS clash_s, p.competitor_s, p.quality_s, p.media_value,
       coalesce(c.photos, 0) AS photos, coalesce(c.photos_with_category, 0) AS photos_with_category,
       coalesce(c.clash_photos, 0) AS clash_photos, p.competitor_photos
FROM per_sponsor p LEFT JOIN per_category c USING (category) CROSS JOIN everyone
ORDER BY p.sponsor_s DESC, p.category"""


def totals_sql(by: TotalsBy = "sponsor") -> str:
    """Return the SQL of ``sponsorlens totals --by BY`` (parameter ``$run_key``)."""
    if by == "category":
        return CATEGORY_TOTALS_SQL
    if by not in GROUP_KEYS:
        raise InputError(f"--by must be sponsor, source, month or category, got {by!r}")
    keys = GROUP_KEYS[by]
    exprs = [e for _, e in keys]
    return _TOTALS_TEMPLATE.format(
        keys="".join(f"{e} AS {n}, " for n, e in keys),
        window=f"PARTITION BY {', '.join(exprs)}" if exprs else "",
        group="".join(f"{e}, " for e in exprs),
        having="HAVING sum(e.exposure_s) > 0 OR sum(e.photos_with_sponsor) > 0\n" if by == "source" else "",
        order="".join(f"{n}, " for n, _ in keys),
    )


def run_keys(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per run key with stored sources: ``run_key``, ``sources``, ``failed``,
    ``model`` (weights path), ``last_analysed_at``; most recent first."""
    return con.execute(
        """SELECT s.run_key, count(*) AS sources, count(*) FILTER (WHERE s.status = 'failed') AS failed,
                  any_value(json_extract_string(r.model, '$.weights')) AS model,
                  max(s.analysed_at) AS last_analysed_at
           FROM sources s LEFT JOIN runs r USING (run_key)
           GROUP BY s.run_key ORDER BY last_analysed_at DESC"""
    ).df()


def pick_run_key(con: duckdb.DuckDBPyConnection, prefix: str | None = None) -> str:
    """Return the run key to total: the only one stored, or the one starting with ``prefix``.

    Raises ValueError when the database holds no sources, when ``prefix`` matches none or
    several, and when it holds several run keys and no ``prefix`` is given (totals over
    different models or settings would count the same footage twice).
    """
    keys = run_keys(con)
    if keys.empty:
        raise InputError("the database holds no analysed sources yet")
    if prefix:
        hits = keys[keys["run_key"].str.startswith(prefix.lower())]
        if len(hits) != 1:
            found = "no" if hits.empty else "several"
            raise InputError(f"--run {prefix}: {found} run keys start with it ({_describe(keys)})")
        return str(hits["run_key"].iloc[0])
    if len(keys) > 1:
        raise InputError(
            f"the database holds results of {len(keys)} model/settings combinations ({_describe(keys)}); "
            "pick one with --run KEY"
        )
    return str(keys["run_key"].iloc[0])


def _describe(keys: pd.DataFrame) -> str:
    return "; ".join(f"{r.run_key[:12]}: {r.sources} sources, {r.model}" for r in keys.itertuples())


def totals(con: duckdb.DuckDBPyConnection, by: TotalsBy = "sponsor", key: str | None = None) -> pd.DataFrame:
    """Return season totals of run ``key`` (default: :func:`pick_run_key`) grouped ``by``.

    Sums are over the sources' ``sponsor_exposure`` rows; ``share_of_voice`` is within each group,
    ``video_mean_screen_share`` is weighted by exposure seconds (so it equals the mean over all
    visible video time) and ``photo_mean_screen_share`` is the mean over photos showing the sponsor.
    ``by="category"`` gives one row per catalogue category instead (:data:`CATEGORY_TOTALS_SQL`):
    ``category``, ``sponsors``, ``videos``, the seconds of :mod:`measure.categories` summed over the
    sources, ``category_share_of_voice`` over the whole run, its sponsors' ``competitor_s``,
    ``quality_s`` and ``media_value``, and for photos ``photos``, ``photos_with_category``,
    ``clash_photos`` and ``competitor_photos``.
    """
    key = key or pick_run_key(con)
    return con.execute(totals_sql(by), {"run_key": key}).df()


def failures(con: duckdb.DuckDBPyConnection, key: str | None = None) -> pd.DataFrame:
    """Return the ``failures`` rows (of run ``key`` when given), oldest first."""
    if key is None:
        return con.execute("SELECT * FROM failures ORDER BY failed_at, path").df()
    return con.execute("SELECT * FROM failures WHERE run_key = ? ORDER BY failed_at, path", [key]).df()
