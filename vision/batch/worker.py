"""The batch worker: opens the model and/or text reader once, then analyses one job at a time.

Videos go through :func:`vision.inference.analysis.analyse_video_file` (the code of ``analyze``), photos
through :func:`vision.inference.analysis.analyse_photo_files` (the code of ``photos``). A worker also
describes its detectors (:meth:`Worker.describe`), so the driver gets the run key without opening
a model of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from measure.errors import InputError, error_line
from measure.paths import display_path
from vision.batch.jobs import Job, JobResult, RunIdentity, WorkerSpec, result_settings
from vision.batch.sources import taken_at

if TYPE_CHECKING:
    from vision.inference.detectors import Detectors


class Worker:
    """Holds one detector and turns :class:`Job` s into :class:`JobResult` s (never raises)."""

    def __init__(self, spec: WorkerSpec, found: Detectors | None = None) -> None:
        from measure.settings import Config

        self.spec = spec
        self.cfg = Config.model_validate(spec.config)
        self.found = found or spec.open()
        # each photo is stored on its own, so no archive-wide decision: auto counts unread photo detections
        unread = "count" if spec.unread == "auto" else spec.unread
        self.still = self.found.for_stills(check=spec.check, read=spec.read_photos, unread=unread)
        if spec.threads:  # several workers share the cores; after ultralytics' import, which sets 1
            import cv2

            cv2.setNumThreads(spec.threads)

    def describe(self) -> RunIdentity:
        """Return what identifies this worker's detectors and settings in the batch database."""
        return RunIdentity(
            model=self.found.fingerprint(),
            info=self.still.info(),
            settings=result_settings(self.cfg, self.spec, self.found),
        )

    def run(self, job: Job) -> JobResult:
        """Analyse one source; any error becomes ``JobResult.error``."""
        base = job.source_row()
        try:
            result = self._video(job, base) if job.kind == "video" else self._photo(job, base)
            when, origin = taken_at(job.path, job.kind)
            result.source.update(taken_at=when, taken_at_origin=origin)
            return result
        except Exception as e:
            return JobResult(job, base, error=display_path(error_line(e)))

    def _video(self, job: Job, base: dict[str, Any]) -> JobResult:
        from vision.inference.analysis import analyse_video_file

        s = self.spec
        out = analyse_video_file(
            job.path,
            self.found.detector,
            self.cfg,
            sample_fps=s.sample_fps,
            batch_size=s.batch,
            track_memory_s=s.track_memory_s,
            reader=self.found.reader,
            check=s.check,
            unread=s.unread,
            read_fps=s.read_fps,
            replays=s.replays,
            occlusion=self.found.occlusion,
        )
        src = out.report["source"]
        stopped = out.analysis.stopped
        source = {
            **base,
            "duration_s": src["duration_s"],
            "fps": src["fps"],
            "width": src["width"],
            "height": src["height"],
            "frames": src["frames"],
            "analysed_frames": src["analysed_frames"],
            "stopped": None
            if stopped is None
            else f"frame {stopped.frame} ({stopped.t:.2f} s): {stopped.reason}",
        }
        return JobResult(job, source, out.detections, out.segments, out.sponsors, categories=out.categories)

    def _photo(self, job: Job, base: dict[str, Any]) -> JobResult:
        from vision.inference.analysis import analyse_photo_files

        out = analyse_photo_files(
            [job.path], self.still, self.cfg, batch_size=1, occlusion=self.found.occlusion
        )
        if len(out.failures):
            raise InputError(out.failures["error"].iloc[0])
        photo = out.stats.photos.iloc[0]
        source = {**base, "width": int(photo["width"]), "height": int(photo["height"]), "photos": 1}
        best = out.stats.sponsors["best_photo"].map(lambda p: display_path(p) if isinstance(p, str) else None)
        sponsors = out.stats.sponsors.assign(best_photo=best)
        cats = out.stats.categories if len(out.stats.categories) else None
        return JobResult(job, source, out.stats.detections, None, sponsors, categories=cats)


def open_worker(spec: WorkerSpec) -> Worker | BaseException:
    """Return a worker for ``spec``, or the error that kept it from opening its detectors (for a
    worker in another process: the error is sent back to the driver and raised there)."""
    try:
        return Worker(spec)
    except Exception as e:
        return e


def describe_worker(worker: Worker | BaseException) -> RunIdentity | BaseException:
    """Return ``worker``'s :meth:`Worker.describe`, or the error it failed to open with, or the one
    describing raised (returned, not raised, so it reaches the driver unwrapped from any engine)."""
    if isinstance(worker, BaseException):
        return worker
    try:
        return worker.describe()
    except Exception as e:
        return e
