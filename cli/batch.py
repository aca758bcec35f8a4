"""``sponsorlens batch`` and ``sponsorlens totals``: seasons of footage and photo archives into DuckDB.

The parent process finds the files, hashes them, skips the sources already in the database and
hands the rest to workers: a process pool (``--engine local``), Ray actors (``--engine ray``) or,
with ``--workers 0``, itself. Workers only compute; the parent is the single writer and stores
each source with all its rows in one transaction (:func:`measure.db.write_source`), so killing
the job at any moment and starting it again ends with exactly the rows of an uninterrupted run.
Videos go through :func:`vision.analysis.analyse_video_file` (the code of ``analyze``), photos
through :func:`vision.analysis.analyse_photo_files` (the code of ``photos``).
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer

from cli.analyze import CHECK_HELP, READ_FPS_HELP, READ_PHOTOS_HELP, SPONSORS_HELP, check_reading_options
from cli.app import app
from cli.errors import EXIT_INTERNAL, EXIT_PARTIAL_BATCH, UserError, user_errors, warn
from measure.errors import InputError, exit_code, first_line
from measure.store import sha256_file

if TYPE_CHECKING:
    import duckdb

    from measure.settings import Config
    from vision.detectors import Detectors

ENGINES = ("local", "ray")


class Engine(StrEnum):
    """Where ``batch`` runs the analysis."""

    local = "local"
    ray = "ray"


class TotalsBy(StrEnum):
    """How ``totals`` groups."""

    sponsor = "sponsor"
    source = "source"
    month = "month"


#: A job in flight when its worker died this many times is recorded as failed.
MAX_CRASHES = 2
#: The batch stops when the workers die this many times in a row without producing any result.
MAX_POOL_RESTARTS = 3


class WorkerError(UserError):
    """The workers cannot run at all (they die again and again): the batch stops with exit code 1."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_INTERNAL)


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
    read_fps: float | None = None  # whole video-frame reads per second beside a model
    read_photos: bool = True  # whole-photo reads beside a model

    def open(self) -> Detectors:
        """Open the model and/or text reader this spec names."""
        from vision.detectors import open_detectors

        weights = Path(self.weights) if self.weights is not None else None
        return open_detectors(
            weights, self.sponsors, self.conf, self.imgsz, self.device, self.trust_weights, self.threads
        )


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
            "path": db_text(self.path),
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


def db_text(text: str) -> str:
    """Return ``text`` as valid UTF-8 for the database: undecodable file-name bytes become ``\\xNN``."""
    from measure.paths import display_path

    return display_path(text)


def one_line(exc: BaseException) -> str:
    """Return a one-line description of an exception: its first line, prefixed with ``internal
    error`` and its type for a bug (not a :class:`measure.errors.SponsorLensError`)."""
    if exit_code(exc) is None:
        return f"internal error: {type(exc).__name__}: {first_line(exc)}"
    return first_line(exc)


def taken_at(path: str, kind: str) -> tuple[dt.datetime, str]:
    """Return when a source was shot and where that came from: ``exif`` (photo DateTimeOriginal,
    camera local time), ``container`` (video ``creation_time``, UTC) or ``mtime`` (file
    modification time, UTC)."""
    try:
        if kind == "photo":
            from vision.images import pil_open

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


class Worker:
    """Holds one detector and turns :class:`Job` s into :class:`JobResult` s (never raises)."""

    def __init__(self, spec: WorkerSpec, found: Detectors | None = None) -> None:
        from measure.settings import Config

        self.spec = spec
        self.cfg = Config.model_validate(spec.config)
        self.found = found or spec.open()
        self.still = self.found.for_stills(check=spec.check, read=spec.read_photos)
        if spec.threads:  # several workers share the cores; after ultralytics' import, which sets 1
            import cv2

            cv2.setNumThreads(spec.threads)

    def run(self, job: Job) -> JobResult:
        """Analyse one source; any error becomes ``JobResult.error``."""
        base = job.source_row()
        try:
            result = self._video(job, base) if job.kind == "video" else self._photo(job, base)
            when, origin = taken_at(job.path, job.kind)
            result.source.update(taken_at=when, taken_at_origin=origin)
            return result
        except Exception as e:
            return JobResult(job, base, error=db_text(one_line(e)))

    def _video(self, job: Job, base: dict[str, Any]) -> JobResult:
        from vision.analysis import analyse_video_file

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
            read_fps=s.read_fps,
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
        return JobResult(job, source, out.detections, out.segments, out.sponsors)

    def _photo(self, job: Job, base: dict[str, Any]) -> JobResult:
        from vision.analysis import analyse_photo_files

        out = analyse_photo_files([job.path], self.still, self.cfg, batch_size=1)
        if len(out.failures):
            raise InputError(out.failures["error"].iloc[0])
        photo = out.stats.photos.iloc[0]
        source = {**base, "width": int(photo["width"]), "height": int(photo["height"]), "photos": 1}
        best = out.stats.sponsors["best_photo"].map(lambda p: db_text(p) if isinstance(p, str) else None)
        return JobResult(job, source, out.stats.detections, None, out.stats.sponsors.assign(best_photo=best))


