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


def merge_overlapping(
    ranked_items: Iterable[tuple[int, float]],
    span_of: SpanOf,
    section_of: Callable[[int], object],
    k: int,
    max_parts: int = 2,
) -> list[tuple[list[int], float]]:
    """Up to ``k`` groups of items, in rank order, whose spans do not overlap one another.

    An item overlapping exactly one group of the same section joins it (the group's span grows to
    the union; at most ``max_parts`` items a group) when the union overlaps no other group; any other
    overlapping item is dropped. Neighbouring windows that both match thus come back as one
    passage instead of one being lost.
    """
    groups: list[tuple[list[int], float]] = []
    spans: list[tuple[str, int, int]] = []
    for item, score in ranked_items:
        doc_id, start, end = span_of(item)
        hits = [g for g, (d, s, e) in enumerate(spans) if d == doc_id and start < e and s < end]
        if not hits:
            if len(groups) == k:
                break
            groups.append(([item], score))
            spans.append((doc_id, start, end))
            continue
        if len(hits) > 1:
            continue
        g = hits[0]
        members, group_score = groups[g]
        if len(members) >= max_parts or section_of(item) != section_of(members[0]):
            continue
        union = (doc_id, min(start, spans[g][1]), max(end, spans[g][2]))
        if any(d == doc_id and union[1] < e and s < union[2] for j, (d, s, e) in enumerate(spans) if j != g):
            continue
        groups[g] = (members + [item], group_score)
        spans[g] = union
    return groups
