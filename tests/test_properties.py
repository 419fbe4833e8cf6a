"""Property tests of the offset-preserving text pipeline: any text, any deletions, exact raw spans.

Texts are drawn line by line from a mix of arbitrary unicode (combining marks, NBSP, curly quotes,
tabs, CRLF; surrogates excluded), very long lines and the shapes the layout/structure rules look
for (running heads, bare page numbers, chapter and numbered-section headings, quoted sources,
blank-line page breaks, words broken across lines), so every rule gets exercised.
"""

from __future__ import annotations

import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index_build.build import BuildOptions, prepare_document
from index_build.chunking import ChunkParams, chunk_document
from index_build.corpus import Document, line_count
from index_build.joins import build_vocabulary, find_line_joins
from index_build.layout import find_furniture
from index_build.offsets import Edit, normalize
from index_build.structure import find_sections
from tests.fakes import FakeEmbedder

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ANY_CHAR = st.characters(exclude_categories=("Cs",))  # surrogates cannot be encoded
SPECIAL = st.sampled_from(
    [
        "\u0301", "\u0308", "\u0327", "\u20dd",  # combining marks
        "\u00a0", "\u2009", "\u3000", "\t", "\r", "\r\n", "\n", " ",  # odd whitespace, CRLF
        "\u2018", "\u2019", "\u201c", "\u201d", "\u201e", "\u00b4", "\u00a8",  # curly quotes, spacing accents
        "\u00ad", "\ufffd", "\u200b", "\ufeff", "\ufb01", "\u00bd", "\u2474", "\ufdfa",  # dropped / NFKC-expanding
        "e\u0301", "A\u030a", ". ", "? ", "Mr. ", "\"", "-",
    ]
)
WORD = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=1, max_size=12)
PROSE_LINE = st.lists(
    st.one_of(WORD, WORD.map(lambda w: w + "."), WORD.map(lambda w: w + ","), SPECIAL), min_size=1, max_size=14
).map(" ".join)
STRUCTURED_LINE = st.one_of(
    st.integers(1, 400).map(str),  # bare page number
    st.integers(1, 400).map(lambda n: f"{n} Canal Works"),  # even-page running head
    st.integers(1, 400).map(lambda n: f"Chapter Three. Speaking to the Party {n}"),  # odd-page head
    st.integers(1, 12).map(lambda n: f"Chapter {n}."),
    st.integers(1, 40).map(lambda n: f"{n}. The {['First', 'Flood', 'Trial'][n % 3]} Spade"),
    st.integers(1, 6).map(lambda n: f"({n}) Harbour Master's Report ({1890 + n})"),
    st.sampled_from(
        ["Primary Sources", "Introduction.", "Appendix", "Bibliography", "Index", "Khrushchev:", "Com. Beria:",
         "The Digging", "One Two Three Four"]
    ),
)
LINE = st.one_of(
    PROSE_LINE,
    PROSE_LINE,
    STRUCTURED_LINE,
    st.just(""),
    st.text(ANY_CHAR, max_size=40),
    st.lists(st.one_of(ANY_CHAR, SPECIAL), max_size=40).map("".join),
    st.integers(200, 3000).map(lambda n: ("word " * n)[: n]),  # very long line
    st.lists(WORD, min_size=1, max_size=8).map(lambda ws: " ".join(ws) + "-"),  # hyphen at the line end
    st.tuples(st.sampled_from([" ", "\t", "\u00a0"]), SPECIAL, PROSE_LINE).map("".join),  # indented line
)
RAW = st.one_of(
    st.lists(LINE, max_size=60).flatmap(
        lambda lines: st.sampled_from(["\n", "\r\n"]).map(lambda sep: sep.join(lines))
    ),
    st.lists(st.one_of(ANY_CHAR, SPECIAL), max_size=300).map("".join),  # no line structure at all
    st.just(""),
)


@st.composite
def text_and_edits(draw) -> tuple[str, list[Edit]]:
    """A raw text and non-overlapping deletions (possibly touching, possibly cutting a cluster)."""
    raw = draw(RAW)
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=12)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        if b > a:
            edits.append(Edit(a, b, draw(st.booleans())))
    return raw, draw(st.permutations(edits))


def fake_tiktoken(texts: list[str]) -> list[int]:
    """Stand-in for tiktoken: roughly one token per 4 characters, words never free."""
    return [len(t.split()) + len(t) // 4 for t in texts]


def check_sections_partition(text: str, sections) -> None:
    assert sections, "no sections at all"
    assert sections[0].start == 0
    assert sections[-1].end == len(text)
    for left, right in zip(sections, sections[1:], strict=False):
        assert left.end == right.start
    for s in sections:
        assert s.start < s.end or len(text) == 0, s


# --- normalize ------------------------------------------------------------------------------


@FAST
@given(text_and_edits())
def test_normalize_maps_every_normalised_span_to_an_in_bounds_monotone_raw_span(case) -> None:
    raw, edits = case
    norm = normalize(raw, edits)
    n = len(norm.text)
    assert len(norm.starts) == len(norm.ends) == n and norm.raw_length == len(raw)
    for i in range(n):
        assert 0 <= norm.starts[i] < norm.ends[i] <= len(raw)
    # monotone: a later start or end never maps before an earlier one
    assert norm.starts == sorted(norm.starts)
    assert norm.ends == sorted(norm.ends)
    # every span [a, b) (a sample of them for long texts) maps to a non-empty in-bounds raw span
    step = max(1, n // 40)
    for a in range(0, n, step):
        for b in range(a + 1, n + 1, step):
            s, e = norm.raw_span(a, b)
            assert 0 <= s < e <= len(raw)
            assert (s, e) == (norm.starts[a], norm.ends[b - 1])
    # deleted raw text never reaches the normalised text, except the boundary space it leaves
    deleted = [(e.start, e.end) for e in edits]
    for i, ch in enumerate(norm.text):
        if ch == " " and norm.ends[i] - norm.starts[i] == 1:
            continue
        assert not any(a <= norm.starts[i] < b for a, b in deleted), (i, ch)


@FAST
@given(RAW, st.data())
def test_norm_offset_is_monotone_and_inverts_raw_span_starts(raw, data) -> None:
    norm = normalize(raw)
    offsets = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=20)))
    mapped = [norm.norm_offset(o) for o in offsets]
    assert mapped == sorted(mapped)
    assert all(0 <= m <= len(norm.text) for m in mapped)
    for i in range(len(norm.text)):
        assert norm.norm_offset(norm.starts[i]) <= i


