"""``/v1/verify``: is this quotation in the corpus, exactly or closely, and where."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from retrieval.quotation import DIFFERENCE_KINDS
from retrieval.quotation import QuoteMatch as Match
from service.api.deps import ResourcesDep
from service.api.errors import error_responses
from service.api.routes.ask import index_info
from service.api.schemas import (
    Citation,
    DocumentRef,
    QuoteDifference,
    QuoteMatch,
    VerifyRequest,
    VerifyResponse,
)
from service.core.resources import Resources

router = APIRouter(prefix="/v1", tags=["verify"], responses=error_responses(400, 401, 404, 413, 415, 422, 503))


def match_of(m: Match, resources: Resources) -> QuoteMatch:
    doc = resources.index.documents[m.doc_id]
    return QuoteMatch(
        document=DocumentRef(id=m.doc_id, title=doc.record.title),
        start=m.start,
        end=m.end,
        text=doc.text[m.start : m.end],
        citation=Citation(start=m.start, end=m.end, line_start=m.line_start, line_end=m.line_end, section=m.section,
                          source_attribution=m.attribution, page=m.page, page_end=m.page_end,
                          page_label=m.page_label, page_end_label=m.page_end_label),
        similarity=m.similarity,
        exact=m.exact,
        differences=[QuoteDifference(start=d.start, end=d.end, text=d.text, quote_text=d.quote_text, kind=d.kind,
                                     explanation=DIFFERENCE_KINDS[d.kind]) for d in m.differences],
        url=f"/?doc={m.doc_id}&start={m.start}&end={m.end}",
    )


def verify_response(resources: Resources, quote: str, documents: list[str] | None) -> VerifyResponse:
    began = time.perf_counter()
    result = resources.quotes.verify(quote, documents)
    return VerifyResponse(
        quote=result.quote,
        compared=result.compared or result.quote,
        found=result.found,
        verdict=result.verdict,
        matches=[match_of(m, resources) for m in result.matches],
        nearest=None if result.nearest is None else match_of(result.nearest, resources),
        threshold=resources.quotes.threshold,
        took_ms=round((time.perf_counter() - began) * 1000, 2),
        index=index_info(resources),
    )


@router.post("/verify", response_model=VerifyResponse,
             summary="Check a quotation: exact, close (with every difference marked) or not in the corpus")
async def verify(request: Request, body: VerifyRequest, resources: ResourcesDep) -> VerifyResponse:
    request.state.question = body.quote
    return await run_in_threadpool(verify_response, resources, body.quote, body.documents)
