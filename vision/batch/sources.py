"""The sources of a batch: every video and photo under the paths a user names, and when each was shot.

Files are found as every command finds them (:mod:`vision.io.discovery`); a source's date comes from
its own metadata where it has one, else from the file's modification time.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from measure.errors import InputError
from measure.paths import display_path
from vision.io.discovery import is_image_path, is_video_path, not_regular, walk_files


def discover(paths: Sequence[str | Path], warn: Callable[[str], None] | None = None) -> list[tuple[str, str]]:
    """Return ``(absolute path, kind)`` of every video and photo under ``paths``, in a stable order.

    Folders are searched as :func:`vision.io.discovery.walk_files` does (symlinked folders followed,
    loops cut) for photo (``IMAGE_SUFFIXES``) and video (``VIDEO_SUFFIXES``) files; a file named
    directly is a photo by its suffix, else a video. Raises :class:`~measure.errors.InputError` for
    a path that does not exist or is not a regular file or folder (a named pipe would block the run);
    a named pipe, socket or device inside a folder is skipped and named to ``warn``.
    """
    found: dict[str, str] = {}
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: not found")
        if (why := not_regular(p)) is not None:
            raise InputError(f"{display_path(os.fspath(p))}: {why}")
        files = (
            [p]
            if p.is_file()
            else walk_files(p, warn=warn, wanted=lambda f: is_image_path(f) or is_video_path(f))
        )
        for f in files:
            if is_image_path(f):
                kind = "photo"
            elif is_video_path(f) or f == p:
                kind = "video"
            else:
                continue
            found.setdefault(os.path.abspath(f), kind)
    return list(found.items())


def taken_at(path: str, kind: str) -> tuple[dt.datetime, str]:
    """Return when a source was shot and where that came from: ``exif`` (photo DateTimeOriginal,
    camera local time), ``container`` (video ``creation_time``, UTC) or ``mtime`` (file
    modification time, UTC)."""
    try:
        if kind == "photo":
            from vision.io.images import pil_open

            with pil_open(path) as im:
                exif = im.getexif()
                value = exif.get_ifd(0x8769).get(36867) or exif.get(306)
            if value:
                return dt.datetime.strptime(str(value).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S"), "exif"
        else:
            import av

            with av.open(path) as container:
                value = container.metadata.get("creation_time")
            if value:
                when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
                if when.tzinfo is not None:
                    when = when.astimezone(dt.UTC).replace(tzinfo=None)
                return when, "container"
    except Exception:  # any unreadable metadata: fall back to the file time
        pass
    return dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.UTC).replace(tzinfo=None), "mtime"
