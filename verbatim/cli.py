"""The ``verbatim`` command: ``index``, ``serve``, ``ask``, ``verify`` and ``eval``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from verbatim.errors import VerbatimError


def _settings():
    from service.core.config import get_settings

    return get_settings()


def add_index_arguments(parser: argparse.ArgumentParser) -> None:
    s = _settings()
    parser.add_argument("--corpus", type=Path, default=s.corpus_dir, help="folder of documents: .txt, .md, .pdf, .html, .docx, .epub (default: %(default)s)")
    parser.add_argument("--sources-dir", type=Path, default=s.sources_dir, help="the readers' own files, from `verbatim add` (default: %(default)s)")
    parser.add_argument("--index-dir", type=Path, default=s.index_dir, help="where the index is published (default: %(default)s)")
    parser.add_argument("--cache-dir", type=Path, default=s.cache_dir, help="embedding cache (default: %(default)s)")
    parser.add_argument("--chunk-tokens", type=int, default=s.chunk_tokens, help="target passage size in tokens (default: %(default)s)")
    parser.add_argument("--overlap", type=int, default=s.chunk_overlap, help="overlap between neighbouring passages, tokens (default: %(default)s)")
    parser.add_argument("--faiss-factory", default=s.faiss_factory, help="FAISS index factory string, e.g. Flat, HNSW32, 'IVF1024,PQ32' (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=s.embed_batch_size, help="embedding batch size (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=s.threads, help="embedding threads (default: all cores)")
    parser.add_argument("--backend", choices=["auto", "onnx", "torch"], default=s.embedding_backend,
                        help="embedding runtime (default: %(default)s: torch for passages, ONNX for questions)")
    parser.add_argument("--model-path", type=Path, default=s.model_path,
                        help="sentence-transformers model folder (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--headers", action=argparse.BooleanOptionalAction, default=s.contextual_headers,
                        help="embed title, section and source before each passage (default: %(default)s)")
    parser.add_argument("--bm25-ngrams", action=argparse.BooleanOptionalAction, default=s.bm25_ngrams,
                        help="character 4-grams in BM25 (default: %(default)s)")
    parser.add_argument("--skip-bad", action="store_true", help="warn about and skip bad files instead of stopping")
    parser.add_argument("--if-stale", action="store_true", help="build only when the index is missing or stale")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run_index(args: argparse.Namespace) -> int:
    from embeddings.backends import load_embedder, prepare_question_graph
    from index_build.build import BuildOptions, build_index, show_progress_default
    from index_build.chunking import ChunkParams
    from index_build.freshness import index_is_fresh
    from index_build.library import Library

    if args.chunk_tokens < 32 or args.overlap < 0 or args.overlap >= args.chunk_tokens:
        raise VerbatimError("--chunk-tokens must be >= 32 and --overlap between 0 and chunk-tokens - 1")
    options = BuildOptions(
        chunk=ChunkParams(target_tokens=args.chunk_tokens, overlap_tokens=args.overlap),
        faiss_factory=args.faiss_factory,
        contextual_headers=args.headers,
        bm25_ngrams=args.bm25_ngrams,
        skip_bad=args.skip_bad,
        show_progress=show_progress_default() and not args.quiet,
        model_path=args.model_path,
    )
    Library(args.corpus, args.sources_dir).documents(skip_bad=args.skip_bad)  # refuse bad input before the model loads
    # the graph questions are embedded with is exported now, so the server never exports at start-up
    prepare_question_graph(args.model_path, args.backend, args.cache_dir, _settings().query_precision)
    if args.if_stale:
        reason = index_is_fresh(args.index_dir, args.corpus, options, args.sources_dir)
        if reason is None:
            print(f"index at {args.index_dir} is up to date")
            return 0
        print(f"building the index: {reason}")
    embedder = load_embedder(args.model_path, args.backend, args.cache_dir, batch_size=args.batch_size,
                             threads=args.threads)
    summary = build_index(args.corpus, args.index_dir, embedder, options, cache_dir=args.cache_dir,
                          sources_dir=args.sources_dir)
    for line in summary.lines():
        print(line)
    return 0


def add_change_arguments(parser: argparse.ArgumentParser) -> None:
    s = _settings()
    parser.add_argument("--corpus", type=Path, default=s.corpus_dir, help="the corpus folder (default: %(default)s)")
    parser.add_argument("--sources-dir", type=Path, default=s.sources_dir, help="where added files are kept (default: %(default)s)")
    parser.add_argument("--index-dir", type=Path, default=s.index_dir, help="the published index (default: %(default)s)")
    parser.add_argument("--cache-dir", type=Path, default=s.cache_dir, help="embedding cache (default: %(default)s)")
    parser.add_argument("--model-path", type=Path, default=s.model_path, help="the index's embedding model folder (default: the bundled one)")
    parser.add_argument("--backend", choices=["auto", "onnx", "torch"], default=s.embedding_backend, help="embedding runtime (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run_change(args: argparse.Namespace) -> int:
    """``verbatim add FILE...`` and ``verbatim remove ID...``: change the published index in place."""
    from embeddings.backends import load_embedder
    from index_build.build import show_progress_default
    from index_build.formats.record import ExtractionLimits
    from index_build.updates import change_library

    s = _settings()
    additions: list[tuple[bytes, str]] = []
    for path in getattr(args, "files", []):
        if not path.is_file():
            raise VerbatimError(f"{path}: no such file")
        if path.stat().st_size > s.upload_max_bytes:
            raise VerbatimError(f"{path}: {path.stat().st_size:,} bytes, over the limit of {s.upload_max_bytes:,} "
                                "(VERBATIM_UPLOAD_MAX_BYTES)")
        additions.append((path.read_bytes(), path.name))
    embedder = load_embedder(args.model_path, args.backend, args.cache_dir, batch_size=s.embed_batch_size,
                             threads=s.threads)
    summary = change_library(
        args.index_dir, args.corpus, args.sources_dir, embedder, cache_dir=args.cache_dir,
        add=additions, remove=list(getattr(args, "ids", [])), limits=ExtractionLimits.for_files_up_to(s.upload_max_bytes),
        show_progress=show_progress_default() and not args.quiet,
    )
    for line in summary.lines():
        print(line)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from index_build.freshness import serving_problem
    from verbatim.errors import IndexUnavailableError

    settings = _settings()
    problem = serving_problem(settings.index_dir, settings.corpus_dir, model_path=settings.model_path,
                              sources_dir=settings.sources_dir)
    if problem:
        raise IndexUnavailableError(problem)

    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="info",
        timeout_keep_alive=30,  # longer than clients' usual 5 s reuse window, so no request meets a closing socket
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verbatim", description="Answers questions with the sources' own words.")
    sub = parser.add_subparsers(dest="command", required=True)
    index = sub.add_parser("index", help="build the index of a corpus folder", description="Chunk, embed and index a corpus folder.")
    add_index_arguments(index)
    index.set_defaults(run=run_index)
    add = sub.add_parser("add", help="add files to the published index",
                         description="Add PDF, HTML, DOCX, EPUB or text files: only they are embedded, then the new "
                                     "index is published (a running server picks it up).")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_change_arguments(add)
    add.set_defaults(run=run_change)
    remove = sub.add_parser("remove", help="remove documents from the published index",
                            description="Remove documents by id and publish the new index.")
    remove.add_argument("ids", nargs="+", metavar="ID")
    add_change_arguments(remove)
    remove.set_defaults(run=run_change)
    s = _settings()
    serve = sub.add_parser("serve", help="serve the HTTP API and the web page", description="Serve the API and page.")
    serve.add_argument("--host", default=s.host, help="(default: %(default)s)")
    serve.add_argument("--port", type=int, default=s.port, help="(default: %(default)s)")
    serve.add_argument("--workers", type=int, default=s.workers, help="worker processes (default: %(default)s)")
    serve.set_defaults(run=run_serve)
    from verbatim.terminal import add_commands

    add_commands(sub)
    from eval.harness import add_eval_arguments, run_eval

    evaluate = sub.add_parser("eval", help="measure retrieval accuracy", description="Measure retrieval accuracy on question files.")
    add_eval_arguments(evaluate)
    evaluate.set_defaults(run=run_eval)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run a parsed command; a VerbatimError becomes one readable line and its exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return int(args.run(args) or 0)
    except VerbatimError as exc:
        print(f"verbatim: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("verbatim: interrupted", file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
