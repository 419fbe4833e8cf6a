"""Picking the FAISS index type from the corpus size, from the measurements of ``bench/scale.py``.

Measured on 2 shared cores (one OpenMP thread), 384-d unit vectors, inner product, one query at a time;
the tables are in ``bench/results/scale.md``:

* ``Flat`` (exact) is a linear scan: p95 15.6 / 18.8 ms at 100k vectors (two runs), p50 118 / 121 ms at 1M;
  1536 B a vector. A 20 ms p95 budget is reached at ~110-130k vectors, hence ``FLAT_MAX`` = 120k at 384-d
  (the scan, so the limit, scales with the dimension).
* ``HNSW32`` at efSearch 128: p50 0.41-0.44 ms, recall@10 0.965-0.973 on the synthetic 100k set and 0.999
  on the repo's real MiniLM vectors (0.994 at efSearch 64); 1808 B a vector (float32 + 272 B of graph).
* ``HNSW32,SQ8``: 656 B a vector, recall@10 0.955-0.972 (synthetic) / 0.994 (real) at efSearch 128.
* IVF is not chosen while a graph fits: on the real vectors IVF-SQ8 needed nprobe 32 of 128 lists for
  recall 0.969, below HNSW32 at efSearch 32 (0.979); only the synthetic clusters make it look better.
* ``IVF{nlist},PQ{m}np``: 60 B a vector, but raw recall@10 is 0.64 (synthetic 1M) / 0.69 (real); re-scoring
  the top 100 from the float32 ``passage_vectors.npy`` gives 0.995 / 0.971 - so only with that re-rank, and
  only past what the graphs fit in. ``np`` skips polysemous training, which the factory otherwise runs
  (218 s instead of ~20 s of training at 10k, for nothing with this search).

The graph tiers end where the index alone would pass ``DENSE_MEMORY_BUDGET`` (4 GiB of the 24 GiB machine,
which must also hold BM25 - ~2.9 KB a passage with the service's 4-grams - the ~1.6 KB passage table, the
documents' text and the page cache for the memory-mapped vectors).
"""

from __future__ import annotations

import math
import re

FLAT_LATENCY_TARGET_MS = 20.0  # p95 budget for one dense search, one thread
REFERENCE_DIMENSION = 384
FLAT_MAX = 120_000  # at 384-d: p95 15.6-18.8 ms measured at 100k, so ~20 ms here

HNSW_M = 32
HNSW_GRAPH_BYTES = 272  # measured: serialized HNSW32 minus its vectors, per vector
DENSE_MEMORY_BUDGET = 4 * 2**30
HNSW_EF_SEARCH = 128
IVF_PROBE_SHARE = 64  # probe nlist/64 lists: 32 of 2048 at 1M, where IVF-PQ + re-rank reached recall 0.995
IVF_MIN_NPROBE = 32


def hnsw_bytes_per_vector(dimension: int = REFERENCE_DIMENSION, sq8: bool = False) -> int:
    return (dimension if sq8 else 4 * dimension) + HNSW_GRAPH_BYTES


def ivf_nlist(n_passages: int) -> int:
    """Largest power of two <= 4*sqrt(n), with >= 39 training points a list (as in ``bench/scale.py``)."""
    target = max(1.0, min(4 * math.sqrt(n_passages), n_passages / 39))
    return 1 << int(math.floor(math.log2(target)))


def pq_subquantizers(dimension: int) -> int:
    """About 8 dimensions a sub-quantizer (48 at 384-d); FAISS needs it to divide the dimension."""
    return next(m for m in range(max(1, dimension // 8), 0, -1) if dimension % m == 0)


def tier_limits(dimension: int = REFERENCE_DIMENSION) -> tuple[int, int, int]:
    """Sizes at which Flat, HNSW32 and HNSW32,SQ8 stop being chosen."""
    flat = FLAT_MAX * REFERENCE_DIMENSION // dimension
    hnsw = DENSE_MEMORY_BUDGET // hnsw_bytes_per_vector(dimension)
    hnsw_sq8 = DENSE_MEMORY_BUDGET // hnsw_bytes_per_vector(dimension, sq8=True)
    return flat, max(flat, hnsw), max(flat, hnsw_sq8)


def choose_faiss_factory(n_passages: int, dimension: int = REFERENCE_DIMENSION) -> str:
    """The FAISS factory string for ``n_passages`` vectors of ``dimension`` (inner product).

    At 384-d: ``Flat`` below 120k, ``HNSW32`` below ~2.38M (4 GiB at 1808 B a vector), ``HNSW32,SQ8``
    below ~6.55M (656 B), then ``IVF{nlist},PQ48np`` (needs an exact re-rank; see the module docstring).
    """
    if n_passages < 0 or dimension <= 0:
        raise ValueError(f"need n_passages >= 0 and dimension > 0, got {n_passages} and {dimension}")
    flat, hnsw, hnsw_sq8 = tier_limits(dimension)
    if n_passages < flat:
        return "Flat"
    if n_passages < hnsw:
        return f"HNSW{HNSW_M}"
    if n_passages < hnsw_sq8:
        return f"HNSW{HNSW_M},SQ8"
    return f"IVF{ivf_nlist(n_passages)},PQ{pq_subquantizers(dimension)}np"


def search_parameters(factory: str) -> dict[str, int]:
    """FAISS search parameters for ``factory`` (names as ``faiss.ParameterSpace`` takes them)."""
    if factory.startswith("HNSW"):
        return {"efSearch": HNSW_EF_SEARCH}
    if match := re.match(r"IVF(\d+)", factory):
        return {"nprobe": max(IVF_MIN_NPROBE, int(match.group(1)) // IVF_PROBE_SHARE)}
    return {}
