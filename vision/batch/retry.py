"""The one retry rule of every batch engine: what happens to a job when its worker dies.

A worker never raises for a bad source: an unreadable file or an analysis error is that source's
``JobResult.error``. What the rule covers is a worker that dies (a crashed process, a lost Ray
actor). Every engine follows it through :class:`RetryPolicy`:

- the jobs handed out are first those to try again, then new ones (:meth:`RetryPolicy.next_job`);
- a job in flight when its worker died is tried again, and recorded as failed ("... died while
  analysing it") once its worker has died :data:`MAX_CRASHES` times;
- when workers die more than :data:`MAX_POOL_RESTARTS` times in a row with no result in between
  (plus one per worker an engine replaces separately), the batch stops with :class:`WorkerError`.

In this process (``--workers 0``) no worker can die alone, so only the first point applies there.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator

from measure.errors import EXIT_INTERNAL, SponsorLensError
from vision.batch.jobs import Job, JobResult

#: A job in flight when its worker died this many times is recorded as failed.
MAX_CRASHES = 2
#: The batch stops when the workers die this many times in a row without producing any result.
MAX_POOL_RESTARTS = 3


class WorkerError(SponsorLensError):
    """The workers cannot run at all (they die again and again): the batch stops with exit code 1."""

    exit_code = EXIT_INTERNAL


class RetryPolicy:
    """Hands out an engine's jobs and decides what a worker's death costs.

    ``worker`` names one worker in a failed job's error (``a worker process``), ``workers`` all of
    them in :class:`WorkerError` (``worker processes``). ``separate`` is how many workers the
    engine replaces one by one: a cause that kills every worker then counts once per worker, so
    that many more deaths are allowed in a row (0 for a pool replaced as a whole).
    """

    def __init__(self, worker: str = "a worker", workers: str = "workers", separate: int = 0) -> None:
        self.worker = worker
        self.workers = workers
        self.max_deaths = MAX_POOL_RESTARTS + separate
        self.again: collections.deque[Job] = collections.deque()
        self.crashes: collections.Counter[str] = collections.Counter()
        self.exhausted = False
        self.streak = 0  # worker deaths since the last result

    def next_job(self, jobs: Iterator[Job]) -> Job | None:
        """Return the next job to hand out (one to try again first, else the next of ``jobs``), or
        None when none is left."""
        if self.again:
            return self.again.popleft()
        if self.exhausted:
            return None
        job = next(jobs, None)
        self.exhausted = job is None
        return job

    def succeeded(self) -> None:
        """A worker sent a result back: the workers run, the count of deaths in a row starts over."""
        self.streak = 0

    def died(self, detail: str | None = None) -> None:
        """A worker died (or a whole pool broke): raise :class:`WorkerError` past the limit."""
        self.streak += 1
        if self.streak > self.max_deaths:
            reason = f": {detail}" if detail else ""
            raise WorkerError(
                f"{self.workers} keep dying ({self.streak} times in a row without a result){reason}"
            )

    def lost(self, job: Job) -> JobResult | None:
        """``job`` was in flight on a worker that died: queue it to try again and return None, or
        return its failed result once its workers died :data:`MAX_CRASHES` times."""
        self.crashes[job.source_id] += 1
        if self.crashes[job.source_id] >= MAX_CRASHES:
            return JobResult(
                job, job.source_row(), error=f"{self.worker} died while analysing it ({MAX_CRASHES} times)"
            )
        self.again.append(job)
        return None
