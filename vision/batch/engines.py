"""Where a batch's workers run: in this process or in a local process pool (Ray actors: in
:mod:`vision.batch.ray_engine`), and :func:`open_engine`, which picks one from the options.

Every engine is used the same way (:class:`Engine`): :meth:`~Engine.describe` returns the
:class:`~vision.batch.jobs.RunIdentity` of its workers' detectors (asked of a worker, so with
workers elsewhere this process never opens a model), :meth:`~Engine.results` turns an iterator of
jobs into one result per job, in any order, and :meth:`~Engine.close` ends the workers. Every
engine hands out jobs and handles a dead worker by the one rule of :mod:`vision.batch.retry`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from vision.batch.jobs import Job, JobResult, RunIdentity, WorkerSpec
from vision.batch.retry import RetryPolicy
from vision.batch.worker import Worker, describe_worker, open_worker

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

#: The values of ``batch --engine``.
ENGINES = ("local", "ray")


class Engine:
    """Runs a batch's workers: describe the run, analyse jobs, close (also as a context manager)."""

    policy: RetryPolicy

    def describe(self) -> RunIdentity:
        """Return what identifies the workers' detectors and settings (raises their opening error)."""
        raise NotImplementedError

    def results(self, jobs: Iterator[Job]) -> Iterator[JobResult]:
        """Analyse ``jobs``; yield one result per job, in any order."""
        raise NotImplementedError

    def close(self) -> None:
        """End the workers (nothing to do for the ones in this process)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def answer_or_raise(answer: RunIdentity | BaseException) -> RunIdentity:
    """Return a worker's description, or raise the error it sent back instead."""
    if isinstance(answer, BaseException):
        raise answer
    return answer


def run_or_raise(worker: Worker | BaseException, job: Job) -> JobResult:
    """Analyse ``job`` on ``worker``, or raise the error that kept the worker from opening."""
    if isinstance(worker, BaseException):
        raise worker
    return worker.run(job)


# ------------------------------------------------------------------------------------------------
# in this process (--workers 0)


class InlineEngine(Engine):
    """Analyses the jobs one after the other in this process, with one :class:`Worker`."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.worker = Worker(spec)
        self.policy = RetryPolicy()  # nothing to retry: a crash here ends the batch itself

    def describe(self) -> RunIdentity:
        return self.worker.describe()

    def results(self, jobs: Iterator[Job]) -> Iterator[JobResult]:
        while (job := self.policy.next_job(jobs)) is not None:
            result = self.worker.run(job)
            self.policy.succeeded()
            yield result


# ------------------------------------------------------------------------------------------------
# a local process pool (--engine local)

_WORKER: Worker | BaseException | None = None


def _init_process(spec: WorkerSpec, parent: int) -> None:
    global _WORKER
    from vision.processes import die_with_parent

    die_with_parent(parent)  # a killed batch leaves no worker behind
    _WORKER = open_worker(spec)


def _describe_in_process() -> RunIdentity | BaseException:
    assert _WORKER is not None, "worker not initialised"
    return describe_worker(_WORKER)


def _run_in_process(job: Job) -> JobResult:
    assert _WORKER is not None, "worker not initialised"
    return run_or_raise(_WORKER, job)


class PoolEngine(Engine):
    """Analyses the jobs in a spawned pool of ``workers`` processes; each loads the model once.

    A broken pool (a process died) is replaced as a whole, so it counts as one death.
    """

    def __init__(self, spec: WorkerSpec, workers: int) -> None:
        self.spec = spec
        self.workers = workers
        self.policy = RetryPolicy("a worker process", "worker processes")
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(
            self.workers, mp_context=ctx, initializer=_init_process, initargs=(self.spec, os.getpid())
        )

    def _restart(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._new_pool()

    def describe(self) -> RunIdentity:
        from concurrent.futures.process import BrokenProcessPool

        while True:
            try:
                answer = self.pool.submit(_describe_in_process).result()
            except BrokenProcessPool:
                self.policy.died()
                self._restart()
                continue
            self.policy.succeeded()
            return answer_or_raise(answer)

    def results(self, jobs: Iterator[Job]) -> Iterator[JobResult]:
        from concurrent.futures import FIRST_COMPLETED, Future, wait
        from concurrent.futures.process import BrokenProcessPool

        policy = self.policy
        inflight: dict[Future[JobResult], Job] = {}
        while True:
            while len(inflight) < 2 * self.workers and (job := policy.next_job(jobs)) is not None:
                inflight[self.pool.submit(_run_in_process, job)] = job
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
                policy.succeeded()
                yield result
            if broken:
                policy.died()
                self.pool.shutdown(wait=True, cancel_futures=True)
                for job in inflight.values():
                    if (failed := policy.lost(job)) is not None:
                        yield failed
                inflight.clear()
                self.pool = self._new_pool()

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def default_local_workers() -> int:
    """Return the default process count: one per 2 CPU cores, 1 to 8."""
    return max(1, min(8, (os.cpu_count() or 2) // 2))


def open_engine(
    spec: WorkerSpec,
    engine: str = "local",
    workers: int | None = None,
    address: str | None = None,
    warn: Callable[[str], None] | None = None,
) -> Engine:
    """Start the workers of ``engine``: ``ray``, or ``local`` with ``workers`` processes (default
    :func:`default_local_workers`; 0: this process). Pool processes share the CPU cores: each gets
    ``spec.threads`` threads, or an equal share of the cores."""
    if engine == "ray":
        from vision.batch.ray_engine import RayEngine

        return RayEngine(spec, workers, address, warn)
    if workers == 0:
        return InlineEngine(spec)
    n = workers or default_local_workers()
    threads = spec.threads or max(1, (os.cpu_count() or 1) // n)
    return PoolEngine(spec.replace(threads=threads), n)
