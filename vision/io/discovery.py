"""Finding the files under the folders a user names, and telling photos from videos, the same way for
every command (``analyze``, ``photos``, ``batch``, ``adapt``, ``train --backgrounds``...).

Folders are searched recursively and symlinked folders are followed, so a folder linked into an
archive is counted like any other. A folder reached a second time (a symlink loop such as
``a/up -> ..``, or two links to one folder) is searched once. Hidden files and folders (names
starting with ``.``) are skipped, and so is anything that is not a regular file (sockets, FIFOs,
broken links).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

#: File suffixes read as photos (lower case; any case matches).
IMAGE_SUFFIXES: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp")

#: File suffixes read as videos (lower case; any case matches).
VIDEO_SUFFIXES: tuple[str, ...] = (
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts",
    ".mpg", ".mpeg", ".flv", ".wmv", ".3gp", ".mxf", ".ogv",
)  # fmt: skip


def is_image_path(path: str | os.PathLike[str]) -> bool:
    """Return True when the file name ends in one of :data:`IMAGE_SUFFIXES` (any case)."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def is_video_path(path: str | os.PathLike[str]) -> bool:
    """Return True when the file name ends in one of :data:`VIDEO_SUFFIXES` (any case)."""
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def media_files(root: str | os.PathLike[str]) -> list[Path]:
    """Return every photo and video file below the folder ``root`` (:func:`walk_files`), sorted."""
    return [f for f in walk_files(root) if is_image_path(f) or is_video_path(f)]


def walk_files(root: str | os.PathLike[str]) -> list[Path]:
    """Return every regular, non-hidden file below the folder ``root``, sorted by path.

    Paths are as reached from ``root`` (through any symlinked folders), not resolved.
    """
    return sorted(_walk(Path(root)))


def _walk(root: Path) -> Iterator[Path]:
    visited: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in visited:  # a loop, or a second link to one folder
            dirnames[:] = []
            continue
        visited.add((st.st_dev, st.st_ino))
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath, name)
            if not name.startswith(".") and path.is_file():
                yield path
