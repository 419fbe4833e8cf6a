"""``/v1/admin/reload``: swap in a newly built index while serving, guarded by a token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Request
from starlette.concurrency import run_in_threadpool

from service.api.deps import SettingsDep
from service.api.errors import error_responses
from service.api.schemas import Health
from service.core.resources import load_published
from verbatim.errors import ForbiddenError, IndexUnavailableError, NotFoundError


def _without_paths(message: str, settings) -> str:
    """No internal paths in a response: folders are named by role."""
    for path, name in (
        (settings.index_dir.resolve(), "the index folder"),
        (settings.index_dir, "the index folder"),
        (settings.corpus_dir.resolve(), "the corpus folder"),
        (settings.corpus_dir, "the corpus folder"),
    ):
        message = message.replace(str(path), name)
    return message


router = APIRouter(
    prefix="/v1/admin", tags=["admin"], responses=error_responses(400, 401, 403, 404, 413, 415, 422, 503)
)


@router.post("/reload", response_model=Health, summary="Load the index now published and swap it in atomically")
async def reload_index(
    request: Request,
    settings: SettingsDep,
    x_reload_token: Annotated[str | None, Header()] = None,
) -> Health:
    if not settings.reload_token:
        raise NotFoundError("reloading is off: set VERBATIM_RELOAD_TOKEN to enable it")
    if not x_reload_token or not hmac.compare_digest(x_reload_token.encode(), settings.reload_token.encode()):
        raise ForbiddenError("wrong or missing X-Reload-Token header")
    holder = request.app.state.holder
    async with holder.lock:
        # a corrupt or partial index raises here, and the current one keeps serving
        try:
            fresh = await run_in_threadpool(load_published, holder.current, settings)
        except IndexUnavailableError as exc:
            raise IndexUnavailableError(f"new index refused, the old one keeps serving: {_without_paths(exc.message, settings)}") from None
        holder.swap(fresh)
    return Health(status="reloaded", index_version=fresh.index.version)
