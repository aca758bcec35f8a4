"""Season totals of a batch database: the table ``sponsorlens totals`` prints, with what it counted.

:func:`season_totals` opens a database written by ``sponsorlens batch`` read-only, picks the run
(:func:`measure.db.pick_run_key`), sums its sponsors' rows (:func:`measure.db.totals`) and counts
the sources behind them; :func:`source_counts` and :func:`currency` are those queries alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from measure import db
from measure.errors import OutputError

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class SeasonTotals:
    """Totals of one run: ``table`` is :func:`measure.db.totals` (group ``keys``, then ``sponsor``
    and the sums; by category, ``category`` and the category sums); the counts are of the run's
    sources (done ones, and ``failed``)."""

    run_key: str
    by: db.TotalsBy
    keys: list[str]
    table: pd.DataFrame
    videos: int
    footage_s: float
    photos: int
    failed: int
    currency: str | None

    def to_csv(self, path: str | Path) -> None:
        """Write every column of ``table`` to the CSV file ``path`` (:class:`OutputError` if it cannot)."""
        try:
            self.table.to_csv(path, index=False)
        except OSError as e:
            raise OutputError(f"{path}: cannot write: {e.strerror or e}") from None


def source_counts(con: duckdb.DuckDBPyConnection, key: str) -> pd.DataFrame:
    """Return one row of counts of run ``key``'s sources: ``videos``, ``footage_s`` and ``photos``
    (analysed), ``failed``."""
    return con.execute(
        "SELECT count(*) FILTER (WHERE kind = 'video' AND status = 'done') AS videos, "
        "coalesce(sum(duration_s) FILTER (WHERE status = 'done'), 0) AS footage_s, "
        "count(*) FILTER (WHERE kind = 'photo' AND status = 'done') AS photos, "
        "count(*) FILTER (WHERE status = 'failed') AS failed FROM sources WHERE run_key = ?",
        [key],
    ).df()


def currency(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """Return the rate card's currency of run ``key``, or None without a rate card (or run)."""
    row = con.execute(
        "SELECT json_extract_string(settings, '$.rate_card.currency') FROM runs WHERE run_key = ?", [key]
    ).fetchone()
    return row[0] if row and row[0] else None


def season_totals(db_path: str | Path, by: db.TotalsBy = "sponsor", run: str | None = None) -> SeasonTotals:
    """Return the totals of the database ``db_path`` grouped ``by`` sponsor, source, month or catalogue
    category, for the
    run whose key starts with ``run`` (default: the only run it holds)."""
    con = db.connect(db_path, read_only=True)
    try:
        key = db.pick_run_key(con, run)
        table = db.totals(con, by, key)
        counts = source_counts(con, key).iloc[0]
        money = currency(con, key)
    finally:
        con.close()
    return SeasonTotals(
        run_key=key,
        by=by,
        keys=["category"] if by == "category" else [n for n, _ in db.GROUP_KEYS[by]],
        table=table,
        videos=int(counts["videos"]),
        footage_s=float(counts["footage_s"]),
        photos=int(counts["photos"]),
        failed=int(counts["failed"]),
        currency=money,
    )
