"""The result store of one analysis: ``report.json``, CSVs and ``detections.parquet``, written atomically.

Everything goes into a temporary directory beside the destination, which is renamed into place
only when every file is complete, so a killed or failed run never leaves a partial ``DIR``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


class OutputError(OSError):
    """The output directory cannot be written (read-only, full disk, not a directory...)."""


def tool_info() -> dict[str, str]:
    """Return ``{"name": "sponsorlens", "version": ...}`` for every report."""
    try:
        version = metadata.version("sponsorlens")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    return {"name": "sponsorlens", "version": version}


def jsonable(obj: Any) -> Any:
    """Return ``obj`` with numpy scalars made Python and NaN/inf made None (valid, strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table as a list of JSON-ready row dicts."""
    return jsonable(df.to_dict(orient="records"))


@contextlib.contextmanager
def atomic_dir(dest: str | Path) -> Iterator[Path]:
    """Yield a fresh temporary directory that replaces ``dest`` when the block succeeds.

    On any exception the temporary directory is removed and ``dest`` is left as it was. Raises
    :class:`OutputError` when the parent of ``dest`` cannot be written.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise OutputError(f"{dest}: exists and is not a directory")
    parent = dest.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=parent))
    except OSError as e:
        raise OutputError(f"{dest}: cannot write output here: {e.strerror or e}") from None
    try:
        yield tmp
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=parent))
            os.replace(dest, old / "d")
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{dest}: cannot write output: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """Write strict JSON (no NaN), UTF-8, indented."""
    path.write_text(json.dumps(jsonable(data), indent=2, ensure_ascii=False, allow_nan=False) + "\n", "utf-8")


def write_tables(
    out: Path, report: dict[str, Any], sponsors: pd.DataFrame, segments: pd.DataFrame, detections: pd.DataFrame
) -> None:
    """Write ``report.json``, ``sponsors.csv``, ``segments.csv`` and ``detections.parquet`` into ``out``."""
    write_json(out / "report.json", report)
    sponsors.to_csv(out / "sponsors.csv", index=False)
    segments.to_csv(out / "segments.csv", index=False)
    detections.reset_index(drop=True).to_parquet(out / "detections.parquet", index=False)


def read_report(directory: str | Path) -> dict[str, Any]:
    """Return the parsed ``report.json`` of an analysis directory (ValueError with the reason if bad)."""
    path = Path(directory) / "report.json"
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{directory}: not an analysis directory (no report.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: unreadable report: {e}") from None
    if not isinstance(data, dict) or "sponsors" not in data:
        raise ValueError(f"{path}: not a SponsorLens report")
    return data
