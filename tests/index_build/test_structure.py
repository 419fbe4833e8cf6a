from __future__ import annotations

from functools import cache

import pytest

from index_build.structure import FRONT_MATTER, Section, find_sections
from tests.corpus_files import ARTICLE, BOOK, ORDZHONIKIDZE, RYUTIN, corpus_text

ALL = [ARTICLE, RYUTIN, ORDZHONIKIDZE, BOOK]

INTRO = 'Introduction. The Khrushchev School of Falsification: "The 20th Century\'s Most Influential Speech"'
CH1 = 'Chapter 1. The Cult and Lenin\'s "Testament"'
CH2 = 'Chapter 2. Collegiality "Trampled"'
CH3 = 'Chapter 3. Stalin\'s "Arbitrariness" Towards the Party'
CH4 = 'Chapter 4. The "Cases" Against Party Members and Related Questions'
CH9 = "Chapter 9. Stalin's Last Years in Power"
CH10 = "Chapter 10. A Typology of Prevarication"
CH11 = 'Chapter 11. The Results of Khrushchev\'s "Revelations"; Falsified Rehabilitations'
CH12 = "Chapter 12. Conclusion: The Enduring Legacy of Khrushchev's Deception"
APX = "Appendix - Quotations from Primary and Other Sources"
SOURCES = "Primary Sources"


@cache
def corpus_sections(name: str) -> tuple[Section, ...]:
    return tuple(find_sections(corpus_text(name)))


def section_at(sections: tuple[Section, ...] | list[Section], offset: int) -> Section:
    return next(s for s in sections if s.start <= offset < s.end)


def section_of(name: str, phrase: str) -> Section:
    text = corpus_text(name)
    assert text.count(phrase) == 1, phrase
    return section_at(corpus_sections(name), text.index(phrase))


def assert_partition(text: str, sections: list[Section] | tuple[Section, ...]) -> None:
    assert sections[0].start == 0
    assert sections[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(sections, sections[1:], strict=False))
    assert all(s.start < s.end for s in sections) or len(text) == 0


# --- synthetic texts ---------------------------------------------------------------------------


def test_text_without_headings_is_one_section_without_heading() -> None:
    text = "Just an article on one line. It has no headings at all."
    assert find_sections(text) == [Section(0, len(text), None, None)]


def test_empty_text_is_one_empty_section() -> None:
    assert find_sections("") == [Section(0, 0, None, None)]


WEB = """Some Person

Born poor, he rose.
Some Person in 1930
(1) This numbered line sits in the biography and is not a source.

Primary Sources

(1) First Author, A Book (2001)

Quoted words of the first book.

(3) Out of turn, not a source heading

(2) Second Author, Another Book (2002)

Quoted words of the second book."""


@pytest.mark.parametrize(
    ("phrase", "heading", "attribution"),
    [
        ("Born poor", None, None),
        ("This numbered line sits in the biography", None, None),
        ("Primary Sources", SOURCES, None),
        ("Quoted words of the first book.", SOURCES, "(1) First Author, A Book (2001)"),
        ("(3) Out of turn", SOURCES, "(1) First Author, A Book (2001)"),
        ("Quoted words of the second book.", SOURCES, "(2) Second Author, Another Book (2002)"),
    ],
)
def test_quoted_sources_are_numbered_in_turn_after_the_primary_sources_line(
    phrase: str, heading: str | None, attribution: str | None
) -> None:
    sections = find_sections(WEB)
    assert_partition(WEB, sections)
    section = section_at(sections, WEB.index(phrase))
    assert (section.heading, section.attribution) == (heading, attribution)


def test_source_heading_line_belongs_to_the_section_it_opens() -> None:
    start = WEB.index("(2) Second Author")
    assert section_at(find_sections(WEB), start).start == start


SYNTH_CH1 = "Chapter 1. The First Part and the Rest"
BOOK_TEXT = """A Title Page

Copyright notice.
 Introduction.

A Book About: "Things
Written Down"

Introductory words.
 Chapter 1.

The First Part and
the Rest

1. The Opening
Speaker:

Quoted speech.

Comment on the speech, citing footnote 3.

3 Ibid., p. 4.

2. A Numbered Point Inside a Quotation That Is Not a Heading
more quoted words
1. another list item

2. The Second
Heading Wrapped by

Speaker:

Words of the second section.
Chapter 1 2 .

Last Words

Closing words.
Chapter 1. A stray mention
Appendix - Items From

The Sources

1. First Item
Speaker:

Item words.

Bibliography

Some book."""


