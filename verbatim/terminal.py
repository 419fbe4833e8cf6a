"""``verbatim ask`` and ``verbatim verify``: the API's answers, in-process, for a terminal.

The same response models as the HTTP API (``--json`` prints exactly its body); the text form numbers
the passages, gives each its citation and marks the sentences that answer with » and «.
"""

from __future__ import annotations

import argparse
import sys
import time

from verbatim.errors import IndexUnavailableError


def _resources():
    from index_build.freshness import serving_problem
    from service.core.config import get_settings
    from service.core.resources import load_resources

    settings = get_settings()
    problem = serving_problem(settings.index_dir, settings.corpus_dir, model_path=settings.model_path)
    if problem:
        raise IndexUnavailableError(problem)
    return settings, load_resources(settings)


def citation_line(title: str, c) -> str:
    parts = [title]
    if c.section:
        parts.append(c.section)
    if c.source_attribution:
        parts.append(f"source: {c.source_attribution}")
    if c.page is not None:
        parts.append(f"p. {c.page}" if c.page_end in (None, c.page) else f"pp. {c.page}-{c.page_end}")
    parts.append(f"lines {c.line_start}-{c.line_end}" if c.line_end != c.line_start else f"line {c.line_start}")
    parts.append(f"chars {c.start}-{c.end}")
    return " · ".join(parts)


def marked(text: str, start: int, spans: list[tuple[int, int, str, str]]) -> str:
    """``text`` (which begins at raw offset ``start``) with each ``(s, e, open, close)`` span wrapped."""
    out, pos = [], 0
    for s, e, opening, closing in sorted(spans):
        a, b = max(pos, s - start), min(len(text), e - start)
        if b < a:
            continue
        out += [text[pos:a], opening, text[a:b], closing]
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _block(text: str) -> str:
    """The text as it is, line breaks and all (only indented), so every character can be checked."""
    return "\n".join("    " + line for line in text.split("\n"))


def run_ask(args: argparse.Namespace) -> int:
    from service.api.routes.ask import check_question, response_of

    settings, resources = _resources()
    began = time.perf_counter()
    question = check_question(args.question, args.k, settings)
    result = resources.retriever.search(question, args.k, args.documents or None)
    body = response_of(result, resources, (time.perf_counter() - began) * 1000)
    if args.json:
        sys.stdout.write(body.model_dump_json() + "\n")
        return 0
    verdict = "supported" if body.supported else "not supported: these are only the nearest passages"
    if body.confidence is not None:
        verdict += f" (confidence {body.confidence:.2f})"
    print(f"{body.question}\n{verdict}\n")
    for p in body.passages:
        print(f"[{p.rank}] {citation_line(p.document.title, p.citation)}")
        spans = [(h.start, h.end, "»", "«") for h in p.highlights]
        print(_block(marked(p.text, p.citation.start, spans)) + "\n")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from service.api.routes.verify import verify_response

    _, resources = _resources()
    body = verify_response(resources, args.quote, args.documents or None)
    if args.json:
        sys.stdout.write(body.model_dump_json() + "\n")
        return 0
    words = {"exact": "found exactly", "close": "found with differences", "not_found": "not found in the corpus"}
    print(f"{words[body.verdict]} ({len(body.matches)} place{'s' if len(body.matches) != 1 else ''})")
    if body.compared != body.quote:
        print(f"checked the words {body.compared!r} (without the quotation marks and attribution)")
    print()
    shown = body.matches or ([body.nearest] if body.nearest else [])
    if not body.matches and body.nearest:
        print(f"nearest span (similarity {body.nearest.similarity:.2f}, below the {body.threshold:.2f} needed):")
    for n, m in enumerate(shown, start=1):
        print(f"[{n}] similarity {m.similarity:.2f} · {citation_line(m.document.title, m.citation)}")
        spans = [(d.start, d.end, "[", "]") for d in m.differences if d.end > d.start]
        print(_block(marked(m.text, m.start, spans)))
        for d in m.differences:
            said = repr(d.quote_text) if d.quote_text else "nothing"
            has = repr(d.text) if d.text else "nothing"
            print(f"      {d.kind}: the text has {has}, the quote {said}")
        print()
    return 0 if body.found else 1


def add_commands(sub) -> None:
    from service.core.config import get_settings

    s = get_settings()
    ask = sub.add_parser("ask", help="ask a question in the terminal (no server)",
                         description="Answer a question in-process with the corpus's own passages.")
    ask.add_argument("question", help="the question, in plain words")
    ask.add_argument("--k", type=int, default=5, help=f"how many passages (1 to {s.max_k}; default: %(default)s)")
    ask.add_argument("--documents", nargs="+", metavar="ID", help="only these document ids")
    ask.add_argument("--json", action="store_true", help="print the API's response body")
    ask.set_defaults(run=run_ask)
    verify = sub.add_parser("verify", help="check a quotation in the terminal (no server)",
                            description="Is this quotation in the corpus, exactly or closely, and where? "
                                        "Exit code 0 when found, 1 when not.")
    verify.add_argument("quote", help="the quotation (at least three words)")
    verify.add_argument("--documents", nargs="+", metavar="ID", help="only these document ids")
    verify.add_argument("--json", action="store_true", help="print the API's response body")
    verify.set_defaults(run=run_verify)
