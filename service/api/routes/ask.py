"""``/v1/ask``: the question endpoint."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from embeddings.base import Embedder
from embeddings.batching import MicroBatcher
from retrieval.conversation import NO_CONTEXT, EarlierTurn, PassageRef
from retrieval.search import Hit, SearchResult
from service.api import schemas
from service.api.deps import ResourcesDep, SettingsDep
from service.api.errors import error_responses
from service.api.schemas import AskRequest, AskResponse, Citation, DocumentRef, IndexInfo, Passage, Span
from service.core.config import Settings
from service.core.resources import SEARCH_POOL, Resources
from verbatim.errors import BadInputError

router = APIRouter(prefix="/v1", tags=["ask"], responses=error_responses(400, 401, 404, 422, 503))


def check_question(question: str, k: int, settings: Settings) -> str:
    if not question or not question.strip():
        raise BadInputError("question is empty: write a question in plain words")
    if len(question) > settings.max_question_chars:
        raise BadInputError(
            f"question is {len(question)} characters long; the limit is {settings.max_question_chars}: shorten it"
        )
    if not 1 <= k <= settings.max_k:
        raise BadInputError(f"k must be between 1 and {settings.max_k}; got {k}")
    if not question.isascii():
        try:
            question.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate ("\ud800" in JSON): it cannot be echoed back
            raise BadInputError("question is not valid Unicode text (it holds a lone surrogate)") from None
    return question.strip()


def passage_of(hit: Hit, resources: Resources) -> Passage:
    p = hit.passage
    doc = resources.index.documents[p.doc_id]
    return Passage(
        rank=hit.rank,
        score=round(hit.score, 6),
        document=DocumentRef(id=p.doc_id, title=doc.record.title),
        text=doc.text[p.start : p.end],
        citation=Citation(
            start=p.start,
            end=p.end,
            line_start=p.line_start,
            line_end=p.line_end,
            section=p.section,
            source_attribution=p.attribution,
            page=p.page,
            page_end=p.page_end,
            page_label=p.page_label,
            page_end_label=p.page_end_label,
        ),
        highlights=[Span(start=s, end=e) for s, e in hit.highlights],
        url=f"/?doc={p.doc_id}&start={p.start}&end={p.end}",
    )


def index_info(resources: Resources) -> IndexInfo:
    manifest = resources.index.manifest
    return IndexInfo(version=manifest.build_id, built_at=manifest.built_at, model=manifest.model["name"])


def history_of(turns: list[schemas.EarlierTurn], settings: Settings, resources: Resources) -> list[EarlierTurn]:
    """The earlier turns as the retriever takes them; passages of documents no longer indexed are dropped."""
    if len(turns) > settings.max_history_turns:
        raise BadInputError(f"history has {len(turns)} turns; send at most the last {settings.max_history_turns}")
    out = []
    for n, turn in enumerate(turns, start=1):
        if len(turn.question) > settings.max_question_chars:
            raise BadInputError(f"history turn {n}: question is {len(turn.question)} characters long; "
                                f"the limit is {settings.max_question_chars}")
        for p in turn.passages:
            if p.end < p.start:
                raise BadInputError(f"history turn {n}: passage end {p.end} is before its start {p.start}")
        shown = tuple(PassageRef(p.document, p.start, p.end) for p in turn.passages
                      if p.document in resources.index.documents)
        out.append(EarlierTurn(turn.question.strip(), shown))
    return out


def context_of(result: SearchResult) -> schemas.ConversationContext:
    c = result.context
    return schemas.ConversationContext(
        terms=[schemas.ContextTerm(term=t.term, turn=t.turn, weight=t.weight) for t in c.terms],
        new_topic=c.new_topic,
        documents=list(c.documents),
    )


def response_of(result: SearchResult, resources: Resources, took_ms: float, with_context: bool = False) -> AskResponse:
    return AskResponse(
        question=result.question,
        supported=result.supported,
        confidence=None if result.confidence is None else round(result.confidence, 4),
        passages=[passage_of(h, resources) for h in result.hits],
        context=context_of(result) if with_context else None,
        took_ms=round(took_ms, 2),
        index=index_info(resources),
    )


async def embed(embedder: Embedder, texts: list[str]) -> np.ndarray:
    if isinstance(embedder, MicroBatcher):
        return await asyncio.wrap_future(embedder.submit(texts))
    return await run_in_threadpool(embedder.embed_batch, texts)


async def answer(
    request: Request, question: str, k: int, documents: list[str] | None, resources: Resources, settings: Settings,
    history: list[schemas.EarlierTurn] | None = None,
) -> AskResponse:
    began = time.perf_counter()
    request.state.question = question  # for the access log, unless VERBATIM_LOG_QUESTIONS=false
    question = check_question(question, k, settings)
    turns = history_of(history, settings, resources) if history else None
    retriever = resources.retriever
    context = retriever.context_of(question, turns) if turns else NO_CONTEXT
    # embedded in a batch with the other questions of the moment, awaited without holding a thread
    vectors = await embed(resources.embedder, retriever.embedding_texts(question, context))
    result = await asyncio.get_running_loop().run_in_executor(
        SEARCH_POOL, partial(retriever.search, question, k, documents, None, turns, vectors, context))
    return response_of(result, resources, (time.perf_counter() - began) * 1000, with_context=history is not None)


@router.post("/ask", response_model=AskResponse, summary="Ask a question; get the corpus's own passages",
             responses=error_responses(413, 415))
async def ask_post(request: Request, body: AskRequest, resources: ResourcesDep, settings: SettingsDep) -> AskResponse:
    return await answer(request, body.question, body.k, body.documents, resources, settings, body.history)


@router.get("/ask", response_model=AskResponse, summary="Ask a question (query-string form)")
async def ask_get(
    request: Request,
    resources: ResourcesDep,
    settings: SettingsDep,
    q: Annotated[str, Query(description="The question.")] = "",
    k: Annotated[int, Query(description="How many passages (1 to 50).")] = 5,
    documents: Annotated[list[str] | None, Query(description="Only these document ids (repeatable).")] = None,
) -> AskResponse:
    return await answer(request, q, k, documents, resources, settings)
