"""Photos to detections: load, detect in batches, score each detection's quality.

Used by ``sponsorlens photos`` and by ``sponsorlens batch``, so both compute the same numbers.
Photos are decoded at full resolution with EXIF orientation applied (:func:`vision.io.images.load_image`)
and detected in batches of equally sized photos: a batch of one size is letterboxed exactly like a
single photo, so a photo gives the same detections whatever else is in the batch.
A photo that cannot be read becomes a :class:`PhotoFailure` and the rest go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from measure.errors import InputError, first_line
from measure.frame_edge import complete_cut_logos
from measure.limits import MAX_HELD_PHOTO_PIXELS
from measure.paths import display_path
from measure.records import DETECTION_COLUMNS, QUALITY_COLUMNS
from vision.inference.detections import Detections
from vision.inference.detector import LogoDetector
from vision.inference.occlusion import ArtworkOcclusion, in_view
from vision.inference.quality import frame_quality
from vision.io.images import ImageError, load_image

#: Columns of a photo detection table: the detection and quality columns (no ``qualifies``) + ``photo``.
PHOTO_DETECTION_COLUMNS: dict[str, str] = {
    "photo": "object",
    **DETECTION_COLUMNS,
    **{c: d for c, d in QUALITY_COLUMNS.items() if c != "qualifies"},
}


@dataclass(frozen=True)
class PhotoResult:
    """One analysed photo: its ``index`` in the input, ``path``, size in pixels (after EXIF
    orientation) and its detections (:data:`PHOTO_DETECTION_COLUMNS`; ``frame`` is ``index``,
    ``t`` is 0.0, ``track_id`` -1 and ``shot`` 0)."""

    index: int
    path: Path
    width: int
    height: int
    detections: pd.DataFrame


@dataclass(frozen=True)
class PhotoFailure:
    """A photo that could not be analysed, with a one-line reason."""

    index: int
    path: Path
    error: str


def empty_photo_detections() -> pd.DataFrame:
    """Return an empty photo detection table with the right columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in PHOTO_DETECTION_COLUMNS.items()})


def detection_table(
    path: Path, image: np.ndarray, dets: Detections, occlusion: ArtworkOcclusion | None = None
) -> pd.DataFrame:
    """Return the scored detection table of one photo (:data:`PHOTO_DETECTION_COLUMNS`); ``occlusion``
    judges how much of each logo is hidden, against its artwork (:mod:`vision.inference.occlusion`)."""
    n = len(dets)
    if n == 0:
        return empty_photo_detections()
    dets, seen = in_view(occlusion, image, dets)
    data: dict[str, object] = {"photo": np.full(n, display_path(path), dtype=object), **dets.columns()}
    data.update(frame_quality(image, dets.corners, seen))
    table = pd.DataFrame(data)[list(PHOTO_DETECTION_COLUMNS)].astype(PHOTO_DETECTION_COLUMNS)
    # a logo cut off by the photo's border: its shape from the same sponsor's uncut logos in this photo
    return complete_cut_logos(table, image.shape[1], image.shape[0])


def detect_photos(
    paths: Iterable[str | Path],
    detector: LogoDetector,
    batch_size: int = 8,
    first_index: int = 0,
    occlusion: ArtworkOcclusion | None = None,
) -> Iterator[PhotoResult | PhotoFailure]:
    """Analyse ``paths`` and yield one :class:`PhotoResult` or :class:`PhotoFailure` per path, in order.

    ``batch_size`` photos are decoded at a time (they are all in memory at once; fewer when they hold
    :data:`~measure.limits.MAX_HELD_PHOTO_PIXELS` together) and detected in groups of equal size. ``index`` counts from ``first_index``.
    """
    if batch_size < 1:
        raise InputError(f"--batch must be at least 1, got {batch_size}")
    pending: _Pending = []
    for i, p in enumerate(paths, start=first_index):
        path = Path(p)
        try:
            item: np.ndarray | str = load_image(path)
        except (ImageError, OSError, ValueError, cv2.error) as e:
            item = display_path(first_line(e))
            named = (display_path(path), str(path).encode("utf-8", "backslashreplace").decode())
            if not any(n in item for n in named):
                item = f"{display_path(path)}: {item}"
        pending.append((i, path, item))
        held = sum(it.shape[0] * it.shape[1] for _, _, it in pending if not isinstance(it, str))
        if len(pending) >= batch_size or held >= MAX_HELD_PHOTO_PIXELS:  # large photos: a smaller batch
            yield from _flush(pending, detector, occlusion)
            pending = []
    if pending:
        yield from _flush(pending, detector, occlusion)


_Pending = list[tuple[int, Path, np.ndarray | str]]


def _flush(
    pending: _Pending, detector: LogoDetector, occlusion: ArtworkOcclusion | None
) -> list[PhotoResult | PhotoFailure]:
    out: dict[int, PhotoResult | PhotoFailure] = {}
    groups: dict[tuple[int, ...], list[tuple[int, Path, np.ndarray]]] = {}
    for i, path, item in pending:
        if isinstance(item, str):
            out[i] = PhotoFailure(i, path, item)
        else:
            groups.setdefault(item.shape, []).append((i, path, item))
    for group in groups.values():
        found = detector.predict([g[2] for g in group], [g[0] for g in group], [0.0] * len(group))
        for (i, path, image), dets in zip(group, found, strict=True):
            h, w = image.shape[:2]
            out[i] = PhotoResult(i, path, w, h, detection_table(path, image, dets, occlusion))
    return [out[i] for i, _, _ in pending]
