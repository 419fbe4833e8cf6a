"""Is the published index still what a build with these options would produce?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from index_build import store
from index_build.corpus import read_corpus
from verbatim.errors import IndexUnavailableError

if TYPE_CHECKING:
    from index_build.build import BuildOptions


def index_is_fresh(index_dir: Path, corpus_dir: Path, options: BuildOptions) -> str | None:
    """None when fresh, else the reason a rebuild is needed."""
    from embeddings.minilm import default_model_path, weights_hash

    try:
        manifest = store.read_manifest(index_dir)
    except IndexUnavailableError as exc:
        return exc.message
    current = {d.id: d.sha256 for d in read_corpus(corpus_dir, skip_bad=options.skip_bad)}
    if manifest.corpus.get("sha256") != current:
        return "the corpus changed since the last build"
    wanted = {
        "target_tokens": options.chunk.target_tokens,
        "overlap_tokens": options.chunk.overlap_tokens,
        "contextual_headers": options.contextual_headers,
    }
    if any(manifest.chunking.get(k) != v for k, v in wanted.items()):
        return "chunking options changed"
    if manifest.index.get("faiss_factory") != options.faiss_factory:
        return "the FAISS index type changed"
    if manifest.model.get("weights_sha256") != weights_hash(default_model_path()):
        return "the embedding model changed"
    return None
