"""What the API takes and returns."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ShownPassage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: str = Field(description="Document id.")
    start: int = Field(ge=0, description="Raw start offset, as returned in `citation.start`.")
    end: int = Field(ge=0, description="Raw end offset.")


class EarlierTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The earlier question, as the reader typed it.")
    passages: list[ShownPassage] = Field([], description="The passages the reader was shown or kept (optional).")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The reader's question, in plain words.")
    k: int = Field(5, description="How many passages to return (1 to 50).")
    documents: list[str] | None = Field(None, description="Only search these document ids.")
    history: list[EarlierTurn] | None = Field(
        None, description="The conversation's earlier turns, oldest first: a follow-up question ('When was he "
                          "arrested?') takes their names and rare terms, at a lower weight. Omit for a new question.")


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
    page: int | None = Field(description="Page where the passage begins: a PDF's page (1 = its first page), or the "
                                          "book's printed page when the scan kept one nearby.")
    page_end: int | None = Field(description="Page where it ends.")
    page_label: str | None = Field(None, description="The PDF's own label of `page` (e.g. 'xii' or '215'), when the "
                                                     "PDF defines page labels.")
    page_end_label: str | None = Field(None, description="The PDF's label of `page_end`.")


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


class ContextTerm(BaseModel):
    term: str = Field(description="A word carried from an earlier question, as the reader wrote it.")
    turn: int = Field(description="Which earlier turn it came from: 1 is the oldest in `history`.")
    weight: float = Field(description="Its weight relative to the question's own words (more recent weighs more).")


class ConversationContext(BaseModel):
    terms: list[ContextTerm] = Field(description="What the follow-up took from the earlier turns.")
    new_topic: bool = Field(description="The question names its own subject: nothing was carried.")
    documents: list[str] = Field(description="Documents of the passages shown earlier, most recent first.")


class AskResponse(BaseModel):
    question: str
    supported: bool = Field(description="False when the corpus does not support an answer; passages are then only the nearest.")
    confidence: float | None = Field(
        None, ge=0.0, le=1.0,
        description="0 to 1: how likely the corpus answers the question (the calibrated abstention model); "
                    "`supported` is this at or above the threshold chosen on the dev questions.")
    passages: list[Passage]
    context: ConversationContext | None = Field(
        None, description="Only when `history` was sent: what was carried from the earlier turns, and from which.")
    took_ms: float
    index: IndexInfo


class DocumentSummary(BaseModel):
    id: str
    title: str
    kind: str | None
    author: str | None
    characters: int
    lines: int
    sha256: str = Field(description="SHA-256 of the original file, as read or uploaded.")
    format: str = Field("text", description="The original file's format: text, pdf, html, docx or epub.")
    file: str = Field("", description="The file's name in the corpus or sources folder.")
    added: bool = Field(False, description="Added by a reader (`verbatim add` or an upload), so it can be removed.")
    pages: int = Field(0, description="Pages of the original file (PDF); 0 for formats without fixed pages.")


class PageBreak(BaseModel):
    number: int = Field(description="1-based page of the original file.")
    label: str | None = Field(description="The file's own label for the page, when it defines one.")
    start: int = Field(description="Offset in the document text where the page's text begins.")
    end: int = Field(description="Offset where it ends (exclusive).")


class DocumentDetail(DocumentSummary):
    text: str
    page_breaks: list[PageBreak] = Field([], description="Where each page of the original file lies in `text`.")


class UploadPolicy(BaseModel):
    enabled: bool = Field(description="`POST /v1/documents` is on (the server has an admin token).")
    max_bytes: int = Field(description="Largest file accepted, bytes.")
    suffixes: list[str] = Field(description="File types accepted.")


class JobState(BaseModel):
    id: str
    kind: str = Field(description="`add` (an upload) or `remove`.")
    state: str = Field(description="`queued`, `running`, `done` or `failed`.")
    step: str | None = Field(description="While running: reading, embedding, indexing, publishing or loading.")
    done: int = Field(description="While embedding: texts embedded so far.")
    total: int = Field(description="While embedding: texts to embed (only the new document's).")
    file_name: str | None
    document_id: str | None = Field(description="The document added or removed.")
    index_version: str | None = Field(description="The index version the job published (serving once `done`).")
    error: str | None = Field(description="Why it failed; the published index kept serving.")
    error_status: int | None = Field(description="The HTTP status of that error.")
    queued_at: float
    finished_at: float | None


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


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quote: str = Field(description="The quotation to check, as the reader has it (at least three words).")
    documents: list[str] | None = Field(None, description="Only look in these document ids.")


class QuoteDifference(BaseModel):
    start: int = Field(description="Raw offset where the text differs (start == end: the quote adds words here).")
    end: int
    text: str = Field(description="Exactly the document's text from start to end.")
    quote_text: str = Field(description="What the quote has there instead (empty when it leaves the words out).")
    kind: str = Field(description="ocr, line_break, punctuation, case, spelling, changed, added, missing or "
                                  "omitted (a cut the quote marks with an ellipsis).")
    explanation: str = Field(description="The kind in words, for a reader.")


class QuoteMatch(BaseModel):
    document: DocumentRef
    start: int = Field(description="0-based raw offset of the aligned span, inclusive.")
    end: int = Field(description="0-based raw offset, exclusive.")
    text: str = Field(description="Exactly the document's text from start to end.")
    citation: Citation
    similarity: float = Field(ge=0.0, le=1.0, description="1 when equal but for whitespace; 0 to 1 otherwise.")
    exact: bool = Field(description="The span equals the quote but for whitespace and line breaks.")
    differences: list[QuoteDifference]
    url: str = Field(description="Where to read the span in context.")


class VerifyResponse(BaseModel):
    quote: str
    compared: str = Field(description="The words checked: the quote without the reader's enclosing quotation "
                                      "marks and attribution (the same as `quote` when it has none).")
    found: bool = Field(description="The words are in the corpus, exactly or closely.")
    verdict: str = Field(description="`exact`, `close` or `not_found`.")
    matches: list[QuoteMatch] = Field(description="Every place the words are found, best first.")
    nearest: QuoteMatch | None = Field(
        None, description="When not found: the closest span there is, to judge for yourself (not a match).")
    threshold: float = Field(description="The similarity from which a span counts as `close`.")
    took_ms: float
    index: IndexInfo
