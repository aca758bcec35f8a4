"""The Ray engine (``--engine ray``): a batch's workers as Ray actors, on this machine or a cluster.

Each actor holds one :class:`~vision.batch.worker.Worker` (one GPU each when the cluster has GPUs).
It follows the :class:`~vision.batch.engines.Engine` protocol and the retry rule of
:mod:`vision.batch.retry`; Ray is imported only when this engine is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from measure.errors import InputError, error_line
from vision.batch.engines import Engine, answer_or_raise, run_or_raise
from vision.batch.jobs import Job, JobResult, RunIdentity, WorkerSpec
from vision.batch.retry import RetryPolicy
from vision.batch.worker import describe_worker, open_worker


class _RayWorker:
    """Ray actor body: one :class:`Worker` per actor (the name shows in the actor's process title)."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.worker = open_worker(spec)

    def describe(self) -> RunIdentity | BaseException:
        return describe_worker(self.worker)

    def run(self, job: Job) -> JobResult:
        return run_or_raise(self.worker, job)


def ray_plan(
    resources: dict[str, float], workers: int | None, warn: Callable[[str], None] | None = None
) -> tuple[int, dict[str, float]]:
    """Return (number of actors, resources per actor) for a Ray cluster's ``resources``.

    With GPUs every actor takes one GPU (default: one actor per GPU); without, one CPU (default:
    one actor per CPU). More actors than the cluster can hold are capped, with a warning to ``warn``.
    """
    gpus, cpus = int(resources.get("GPU", 0)), max(1, int(resources.get("CPU", 1)))
    if gpus >= 1:
        n, per, cap, unit = workers or gpus, {"num_gpus": 1, "num_cpus": 1}, gpus, "GPU"
    else:
        n, per, cap, unit = workers or cpus, {"num_cpus": 1}, cpus, "CPU"
    if n > cap:
        if warn is not None:
            warn(f"--workers {n}: the Ray cluster has {cap} {unit}s; using {cap} workers")
        n = cap
    return n, per


class RayEngine(Engine):
    """Analyses the jobs on Ray actors, each holding a detector (one GPU each when GPUs exist).

    Uses the Ray instance already initialised in this process, else connects to ``address``, else
    starts a local one. Files and weights must be readable at the same paths on every node. A dead
    actor is replaced alone, so one cause that kills them all counts once per actor.
    """

    def __init__(
        self,
        spec: WorkerSpec,
        workers: int | None,
        address: str | None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        try:
            import ray
        except ImportError:
            raise InputError("--engine ray needs Ray: pip install 'sponsorlens[ray]'") from None

        self.started = False
        self.reaper: Any = None
        self.actors: list[Any] = []
        if not ray.is_initialized():
            self._init(ray, workers, address)
        try:
            n, self.per = ray_plan(ray.cluster_resources(), workers, warn)
            device = "cuda:0" if self.per.get("num_gpus") else spec.device
            self.spec = spec.replace(device=device, threads=1)
            self.actor_cls = ray.remote(_RayWorker)
            self.actors = [self._new_actor() for _ in range(n)]
        except BaseException:
            self.close()
            raise
        self.policy = RetryPolicy("a Ray worker", "Ray workers", separate=n)

    def _init(self, ray: Any, workers: int | None, address: str | None) -> None:
        if not address:  # a local instance: its processes must end with this one, even killed
            from vision.processes import start_reaper

            self.reaper = start_reaper()
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
            if self.reaper:
                self.reaper.kill()
            raise InputError(f"cannot start or reach Ray ({address or 'local'}): {error_line(e)}") from None
        self.started = True

    def _new_actor(self) -> Any:
        return self.actor_cls.options(**self.per).remote(self.spec)

    def describe(self) -> RunIdentity:
        import ray
        from ray.exceptions import RayActorError

        while True:
            try:
                answer = ray.get(self.actors[0].describe.remote())
            except RayActorError as e:
                self.policy.died(error_line(e))
                self.actors[0] = self._new_actor()
                continue
            self.policy.succeeded()
            return answer_or_raise(answer)

    def results(self, jobs: Iterator[Job]) -> Iterator[JobResult]:
        import ray
        from ray.exceptions import RayActorError, RayTaskError

        policy = self.policy
        idle = list(range(len(self.actors)))
        inflight: dict[Any, tuple[int, Job]] = {}
        while True:
            while idle and (job := policy.next_job(jobs)) is not None:
                slot = idle.pop()
                inflight[self.actors[slot].run.remote(job)] = (slot, job)
            if not inflight:
                return
            ready, _ = ray.wait(list(inflight), num_returns=1)
            slot, job = inflight.pop(ready[0])
            try:
                result = ray.get(ready[0])
            except RayActorError as e:
                policy.died(error_line(e))
                self.actors[slot] = self._new_actor()
                idle.append(slot)
                if (failed := policy.lost(job)) is not None:
                    yield failed
                continue
            except RayTaskError as e:  # an actor that could not open its detectors: its own error
                cause = getattr(e, "cause", None)
                raise (cause if isinstance(cause, Exception) else e) from None
            idle.append(slot)
            policy.succeeded()
            yield result

    def close(self) -> None:
        if self.actors or self.started:
            import ray

            for actor in self.actors:
                ray.kill(actor)
            if self.started:
                ray.shutdown()
        if self.reaper:
            self.reaper.kill()
            self.reaper.wait()
        self.actors, self.started, self.reaper = [], False, None
