"""The result store of one analysis: ``report.json``, CSVs and ``detections.parquet``, written atomically.

Everything goes into a temporary directory beside the destination, which is renamed into place
only when every file is complete, so a killed or failed run never leaves a partial ``DIR``.
"""

from __future__ import annotations

import contextlib
import hashlib
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


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file's bytes (OSError if unreadable)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


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
        obj = str(obj)
    if isinstance(obj, str):
        return valid_text(obj)
    return obj


def valid_text(text: str) -> str:
    """Return ``text`` as valid UTF-8 text: bytes of a path that are not UTF-8 (which Python holds
    as lone surrogates) become ``\\xNN`` escapes, so they can be written to JSON, CSV and Parquet."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape" if _only_escapes(text) else "surrogatepass").decode(
            "utf-8", "backslashreplace"
        )


def _only_escapes(text: str) -> bool:
    """True when every lone surrogate in ``text`` is one ``os.fsdecode`` makes of a non-UTF-8 byte."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table as a list of JSON-ready row dicts."""
    return jsonable(df.to_dict(orient="records"))


def check_name(name: str, what: str = "--name") -> str:
    """Return ``name`` when it is a plain file stem (letters, digits, '-' and '_'); else ValueError.

    Writers that make ``DIR/NAME.ext`` call it, so no name (``../x``, ``a/b``, ``.``, empty) can
    write outside ``DIR``, whoever calls them.
    """
    if not isinstance(name, str) or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"{what} must be letters, digits, '-' or '_', got {name!r}")
    return name


def _existing_ancestor(path: Path) -> Path:
    """Return the nearest ancestor of ``path`` (absolute) that exists, file or directory."""
    anc = path.absolute().parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    return anc


def check_output_dir(dest: str | Path) -> None:
    """Raise :class:`OutputError` now when ``dest`` could not be written as an output directory later.

    Catches an existing file at ``dest``, a file where a parent directory should be, and a parent
    in which nothing can be created (read-only directory or file system, no permission) by creating
    and removing an empty probe directory there. Call it before a long analysis so a bad ``--out``
    fails in a second, not after the work is done. Creates no directory that stays.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise OutputError(f"{dest}: exists and is not a directory")
    anc = _existing_ancestor(dest)
    if not anc.is_dir():
        raise OutputError(f"{dest}: cannot write output here: {anc} is a file, not a directory")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".probe", dir=anc))
    except OSError as e:
        raise OutputError(f"{dest}: cannot write output in {anc}: {e.strerror or e}") from None


def _swap_in(tmp: Path, dest: Path, parent: Path) -> None:
    """Move the finished ``tmp`` to ``dest``; an existing ``dest`` is replaced, or kept if that fails."""
    if not dest.exists():
        os.replace(tmp, dest)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=parent))
    try:
        os.replace(dest, old / "d")
    except OSError:
        old.rmdir()
        raise
    try:
        os.replace(tmp, dest)
    except OSError:
        os.replace(old / "d", dest)  # put the earlier results back
        old.rmdir()
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_dir(dest: str | Path) -> Iterator[Path]:
    """Yield a fresh temporary directory that replaces ``dest`` when the block succeeds.

    On any exception the temporary directory is removed and ``dest`` is left as it was (an earlier
    ``dest`` is kept whole if replacing it fails). Raises :class:`OutputError` when the parent of
    ``dest`` cannot be written or a file cannot be written (full disk...).
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise OutputError(f"{dest}: exists and is not a directory")
    parent = dest.absolute().parent
    anc = _existing_ancestor(dest)
    if not anc.is_dir():
        raise OutputError(f"{dest}: cannot write output here: {anc} is a file, not a directory")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=parent))
    except OSError as e:
        raise OutputError(f"{dest}: cannot write output here: {e.strerror or e}") from None
    try:
        yield tmp
        _swap_in(tmp, dest, parent)
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
    out: Path,
    report: dict[str, Any],
    sponsors: pd.DataFrame,
    segments: pd.DataFrame,
    detections: pd.DataFrame,
) -> None:
    """Write ``report.json``, ``sponsors.csv``, ``segments.csv`` and ``detections.parquet`` into ``out``."""
    write_json(out / "report.json", report)
    sponsors.to_csv(out / "sponsors.csv", index=False)
    segments.to_csv(out / "segments.csv", index=False)
    write_parquet(detections.reset_index(drop=True), out / "detections.parquet")


def write_parquet(df: pd.DataFrame, path: Path, rows_per_group: int = 262_144) -> None:
    """Write ``df`` to Parquet at ``path`` (no index), ``rows_per_group`` rows at a time.

    Converting slice by slice keeps the Arrow copy to one row group, not the whole table. The file
    is opened by Python, not by Arrow, so a path that is not valid UTF-8 (any bytes are legal in
    POSIX file names) works too.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = pa.Table.from_pandas(df.iloc[:rows_per_group], preserve_index=False)  # sets the schema
    with open(path, "wb") as fh, pq.ParquetWriter(fh, first.schema) as writer:
        writer.write_table(first)
        del first
        for start in range(rows_per_group, len(df), rows_per_group):
            part = df.iloc[start : start + rows_per_group]
            writer.write_table(pa.Table.from_pandas(part, schema=writer.schema, preserve_index=False))


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
