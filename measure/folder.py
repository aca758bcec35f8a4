"""Analysis folders: the one reader and the one writer of what ``analyze`` and ``photos`` write.

A folder holds ``report.json`` (:class:`measure.report.Report`), ``sponsors.csv``,
``detections.parquet`` and, for a video, ``segments.csv``, for a photo archive ``photos.csv`` and
``appearances.csv``; the command line adds best frames (``frames/``) and rendered reports
(``report.html``, ``report.pdf``) inside the same atomic write through :func:`write_analysis`'s
``extra``. :func:`read_analysis` reads one back as an :class:`Analysis`; ``detections.parquet`` (which
may hold millions of rows for a long match) is read only when asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from measure.errors import InputError, first_line
from measure.jsonable import records
from measure.photos import PHOTO_COLUMNS
from measure.report import Report, new_report, parse_report
from measure.store import atomic_dir, check_output_dir, only_files, write_parquet

REPORT_FILE = "report.json"

#: What SponsorLens writes into an analysis folder (``analyze``, ``photos``, ``report``). An existing
#: ``--out`` is replaced only when it holds these and nothing else (see :func:`is_analysis_dir`).
ANALYSIS_ENTRIES = frozenset(
    {
        REPORT_FILE, "sponsors.csv", "segments.csv", "detections.parquet", "photos.csv",
        "appearances.csv", "report.html", "report.pdf", "frames",
    }
)  # fmt: skip

#: Columns every detections table has (those :class:`Analysis` relies on).
_DETECTION_KEYS = frozenset({"sponsor", "x1", "y1", "x2", "y2"})


def is_analysis_dir(path: Path) -> bool:
    """True when ``path`` holds a complete earlier SponsorLens analysis and nothing else.

    That is: a ``report.json`` whose ``tool.name`` is ``sponsorlens`` (written last, so its presence
    means the folder was completed; any schema version), no entry outside :data:`ANALYSIS_ENTRIES`,
    no symbolic link, and only ``.jpg`` files in ``frames/``.
    """
    try:
        entries = list(path.iterdir())
        report = json.loads((path / REPORT_FILE).read_text("utf-8"))
        if not isinstance(report, dict) or (report.get("tool") or {}).get("name") != "sponsorlens":
            return False
        for entry in entries:
            if entry.name not in ANALYSIS_ENTRIES or entry.is_symlink():
                return False
            if entry.name == "frames":
                if not entry.is_dir() or not only_files(entry, (".jpg",)):
                    return False
            elif not entry.is_file():
                return False
    except (OSError, ValueError, AttributeError):
        return False
    return True


def check_analysis_out(dest: str | Path) -> None:
    """Raise :class:`measure.errors.OutputError` now when ``dest`` could not be written as an
    analysis folder later (:func:`measure.store.check_output_dir` with :func:`is_analysis_dir`)."""
    check_output_dir(dest, is_analysis_dir, "analysis")


def has_report(directory: Path) -> bool:
    """True when ``directory`` holds a ``report.json`` file (it may still fail to read)."""
    return (directory / REPORT_FILE).is_file()


def read_report(directory: str | Path) -> Report:
    """Return the validated ``report.json`` of an analysis folder.

    Raises :class:`InputError` (one line naming the file) when the folder has none, it cannot be read
    or parsed, its schema version is newer than this code reads, or it does not validate
    (:func:`measure.report.parse_report`).
    """
    path = Path(directory) / REPORT_FILE
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{directory}: not an analysis directory (no {REPORT_FILE})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: cannot read report: {first_line(e)}") from None
    return parse_report(data, str(path))


@dataclass
class Analysis:
    """An analysis folder read back: its ``directory`` and ``report``, and its tables as frames.

    ``sponsors``, ``segments``, ``categories`` and ``context`` are the report's rows (one per sponsor,
    one per exposure segment, empty for photos; one per catalogue category, empty without categories;
    one per sponsor and context value, empty for photos and older reports). ``detections``, ``photos``, ``appearances`` and ``frame_sizes`` are read from
    their files on first use (and kept).
    """

    directory: Path
    report: Report

    @property
    def kind(self) -> str:
        """``video`` or ``photos``."""
        return self.report.kind

    @property
    def source(self) -> dict[str, Any]:
        """The ``source`` block as a plain dict (keys as written)."""
        return self.report.source.model_dump(exclude_unset=True)

    @property
    def settings(self) -> dict[str, Any]:
        """The ``settings`` block as a plain dict (keys as written; ``rate_card`` a dict or None)."""
        return self.report.settings.model_dump(exclude_unset=True)

    @property
    def classes(self) -> list[str]:
        """Every sponsor the model could find, in the model's class order."""
        return list(self.report.model.classes)

    @cached_property
    def sponsors(self) -> pd.DataFrame:
        """One row per sponsor, the report's columns (``sponsor`` a string)."""
        return _rows([r.model_dump() for r in self.report.sponsors])

    @cached_property
    def categories(self) -> pd.DataFrame:
        """One row per catalogue category (:data:`measure.categories.CATEGORY_COLUMNS`, as written);
        empty when the analysis had no categories (or the report predates them)."""
        rows = [r.model_dump() for r in self.report.categories or []]
        df = pd.DataFrame(rows)
        if not df.empty:
            df["category"] = df["category"].astype(str)
        return df

    @property
    def has_categories(self) -> bool:
        """True when the report holds a ``categories`` table with at least one category."""
        return bool(self.report.categories)

    @property
    def radar_ran(self) -> bool:
        """True when the ambush radar ran (the analysis made whole-frame reads), even if it found no brand."""
        return self.report.other_brands is not None

    @cached_property
    def other_brands(self) -> pd.DataFrame:
        """One row per other brand seen (:data:`measure.ambush.OTHER_BRAND_COLUMNS`, as written); empty
        when none was seen or the radar did not run (:attr:`radar_ran` tells which)."""
        df = pd.DataFrame([r.model_dump() for r in self.report.other_brands or []])
        if not df.empty:
            df["brand"] = df["brand"].astype(str)
        return df

    @cached_property
    def context(self) -> pd.DataFrame:
        """One row per sponsor, context dimension and value (:data:`measure.context.CONTEXT_TABLE_COLUMNS`,
        as written); empty for photos and for reports before schema version 3."""
        return _rows([r.model_dump() for r in self.report.context or []])

    @property
    def has_context(self) -> bool:
        """True when the report holds a ``context`` table with at least one row."""
        return bool(self.report.context)

    @cached_property
    def segments(self) -> pd.DataFrame:
        """One row per exposure segment (video), the report's columns; empty for photos."""
        return _rows([r.model_dump() for r in self.report.segments])

    def order(self) -> list[str]:
        """Sponsors from most to least exposed (video) or most to least seen (photos)."""
        key = next((k for k in ("exposure_s", "photos_with_sponsor") if k in self.sponsors), None)
        df = self.sponsors.sort_values(key, ascending=False, kind="stable") if key else self.sponsors
        return [str(s) for s in df.get("sponsor", [])]

    @cached_property
    def detections(self) -> pd.DataFrame:
        """``detections.parquet`` (``sponsor`` a string); empty when the folder has none.

        Raises :class:`InputError` when the file is damaged or is not a detections table.
        """
        parquet = self.directory / "detections.parquet"
        if not parquet.exists():
            return pd.DataFrame()
        try:
            with open(parquet, "rb") as fh:  # opened by Python: Arrow cannot take a non-UTF-8 path
                detections = pd.read_parquet(fh)
        except Exception as e:  # pyarrow raises several types for a damaged file
            raise InputError(f"{parquet}: unreadable detections table: {e}") from None
        if not set(detections.columns) >= _DETECTION_KEYS:
            raise InputError(f"{parquet}: not a SponsorLens detections table")
        detections["sponsor"] = detections["sponsor"].astype(str)
        return detections

    @cached_property
    def photos(self) -> pd.DataFrame | None:
        """``photos.csv`` (one row per photo: path, width and height in pixels, counts), or None."""
        return self._csv("photos.csv")

    @cached_property
    def appearances(self) -> pd.DataFrame | None:
        """``appearances.csv`` (one row per photo and sponsor seen), or None."""
        return self._csv("appearances.csv")

    def _csv(self, name: str) -> pd.DataFrame | None:
        path = self.directory / name
        if not path.exists():
            return None
        try:
            return pd.read_csv(path)
        except (ValueError, OSError) as e:
            raise InputError(f"{path}: cannot read table: {first_line(e)}") from None

    @cached_property
    def frame_sizes(self) -> pd.DataFrame:
        """Per-detection ``width``/``height`` (pixels) of its frame (the video's) or photo, on the
        detections' index; NaN where a photo's size is unknown."""
        d = self.detections
        if d.empty:
            return pd.DataFrame({"width": [], "height": []})
        if {"width", "height"} <= set(d.columns):
            return d[["width", "height"]].astype(float)
        if "photo" in d:
            try:
                photos = self.photos
            except InputError:
                photos = None
            if photos is not None and {"photo", "width", "height"} <= set(photos.columns):
                sizes = d[["photo"]].merge(
                    photos[["photo", "width", "height"]].drop_duplicates("photo"), on="photo", how="left"
                )
                return sizes[["width", "height"]].astype(float).set_index(d.index)
        src = self.source
        w, h = float(src.get("width") or 0), float(src.get("height") or 0)
        return pd.DataFrame({"width": np.full(len(d), w), "height": np.full(len(d), h)}, index=d.index)