# ------------------------------------------------------------------------------------------------
# engines: each takes an iterator of jobs and yields one result per job, in any order

_WORKER: Worker | None = None


def _init_process(spec: WorkerSpec, parent: int) -> None:
    global _WORKER
    from vision.processes import die_with_parent

    die_with_parent(parent)  # a killed batch leaves no worker behind
    _WORKER = Worker(spec)


def _run_in_process(job: Job) -> JobResult:
    assert _WORKER is not None, "worker not initialised"
    return _WORKER.run(job)


def _crashed(job: Job, what: str) -> JobResult:
    return JobResult(job, job.source_row(), error=f"{what} died while analysing it ({MAX_CRASHES} times)")


def run_inline(jobs: Iterator[Job], worker: Worker) -> Iterator[JobResult]:
    """Analyse the jobs one after the other in this process."""
    for job in jobs:
        yield worker.run(job)


def run_pool(jobs: Iterator[Job], spec: WorkerSpec, workers: int) -> Iterator[JobResult]:
    """Analyse the jobs in a spawned process pool; each process loads the model once.

    A job in flight when a worker process dies is retried; after :data:`MAX_CRASHES` deaths it
    is reported as failed.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init_process, initargs=(spec, os.getpid())
        )

    pool = new_pool()
    inflight: dict[Future[JobResult], Job] = {}
    retry: collections.deque[Job] = collections.deque()
    crashes: collections.Counter[str] = collections.Counter()
    exhausted = False
    streak = 0  # pool breakdowns since the last result
    try:
        while True:
            while len(inflight) < 2 * workers and (retry or not exhausted):
                job = retry.popleft() if retry else next(jobs, None)
                if job is None:
                    exhausted = True
                    break
                inflight[pool.submit(_run_in_process, job)] = job
            if not inflight:
                return
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                del inflight[fut]
                streak = 0
                yield result
            if broken:
                streak += 1
                if streak > MAX_POOL_RESTARTS:
                    raise WorkerError(
                        f"worker processes keep dying ({streak} times in a row without a result)"
                    )
                pool.shutdown(wait=True, cancel_futures=True)
                for job in inflight.values():
                    crashes[job.source_id] += 1
                    if crashes[job.source_id] >= MAX_CRASHES:
                        yield _crashed(job, "a worker process")
                    else:
                        retry.append(job)
                inflight.clear()
                pool = new_pool()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class _RayWorker:
    """Ray actor body: one :class:`Worker` per actor."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.worker = Worker(spec)

    def run(self, job: Job) -> JobResult:
        return self.worker.run(job)


def ray_plan(resources: dict[str, float], workers: int | None) -> tuple[int, dict[str, float]]:
    """Return (number of actors, resources per actor) for a Ray cluster's ``resources``.

    With GPUs every actor takes one GPU (default: one actor per GPU); without, one CPU (default:
    one actor per CPU). More actors than the cluster can hold are capped, with a warning.
    """
    gpus, cpus = int(resources.get("GPU", 0)), max(1, int(resources.get("CPU", 1)))
    if gpus >= 1:
        n, per, cap, unit = workers or gpus, {"num_gpus": 1, "num_cpus": 1}, gpus, "GPU"
    else:
        n, per, cap, unit = workers or cpus, {"num_cpus": 1}, cpus, "CPU"
    if n > cap:
        warn(f"--workers {n}: the Ray cluster has {cap} {unit}s; using {cap} workers")
        n = cap
    return n, per


