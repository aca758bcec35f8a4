"""The plain records that cross from ``vision/`` into ``measure/``.

``measure/`` never sees pixels except through :mod:`measure.quality`, and never imports torch or
ultralytics. Everything it aggregates is a pandas DataFrame with the columns below (one row per
detection) plus a :class:`Timeline` that says which frames were analysed and when.

Units: times in seconds of presentation time (container timestamps), coordinates in pixels of the
decoded frame, shares as fractions of the frame area.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Columns every detection table has, in this order. ``px0..py3`` hold the 4-point polygon of an
#: oriented (OBB) detection, clockwise from any corner, and are NaN for axis-aligned detections.
#: Box and polygon pixels are float32 (a 3-hour match holds millions of rows; float32 keeps a
#: coordinate below 8192 px to 1/1000 px); times and scores stay float64.
DETECTION_COLUMNS: dict[str, str] = {
    "frame": "int64",  # decoded frame index (0-based, counting every frame of the source)
    "t": "float64",  # presentation timestamp, seconds
    "sponsor": "object",  # class name of the model = sponsor name
    "conf": "float64",  # detector confidence in [0, 1]
    "x1": "float32",  # axis-aligned box, pixels
    "y1": "float32",
    "x2": "float32",
    "y2": "float32",
    "px0": "float32",
    "py0": "float32",
    "px1": "float32",
    "py1": "float32",
    "px2": "float32",
    "py2": "float32",
    "px3": "float32",
    "py3": "float32",
    "track_id": "int64",  # -1 when untracked
    "shot": "int64",  # index of the camera shot (0-based); shots are separated by cuts
    "source": "object",  # what found it: "model" (the YOLO model) or "text" (the text reader)
}

BOX_COLUMNS: tuple[str, ...] = ("x1", "y1", "x2", "y2")
POLY_COLUMNS: tuple[str, ...] = tuple(f"p{axis}{i}" for i in range(4) for axis in "xy")  # px0, py0, ..., py3

#: Columns :func:`vision.inference.quality.score_detections` adds (from :func:`measure.quality.detection_quality`).
QUALITY_COLUMNS: dict[str, str] = {
    "screen_share": "float64",  # polygon area inside the frame / frame area, fraction
    "short_side_px": "float64",  # short side of the (rotated) box, pixels
    "sharpness": "float64",  # [0, 1]
    "contrast": "float64",  # [0, 1]
    "size_score": "float64",  # [0, 1]
    "visible_fraction": "float64",  # [0, 1], share of the logo inside the frame (measure.frame_edge)
    "clarity": "float64",  # [0, 1]
    "zone": "object",  # one of ZONES
    "centrality": "float64",  # [0, 1], 1 at the frame centre, 0 at a corner
    "qualifies": "bool",  # counts toward exposure (clarity and size thresholds)
}

#: Visual context of a detection (see :mod:`vision.inference.context` and :mod:`measure.context`).
#: ``placement`` is a detection's own fact (column of the detection table, from the vision side);
#: ``shot_type`` and ``replay`` are facts of its shot, kept once per shot in :class:`Timeline` and
#: added to the written detection table by :func:`measure.exposure.aggregate`.
CONTEXT_COLUMNS: dict[str, str] = {
    "placement": "object",  # one of PLACEMENTS, or UNKNOWN
    "shot_type": "object",  # one of SHOT_TYPES, or UNKNOWN
    "replay": "bool",  # True inside a replay
}
#: A surface in the venue (board, banner, shirt); a graphic laid over the picture.
PLACEMENTS: tuple[str, ...] = ("in_venue", "overlay")
SHOT_TYPES: tuple[str, ...] = ("wide", "tight", "closeup")
UNKNOWN: str = "unknown"  # a context value that was not classified

ZONES: tuple[str, ...] = (
    "top-left", "top-center", "top-right",
    "middle-left", "center", "middle-right",
    "bottom-left", "bottom-center", "bottom-right",
)  # fmt: skip


def empty_detections(with_quality: bool = False) -> pd.DataFrame:
    """Return an empty detection table with the right columns and dtypes."""
    cols = dict(DETECTION_COLUMNS)
    if with_quality:
        cols.update(QUALITY_COLUMNS)
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in cols.items()})


def polygons(df: pd.DataFrame) -> np.ndarray:
    """Return an (N, 4, 2) float array of each detection's polygon in pixels.

    Oriented detections use their ``px*/py*`` corners; axis-aligned ones use the box corners.
    """
    n = len(df)
    if n == 0:
        return np.zeros((0, 4, 2))
    box = np.stack(
        [
            df[["x1", "y1"]].to_numpy(float),
            df[["x2", "y1"]].to_numpy(float),
            df[["x2", "y2"]].to_numpy(float),
            df[["x1", "y2"]].to_numpy(float),
        ],
        axis=1,
    )
    if "px0" not in df:
        return box
    poly = np.stack([df[[f"px{i}", f"py{i}"]].to_numpy(float) for i in range(4)], axis=1)
    has_poly = ~np.isnan(poly).any(axis=(1, 2))
    return np.where(has_poly[:, None, None], poly, box)


@dataclass(frozen=True)
class Timeline:
    """Which frames were analysed, when, and where the camera cut.

    ``times`` are the presentation timestamps (seconds, ascending) of the analysed frames and
    ``frames`` their frame indices. Each analysed frame stands for the time from its own timestamp
    to the next analysed frame's timestamp; the last one stands until ``duration_s``.
    ``cuts_s`` are the timestamps (seconds) of the first frame of every new shot after the first.
    ``shot_types`` holds one of ``SHOT_TYPES`` per shot (index = shot) and ``replays`` True per shot
    that is a replay; both may be empty (not classified): every shot is then ``UNKNOWN`` and live.
    """

    times: np.ndarray
    frames: np.ndarray
    duration_s: float
    width: int
    height: int
    cuts_s: tuple[float, ...] = field(default=())
    shot_types: tuple[str, ...] = field(default=())
    replays: tuple[bool, ...] = field(default=())

    def __post_init__(self) -> None:
        times = np.asarray(self.times, dtype=float)
        frames = np.asarray(self.frames, dtype=np.int64)
        if times.shape != frames.shape:
            raise ValueError("Timeline.times and Timeline.frames differ in length")
        if len(times) and np.any(np.diff(times) < 0):
            raise ValueError("Timeline.times must be ascending")
        if len(times) and self.duration_s < times[-1]:
            raise ValueError("Timeline.duration_s is before the last analysed frame")
        object.__setattr__(self, "times", times)
        object.__setattr__(self, "frames", frames)
        object.__setattr__(self, "cuts_s", tuple(sorted(float(c) for c in self.cuts_s)))
        n_shots = len(self.cuts_s) + 1
        for name in ("shot_types", "replays"):
            if len(getattr(self, name)) not in (0, n_shots):
                raise ValueError(f"Timeline.{name} must hold one value per shot ({n_shots}) or none")
        object.__setattr__(self, "shot_types", tuple(str(v) for v in self.shot_types))
        object.__setattr__(self, "replays", tuple(bool(v) for v in self.replays))

    @property
    def intervals(self) -> np.ndarray:
        """Seconds each analysed frame stands for (time to the next analysed frame)."""
        if len(self.times) == 0:
            return np.zeros(0)
        ends = np.append(self.times[1:], self.duration_s)
        return ends - self.times

    @property
    def shot_of_frame(self) -> np.ndarray:
        """Shot index (0-based) of each analysed frame."""
        return np.searchsorted(np.asarray(self.cuts_s), self.times, side="right")

    @property
    def shot_type_of_frame(self) -> np.ndarray:
        """Shot type (object array, ``UNKNOWN`` where not classified) of each analysed frame."""
        if not self.shot_types:
            return np.full(len(self.times), UNKNOWN, dtype=object)
        return np.asarray(self.shot_types, dtype=object)[self.shot_of_frame]

    @property
    def replay_of_frame(self) -> np.ndarray:
        """True for each analysed frame inside a replay shot (all False where not classified)."""
        if not self.replays:
            return np.zeros(len(self.times), dtype=bool)
        return np.asarray(self.replays, dtype=bool)[self.shot_of_frame]
