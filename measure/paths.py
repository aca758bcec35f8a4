"""How paths and other text are shown: one rule for messages, tables, JSON and databases.

A file name whose bytes are not UTF-8 reaches Python as lone surrogates (``os.fsdecode``); printing
or storing it as such fails or shows ``\\udce9``. Here every such byte becomes ``\\xNN`` (``\\xe9``),
the same in an error message, a CSV, report.json, Parquet and the batch database. The file itself is
always opened by its real path.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


def valid_text(text: str) -> str:
    """Return ``text`` as valid UTF-8 text: bytes of a path that are not UTF-8 (which Python holds
    as lone surrogates) become ``\\xNN`` escapes, so they can be printed and written to JSON, CSV and
    Parquet."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape" if _only_escapes(text) else "surrogatepass").decode(
            "utf-8", "backslashreplace"
        )


def display_path(path: str | Path) -> str:
    """Return ``path`` as shown in messages and stored in tables (see :func:`valid_text`)."""
    return valid_text(os.fspath(path))


def _only_escapes(text: str) -> bool:
    """True when every lone surrogate in ``text`` is one ``os.fsdecode`` makes of a non-UTF-8 byte."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)


def common_path(paths: Sequence[str]) -> str:
    """Return the one folder that holds all ``paths`` (absolute), or the path itself when there is
    one; the first path when they share no root (different drives)."""
    if len(paths) == 1:
        return paths[0]
    try:
        return os.path.commonpath([os.path.abspath(p) for p in paths])
    except ValueError:
        return paths[0]
