"""The FastAPI app: routes, error mapping, middleware; index and model loaded once in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from embeddings.base import Embedder
from service.api.errors import install_error_handlers
from service.api.routes import admin, ask, documents, health, uploads, verify
from service.core.changes import PassageEmbedder
from service.core.config import Settings, get_settings
from service.core.jobs import JobRunner, jobs_folder
from service.core.metrics import Metrics
from service.core.middleware import (
    ApiKeyMiddleware,
    LimitsMiddleware,
    RequestContextMiddleware,
    configure_access_log,
)
from service.core.resources import ResourceHolder, Resources, load_resources

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("verbatim")


def create_app(
    settings: Settings | None = None, resources: Resources | None = None, passage_embedder: Embedder | None = None
) -> FastAPI:
    """Build the app. Tests pass ``resources`` (a fake embedder, a fixture index) to skip loading, and
    ``passage_embedder`` for uploads (else the build's model, loaded on the first upload)."""
    settings = settings or get_settings()
    configure_access_log()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.holder.current is None:
            app.state.holder.swap(await run_in_threadpool(load_resources, settings))
            log.info("index %s loaded", app.state.holder.current.index.version)
        watcher = asyncio.create_task(app.state.holder.watch(settings)) if settings.index_watch_seconds > 0 else None
        yield
        if watcher is not None:
            watcher.cancel()
        app.state.jobs.close()

    app = FastAPI(
        title="Verbatim",
        version="0.1.0",
        summary="Answers questions only with the sources' own words, each passage with an exact citation.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.holder = ResourceHolder(resources)
    app.state.metrics = Metrics()
    app.state.jobs = JobRunner(jobs_folder(settings.index_dir))
    app.state.passage_embedder = PassageEmbedder(settings, passage_embedder)
    install_error_handlers(app)
    app.include_router(ask.router)
    app.include_router(documents.router)
    app.include_router(health.router)
    app.include_router(verify.router)
    app.include_router(admin.router)
    app.include_router(uploads.router)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # outermost last: context (ids, logs, headers) wraps auth, which wraps limits
    app.add_middleware(LimitsMiddleware, max_body_bytes=settings.max_body_bytes,
                       upload_max_bytes=settings.upload_max_bytes)
    app.add_middleware(ApiKeyMiddleware, api_key=settings.api_key)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Content-Type", "Authorization", "X-API-Key"])
    app.add_middleware(RequestContextMiddleware, metrics=app.state.metrics, settings=settings)
    return app