@pytest.mark.parametrize(
    ("phrase", "heading"),
    [
        ("A Title Page", FRONT_MATTER),
        ("Copyright notice.", FRONT_MATTER),
        ("Introductory words.", 'Introduction. A Book About: "Things Written Down"'),
        (" Chapter 1.\n", "Chapter 1. The First Part and the Rest"),
        ("Quoted speech.", "Chapter 1. The First Part and the Rest › 1. The Opening"),
        ("3 Ibid., p. 4.", "Chapter 1. The First Part and the Rest › 1. The Opening"),
        ("Not a Heading", "Chapter 1. The First Part and the Rest › 1. The Opening"),
        ("another list item", "Chapter 1. The First Part and the Rest › 1. The Opening"),
        ("Words of the second", f"{SYNTH_CH1} › 2. The Second Heading Wrapped by"),
        ("Closing words.", "Chapter 12. Last Words"),
        ("A stray mention", "Chapter 12. Last Words"),
        ("Item words.", "Appendix - Items From The Sources › 1. First Item"),
        ("Some book.", "Bibliography"),
    ],
)
def test_book_headings_nest_numbered_sections_under_chapters(phrase: str, heading: str) -> None:
    sections = find_sections(BOOK_TEXT)
    assert_partition(BOOK_TEXT, sections)
    section = section_at(sections, BOOK_TEXT.index(phrase))
    assert (section.heading, section.attribution) == (heading, None)


def test_book_heading_line_opens_its_section() -> None:
    start = BOOK_TEXT.index("2. The Second")
    assert section_at(find_sections(BOOK_TEXT), start).start == start


def test_chapter_with_lost_label_is_found_by_title_and_numbered_from_the_gap() -> None:
    text = (
        "Chapter 1.\n\nThe One\n\n1. Alpha\nSpeaker:\n\nText a.\n\n"
        "The Lost Chapter and\n\nIts Title\n\n2. Beta\nSpeaker:\n\nText b.\n\n"
        "Chapter 3.\n\nThe Three\n\n3. Gamma\nSpeaker:\n\nText c."
    )
    section = section_at(find_sections(text), text.index("Text b."))
    assert section.heading == "Chapter 2. The Lost Chapter and Its Title › 2. Beta"


def test_numbered_heading_whose_number_the_ocr_lost_fills_a_single_gap() -> None:
    text = (
        "Chapter 1.\n\nThe One\n\n1. Alpha\nSpeaker:\n\nText a.\n\n"
        "�. Beta\nSpeaker:\n\nText b.\n\n3. Gamma\nSpeaker:\n\nText c."
    )
    section = section_at(find_sections(text), text.index("Text b."))
    assert section.heading == "Chapter 1. The One › �. Beta"


# --- the real corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_sections_partition_the_document(name: str) -> None:
    assert_partition(corpus_text(name), corpus_sections(name))


def test_one_line_article_is_one_section_without_heading() -> None:
    text = corpus_text(ARTICLE)
    assert list(corpus_sections(ARTICLE)) == [Section(0, len(text), None, None)]


RYUTIN_1 = (
    "(1) John Archibald Getty and Oleg V. Naumov, The Road to Terror: Stalin and the "
    "Self-Destruction of the Bolsheviks, 1932-1939 (2010)"
)
MONTEFIORE = "Simon Sebag Montefiore, Stalin: The Court of the Red Tsar (2003)"
KONSTANTIN = (
    "(7) Sergo Ordzhonikidze's youngest brother Konstantin arrived at the Kremlin soon after "
    "his body had been found."
)


@pytest.mark.parametrize(
    ("name", "phrase", "heading", "attribution"),
    [
        (RYUTIN, "Martemyan Ryutin was born into a poor peasant family", None, None),
        (RYUTIN, "Martemyan Ryutin in prison in 1932", None, None),
        (RYUTIN, "Primary Sources", SOURCES, None),
        (RYUTIN, "M. N. Riutin had been a district party secretary", SOURCES, RYUTIN_1),
        (RYUTIN, RYUTIN_1, SOURCES, RYUTIN_1),
        (
            RYUTIN,
            "We must begin to take action...",
            SOURCES,
            "(2) Martemyan Ryutin, Stalin and the Crisis of the Proletarian Dictatorship (1932)",
        ),
        (RYUTIN, "The firmness shown by Stalin", SOURCES, "(3) Robert Service, Stalin: A Biography (2004)"),
        (
            RYUTIN,
            "Ryutins' had circulated a lengthy memorandum",
            SOURCES,
            "(4) Adam B. Ulam, Stalin: The Man and his Era (2007)",
        ),
        (ORDZHONIKIDZE, "Sergo Ordzhonikidze, the son of a small landowner", None, None),
        (ORDZHONIKIDZE, "Death of Sergo Ordzhonikidze\n", None, None),
        (ORDZHONIKIDZE, "(1) Adam B. Ulam", SOURCES, "(1) Adam B. Ulam, Stalin: The Man and his Era (2007)"),
        (ORDZHONIKIDZE, "Shortly before Nestor Lakoba's sinister death", SOURCES, f"(2) {MONTEFIORE}"),
        (ORDZHONIKIDZE, '"Why console me," she snapped', SOURCES, f"(6) {MONTEFIORE}"),
        (ORDZHONIKIDZE, KONSTANTIN, SOURCES, KONSTANTIN),
        (ORDZHONIKIDZE, "When my wife and I reached the second floor", SOURCES, KONSTANTIN),
        (ORDZHONIKIDZE, '"They killed him, the rats".', SOURCES, KONSTANTIN),
    ],
)
def test_web_page_passages_carry_their_quoted_source(
    name: str, phrase: str, heading: str | None, attribution: str | None
) -> None:
    section = section_of(name, phrase)
    assert (section.heading, section.attribution) == (heading, attribution)


