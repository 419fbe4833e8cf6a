"""No repeats: of passages whose raw spans overlap, only the better-ranked one is returned."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

SpanOf = Callable[[int], tuple[str, int, int]]  # item -> (document id, raw start, raw end)


def drop_overlapping(ranked_items: Iterable[tuple[int, float]], span_of: SpanOf) -> Iterator[tuple[int, float]]:
    """Yield ``(item, score)`` in order, skipping any item whose span overlaps one already yielded."""
    kept: dict[str, list[tuple[int, int]]] = {}
    for item, score in ranked_items:
        doc_id, start, end = span_of(item)
        spans = kept.setdefault(doc_id, [])
        if any(start < e and s < end for s, e in spans):
            continue
        spans.append((start, end))
        yield item, score
