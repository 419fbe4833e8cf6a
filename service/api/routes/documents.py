"""``/v1/documents``: the corpus, so every citation can be checked against its source."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import ResourcesDep
from service.api.errors import error_responses
from service.api.schemas import DocumentDetail, DocumentSlice, DocumentSummary
from service.core.resources import Resources
from verbatim.errors import BadInputError, NotFoundError

router = APIRouter(prefix="/v1/documents", tags=["documents"], responses=error_responses(401, 422, 503))
MAX_CONTEXT = 5000


def summary_of(doc) -> DocumentSummary:
    r = doc.record
    return DocumentSummary(
        id=r.id, title=r.title, kind=r.kind, author=r.author, characters=r.chars, lines=r.lines, sha256=r.sha256
    )


def find_document(resources: Resources, doc_id: str):
    doc = resources.index.documents.get(doc_id)
    if doc is None:
        known = ", ".join(sorted(resources.index.documents))
        raise NotFoundError(f"no document {doc_id!r}; known ids: {known}")
    return doc


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


@router.get("", response_model=list[DocumentSummary], summary="List the documents")
def list_documents(resources: ResourcesDep) -> list[DocumentSummary]:
    return [summary_of(d) for d in resources.index.documents.values()]


@router.get(
    "/{doc_id}",
    response_model=DocumentDetail | DocumentSlice,
    responses=error_responses(400, 404),
    summary="A document's whole text, or with start and end exactly that slice plus context",
)
def get_document(
    doc_id: str,
    resources: ResourcesDep,
    start: Annotated[int | None, Query(description="0-based start offset, inclusive.")] = None,
    end: Annotated[int | None, Query(description="0-based end offset, exclusive.")] = None,
    context: Annotated[int, Query(description="Characters of context on each side (0 to 5000).")] = 300,
) -> DocumentDetail | DocumentSlice:
    doc = find_document(resources, doc_id)
    text = doc.text
    if start is None and end is None:
        return DocumentDetail(**summary_of(doc).model_dump(), text=text)
    if start is None or end is None:
        raise BadInputError("give both start and end, or neither")
    if not 0 <= start < end <= len(text):
        raise BadInputError(f"need 0 <= start < end <= {len(text)} (the document's length); got start={start}, end={end}")
    if not 0 <= context <= MAX_CONTEXT:
        raise BadInputError(f"context must be between 0 and {MAX_CONTEXT}; got {context}")
    c_start, c_end = max(0, start - context), min(len(text), end + context)
    return DocumentSlice(
        id=doc.record.id,
        title=doc.record.title,
        start=start,
        end=end,
        line_start=line_of(text, start),
        line_end=line_of(text, end - 1),
        text=text[start:end],
        before=text[c_start:start],
        after=text[end:c_end],
        context_start=c_start,
        context_end=c_end,
    )