# --- layout, joins, structure ---------------------------------------------------------------


@FAST
@given(RAW, st.lists(PROSE_LINE, max_size=20))
def test_find_line_joins_never_crashes_and_gives_ordered_in_bounds_joins(raw, other_lines) -> None:
    vocabulary = build_vocabulary([raw, "\n".join(other_lines)])
    joins = find_line_joins(raw, vocabulary)
    previous_end = 0
    for j in joins:
        assert previous_end <= j.start < j.end <= len(raw)
        assert "\n" in raw[j.start : j.end]
        assert raw[j.start : j.end].replace("-", "", 1).strip() == ""
        previous_end = j.end


@FAST
@given(RAW)
def test_find_furniture_never_crashes_and_names_whole_lines(raw) -> None:
    previous = -1
    for f in find_furniture(raw):
        assert 0 <= f.start <= f.end <= len(raw)
        assert f.start == 0 or raw[f.start - 1] == "\n"
        assert f.end == len(raw) or raw[f.end] == "\n"
        assert f.line == raw.count("\n", 0, f.start) + 1
        assert f.line > previous
        previous = f.line


@FAST
@given(RAW)
def test_find_sections_never_crashes_and_partitions_the_text(raw) -> None:
    check_sections_partition(raw, find_sections(raw))


# --- chunking -------------------------------------------------------------------------------


@SLOW
@given(
    text_and_edits(),
    st.integers(16, 120),
    st.integers(0, 40),
    st.integers(40, 256),
    st.sampled_from(["", "Title | Chapter 1. The Digging", "x " * 150]),
)
def test_chunk_document_passages_map_to_in_bounds_raw_spans_covering_every_sentence(
    case, target, overlap, max_model, header
) -> None:
    raw, edits = case
    norm = normalize(raw, edits)
    sections = find_sections(raw)
    norm_sections = [(norm.norm_offset(s.start), norm.norm_offset(s.end)) for s in sections]
    params = ChunkParams(target_tokens=target, overlap_tokens=overlap, min_section_tokens=24, max_model_tokens=max_model)
    sentences, chunks = chunk_document(
        norm.text, norm_sections, [header] * len(sections), fake_tiktoken, FakeEmbedder().count_tokens, params
    )
    for a, b in sentences:
        assert 0 <= a < b <= len(norm.text)
        s, e = norm.raw_span(a, b)
        assert 0 <= s < e <= len(raw)
    covered: set[int] = set()
    previous = None
    for c in chunks:
        assert 0 <= c.first_sentence < c.last_sentence <= len(sentences)
        assert c.start == sentences[c.first_sentence][0] and c.end == sentences[c.last_sentence - 1][1]
        s, e = norm.raw_span(c.start, c.end)
        assert 0 <= s < e <= len(raw)
        if previous is not None:
            assert previous.first_sentence < c.first_sentence <= previous.last_sentence
        covered.update(range(c.first_sentence, c.last_sentence))
        previous = c
    assert covered == set(range(len(sentences)))
    # the sentences cover every non-space normalised character inside the sections
    inside = set()
    for a, b in sentences:
        inside.update(range(a, b))
    for i, ch in enumerate(norm.text):
        assert ch.isspace() or i in inside, (i, ch)


# --- the whole per-document path --------------------------------------------------------------


@SLOW
@given(RAW.filter(lambda t: t.strip()), st.lists(PROSE_LINE, max_size=10), st.booleans())
def test_prepare_document_passages_cite_stripped_raw_text_on_the_right_lines(raw, other_lines, headers) -> None:
    data = raw.encode("utf-8")
    doc = Document(
        id="doc", file="doc.txt", title="A Title", author=None, kind=None, text=raw,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), lines=line_count(raw),
    )
    vocabulary = build_vocabulary([raw, "\n".join(other_lines)])
    options = BuildOptions(contextual_headers=headers, show_progress=False)
    prepared = prepare_document(doc, vocabulary, options, fake_tiktoken, FakeEmbedder().count_tokens, 7)
    check_sections_partition(raw, prepared.sections)
    for s, e in prepared.sentences:
        assert 0 <= s < e <= len(raw)
    for p in prepared.passages:
        assert 0 <= p.start < p.end <= len(raw)
        cited = raw[p.start : p.end]
        assert cited and cited == cited.strip(), repr(cited[:40])
        assert p.line_start == raw.count("\n", 0, p.start) + 1
        assert p.line_end == raw.count("\n", 0, p.end - 1) + 1
        assert p.id == f"doc@{p.start}-{p.end}"
        assert 7 <= p.sentence_first < p.sentence_last <= 7 + len(prepared.sentences)
        assert p.text and p.embedded.endswith(p.text)
