"""``/v1/documents``: the corpus, so every citation can be checked against its source."""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException

from index_build.library import shown_name
from service.api.deps import ResourcesDep, SettingsDep
from service.api.errors import error_responses
from service.api.schemas import DocumentDetail, DocumentSlice, DocumentSummary, JobState, PageBreak
from service.core.changes import check_upload, submit_removal, submit_upload
from service.core.middleware import bearer_token
from service.core.resources import Resources
from verbatim.errors import (
    BadInputError,
    FileTooLargeError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    UnsupportedFormatError,
)

router = APIRouter(prefix="/v1/documents", tags=["documents"], responses=error_responses(401, 422, 503))
MAX_CONTEXT = 5000


def summary_of(doc) -> DocumentSummary:
    r = doc.record
    return DocumentSummary(
        id=r.id, title=r.title, kind=r.kind, author=r.author, characters=r.chars, lines=r.lines, sha256=r.sha256,
        format=r.format, file=r.file, added=r.origin == "sources", pages=len(r.pages),
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
        breaks = [PageBreak(number=n, label=label, start=a, end=b) for n, label, a, b in doc.record.pages]
        return DocumentDetail(**summary_of(doc).model_dump(), text=text, page_breaks=breaks)
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


def require_admin(settings, authorization: str | None) -> None:
    """Uploads and removals need ``Authorization: Bearer VERBATIM_ADMIN_TOKEN``; off when it is unset."""
    if not settings.admin_token:
        raise NotFoundError("adding and removing documents is off on this server: set VERBATIM_ADMIN_TOKEN to enable it")
    given = bearer_token(authorization)
    if not given:
        raise UnauthorizedError("send the admin token as Authorization: Bearer TOKEN")
    if not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
        raise ForbiddenError("wrong admin token")


def job_state(job) -> JobState:
    return JobState(**asdict(job))


async def _read_upload(request: Request, limit: int) -> tuple[bytes, str]:
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype != "multipart/form-data":
        raise UnsupportedFormatError("send the file as multipart/form-data in a field named `file` "
                                     "(curl -F file=@report.pdf)")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except (ValueError, KeyError) as exc:  # python-multipart's parse errors
        raise BadInputError(f"the multipart body cannot be read ({exc})") from None
    except HTTPException as exc:
        raise BadInputError(f"the multipart body cannot be read ({exc.detail})") from None
    upload = form.get("file")
    if not isinstance(upload, StarletteUploadFile):
        raise BadInputError("no file in the form: send it in a field named `file`")
    data = await upload.read(limit + 1)
    await form.close()
    if len(data) > limit:
        raise FileTooLargeError(f"{shown_name(upload.filename or 'the file')}: over the limit of {limit:,} bytes "
                                "(VERBATIM_UPLOAD_MAX_BYTES)")
    if not data:
        raise BadInputError(f"{shown_name(upload.filename or 'the file')}: the file is empty")
    return data, upload.filename or "upload"


@router.post(
    "",
    response_model=JobState,
    status_code=202,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422),
    summary="Upload a document (PDF, HTML, DOCX, EPUB, text) to be indexed; poll the returned job",
)
async def upload_document(
    request: Request,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> JobState:
    require_admin(settings, authorization)
    data, name = await _read_upload(request, settings.upload_max_bytes)
    # read now as the build will: an encrypted, corrupt, empty or duplicate file is refused here
    doc = await run_in_threadpool(check_upload, settings, data, name)
    app = request.app
    job = submit_upload(app.state.jobs, settings, app.state.holder, app.state.passage_embedder, data, name, doc.id)
    return job_state(job)


@router.delete(
    "/{doc_id}",
    response_model=JobState,
    status_code=202,
    responses=error_responses(401, 403, 404),
    summary="Remove a document from the index; poll the returned job",
)
def delete_document(
    doc_id: str,
    request: Request,
    resources: ResourcesDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> JobState:
    require_admin(settings, authorization)
    find_document(resources, doc_id)
    app = request.app
    return job_state(submit_removal(app.state.jobs, settings, app.state.holder, app.state.passage_embedder, doc_id))
