"""Indexing jobs of uploads and removals: run one at a time on one thread, their progress kept for polling."""

from __future__ import annotations

import itertools
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from verbatim.errors import VerbatimError

log = logging.getLogger("verbatim.jobs")
KEEP_JOBS = 200
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Job:
    id: str
    kind: str  # "add" or "remove"
    state: str = "queued"  # queued, running, done, failed
    step: str | None = None  # reading, embedding, indexing, publishing, loading
    done: int = 0  # embedding: texts embedded so far
    total: int = 0
    file_name: str | None = None
    document_id: str | None = None  # the document added or removed (an upload's id once it is known)
    index_version: str | None = None  # the version published by the job
    error: str | None = None
    error_status: int | None = None  # the HTTP status the error would have had
    queued_at: float = field(default_factory=time.time)
    finished_at: float | None = None


class JobRunner:
    """A queue of index changes; ``work(job, progress)`` returns (document id, index version)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._count = itertools.count(1)

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self) -> list[Job]:
        with self._lock:
            return list(reversed(self._jobs.values()))

    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def submit(self, kind: str, work: Callable[[Job, Progress], tuple[str | None, str]], **fields) -> Job:
        job = Job(id=f"job-{next(self._count)}-{uuid.uuid4().hex[:8]}", kind=kind, **fields)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)

        def progress(step: str, done: int, total: int) -> None:
            self._update(job.id, step=step, done=done, total=total)

        def run() -> None:
            self._update(job.id, state="running")
            try:
                document_id, version = work(self.get(job.id), progress)
            except VerbatimError as exc:
                self._update(job.id, state="failed", error=exc.message, error_status=exc.status, finished_at=time.time())
                return
            except Exception as exc:  # a job's failure is reported on the job, never lost in a thread
                log.exception("job %s failed", job.id)
                self._update(job.id, state="failed", error=f"the job failed unexpectedly ({type(exc).__name__}); "
                             "the published index keeps serving", error_status=500, finished_at=time.time())
                return
            self._update(job.id, state="done", step=None, document_id=document_id or job.document_id,
                         index_version=version, finished_at=time.time())

        self._pool.submit(run)
        return job

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """For tests and shutdown: True once no job is queued or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                busy = any(j.state in ("queued", "running") for j in self._jobs.values())
            if not busy:
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
