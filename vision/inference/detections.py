"""One typed detection record: :class:`Detections`, parallel numpy columns (like ``supervision.Detections``).

Every detector returns it (the YOLO model, :mod:`vision.inference.detector`; the text reader,
:mod:`vision.inference.reader`), the tracker fills its ``track_id``, the checker subsets it, the
pipeline turns it into the detection table of :mod:`measure.records` (:meth:`Detections.to_frame`)
and the drawing code of ``cli`` draws it. Sponsors are strings, so detections of different
detectors (model classes, catalogue sponsors) merge without renumbering classes.

Units: pixels of the decoded frame for boxes and polygons, seconds of presentation time for ``time``.
This module imports neither torch nor ultralytics: :meth:`Detections.from_ultralytics` reads the
result object by its attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from measure.records import BOX_COLUMNS, DETECTION_COLUMNS

#: The per-detection columns of :class:`Detections` besides ``polygon`` and ``data``, in order.
_ARRAYS: tuple[str, ...] = ("xyxy", "confidence", "sponsor", "track_id", "frame", "time", "shot", "source")


def box_corners(xyxy: np.ndarray) -> np.ndarray:
    """Return the (N, 4, 2) corners (pixels) of (N, 4) xyxy boxes, clockwise from the top-left."""
    x = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    return np.stack([x[:, [0, 1]], x[:, [2, 1]], x[:, [2, 3]], x[:, [0, 3]]], axis=1)


def _column(value: Any, n: int, dtype: Any) -> np.ndarray:
    """Return ``value`` as an (n,) array of ``dtype``: a scalar is repeated, an array cast."""
    if np.ndim(value) == 0:
        return np.full(n, value, dtype=dtype)
    arr = np.asarray(value, dtype=dtype)
    if arr.shape != (n,):
        raise ValueError(f"Detections: a column of shape {arr.shape} beside {n} boxes")
    return arr


@dataclass
class Detections:
    """Detections as parallel arrays, one row per detection (of one frame or of many).

    ``xyxy`` (N, 4) float64 pixels; ``confidence`` (N,) float64 in [0, 1]; ``sponsor`` (N,) object
    (str); ``polygon`` (N, 4, 2) float64 pixels for oriented models and text lines, None for
    axis-aligned detections; ``track_id`` (N,) int64, -1 untracked; ``frame`` (N,) int64 decoded
    frame index; ``time`` (N,) float64 seconds; ``shot`` (N,) int64 camera shot (0-based);
    ``source`` (N,) object: ``"model"`` (the YOLO model) or ``"text"`` (the text reader); ``data``
    extra per-detection columns by name, each (N, ...) (the quality columns of
    :data:`measure.records.QUALITY_COLUMNS`, ...).

    Scalars broadcast: ``Detections(xyxy, conf, sponsors, frame=12, time=0.48)`` is one frame's
    record. ``track_id`` defaults to -1, ``source`` to ``"model"``, ``shot`` to 0.
    """

    xyxy: np.ndarray
    confidence: np.ndarray
    sponsor: np.ndarray
    polygon: np.ndarray | None = None
    track_id: np.ndarray | int = -1
    frame: np.ndarray | int = 0
    time: np.ndarray | float = 0.0
    shot: np.ndarray | int = 0
    source: np.ndarray | str = "model"
    data: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float64).reshape(-1, 4)
        n = len(self.xyxy)
        self.confidence = _column(self.confidence, n, np.float64)
        self.sponsor = _column(self.sponsor, n, object)
        self.track_id = _column(self.track_id, n, np.int64)
        self.frame = _column(self.frame, n, np.int64)
        self.time = _column(self.time, n, np.float64)
        self.shot = _column(self.shot, n, np.int64)
        self.source = _column(self.source, n, object)
        if self.polygon is not None:
            self.polygon = np.asarray(self.polygon, dtype=np.float64).reshape(n, 4, 2)
        self.data = dict(self.data)
        for k, v in self.data.items():
            if len(v) != n:
                raise ValueError(f"Detections: data column {k!r} has {len(v)} rows beside {n} boxes")

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: np.ndarray | Sequence[int] | slice | int) -> Detections:
        """Return the detections selected by a boolean mask, an index array, a slice or one index
        (a record of one detection), ``data`` columns included."""
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        if not isinstance(index, slice):
            index = np.asarray(index)
            if index.dtype != bool:
                index = index.astype(np.int64).reshape(-1)
        return Detections(
            self.xyxy[index],
            self.confidence[index],
            self.sponsor[index],
            None if self.polygon is None else self.polygon[index],
            self.track_id[index],
            self.frame[index],
            self.time[index],
            self.shot[index],
            self.source[index],
            {k: np.asarray(v)[index] for k, v in self.data.items()},
        )

    @classmethod
    def empty(cls, oriented: bool = False) -> Detections:
        """Return a record of no detections (with an empty (0, 4, 2) ``polygon`` when ``oriented``)."""
        return cls(
            np.zeros((0, 4)),
            np.zeros(0),
            np.zeros(0, dtype=object),
            np.zeros((0, 4, 2)) if oriented else None,
        )

    @classmethod
    def merge(cls, parts: Sequence[Detections]) -> Detections:
        """Return ``parts`` concatenated in order (any frames).

        ``polygon`` is None only when every part has none; otherwise parts without polygons get their
        box corners (:attr:`corners`). ``data`` holds the union of the parts' keys: a part without a
        key gets NaN there (a float column; ``None`` in an object column), so merging scored and
        unscored detections never fails. An empty ``parts`` gives :meth:`empty`.
        """
        parts = list(parts)
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0][:]
        polygon = (
            None
            if all(p.polygon is None for p in parts)
            else np.concatenate([p.corners for p in parts]).reshape(-1, 4, 2)
        )
        data: dict[str, np.ndarray] = {}
        for key in dict.fromkeys(k for p in parts for k in p.data):
            have = [np.asarray(p.data[key]) for p in parts if key in p.data]
            kind = np.result_type(*have) if all(h.dtype != object for h in have) else np.dtype(object)
            if any(key not in p.data for p in parts) and kind.kind in "biu":
                kind = np.dtype(np.float64)  # an int or bool column with gaps holds NaN
            fill = None if kind.kind == "O" else np.nan
            data[key] = np.concatenate(
                [
                    np.asarray(p.data[key], dtype=kind)
                    if key in p.data
                    else np.full((len(p), *have[0].shape[1:]), fill, dtype=kind)
                    for p in parts
                ]
            )
        return cls(
            np.concatenate([p.xyxy for p in parts]).reshape(-1, 4),
            np.concatenate([p.confidence for p in parts]),
            np.concatenate([p.sponsor for p in parts]).astype(object),
            polygon,
            np.concatenate([p.track_id for p in parts]),
            np.concatenate([p.frame for p in parts]),
            np.concatenate([p.time for p in parts]),
            np.concatenate([p.shot for p in parts]),
            np.concatenate([p.source for p in parts]).astype(object),
            data,
        )

    @property
    def corners(self) -> np.ndarray:
        """(N, 4, 2) polygon of each detection in pixels: the oriented box, or the box's corners
        clockwise from the top-left."""
        return self.polygon if self.polygon is not None else box_corners(self.xyxy)

    def class_ids(self, names: Sequence[str]) -> np.ndarray:
        """Return (N,) int64 indices of each detection's sponsor in ``names`` (a model's classes);
        raises KeyError for a sponsor not in ``names``."""
        index = {n: i for i, n in enumerate(names)}
        return np.fromiter((index[s] for s in self.sponsor), dtype=np.int64, count=len(self))

    @classmethod
    def from_ultralytics(
        cls,
        result: Any,
        names: Sequence[str] | Mapping[int, str] | None = None,
        frame: int = 0,
        time: float = 0.0,
        source: str = "model",
    ) -> Detections:
        """Return the detections of one ultralytics ``Results`` (a ``detect`` or ``obb`` model's).

        ``names`` maps class indices to sponsors (default: ``result.names``). Boxes and polygons
        become float64 pixels, confidences float64; an ``obb`` result also gives the 4-point
        ``polygon`` (ultralytics' ``xyxyxyxy``). ``frame`` and ``time`` (seconds) stamp every row.
        """
        names = result.names if names is None else names
        obb = getattr(result, "obb", None)
        found = (obb if obb is not None else result.boxes).cpu().numpy()
        classes = found.cls.astype(np.int64)
        polygon = found.xyxyxyxy.astype(np.float64).reshape(-1, 4, 2) if obb is not None else None
        return cls(
            found.xyxy.astype(np.float64),
            found.conf.astype(np.float64),
            np.asarray([names[int(c)] for c in classes], dtype=object),
            polygon,
            frame=int(frame),
            time=float(time),
            source=source,
        )

    def columns(self) -> dict[str, np.ndarray]:
        """Return the detection table's columns as arrays, not cast: the
        :data:`measure.records.DETECTION_COLUMNS` in order (``px*/py*`` NaN without a polygon),
        then the ``data`` columns."""
        n = len(self)
        poly = self.polygon if self.polygon is not None else np.full((n, 4, 2), np.nan)
        cols: dict[str, np.ndarray] = {
            "frame": self.frame,
            "t": self.time,
            "sponsor": self.sponsor,
            "conf": self.confidence,
            **{c: self.xyxy[:, i] for i, c in enumerate(BOX_COLUMNS)},
        }
        for i in range(4):
            cols[f"px{i}"] = poly[:, i, 0]
            cols[f"py{i}"] = poly[:, i, 1]
        cols.update(track_id=self.track_id, shot=self.shot, source=self.source)
        ordered = {c: cols[c] for c in DETECTION_COLUMNS}
        for k, v in self.data.items():
            if k not in ordered:
                ordered[k] = v
        return ordered

    def to_frame(self) -> pd.DataFrame:
        """Return a pandas detection table: exactly :data:`measure.records.DETECTION_COLUMNS` in
        order and with their dtypes (boxes and polygons float32 pixels, ``px*/py*`` NaN without a
        polygon), then the ``data`` columns (1-D ones only) as they are."""
        cols = self.columns()
        frame = pd.DataFrame(
            {c: pd.Series(cols[c], dtype=d) for c, d in DETECTION_COLUMNS.items()}
            | {k: pd.Series(v) for k, v in cols.items() if k not in DETECTION_COLUMNS and np.ndim(v) == 1}
        )
        return frame

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Detections:
        """Return the detections of a detection table (the inverse of :meth:`to_frame`).

        ``polygon`` is None when no row has ``px*/py*`` values (or the table has no such columns);
        rows of a table mixing both kinds without a polygon get their box corners. Columns beyond
        :data:`measure.records.DETECTION_COLUMNS` go to ``data``. Missing ``conf``, ``track_id``,
        ``frame``, ``t``, ``shot`` and ``source`` default to NaN, -1, 0, 0.0, 0 and ``"model"``.
        """
        n = len(df)
        xyxy = df[list(BOX_COLUMNS)].to_numpy(np.float64).reshape(n, 4)
        polygon = None
        if "px0" in df:
            poly = np.stack([df[[f"px{i}", f"py{i}"]].to_numpy(np.float64) for i in range(4)], axis=1)
            has = ~np.isnan(poly).any(axis=(1, 2))
            if has.any():
                polygon = np.where(has[:, None, None], poly, box_corners(xyxy))
        extra = {c: df[c].to_numpy() for c in df.columns if c not in DETECTION_COLUMNS}

        def get(c: str, default: Any) -> Any:
            return df[c].to_numpy() if c in df else default

        return cls(
            xyxy,
            get("conf", np.nan),
            df["sponsor"].to_numpy(object),
            polygon,
            get("track_id", -1),
            get("frame", 0),
            get("t", 0.0),
            get("shot", 0),
            get("source", "model"),
            extra,
        )
