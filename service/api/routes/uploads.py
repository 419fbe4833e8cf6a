"""``/v1/uploads`` and ``/v1/jobs``: whether this server takes uploads, and the progress of their indexing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from index_build.formats import SUFFIXES
from service.api.deps import SettingsDep
from service.api.errors import error_responses
from service.api.routes.documents import job_state, require_admin
from service.api.schemas import JobState, UploadPolicy
from verbatim.errors import NotFoundError

router = APIRouter(prefix="/v1", tags=["documents"])
AdminHeader = Annotated[str | None, Header(alias="Authorization")]


@router.get("/uploads", response_model=UploadPolicy, summary="Whether this server takes uploads, and what")
def upload_policy(settings: SettingsDep) -> UploadPolicy:
    return UploadPolicy(enabled=bool(settings.admin_token), max_bytes=settings.upload_max_bytes,
                        suffixes=sorted(SUFFIXES))


@router.get("/jobs", response_model=list[JobState], responses=error_responses(401, 403, 404),
            summary="Recent indexing jobs, newest first (admin token)")
def list_jobs(request: Request, settings: SettingsDep, authorization: AdminHeader = None) -> list[JobState]:
    require_admin(settings, authorization)
    return [job_state(job) for job in request.app.state.jobs.recent()]


@router.get("/jobs/{job_id}", response_model=JobState, responses=error_responses(401, 403, 404),
            summary="One indexing job (admin token)")
def get_job(job_id: str, request: Request, settings: SettingsDep, authorization: AdminHeader = None) -> JobState:
    require_admin(settings, authorization)
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise NotFoundError(f"no job {job_id!r} on this server (it keeps the last 200 while it runs)")
    return job_state(job)