def test_passage_quoted_in_the_biography_and_under_a_source_is_cited_in_each_place() -> None:
    text = corpus_text(ORDZHONIKIDZE)
    phrase = "But the two Georgians"
    in_biography = section_at(corpus_sections(ORDZHONIKIDZE), text.index(phrase))
    in_sources = section_at(corpus_sections(ORDZHONIKIDZE), text.rindex(phrase))
    assert (in_biography.heading, in_biography.attribution) == (None, None)
    assert (in_sources.heading, in_sources.attribution) == (
        SOURCES,
        "(1) Adam B. Ulam, Stalin: The Man and his Era (2007)",
    )


@pytest.mark.parametrize(("name", "count"), [(RYUTIN, 4), (ORDZHONIKIDZE, 7)])
def test_web_pages_have_every_numbered_source(name: str, count: int) -> None:
    attributions = [s.attribution for s in corpus_sections(name) if s.attribution]
    assert [a.split(")")[0] for a in attributions] == [f"({n}" for n in range(1, count + 1)]


@pytest.mark.parametrize(
    ("phrase", "heading"),
    [
        ("The fiftieth anniversary of Nikita S. Khrushchev", INTRO),
        ("In conclusion I would like to thank my colleagues", INTRO),
        ("Comrades! In the report of the Central Committee of the", f"{CH1} › 1. The Cult"),
        ("Fearing the future fate", f'{CH1} › 2. Lenin\'s "Testament"'),
        ("Ar several points in his speech, Khrushchev complains", f'{CH2} › 3. "Collegiality" In Work'),
        (
            "Khrushchev was present at the January 1938 CC Plenum. and certainly",
            f'{CH3} › 15. "Many Members questioned mass repression", especially Pavel Postyshev',
        ),
        ("Related Questions", CH4),
        ("The Pospelov Repon quotes somewhat more from the text of Eikhe's", f"{CH4} › 16. Eikhe"),
        (
            "Postyshev; A.V. Kosarev",
            f"{CH4} › 21-24. S.V. Kossior; V. Ia. Chubar'; P.P. Postyshev; A.V. Kosarev",
        ),
        ("Of Plots and Mfairs", "Chapter 6. Of Plots and Mfairs"),
        ("His propos� after the 19th Congress", f"{CH9} › 61. Expansion of the Presidium"),
        ("Chapter 1 0.", CH10),
        ("Before proceeding to discuss Khrushchev's specific methods", CH10),
        ("Tivel - Postyshev - Kosarev - Rudzutak", CH11),
        ("For decades it's been assumed that Khrushchev attacked Stalin", CH12),
        ("]an1111ry 2005", CH12),
        ("Primary and Other Sources", APX),
        ("ul must say in all conscience, comrades", f"{APX} › 1. Cult."),
        (
            'repression". Especially Postyshev.',
            f'{APX} › 15. "Many Members questioned mass repression". Especially Postyshev.',
        ),
        (
            "behavior but he was released and not even searched. It  is",
            f"{APX} › . Khrushchev Implies Stalin's involvement in Kirov's murder",
        ),
        (
            "refer to the mass deportations from their native places of",
            f"{APX} › �9. Deportations of nationalities",
        ),
        (
            "old Politburo - except that of comrade A.A. Andreev",
            f"{APX} › 58. Aundreev; 59. �olotov; 60. �ikoian",
        ),
        ("(see previous references).", f"{APX} › 61. Expansion of the Presidium"),
    ],
)
def test_book_passages_carry_chapter_section_and_appendix_item(phrase: str, heading: str) -> None:
    section = section_of(BOOK, phrase)
    assert (section.heading, section.attribution) == (heading, None)


def test_book_chapter_headings_are_found_in_order() -> None:
    chapters = [s.heading for s in corpus_sections(BOOK) if s.heading and " › " not in s.heading]
    assert chapters == [
        INTRO,
        CH1,
        CH2,
        CH3,
        CH4,
        "Chapter 6. Of Plots and Mfairs",
        'Chapter 7. Beria, His "Machinations" and "Crimes"',
        "Chapter 8. Ideology and Culture",
        CH9,
        CH10,
        CH11,
        CH12,
        APX,
    ]


def test_book_numbered_sections_run_on_across_chapters_and_restart_in_the_appendix() -> None:
    body = [s.heading for s in corpus_sections(BOOK) if s.heading and s.heading.startswith("Chapter ")]
    items = [s.heading for s in corpus_sections(BOOK) if s.heading and s.heading.startswith(f"{APX} › ")]
    assert len([h for h in body if " › " in h]) == 54
    assert len(items) == 56
    assert items[0].endswith(" › 1. Cult.")
    assert items[-1].endswith(" › 61. Expansion of the Presidium")


def test_book_typology_table_numbers_are_not_sections() -> None:
    text = corpus_text(BOOK)
    start = text.index('No. Khrushchev\'s "Revelation"')
    end = text.index("Chapter 11.")
    inside = [s for s in corpus_sections(BOOK) if start <= s.start < end]
    assert inside == []
