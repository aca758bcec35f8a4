"""Finding the files under the folders a user names, and telling photos from videos, the same way for
every command (``analyze``, ``photos``, ``batch``, ``adapt``, ``train --backgrounds``...).

Folders are searched recursively and symlinked folders are followed, so a folder linked into an
archive is counted like any other. A folder reached a second time (a symlink loop such as
``a/up -> ..``, or two links to one folder) is searched once. Hidden files and folders (names
starting with ``.``) are skipped, and so is anything that is not a regular file (sockets, FIFOs,
broken links); a FIFO, socket or device the command would have taken is named to ``warn`` (reading a
named pipe would wait forever). A path named directly that is not a regular file is refused at once
(:func:`not_regular`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from measure.configfile import file_kind
from measure.paths import display_path

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


def not_regular(path: str | os.PathLike[str]) -> str | None:
    """Return why an existing ``path`` (symlinks followed) that is neither a regular file nor a folder
    cannot be read, e.g. ``"not a regular file (a named pipe (FIFO))"``; None for a regular file, a
    folder or a path that does not exist (those have their own messages)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return f"not a regular file ({file_kind(mode)})"


def unreadable_file(path: str | os.PathLike[str], kind: str) -> str | None:
    """Return why ``path`` cannot be opened as a ``kind`` file (``"image"``, ``"video"``): ``"file not
    found"``, ``"is a directory, not a video file"`` or :func:`not_regular`'s reason (a named pipe would
    block the read forever); None when it is a regular file."""
    if not os.path.exists(path):
        return "file not found"
    if os.path.isdir(path):
        return f"is a directory, not {'an' if kind[0] in 'aeiou' else 'a'} {kind} file"
    return not_regular(path)


def media_files(root: str | os.PathLike[str], warn: Callable[[str], None] | None = None) -> list[Path]:
    """Return every photo and video file below the folder ``root`` (:func:`walk_files`), sorted."""
    return walk_files(root, warn=warn, wanted=lambda f: is_image_path(f) or is_video_path(f))


def walk_files(
    root: str | os.PathLike[str],
    warn: Callable[[str], None] | None = None,
    wanted: Callable[[Path], bool] | None = None,
) -> list[Path]:
    """Return every regular, non-hidden file below the folder ``root`` for which ``wanted(path)`` is
    true (default: all), sorted by path.

    Paths are as reached from ``root`` (through any symlinked folders), not resolved. A wanted name
    that is a FIFO, socket or device is skipped and, with ``warn``, named in one line:
    ``skipped PATH: not a regular file (a named pipe (FIFO))``.
    """
    found: list[Path] = []
    for path in _walk(Path(root)):
        if wanted is not None and not wanted(path):
            continue
        if path.is_file():
            found.append(path)
        elif warn is not None and (why := not_regular(path)) is not None:
            warn(f"skipped {display_path(os.fspath(path))}: {why}")
    return sorted(found)


def _walk(root: Path) -> Iterator[Path]:
    """Yield every non-hidden entry below ``root`` that is not a folder (regular or not)."""
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
            if not name.startswith("."):
                yield path
