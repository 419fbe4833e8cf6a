"""What the API takes and returns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The reader's question, in plain words.")
    k: int = Field(5, description="How many passages to return (1 to 50).")
    documents: list[str] | None = Field(None, description="Only search these document ids.")


class DocumentRef(BaseModel):
    id: str
    title: str


class Citation(BaseModel):
    start: int = Field(description="0-based character offset into the document's text, inclusive.")
    end: int = Field(description="0-based character offset, exclusive.")
    line_start: int = Field(description="1-based line of `start`.")
    line_end: int = Field(description="1-based line of the passage's last character.")
    section: str | None = Field(description="Chapter / section / appendix item heading, as in the text.")
    source_attribution: str | None = Field(description="The numbered primary source the passage quotes.")
    page: int | None = Field(description="Printed page where the passage begins, when the scan kept one nearby.")
    page_end: int | None = Field(description="Printed page where it ends.")


class Span(BaseModel):
    start: int
    end: int


class Passage(BaseModel):
    rank: int
    score: float
    document: DocumentRef
    text: str = Field(description="Exactly the document's text from citation.start to citation.end.")
    citation: Citation
    highlights: list[Span] = Field(description="The sentence(s) that best answer the question, raw offsets.")
    url: str = Field(description="Where to read the passage in context.")


class IndexInfo(BaseModel):
    version: str
    built_at: str
    model: str


class AskResponse(BaseModel):
    question: str
    supported: bool = Field(description="False when the corpus does not support an answer; passages are then only the nearest.")
    confidence: float | None = Field(
        None, ge=0.0, le=1.0,
        description="0 to 1: how likely the corpus answers the question (the calibrated abstention model); "
                    "`supported` is this at or above the threshold chosen on the dev questions.")
    passages: list[Passage]
    took_ms: float
    index: IndexInfo


class DocumentSummary(BaseModel):
    id: str
    title: str
    kind: str | None
    author: str | None
    characters: int
    lines: int
    sha256: str


class DocumentDetail(DocumentSummary):
    text: str


class DocumentSlice(BaseModel):
    id: str
    title: str
    start: int
    end: int
    line_start: int
    line_end: int
    text: str = Field(description="Exactly the document's text from start to end.")
    before: str = Field(description="Up to `context` characters before start.")
    after: str = Field(description="Up to `context` characters after end.")
    context_start: int
    context_end: int


class ErrorBody(BaseModel):
    error: str
    detail: str
    request_id: str | None = None


class Health(BaseModel):
    status: str
    index_version: str | None = None
