"""Indexing jobs of uploads and removals: run one at a time on one thread, their progress kept for polling."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

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
    """A queue of index changes; ``work(job, progress)`` returns (document id, index version).

    With ``folder``, every state is also written there (``<id>.json``), so with several workers the
    one that did not take the upload can still answer ``GET /v1/jobs/{id}``.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._count = itertools.count(1)
        self._folder = folder

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None and self._folder is not None and re.fullmatch(r"job-\d+-[0-9a-f]{8}", job_id):
            job = _read(self._folder / f"{job_id}.json")
        return job

    def recent(self) -> list[Job]:
        with self._lock:
            mine = dict(self._jobs)
        if self._folder is not None and self._folder.is_dir():
            for path in self._folder.glob("job-*.json"):
                job = _read(path)
                if job is not None and job.id not in mine:
                    mine[job.id] = job
        return sorted(mine.values(), key=lambda j: j.queued_at, reverse=True)[:KEEP_JOBS]

    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            job = self._jobs[job_id] = replace(self._jobs[job_id], **changes)
        self._write(job)

    def _write(self, job: Job) -> None:
        if self._folder is None:
            return
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            tmp = self._folder / f".{job.id}.{threading.get_ident()}"
            tmp.write_text(json.dumps(asdict(job)), encoding="utf-8")
            os.replace(tmp, self._folder / f"{job.id}.json")
            for old in sorted(self._folder.glob("job-*.json"), key=lambda p: p.stat().st_mtime)[:-KEEP_JOBS]:
                old.unlink(missing_ok=True)
        except OSError:
            log.warning("could not record job %s in %s", job.id, self._folder)

    def submit(self, kind: str, work: Callable[[Job, Progress], tuple[str | None, str]], **fields) -> Job:
        job = Job(id=f"job-{next(self._count)}-{uuid.uuid4().hex[:8]}", kind=kind, **fields)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.popitem(last=False)
        self._write(job)

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

    def wait_idle(self, timeout: float = 60.0) -> bool:  # this worker's jobs
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


def _read(path: Path) -> Job | None:
    try:
        return Job(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def jobs_folder(index_dir: Path) -> Path:
    """Where every worker records the jobs: beside the index, like its builds."""
    return index_dir.parent / f"{index_dir.name}.jobs"
