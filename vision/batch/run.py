"""The batch driver: every video and photo under some paths into one DuckDB database, resumably.

The driver finds the files, hashes them, skips the sources already in the database and hands the
rest to an engine's workers (:mod:`vision.batch.engines`). Workers only compute; the driver is
the single writer and stores each source with all its rows in one transaction
(:func:`measure.db.write_source`), so killing the job at any moment and starting it again ends with
exactly the rows of an uninterrupted run. The run key comes from a worker's description of its
detectors: with workers in other processes, this process opens no model.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from measure.errors import InputError
from measure.hashing import sha256_file
from measure.paths import display_path
from vision.batch.engines import ENGINES, open_engine
from vision.batch.jobs import Job, JobResult, WorkerSpec
from vision.batch.sources import discover

if TYPE_CHECKING:
    import duckdb


@dataclass
class BatchSummary:
    """Counts of one batch run; ``failed_paths`` are the inputs whose sources are in ``failures``."""

    analysed: int = 0
    failed: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed_paths: list[str] = field(default_factory=list)
    run_key: str = ""


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
    warn: Callable[[str], None] | None = None,
) -> BatchSummary:
    """Analyse every video and photo under ``paths`` into the DuckDB database ``db_path``.

    ``engine`` is ``local`` (``workers`` processes; 0 analyses in this process) or ``ray``.
    Sources already stored for the same model and settings are skipped (failed ones too, unless
    ``retry_failed``). ``log(line)`` receives one line per finished source; ``progress(total)``
    may return a callback that receives source increments; ``warn(message)`` receives warnings
    (default: :func:`warnings.warn`; the command line prints them as ``warning:`` lines).
    Returns the counts of this run.
    """
    from measure import db
    from measure.settings import Config

    if engine not in ENGINES:
        raise InputError(f"--engine must be local or ray, got {engine!r}")
    if workers is not None and workers < 0:
        raise InputError(f"--workers must be 0 or more, got {workers}")
    if engine == "ray" and workers == 0:
        raise InputError("--workers 0 (analyse in this process) is for --engine local only")
    warn = warn or (lambda message: warnings.warn(message, stacklevel=3))
    cfg = Config.model_validate(spec.config)
    files = discover(paths, warn=warn)
    if not files:
        raise InputError(f"no videos or photos under {', '.join(map(str, paths))}")

    with open_engine(spec, engine, workers, address, warn) as runner:
        identity = runner.describe()
        cfg.check_sponsors(identity.model["classes"])
        key = identity.run_key()
        con = db.connect(db_path)
        summary = BatchSummary(run_key=key)
        try:
            db.register_run(con, key, {**identity.info, **identity.model}, identity.settings)
            finished = db.finished_sources(con, key)
            known = db.stored_contents(con, key)
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
                                {"source_id": sid, "run_key": key, "path": display_path(path), "kind": kind},
                                error=display_path(f"{path}: cannot read: {e.strerror or e}"),
                            ),
                            summary,
                            log,
                        )
                        _tick(tick)
                        continue
                    sid = db.source_id(content, key)
                    if path in known and content not in known[path]:
                        warn(
                            f"{display_path(path)} changed since it was analysed; both versions are now stored"
                        )
                    if sid in seen:
                        summary.duplicates += 1
                        if log:
                            log(display_path(f"same   {path} (same content as {seen[sid]})"))
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

            for result in runner.results(jobs()):
                _store(con, result, summary, log)
                _tick(tick)
        finally:
            con.close()
    return summary


def _tick(tick: Callable[[int], None] | None) -> None:
    if tick is not None:
        tick(1)


def _store(
    con: duckdb.DuckDBPyConnection,
    result: JobResult,
    summary: BatchSummary,
    log: Callable[[str], None] | None,
) -> None:
    from measure.db import write_source

    write_source(
        con,
        result.source,
        result.detections,
        result.segments,
        result.sponsor_exposure,
        result.error,
        categories=result.categories,
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
