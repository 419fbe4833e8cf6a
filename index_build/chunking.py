"""Sentence-aware passages sized in tiktoken tokens, kept inside sections and the model's limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from index_build.sentences import sentence_spans

Counter = Callable[[list[str]], list[int]]


@dataclass(frozen=True)
class ChunkParams:
    target_tokens: int = 200  # tiktoken cl100k tokens a passage aims for
    overlap_tokens: int = 40  # trailing sentences of a passage repeated at the next one's start, at most
    min_section_tokens: int = 24  # a smaller section (a lone heading) joins the section after it
    max_model_tokens: int = 256  # the embedding model's limit, special tokens and header included


@dataclass(frozen=True)
class Chunk:
    start: int  # normalised offsets
    end: int
    section: int  # index into the sections given
    first_sentence: int  # sentence index range [first, last) into the sentences returned
    last_sentence: int


def _split_long(text: str, span: tuple[int, int], limit: int, count: Counter) -> list[tuple[int, int]]:
    """Cut a sentence longer than ``limit`` tokens at spaces into pieces of at most ``limit``."""
    start, end = span
    words: list[tuple[int, int]] = []
    i = start
    while i < end:
        j = text.find(" ", i, end)
        j = end if j < 0 else j
        words.append((i, j))
        i = j + 1
    sizes = count([text[a:b] for a, b in words])
    pieces: list[tuple[int, int]] = []
    piece_start, total = words[0][0], 0
    prev_end = words[0][1]
    for (a, b), size in zip(words, sizes, strict=True):
        if total and total + size > limit:
            pieces.append((piece_start, prev_end))
            piece_start, total = a, 0
        total += size + 1
        prev_end = b
    pieces.append((piece_start, prev_end))
    return pieces


def chunk_document(
    text: str,
    sections: list[tuple[int, int]],
    headers: list[str],
    count_tiktoken: Counter,
    count_model: Counter,
    params: ChunkParams = ChunkParams(),
) -> tuple[list[tuple[int, int]], list[Chunk]]:
    """Sentences and passages of one normalised document.

    ``sections`` are normalised ``(start, end)`` spans in order; ``headers[i]`` is the context
    text embedded before every passage of section i (it counts toward the model's limit).
    """
    groups = _group_small_sections(text, sections, count_tiktoken, params.min_section_tokens)
    sentences: list[tuple[int, int]] = []
    chunks: list[Chunk] = []
    for section_index, (start, end) in groups:
        header = headers[section_index]
        header_cost = count_model([header + " " if header else ""])[0]
        budget = params.max_model_tokens - header_cost - 4
        piece_limit = max(16, min(params.target_tokens, budget // 2))
        spans: list[tuple[int, int]] = []
        for span in sentence_spans(text, start, end):
            if count_tiktoken([text[span[0] : span[1]]])[0] > piece_limit:
                spans.extend(_split_long(text, span, piece_limit, count_tiktoken))
            else:
                spans.append(span)
        if not spans:
            continue
        base = len(sentences)
        sentences.extend(spans)
        sizes = count_tiktoken([text[a:b] for a, b in spans])
        model_sizes = count_model([text[a:b] for a, b in spans])

        def fits(first: int, last: int, header: str = header, spans: list = spans) -> bool:
            body = text[spans[first][0] : spans[last - 1][1]]
            return count_model([f"{header} {body}" if header else body])[0] <= params.max_model_tokens

        for first, last in _pack(sizes, model_sizes, params.target_tokens, params.overlap_tokens, budget, fits):
            chunks.append(Chunk(spans[first][0], spans[last - 1][1], section_index, base + first, base + last))
    return sentences, chunks


def _pack(
    sizes: list[int],
    model_sizes: list[int],
    target: int,
    overlap: int,
    budget: int,
    fits: Callable[[int, int], bool],
):
    """Greedy ``[first, last)`` sentence ranges; neighbours share trailing sentences up to ``overlap``.

    Per-sentence counts only estimate a passage's length, so each range is checked exactly with
    ``fits`` and shortened until it fits; the next range starts no later than this one ends.
    """
    n = len(sizes)
    first = 0
    while first < n:
        last, total, model_total = first, 0, 0
        while last < n and (
            last == first or (total + sizes[last] <= target and model_total + model_sizes[last] <= budget)
        ):
            total += sizes[last]
            model_total += model_sizes[last]
            last += 1
        while last - first > 1 and not fits(first, last):
            last -= 1
        yield first, last
        if last >= n:
            return
        nxt, shared = last, 0
        while nxt - 1 > first and shared + sizes[nxt - 1] <= overlap:
            nxt -= 1
            shared += sizes[nxt]
        first = nxt


def _group_small_sections(
    text: str, sections: list[tuple[int, int]], count: Counter, minimum: int
) -> list[tuple[int, tuple[int, int]]]:
    """``(section index, span)`` with each too-small section merged into the one after it."""
    sizes = count([text[a:b] for a, b in sections])
    groups: list[tuple[int, tuple[int, int]]] = []
    carry: int | None = None
    for index, ((start, end), size) in enumerate(zip(sections, sizes, strict=True)):
        if carry is not None:
            start = carry
            carry = None
        if size < minimum and index < len(sections) - 1:
            carry = start
            continue
        groups.append((index, (start, end)))
    return groups
