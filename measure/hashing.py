"""Hashing: the sha256 digests that identify files, model folders and texts (run keys, model cards,
fingerprints). Hex strings, lower case."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file's bytes (OSError if unreadable)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    """Return the hex sha256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_path(path: str | Path) -> str:
    """Return the hex sha256 of a file, or of a folder (an OpenVINO model is a folder).

    A folder's digest is the sha256 of every file's relative POSIX path followed by that file's
    sha256, in sorted path order, so renaming, adding or changing any file changes it.
    """
    path = Path(path)
    if not path.is_dir():
        return sha256_file(path)
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            h.update(f.relative_to(path).as_posix().encode() + sha256_file(f).encode())
    return h.hexdigest()
