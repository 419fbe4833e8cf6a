"""Does the published index still fit the corpus and the model, and the build options?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from index_build import store
from index_build.library import Library
from index_build.tokenization import TOKENIZER_VERSION
from verbatim.errors import IndexUnavailableError

if TYPE_CHECKING:
    from index_build.build import BuildOptions


def serving_problem(
    index_dir: Path, corpus_dir: Path, skip_bad: bool = False, model_path: Path | None = None,
    sources_dir: Path | None = None,
) -> str | None:
    """Why this index cannot serve this corpus with this model (default: the bundled one), or None."""
    from embeddings.sentence_transformer import default_model_path, weights_hash

    try:
        manifest = store.read_manifest(index_dir)
    except IndexUnavailableError as exc:
        return exc.message
    library = Library(corpus_dir, sources_dir)
    if skip_bad:  # which files a build skips is known only by reading them
        current = {d.id: d.sha256 for d in library.documents(skip_bad=True)}
    else:
        current = {doc_id: digest for doc_id, (_, digest) in library.files().items()}
    if manifest.corpus.get("sha256") != current:
        return f"the documents in {corpus_dir} (or the sources folder) changed since the index was built; {store.FIX_HINT}"
    if manifest.model.get("weights_sha256") != weights_hash(model_path or default_model_path()):
        return f"the index was built with another embedding model; {store.FIX_HINT}"
    return None


def index_is_fresh(
    index_dir: Path, corpus_dir: Path, options: BuildOptions, sources_dir: Path | None = None
) -> str | None:
    """None when a build with ``options`` would give the published index again, else the reason."""
    problem = serving_problem(index_dir, corpus_dir, options.skip_bad, options.model_path, sources_dir)
    if problem:
        return problem
    manifest = store.read_manifest(index_dir)
    wanted = {
        "target_tokens": options.chunk.target_tokens,
        "overlap_tokens": options.chunk.overlap_tokens,
        "contextual_headers": options.contextual_headers,
    }
    if any(manifest.chunking.get(k) != v for k, v in wanted.items()):
        return "chunking options changed"
    if manifest.index.get("faiss_factory") != options.faiss_factory:
        return "the FAISS index type changed"
    if manifest.index.get("bm25_tokenizer") != TOKENIZER_VERSION:
        return "BM25 tokeniser changed"
    if manifest.index.get("bm25_ngrams") != options.bm25_ngrams:
        return "BM25 tokenisation changed"
    return None
