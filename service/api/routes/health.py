"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from service.api.errors import error_responses
from service.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, summary="The index is loaded and queries can be served",
            responses={503: {"model": Health}})
def readyz(request: Request):
    resources = request.app.state.holder.current
    if resources is None:
        return JSONResponse(Health(status="loading").model_dump(), status_code=503)
    return Health(status="ready", index_version=resources.index.version)


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics", responses=error_responses(401))
def metrics(request: Request) -> PlainTextResponse:
    resources = request.app.state.holder.current
    gauges: dict[str, float] = {"verbatim_index_loaded": 0 if resources is None else 1}
    if resources is not None:
        counts = resources.index.manifest.counts
        gauges["verbatim_index_passages"] = counts.get("passages", 0)
        gauges["verbatim_index_documents"] = counts.get("documents", 0)
        gauges["verbatim_index_sentences"] = counts.get("sentences", 0)
    return PlainTextResponse(request.app.state.metrics.render(gauges), media_type="text/plain; version=0.0.4")