def run_ray(
    jobs: Iterator[Job], spec: WorkerSpec, workers: int | None, address: str | None
) -> Iterator[JobResult]:
    """Analyse the jobs on Ray actors, each holding a detector (one GPU each when GPUs exist).

    Uses the Ray instance already initialised in this process, else connects to ``address``, else
    starts a local one. Files and weights must be readable at the same paths on every node.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
        from ray.exceptions import RayActorError
    except ImportError:
        raise InputError("--engine ray needs Ray: pip install 'sponsorlens[ray]'") from None

    started = False
    reaper = None
    if not ray.is_initialized():
        if not address:  # a local instance: its processes must end with this one, even killed
            from vision.processes import start_reaper

            reaper = start_reaper()
        try:
            if address:
                ray.init(address=address, log_to_driver=False, logging_level="ERROR")
            else:
                ray.init(
                    num_cpus=workers or None,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level="ERROR",
                )
        except (ConnectionError, RuntimeError, ValueError) as e:
            if reaper:
                reaper.kill()
            raise InputError(f"cannot start or reach Ray ({address or 'local'}): {one_line(e)}") from None
        started = True
    n, per = ray_plan(ray.cluster_resources(), workers)
    actor_cls = ray.remote(_RayWorker)
    device = "cuda:0" if per.get("num_gpus") else spec.device

    def new_actor() -> Any:
        return actor_cls.options(**per).remote(WorkerSpec(**{**vars(spec), "device": device, "threads": 1}))

    actors = [new_actor() for _ in range(n)]
    idle = list(range(n))
    inflight: dict[Any, tuple[int, Job]] = {}
    crashes: collections.Counter[str] = collections.Counter()
    retry: collections.deque[Job] = collections.deque()
    exhausted = False
    streak = 0  # actor deaths since the last result
    try:
        while True:
            while idle and (retry or not exhausted):
                job = retry.popleft() if retry else next(jobs, None)
                if job is None:
                    exhausted = True
                    break
                slot = idle.pop()
                inflight[actors[slot].run.remote(job)] = (slot, job)
            if not inflight:
                return
            ready, _ = ray.wait(list(inflight), num_returns=1)
            slot, job = inflight.pop(ready[0])
            try:
                result = ray.get(ready[0])
            except RayActorError as e:
                streak += 1
                if streak > MAX_POOL_RESTARTS + n:
                    raise WorkerError(f"Ray workers keep dying: {one_line(e)}") from None
                actors[slot] = new_actor()
                idle.append(slot)
                crashes[job.source_id] += 1
                if crashes[job.source_id] >= MAX_CRASHES:
                    yield _crashed(job, "a Ray worker")
                else:
                    retry.append(job)
                continue
            idle.append(slot)
            streak = 0
            yield result
    finally:
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()
        if reaper:
            reaper.kill()
            reaper.wait()


# ------------------------------------------------------------------------------------------------
# the batch driver


@dataclass
class BatchSummary:
    """Counts of one batch run; ``failed_paths`` are the inputs whose sources are in ``failures``."""

    analysed: int = 0
    failed: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed_paths: list[str] = field(default_factory=list)
    run_key: str = ""


def discover(paths: Sequence[str | Path]) -> list[tuple[str, str]]:
    """Return ``(absolute path, kind)`` of every video and photo under ``paths``, in a stable order.

    Folders are searched as :func:`vision.discovery.walk_files` does (symlinked folders followed,
    loops cut) for photo (``IMAGE_SUFFIXES``) and video (``VIDEO_SUFFIXES``) files; a file named
    directly is a photo by its suffix, else a video. Raises ValueError for a
    path that does not exist.
    """
    from vision.discovery import is_image_path, is_video_path, walk_files

    found: dict[str, str] = {}
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: not found")
        files = [p] if p.is_file() else walk_files(p)
        for f in files:
            if is_image_path(f):
                kind = "photo"
            elif is_video_path(f) or f == p:
                kind = "video"
            else:
                continue
            found.setdefault(os.path.abspath(f), kind)
    return list(found.items())


def result_settings(cfg: Config, spec: WorkerSpec, found: Detectors) -> dict[str, Any]:
    """Return the settings that change the numbers (part of the run key): thresholds, rate card,
    sponsors, conf, iou, imgsz, sample_fps, track memory and how the text reader takes part. The
    device and batch size are not."""
    from vision.analysis import settings_block

    reading = {}
    if found.reader is not None:
        reading = {"check": spec.check, "read_fps": spec.read_fps, "read_photos": spec.read_photos}
    return settings_block(
        cfg,
        sample_fps=spec.sample_fps,
        conf=spec.conf,
        iou=getattr(found.detector, "iou", None),
        imgsz=spec.imgsz,
        track_memory_s=spec.track_memory_s,
        **reading,
    )


def run_batch(
    paths: Sequence[str | Path],
    db_path: str | Path,
    spec: WorkerSpec,
    engine: str = "local",
    workers: int | None = None,
    address: str | None = None,
    retry_failed: bool = False,
    log: Callable[[str], None] | None = None,
    progress: Callable[[int], Callable[[int], None]] | None = None,
) -> BatchSummary:
    """Analyse every video and photo under ``paths`` into the DuckDB database ``db_path``.

    ``engine`` is ``local`` (``workers`` processes; 0 analyses in this process) or ``ray``.
    Sources already stored for the same model and settings are skipped (failed ones too, unless
    ``retry_failed``). ``log(line)`` receives one line per finished source; ``progress(total)``
    may return a callback that receives source increments. Returns the counts of this run.
    """
    from measure import db
    from measure.settings import Config

    if engine not in ENGINES:
        raise InputError(f"--engine must be local or ray, got {engine!r}")
    if workers is not None and workers < 0:
        raise InputError(f"--workers must be 0 or more, got {workers}")
    if engine == "ray" and workers == 0:
        raise InputError("--workers 0 (analyse in this process) is for --engine local only")
    cfg = Config.model_validate(spec.config)
    files = discover(paths)
    if not files:
        raise InputError(f"no videos or photos under {', '.join(map(str, paths))}")
    found = spec.open()
    model = found.fingerprint()
    cfg.check_sponsors(model["classes"])
    settings = result_settings(cfg, spec, found)
    key = db.run_key(model, settings)

    con = db.connect(db_path)
    summary = BatchSummary(run_key=key)
    try:
        info = found.for_stills(spec.check, spec.read_photos).info()
        db.register_run(con, key, {**info, **model}, settings)
        finished = db.finished_sources(con, key)
        known = _known_contents(con, key)
        seen: dict[str, str] = {}
        tick = progress(len(files)) if progress else None

        def jobs() -> Iterator[Job]:
            for path, kind in files:
                try:
                    content = sha256_file(path)
                except OSError as e:
                    sid = db.source_id(f"unreadable:{path}", key)
                    if finished.get(sid) == "failed" and not retry_failed:
                        summary.skipped += 1
                        summary.failed_paths.append(path)
                        _tick(tick)
                        continue
                    _store(
                        con,
                        JobResult(
                            Job(sid, key, path, kind, ""),
                            {"source_id": sid, "run_key": key, "path": db_text(path), "kind": kind},
                            error=db_text(f"{path}: cannot read: {e.strerror or e}"),
                        ),
                        summary,
                        log,
                    )
                    _tick(tick)
                    continue
                sid = db.source_id(content, key)
                if path in known and content not in known[path]:
                    warn(f"{db_text(path)} changed since it was analysed; both versions are now stored")
                if sid in seen:
                    summary.duplicates += 1
                    if log:
                        log(db_text(f"same   {path} (same content as {seen[sid]})"))
                    _tick(tick)
                    continue
                seen[sid] = path
                status = finished.get(sid)
                if status == "done" or (status == "failed" and not retry_failed):
                    summary.skipped += 1
                    if status == "failed":
                        summary.failed_paths.append(path)
                    _tick(tick)
                    continue
                yield Job(sid, key, path, kind, content)

        if engine == "ray":
            results = run_ray(jobs(), spec, workers, address)
        elif workers == 0:
            results = run_inline(jobs(), Worker(spec, found))
        else:
            n = workers or default_local_workers()
            threads = spec.threads or max(1, (os.cpu_count() or 1) // n)
            results = run_pool(jobs(), WorkerSpec(**{**vars(spec), "threads": threads}), n)
        for result in results:
            _store(con, result, summary, log)
            _tick(tick)
    finally:
        con.close()
    return summary


def default_local_workers() -> int:
    """Return the default process count: one per 2 CPU cores, 1 to 8."""
    return max(1, min(8, (os.cpu_count() or 2) // 2))


def _tick(tick: Callable[[int], None] | None) -> None:
    if tick is not None:
        tick(1)


def _known_contents(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, set[str]]:
    rows = con.execute("SELECT path, content_sha256 FROM sources WHERE run_key = ?", [key]).fetchall()
    out: dict[str, set[str]] = {}
    for path, content in rows:
        out.setdefault(path, set()).add(content)
    return out


def _store(
    con: duckdb.DuckDBPyConnection,
    result: JobResult,
    summary: BatchSummary,
    log: Callable[[str], None] | None,
) -> None:
    from measure.db import write_source

    write_source(
        con, result.source, result.detections, result.segments, result.sponsor_exposure, result.error
    )
    if result.error is not None:
        summary.failed += 1
        summary.failed_paths.append(result.job.path)
        if log:
            path = result.source["path"]
            log(f"failed {path}: {result.error.removeprefix(f'{path}: ')}")
    else:
        summary.analysed += 1
        if log:
            log(f"done   {result.source['path']}")


# ------------------------------------------------------------------------------------------------
# commands

WEIGHTS_HELP = "Model weights (.pt with its model card, or an exported model). Default: the demo model."


@app.command()
@user_errors
def batch(
    paths: Annotated[
        list[Path], typer.Argument(help="Videos, photos, or folders of them (searched recursively).")
    ],
    db_path: Annotated[
        Path, typer.Option("--db", help="DuckDB database to add the results to (created if new).")
    ],
    engine: Annotated[Engine, typer.Option(help="local (process pool) or ray.")] = Engine.local,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes / Ray actors. local: default 1 per 2 cores, 0 = in this process. "
            "ray: default 1 per GPU, else 1 per CPU."
        ),
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster address (default: start a local Ray).")
    ] = None,
    weights: Annotated[Path | None, typer.Option(help=WEIGHTS_HELP)] = None,
    sample_fps: Annotated[
        float | None, typer.Option(help="Analyse this many video frames per second. Default: every frame.")
    ] = None,
    conf: Annotated[float, typer.Option(help="Detector confidence threshold, 0-1.")] = 0.25,
    imgsz: Annotated[int, typer.Option(help="Inference size, pixels (long side).")] = 640,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda:N. auto picks CUDA when present.")] = "auto",
    config: Annotated[Path | None, typer.Option(help="TOML/YAML/JSON config: thresholds, rate card.")] = None,
    batch_size: Annotated[int, typer.Option("--batch", help="Video frames per inference batch.")] = 8,
    trust_weights: Annotated[bool, typer.Option(help="Load weights even if their checksum fails.")] = False,
    retry_failed: Annotated[bool, typer.Option(help="Analyse again the sources that failed before.")] = False,
    quiet: Annotated[bool, typer.Option(help="No line per source, only the summary.")] = False,
    sponsors: Annotated[str | None, typer.Option(help=SPONSORS_HELP)] = None,
    read_fps: Annotated[float | None, typer.Option(help=READ_FPS_HELP)] = None,
    check: Annotated[bool, typer.Option(help=CHECK_HELP)] = True,
    read_photos: Annotated[bool, typer.Option(help=READ_PHOTOS_HELP)] = True,
) -> None:
    """Analyse videos and photos into a DuckDB database; resumable, each source stored once.

    Stored sources are skipped; unreadable files go to the failures table (exit code 7).
    """
    from tqdm import tqdm

    from measure.settings import load_config
    from vision.detector import DEFAULT_WEIGHTS

    cfg = load_config(config)
    sample_fps = check_reading_options(sample_fps, read_fps, sponsors, weights)
    if batch_size < 1:
        raise InputError(f"--batch must be at least 1, got {batch_size}")
    reader_only = sponsors is not None and weights is None
    spec = WorkerSpec(
        None if reader_only else str(weights or DEFAULT_WEIGHTS),
        conf,
        imgsz,
        device,
        trust_weights,
        cfg.model_dump(mode="json"),
        sample_fps,
        batch_size,
        sponsors=sponsors,
        check=check,
        read_fps=read_fps,
        read_photos=read_photos,
    )
    bars: list[Any] = []

    def progress(total: int) -> Callable[[int], None]:
        bars.append(tqdm(total=total, desc="sources", unit="source", leave=False, dynamic_ncols=True))
        return bars[0].update

    def log(line: str) -> None:
        if not quiet:
            tqdm.write(line, file=sys.stdout)
            sys.stdout.flush()

    try:
        summary = run_batch(
            paths,
            db_path,
            spec,
            engine=engine.value,
            workers=workers,
            address=address,
            retry_failed=retry_failed,
            log=log,
            progress=progress,
        )
    finally:
        for bar in bars:
            bar.close()
    parts = [f"{summary.analysed} analysed", f"{summary.failed} failed", f"{summary.skipped} already stored"]
    if summary.duplicates:
        parts.append(f"{summary.duplicates} duplicates of other files")
    typer.echo(f"{db_path}: {', '.join(parts)} (run {summary.run_key[:12]})")
    if summary.failed_paths:
        typer.echo(
            f"error: {len(summary.failed_paths)} sources failed (see the failures table"
            f"{'' if retry_failed else '; --retry-failed tries them again'})",
            err=True,
        )
        raise typer.Exit(EXIT_PARTIAL_BATCH)


#: Columns ``totals`` prints (column, label, format); the CSV has them all.
VIDEO_TOTALS = [
    ("exposure_s", "exposure s", "{:,.1f}"),
    ("share_of_voice", "share of voice", "{:.1%}"),
    ("quality_s", "quality s", "{:,.1f}"),
    ("solo_s", "solo s", "{:,.1f}"),
    ("media_value", "value", "{:,.0f}"),
]
PHOTO_TOTALS = [
    ("photos_with_sponsor", "photos", "{:,}"),
    ("photo_rate", "photo rate", "{:.1%}"),
    ("solo_photos", "solo photos", "{:,}"),
]


@app.command()
@user_errors
def totals(
    db_path: Annotated[Path, typer.Option("--db", help="DuckDB database written by sponsorlens batch.")],
    by: Annotated[
        TotalsBy, typer.Option(help="Group by sponsor, source or month (of shooting).")
    ] = TotalsBy.sponsor,
    run: Annotated[
        str | None, typer.Option(help="Run key (or its start) when the database holds several.")
    ] = None,
    csv: Annotated[Path | None, typer.Option(help="Also write every column to this CSV file.")] = None,
) -> None:
    """Print season totals per sponsor (or per source, or per month) from a batch database."""
    from rich.console import Console
    from rich.table import Table

    from measure import db
    from measure.store import check_disjoint

    if csv is not None:
        check_disjoint([("--db", db_path)], [("--csv", csv)])
    group = by.value
    con = db.connect(db_path, read_only=True)
    try:
        key = db.pick_run_key(con, run)
        table = db.totals(con, group, key)  # type: ignore[arg-type]
        counts = con.execute(
            "SELECT count(*) FILTER (WHERE kind = 'video' AND status = 'done'), "
            "coalesce(sum(duration_s) FILTER (WHERE status = 'done'), 0), "
            "count(*) FILTER (WHERE kind = 'photo' AND status = 'done'), "
            "count(*) FILTER (WHERE status = 'failed') FROM sources WHERE run_key = ?",
            [key],
        ).fetchone()
        currency = con.execute(
            "SELECT json_extract_string(settings, '$.rate_card.currency') FROM runs WHERE run_key = ?", [key]
        ).fetchone()
    finally:
        con.close()
    if csv is not None:
        from measure.errors import OutputError

        try:
            table.to_csv(csv, index=False)
        except OSError as e:
            raise OutputError(f"{csv}: cannot write: {e.strerror or e}") from None
    keys = [n for n, _ in db.GROUP_KEYS[group]]
    out = Table(title=f"Totals by {group}")
    for k in [*keys, "sponsor"]:
        out.add_column(k)
    value_label = f"value {currency[0]}" if currency and currency[0] else "value"
    videos, footage_s, n_photos, failed = counts
    shown = (VIDEO_TOTALS if videos or not n_photos else []) + (PHOTO_TOTALS if n_photos else [])
    for _, label, _ in shown:
        out.add_column(value_label if label == "value" else label, justify="right")
    for row in table.itertuples(index=False):
        d = row._asdict()
        cells = [Path(str(d[k])).name if k == "path" else str(d[k]) for k in [*keys, "sponsor"]]
        cells += [fmt.format(d[c]) for c, _, fmt in shown]
        out.add_row(*cells)
    Console().print(out)
    note = f"; {failed} failed sources (see the failures table)" if failed else ""
    typer.echo(f"{videos} videos ({footage_s / 3600:.2f} h), {n_photos} photos, run {key[:12]}{note}")