def _rows(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if not df.empty:
        df["sponsor"] = df["sponsor"].astype(str)
    return df


def read_analysis(directory: str | Path) -> Analysis:
    """Read an analysis folder (its report validated, :func:`read_report`); tables load on first use.

    Raises :class:`InputError` naming the file when the folder is not one.
    """
    directory = Path(directory)
    return Analysis(directory, read_report(directory))


def write_analysis(
    out: str | Path,
    report: dict[str, Any],
    sponsors: pd.DataFrame,
    detections: pd.DataFrame,
    segments: pd.DataFrame | None = None,
    photos: pd.DataFrame | None = None,
    appearances: pd.DataFrame | None = None,
    context: pd.DataFrame | None = None,
    extra: Callable[[Path], None] | None = None,
) -> Report:
    """Write an analysis folder atomically and return the :class:`Report` written.

    ``report`` is the measured report (``source``, ``model``, ``settings``, ``tool``...; its
    ``sponsors`` and ``segments`` rows are taken from the tables given here). A video gives
    ``segments`` (``segments.csv``); a photo archive ``photos`` (``photos.csv``, the columns of
    :data:`measure.photos.PHOTO_COLUMNS`) and ``appearances`` (``appearances.csv``); a video may give
    ``context`` (:mod:`measure.context`), the report's ``context`` rows. ``sponsors.csv``,
    ``detections.parquet`` and ``report.json`` are always written. ``extra(tmp)`` may add files
    (thumbnails, rendered reports) to the temporary folder once the tables and the report are
    there; the folder replaces ``out`` only when all of it succeeded (:func:`measure.store.atomic_dir`).

    Raises :class:`ValueError` when ``report`` is not a valid report (a bug in the caller) before
    anything is written, and :class:`measure.errors.OutputError` when ``out`` cannot be written.
    """
    rows = {"sponsors": records(sponsors)}
    if segments is not None:
        rows["segments"] = records(segments)
    if context is not None:
        rows["context"] = records(context)
    typed = new_report({**report, **rows})
    with atomic_dir(out, is_analysis_dir, "analysis") as tmp:
        sponsors.to_csv(tmp / "sponsors.csv", index=False)
        if segments is not None:
            segments.to_csv(tmp / "segments.csv", index=False)
        if photos is not None:
            photos[list(PHOTO_COLUMNS)].to_csv(tmp / "photos.csv", index=False)
        if appearances is not None:
            appearances.to_csv(tmp / "appearances.csv", index=False)
        write_parquet(detections.reset_index(drop=True), tmp / "detections.parquet")
        (tmp / REPORT_FILE).write_text(typed.to_json(), "utf-8")
        if extra is not None:
            extra(tmp)
    return typed
