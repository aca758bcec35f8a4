"""What crosses between the batch driver and its workers, and what identifies a run.

A :class:`WorkerSpec` tells a worker how to open its detectors; a :class:`Job` is one source to
analyse and a :class:`JobResult` what comes back. A worker also answers with the
:class:`RunIdentity` of its detectors and settings, from which the driver computes the run key, so
the driver never opens a model itself. Everything here is picklable (process pools, Ray).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from measure.paths import display_path

if TYPE_CHECKING:
    from measure.settings import Config
    from vision.inference.detectors import Detectors


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to build its detector and analyse sources (picklable)."""

    weights: str | None  # None with ``sponsors``: the text reader alone
    conf: float
    imgsz: int
    device: str
    trust_weights: bool
    config: dict[str, Any]
    sample_fps: float | None = None
    batch: int = 8
    track_memory_s: float = 1.0
    threads: int | None = None  # CPU threads of torch and OpenCV; None: torch on every core
    sponsors: str | None = None  # the sponsor catalogue (names or a file), as --sponsors
    check: bool = True  # the reader checks the model's tracks (with weights and sponsors)
    unread: str = "auto"  # what counts of the tracks the reader could not read (checking.UNREAD_POLICIES)
    read_fps: float | None = None  # whole video-frame reads per second beside a model
    read_photos: bool = True  # whole-photo reads beside a model
    replays: bool = True  # find the shots that are replays (vision.inference.replay)

    def open(self) -> Detectors:
        """Open the model and/or text reader this spec names."""
        from vision.inference.detectors import open_detectors

        weights = Path(self.weights) if self.weights is not None else None
        return open_detectors(
            weights, self.sponsors, self.conf, self.imgsz, self.device, self.trust_weights, self.threads
        )

    def replace(self, **changes: Any) -> WorkerSpec:
        """Return this spec with some fields changed (the threads or device of one engine's workers)."""
        return WorkerSpec(**{**vars(self), **changes})


@dataclass(frozen=True)
class Job:
    """One source to analyse: ``kind`` is ``video`` or ``photo``."""

    source_id: str
    run_key: str
    path: str
    kind: str
    content_sha256: str

    def source_row(self) -> dict[str, str]:
        """Return the identifying columns of this source's ``sources`` row."""
        return {
            "source_id": self.source_id,
            "run_key": self.run_key,
            "path": display_path(self.path),
            "kind": self.kind,
            "content_sha256": self.content_sha256,
        }


@dataclass
class JobResult:
    """What a worker sends back: the ``sources`` row and the source's tables, or an error."""

    job: Job
    source: dict[str, Any]
    detections: pd.DataFrame | None = None
    segments: pd.DataFrame | None = None
    sponsor_exposure: pd.DataFrame | None = None
    error: str | None = None
    categories: pd.DataFrame | None = None  # a video's catalogue categories (measure.categories)


@dataclass(frozen=True)
class RunIdentity:
    """What a worker's detectors and settings are, as the batch database records them.

    ``model`` identifies the detectors (:meth:`vision.inference.detectors.Detectors.fingerprint`: weights'
    sha256, task, classes, reader, catalogue), ``settings`` the settings that change the numbers
    (:func:`result_settings`): together they make the run key. ``info`` is the model block stored
    with the run (weights path, device, precision...), which the key leaves out.
    """

    model: dict[str, Any]
    info: dict[str, Any]
    settings: dict[str, Any]

    def run_key(self) -> str:
        """Return the run key (:func:`measure.db.run_key`) of these detectors and settings."""
        from measure.db import run_key

        return run_key(self.model, self.settings)


def result_settings(cfg: Config, spec: WorkerSpec, found: Detectors) -> dict[str, Any]:
    """Return the settings that change the numbers (part of the run key): thresholds, rate card,
    sponsors, conf, iou, imgsz, sample_fps, track memory, whether replays are found and how the text
    reader takes part. The
    device and batch size are not."""
    from vision.inference.analysis import settings_block

    reading = {}
    if found.reader is not None:
        reading = {"check": spec.check, "read_fps": spec.read_fps, "read_photos": spec.read_photos}
        if spec.check:
            reading["unread"] = spec.unread
    return settings_block(
        cfg,
        sample_fps=spec.sample_fps,
        conf=spec.conf,
        iou=getattr(found.detector, "iou", None),
        imgsz=spec.imgsz,
        track_memory_s=spec.track_memory_s,
        replays=spec.replays,
        **reading,
    )
