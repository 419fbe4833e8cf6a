"""Scale benchmark: FAISS Flat / HNSW / IVF and bm25s BM25 on synthetic data at 10k, 100k and 1M passages.

``python -m bench.scale [--sizes 10000 100000 1000000] [--quick] [--render]``

Dense side: 384-d (all-MiniLM-L6-v2) L2-normalised float32 vectors, inner product. The vectors are a
clustered mixture (50 topics -> 1000 clusters, each with a 24-d low-rank spread, a shared mean direction
and a little isotropic noise), calibrated so that neighbour similarities look like MiniLM's; queries are
data points pushed off by noise (cosine ~0.89 to their source), like a paraphrase of a passage.
For each index: build (train + add) seconds (``--threads`` OpenMP threads, default 1: on this shared
machine a second thread made FAISS slower, see ``thread_check``), index bytes (``faiss.serialize_index``),
RSS delta and peak-RSS delta of the build, single-query latency p50/p95 (batch size 1, one thread unless
stated), recall@10 against exact (Flat) search. HNSW is built on at most ``--hnsw-cap`` vectors and its
build time and memory extrapolated beyond (marked); a real-vector check and the service's tokenizer are
measured on the repo's own embedding cache and corpus when present.

Sparse side: passages of 150 words drawn from a Zipfian (s=1) vocabulary of 50k words, the 100 most
frequent dropped as stop words (as the service does); 5-word queries drawn from one passage's words.
bm25s build time and memory, and latency of the service's path (``get_scores`` + ``argpartition``).

Writes ``bench/results/scale.json`` and ``bench/results/scale.md`` (not with ``--quick``);
``--render`` rewrites the Markdown from the JSON without measuring again.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

DIM = 384
K = 10
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)

# Synthetic vectors (calibrated: see _data_stats in the JSON and the Markdown).
TOPICS, CLUSTERS, RANK = 50, 1000, 24
MEAN_WEIGHT, SPREAD, ISO_NOISE, SUBTOPIC = 0.9, 0.8, 0.35, 0.8
QUERY_NOISE = 0.5  # isotropic noise norm added to a data point to make a query

# Index parameters.
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 40, (32, 64, 128, 256)
PQ_M = 48  # 8 dimensions per sub-quantizer, 48 bytes a vector
NPROBES = (8, 32)
KMEANS_ITER, TRAIN_PER_LIST = 10, 40
RERANK = 100  # IVF-PQ candidates re-scored exactly from the memory-mapped float32 vectors

# BM25 corpus.
VOCAB, STOP_RANKS, PASSAGE_WORDS, QUERY_WORDS, POOL = 50_000, 100, 150, 5, 50
# The service also indexes each word's character 4-grams: ~5.9x the tokens (measured on ./corpus). Modelled
# as 5 fixed "grams" a word from a Zipfian 50k-gram vocabulary, measured up to NGRAM_MAX_SIZE passages.
GRAMS_PER_WORD, GRAM_VOCAB, NGRAM_MAX_SIZE = 5, 50_000, 100_000


def nlist_for(n: int) -> int:
    """Largest power of two <= 4*sqrt(n), kept to >= 39 training points a list (FAISS' own minimum)."""
    target = max(1, min(4 * math.sqrt(n), n / 39))
    return 1 << int(math.floor(math.log2(target)))


# --------------------------------------------------------------------------- measuring


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss() -> int:
    return _status("VmRSS")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


@dataclass
class Memory:
    before: int = 0
    after: int = 0
    peak: int = 0
    cpu_s: float = 0.0  # process CPU seconds (user + system) of the block; cpu_s / wall shows contention

    @property
    def delta(self) -> int:
        return self.after - self.before

    @property
    def peak_delta(self) -> int:
        return self.peak - self.before


@contextmanager
def measured() -> Iterator[tuple[Memory, list[float]]]:
    """Wall seconds (appended to the list) and RSS before/after/peak of the block."""
    gc.collect()
    mem, seconds = Memory(before=rss()), []
    peak_ok = _reset_peak()
    cpu = time.process_time()
    began = time.perf_counter()
    yield mem, seconds
    seconds.append(time.perf_counter() - began)
    mem.cpu_s = time.process_time() - cpu
    mem.after = rss()
    mem.peak = _status("VmHWM") if peak_ok else 0


def percentiles(times: list[float]) -> tuple[float, float]:
    ms = np.asarray(times) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def time_queries(search: Callable[[np.ndarray], np.ndarray], queries: np.ndarray) -> tuple[list[float], np.ndarray]:
    """Run ``search`` one query at a time; returns per-query seconds and the top-K ids."""
    for q in queries[:3]:
        search(q[None, :])
    ids = np.full((len(queries), K), -1, dtype=np.int64)
    times = []
    for i, q in enumerate(queries):
        began = time.perf_counter()
        found = search(q[None, :])
        times.append(time.perf_counter() - began)
        ids[i, : len(found)] = found[:K]
    return times, ids


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a[:K]) & set(b[:K])) / K for a, b in zip(found, truth, strict=True)]))


def log(msg: str, t0: float = 0.0) -> None:
    stamp = f"[{time.perf_counter() - t0:7.1f}s] " if t0 else ""
    print(stamp + msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- data


def _unit(a: np.ndarray) -> np.ndarray:
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def synthetic_vectors(n: int, seed: int = 0) -> np.ndarray:
    """``n`` clustered unit vectors: mean direction + cluster centre + low-rank spread + noise."""
    rng = np.random.default_rng(seed)
    mean = _unit(rng.standard_normal(DIM)).astype(np.float32)
    topics = _unit(rng.standard_normal((TOPICS, DIM)))
    centres = _unit(topics[rng.integers(0, TOPICS, CLUSTERS)] + SUBTOPIC * _unit(rng.standard_normal((CLUSTERS, DIM))))
    decay = (0.85 ** np.arange(RANK))[None, :, None]
    bases = (rng.standard_normal((CLUSTERS, RANK, DIM)) / math.sqrt(DIM) * decay * SPREAD).astype(np.float32)
    labels = np.sort(rng.integers(0, CLUSTERS, n))
    bounds = np.searchsorted(labels, np.arange(CLUSTERS + 1))
    x = rng.standard_normal((n, DIM), dtype=np.float32)
    x *= ISO_NOISE / math.sqrt(DIM)
    x += MEAN_WEIGHT * mean
    for c in range(CLUSTERS):
        a, b = bounds[c], bounds[c + 1]
        if b > a:
            x[a:b] += centres[c].astype(np.float32) + rng.standard_normal((b - a, RANK), dtype=np.float32) @ bases[c]
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x[rng.permutation(n)]


def synthetic_queries(x: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    src = x[rng.choice(len(x), size=count, replace=False)]
    noise = rng.standard_normal(src.shape, dtype=np.float32) * (QUERY_NOISE / math.sqrt(DIM))
    return np.ascontiguousarray(_unit(src + noise).astype(np.float32))


def zipf_passages(n: int, seed: int = 2) -> tuple[list[list[str]], list[str]]:
    """Token lists (stop words already dropped) and the vocabulary, most frequent word first."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{r}" for r in range(VOCAB)], dtype=object)
    cdf = np.cumsum(1.0 / np.arange(1, VOCAB + 1))
    cdf /= cdf[-1]
    docs: list[list[str]] = []
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        ranks = np.searchsorted(cdf, rng.random((m, PASSAGE_WORDS))).astype(np.int32)
        for row in ranks:
            docs.append(vocab[row[row >= STOP_RANKS]].tolist())
    return docs, vocab.tolist()


def zipf_queries(docs: list[list[str]], count: int, seed: int = 3) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.choice(len(docs), size=count, replace=False):
        words = sorted(set(docs[i]))
        out.append([words[j] for j in rng.choice(len(words), size=min(QUERY_WORDS, len(words)), replace=False)])
    return out


def _zipf_cdf(size: int) -> np.ndarray:
    cdf = np.cumsum(1.0 / np.arange(1, size + 1))
    return cdf / cdf[-1]


def with_grams(docs: list[list[str]], seed: int = 4) -> list[list[str]]:
    """Each word followed by its fixed ``GRAMS_PER_WORD`` gram tokens (shared between words, Zipfian)."""
    rng = np.random.default_rng(seed)
    ids = np.searchsorted(_zipf_cdf(GRAM_VOCAB), rng.random((VOCAB, GRAMS_PER_WORD)))
    names = np.array([f"g{i}" for i in range(GRAM_VOCAB)], dtype=object)
    grams = {f"w{r}": names[ids[r]].tolist() for r in range(VOCAB)}
    return [d + [g for w in d for g in grams[w]] for d in docs]


# --------------------------------------------------------------------------- results


@dataclass
class Row:
    size: int
    family: str  # "dense" | "bm25"
    index: str
    params: str
    build_s: float
    index_bytes: int
    rss_delta: int
    peak_delta: int
    p50_ms: float
    p95_ms: float
    recall10: float | None
    threads: int = 1
    queries: int = 0
    built_on: int = 0  # rows actually indexed (< size when extrapolated)
    extrapolated: list[str] = field(default_factory=list)  # which fields are extrapolated to ``size``
    note: str = ""
    build_cpu_s: float = 0.0  # process CPU seconds of the (measured) build: cpu/wall < cores = contention


def serialized_bytes(index) -> int:
    import faiss

    blob = faiss.serialize_index(index)
    size = int(blob.nbytes)
    del blob
    return size


# --------------------------------------------------------------------------- dense


def bench_dense(n: int, nq: int, hnsw_cap: int, threads: int, t0: float, stats: dict) -> list[Row]:
    import faiss

    cores = os.cpu_count() or 1
    flat_mt_queries = min(nq, 20 if n >= 500_000 else 50)
    rows: list[Row] = []
    log(f"n={n}: generating vectors", t0)
    x = synthetic_vectors(n)
    q = synthetic_queries(x, nq)

    faiss.omp_set_num_threads(threads)
    exact = faiss.IndexFlatIP(DIM)
    exact.add(x)
    truth_scores, truth = exact.search(q, K + 1)
    sample = x[np.random.default_rng(4).choice(n, size=min(200, n), replace=False)]
    self_scores, _ = exact.search(sample, K + 1)  # column 0 is the point itself
    stats[str(n)] = {
        "mean_vector_norm": float(np.linalg.norm(x.mean(0))),
        "query_top1_cos": float(truth_scores[:, 0].mean()),
        "query_top10_cos": float(truth_scores[:, K - 1].mean()),
        "point_nn1_cos": float(self_scores[:, 1].mean()),
        "point_nn10_cos": float(self_scores[:, K].mean()),
    }
    truth = truth[:, :K]
    del exact

    def single(index, params=None) -> Callable[[np.ndarray], np.ndarray]:
        return lambda v: index.search(v, K, params=params)[1][0]

    # Flat
    log(f"n={n}: Flat", t0)
    faiss.omp_set_num_threads(threads)
    with measured() as (mem, sec):
        flat = faiss.IndexFlatIP(DIM)
        flat.add(x)
    nbytes = serialized_bytes(flat)
    faiss.omp_set_num_threads(1)
    times, ids = time_queries(single(flat), q)
    rows.append(Row(n, "dense", "Flat", "exact", sec[0], nbytes, mem.delta, mem.peak_delta, *percentiles(times),
                    recall_at_k(ids, truth), 1, nq, n, build_cpu_s=mem.cpu_s))
    faiss.omp_set_num_threads(cores)
    mt = q[:flat_mt_queries]
    times, ids = time_queries(single(flat), mt)
    rows.append(Row(n, "dense", "Flat", "exact", sec[0], nbytes, mem.delta, mem.peak_delta, *percentiles(times),
                    recall_at_k(ids, truth[: len(mt)]), cores, len(mt), n,
                    note=f"{cores} OpenMP threads for one query", build_cpu_s=mem.cpu_s))
    del flat
    gc.collect()

    # HNSW (float32 and SQ8 vectors), on at most ``hnsw_cap`` vectors
    built_on = min(n, hnsw_cap)
    hx = x[:built_on]
    htruth = truth
    note = ""
    if built_on < n:
        sub = faiss.IndexFlatIP(DIM)
        sub.add(hx)
        htruth = sub.search(q, K)[1]
        del sub
        note = f"built on the first {built_on:,}; latency/recall measured there (truth = exact over those)"
    for factory in (f"HNSW{HNSW_M}", f"HNSW{HNSW_M},SQ8"):
        log(f"n={n}: {factory} on {built_on}", t0)
        faiss.omp_set_num_threads(threads)
        with measured() as (mem, sec):
            hnsw = faiss.index_factory(DIM, factory, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            if not hnsw.is_trained:
                hnsw.train(hx[:100_000])
            hnsw.add(hx)
        nbytes = serialized_bytes(hnsw)
        build_s, rss_d, peak_d, extra = sec[0], mem.delta, mem.peak_delta, []
        if built_on < n:
            scale = n / built_on
            build_s *= scale * math.log(n) / math.log(built_on)  # O(n log n) insertion
            nbytes, rss_d, peak_d = int(nbytes * scale), int(rss_d * scale), int(peak_d * scale)
            extra = ["build_s", "index_bytes", "rss_delta", "peak_delta"]
        faiss.omp_set_num_threads(1)
        for ef in HNSW_EF_SEARCH:
            params = faiss.SearchParametersHNSW(efSearch=ef)
            times, ids = time_queries(single(hnsw, params), q)
            rows.append(Row(n, "dense", factory, f"efSearch={ef}", build_s, nbytes, rss_d, peak_d,
                            *percentiles(times), recall_at_k(ids, htruth), 1, nq, built_on, list(extra),
                            note + (f"; measured build {sec[0]:.1f}s" if extra else ""), build_cpu_s=mem.cpu_s))
        del hnsw
        gc.collect()
    del hx

    rows += bench_ivf(n, x, q, truth, threads, t0)
    del x
    gc.collect()
    return rows


def bench_ivf(n: int, x: np.ndarray, q: np.ndarray, truth: np.ndarray, threads: int, t0: float) -> list[Row]:
    """IVF-Flat, IVF-SQ8 and IVF-PQ sharing one k-means and one assignment (both counted in each build)."""
    import faiss

    rows: list[Row] = []
    nq = len(q)
    nlist = nlist_for(n)
    train = x[np.random.default_rng(5).choice(n, size=min(n, TRAIN_PER_LIST * nlist), replace=False)]
    faiss.omp_set_num_threads(threads)
    log(f"n={n}: IVF k-means nlist={nlist} on {len(train)}", t0)
    with measured() as (kmeans_mem, kmeans_sec):
        base = faiss.index_factory(DIM, f"IVF{nlist},Flat", faiss.METRIC_INNER_PRODUCT)
        base.cp.niter = KMEANS_ITER
        base.train(train)
        centroids = base.quantizer.reconstruct_n(0, nlist)
    with measured() as (assign_mem, assign_sec):
        assign = np.ascontiguousarray(base.quantizer.search(x, 1)[1].ravel())
    shared = kmeans_sec[0] + assign_sec[0]
    del base
    mmap_dir = tempfile.TemporaryDirectory(prefix="scale-bench-")
    vectors_path = Path(mmap_dir.name) / "passage_vectors.npy"
    np.save(vectors_path, x)
    on_disk = np.load(vectors_path, mmap_mode="r")

    for codec in ("Flat", "SQ8", f"PQ{PQ_M}np"):  # np: skip polysemous training (see the Markdown)
        factory = f"IVF{nlist},{codec}"
        log(f"n={n}: {factory}", t0)
        faiss.omp_set_num_threads(threads)
        with measured() as (mem, sec):
            index = faiss.index_factory(DIM, factory, faiss.METRIC_INNER_PRODUCT)
            index.quantizer.add(centroids)  # trained quantizer: train() below only trains the codec
            index.train(train)
            index.add_core(n, faiss.swig_ptr(x), None, faiss.swig_ptr(assign))
        nbytes = serialized_bytes(index)
        build_s = shared + sec[0]
        build_cpu = kmeans_mem.cpu_s + assign_mem.cpu_s + mem.cpu_s
        shared_note = f"k-means {kmeans_sec[0]:.1f}s + assignment {assign_sec[0]:.1f}s (shared) + {sec[0]:.1f}s own"
        faiss.omp_set_num_threads(1)
        for nprobe in NPROBES:
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            times, ids = time_queries(lambda v, p=params, i=index: i.search(v, K, params=p)[1][0], q)
            rows.append(Row(n, "dense", factory, f"nprobe={nprobe}", build_s, nbytes, mem.delta, mem.peak_delta,
                            *percentiles(times), recall_at_k(ids, truth), 1, nq, n, note=shared_note,
                            build_cpu_s=build_cpu))
            if codec.startswith("PQ"):

                def reranked(v: np.ndarray, p=params, i=index, vectors=on_disk) -> np.ndarray:
                    cand = i.search(v, RERANK, params=p)[1][0]
                    cand = np.sort(cand[cand >= 0])
                    scores = vectors[cand] @ v[0]
                    return cand[np.argsort(-scores)[:K]]

                times, ids = time_queries(reranked, q)
                rows.append(Row(n, "dense", factory + f" +rerank{RERANK}", f"nprobe={nprobe}", build_s, nbytes,
                                mem.delta, mem.peak_delta, *percentiles(times), recall_at_k(ids, truth), 1, nq, n,
                                note=f"exact re-score of {RERANK} candidates from memory-mapped float32 vectors "
                                f"(+{n * DIM * 4 / 2**20:,.0f} MB on disk / page cache)", build_cpu_s=build_cpu))
        del index
        gc.collect()
    del on_disk
    mmap_dir.cleanup()
    return rows


# --------------------------------------------------------------------------- BM25


def bench_bm25(n: int, nq: int, t0: float, grams: bool = False) -> Row:
    import bm25s

    log(f"n={n}: BM25 passages{' with grams' if grams else ''}", t0)
    docs, _ = zipf_passages(n)
    queries = zipf_queries(docs, nq)
    if grams:
        docs, queries = with_grams(docs), with_grams(queries)
    tokens = sum(len(d) for d in docs)
    log(f"n={n}: BM25 index ({tokens / n:.0f} tokens a passage)", t0)
    with measured() as (mem, sec):
        bm25 = bm25s.BM25()
        bm25.index(docs, show_progress=False)
    del docs
    gc.collect()
    after_free = rss()
    s = bm25.scores
    nbytes = int(s["data"].nbytes + s["indices"].nbytes + s["indptr"].nbytes)
    nbytes += sum(sys.getsizeof(k) + 8 for k in bm25.vocab_dict) + sys.getsizeof(bm25.vocab_dict)

    def service_path(words: list[str], index=bm25) -> np.ndarray:  # retrieval.search.Searcher._bm25
        tokens = [t for t in words if t in index.vocab_dict]
        scores = np.asarray(index.get_scores(tokens), dtype=np.float32)
        top = np.argpartition(-scores, POOL - 1)[:POOL]
        return top[np.argsort(-scores[top])]

    for w in queries[:3]:
        service_path(w)
    times = []
    for w in queries:
        began = time.perf_counter()
        service_path(w)
        times.append(time.perf_counter() - began)
    name = "bm25s +4-gram-like" if grams else "bm25s"
    row = Row(n, "bm25", name, f"{QUERY_WORDS}-word queries, top {POOL}", sec[0], nbytes,
              after_free - mem.before, mem.peak_delta, *percentiles(times), None, 1, nq, n,
              note=f"{tokens / n:.0f} tokens/passage after stop words; build from pre-tokenised words",
              build_cpu_s=mem.cpu_s)
    del bm25, service_path
    gc.collect()
    return row


def extrapolated_bm25(row: Row, n: int) -> Row:
    """``row`` scaled linearly to ``n`` passages (build, memory and the scan-bound latency)."""
    scale = n / row.size
    return Row(n, row.family, row.index, row.params, row.build_s * scale, int(row.index_bytes * scale),
               int(row.rss_delta * scale), int(row.peak_delta * scale), row.p50_ms * scale, row.p95_ms * scale,
               None, row.threads, row.queries, row.built_on,
               ["build_s", "index_bytes", "rss_delta", "peak_delta", "p50_ms", "p95_ms"],
               f"linear from the {row.size:,} measurement", row.build_cpu_s * scale)


def thread_check() -> dict[str, dict[str, float]]:
    """Wall seconds of three small FAISS jobs on 1 thread and on all cores (is OpenMP worth it here?)."""
    import faiss

    rng = np.random.default_rng(6)
    x = rng.standard_normal((20_000, DIM), dtype=np.float32)
    faiss.normalize_L2(x)
    jobs: dict[str, Callable[[], object]] = {
        "hnsw32_add_10k": lambda: faiss.IndexHNSWFlat(DIM, HNSW_M, faiss.METRIC_INNER_PRODUCT).add(x[:10_000]),
        "pq48_train_10k_5iter": lambda: _pq(x[:10_000]),
        "flat_batch_search_1k_over_20k": lambda: _flat(x).search(x[:1000], K),
    }
    out: dict[str, dict[str, float]] = {}
    for name, job in jobs.items():
        out[name] = {}
        for threads in sorted({1, os.cpu_count() or 1}):
            faiss.omp_set_num_threads(threads)
            began = time.perf_counter()
            job()
            out[name][f"{threads}_threads_s"] = round(time.perf_counter() - began, 3)
    faiss.omp_set_num_threads(1)
    return out


def _pq(x: np.ndarray) -> None:
    import faiss

    pq = faiss.ProductQuantizer(DIM, PQ_M, 8)
    pq.cp.niter = 5
    pq.train(x)


def _flat(x: np.ndarray):
    import faiss

    index = faiss.IndexFlatIP(DIM)
    index.add(x)
    return index


def service_token_ratio(words_per_passage: int = PASSAGE_WORDS) -> dict | None:
    """On the repo's corpus, cut into passages of ``words_per_passage`` words: distinct BM25 tokens a passage
    and tokens a query word with the service's tokenizer, with and without its character 4-grams."""
    from index_build.tokenization import bm25_tokens

    corpus = Path(__file__).resolve().parents[1] / "corpus"
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt"))] if corpus.is_dir() else []
    words = [w for t in texts for w in t.split()]
    chunks = [" ".join(words[i : i + words_per_passage]) for i in range(0, len(words), words_per_passage)]
    if len(chunks) < 10:
        return None
    plain = [bm25_tokens(c, False) for c in chunks]
    grams = [bm25_tokens(c, True) for c in chunks]
    return {
        "passages": len(chunks),
        "distinct_tokens_words": float(np.mean([len(set(t)) for t in plain])),
        "distinct_tokens_ngrams": float(np.mean([len(set(t)) for t in grams])),
        "tokens_words": float(np.mean([len(t) for t in plain])),
        "tokens_ngrams": float(np.mean([len(t) for t in grams])),
    }


def passage_table_bytes(count: int = 20_000) -> int:
    """Python heap bytes per passage of the service's passage table (``PassageRecord`` with ~1 KB of text)."""
    import tracemalloc

    from index_build.store import PassageRecord

    text = "lorem ipsum dolor sit amet " * 37  # ~1000 characters, like a 200-token passage
    tracemalloc.start()
    rows = [
        PassageRecord(f"p{i:08d}", f"d{i // 500:06d}", i * 900, i * 900 + 1000, i, i + 12, "Chapter 3", None,
                      i // 40, None, 200, i * 8, i * 8 + 8, text + str(i))
        for i in range(count)
    ]
    used = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del rows
    return int(used / count)


# --------------------------------------------------------------------------- report


def machine() -> dict:
    import bm25s
    import faiss

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "faiss_simd": faiss.get_compile_options(),
        "bm25s": bm25s.__version__,
        "numpy": np.__version__,
    }


def _mb(b: float) -> str:
    return f"{b / 2**20:,.1f}"


def _cell(value: str, row: dict, name: str) -> str:
    return f"~{value}*" if name in row.get("extrapolated", []) else value


def table(rows: list[dict]) -> str:
    out = [
        "| N | index | search | build s | index MB | RSS Δ MB | peak Δ MB | p50 ms | p95 ms | recall@10 | thr |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        recall = "—" if r["recall10"] is None else f"{r['recall10']:.3f}"
        if r["built_on"] != r["size"] and r["recall10"] is not None:
            recall += f" (at {r['built_on'] // 1000}k)"
        cells = [_cell(f"{r['build_s']:.1f}", r, "build_s")]
        cells += [_cell(_mb(r[k]), r, k) for k in ("index_bytes", "rss_delta", "peak_delta")]
        cells += [_cell(f"{r[k]:.2f}", r, k) for k in ("p50_ms", "p95_ms")]
        out.append(f"| {r['size']:,} | {r['index']} | {r['params']} | {' | '.join(cells)} | {recall} | {r['threads']} |")
    return "\n".join(out)


def _pick(rows: list[dict], size: int, index: str, params: str | None = None, threads: int = 1) -> dict | None:
    for r in rows:
        if r["size"] == size and r["index"] == index and r["threads"] == threads and params in (None, r["params"]):
            return r
    return None


def per_passage(result: dict) -> dict[str, float]:
    """Bytes a passage of each component at the largest size (index bytes / N)."""
    rows = result["rows"]
    n = max(r["size"] for r in rows)
    out = {}
    for name in ("Flat", f"HNSW{HNSW_M}", f"HNSW{HNSW_M},SQ8", f"IVF{nlist_for(n)},SQ8", f"IVF{nlist_for(n)},PQ{PQ_M}np",
                 "bm25s", "bm25s +4-gram-like"):
        r = _pick(rows, n, name)
        if r:
            out[name] = r["index_bytes"] / n
            if name.startswith("bm25"):
                out[name + " build peak"] = r["peak_delta"] / n
    return out


def render(result: dict) -> str:
    m, rows = result["machine"], result["rows"]
    sizes = sorted({r["size"] for r in rows})
    load = [v for size in result.get("load_average", {}).values() for v in (size["before"][0], size["after"][0])]
    ratios = [r["build_cpu_s"] / r["build_s"] for r in rows if r["build_s"] > 5 and not r["extrapolated"]]
    threads = result.get("thread_check", {})
    lines = [
        "# Scale benchmark: FAISS Flat vs HNSW vs IVF, and BM25, at 10k–1M passages",
        "",
        f"Run {result['date']}: `python -m bench.scale --sizes {' '.join(map(str, sizes))}` took "
        f"**{result['runtime_s'] / 60:.1f} min** on {m['cores']} cores ({m['cpu']}, FAISS SIMD `{m['faiss_simd']}`), "
        f"{m['memory_gib']} GiB RAM, no GPU; Python {m['python']}, faiss {m['faiss']}, bm25s {m['bm25s']}, "
        f"numpy {m['numpy']}. Generated by the script; rerender with `python -m bench.scale --render`.",
        "",
    ]
    if load and ratios:
        lines += [
            f"**The machine was shared**: other jobs kept the 1-minute load average at {min(load):.0f}–{max(load):.0f} "
            f"on {m['cores']} cores, and single-threaded builds got a median {float(np.median(ratios)):.2f} CPU-seconds "
            "per wall-second. With that contention a second OpenMP thread made FAISS *slower* "
            + ", ".join(f"({name.replace('_', ' ')}: {v['1_threads_s']:.1f} s on 1 thread, "
                        f"{v.get(str(m['cores']) + '_threads_s', float('nan')):.1f} s on {m['cores']})"
                        for name, v in threads.items())
            + ", so builds and queries ran on **one thread** (`--threads 1`). Read build times as about twice "
            "those of one idle core, and p95 latencies as inflated by scheduler stalls (p50 is the steadier "
            "figure).",
            "",
        ]
    lines += [
        "## Method",
        "",
        f"* **Vectors**: {DIM}-d, L2-normalised float32, inner product (all-MiniLM-L6-v2's shape), synthetic and "
        f"clustered: {TOPICS} topics → {CLUSTERS} clusters, each spread along its own {RANK}-d subspace, plus a "
        "shared mean direction and isotropic noise. **Queries**: a random passage vector plus noise (cosine ≈0.89 "
        f"to it), {result['config']['queries']} per size.",
        "* **Build** = train + add. **Index MB** = `faiss.serialize_index` size (BM25: the CSC arrays + "
        "vocabulary). **RSS Δ** = resident memory after the build minus before, **peak Δ** = peak RSS during the "
        "build minus before (`VmHWM`, reset first); both undercount when the allocator reuses freed memory, so "
        "index MB is the number to scale from.",
        "* **Latency**: one query at a time (batch size 1), p50/p95 over all queries, one OpenMP thread "
        "unless `thr` says otherwise. **Recall@10**: overlap of the top 10 with exact (Flat) search.",
        f"* `HNSW{HNSW_M}` / `HNSW{HNSW_M},SQ8`: efConstruction {HNSW_EF_CONSTRUCTION}; above "
        f"{result['config']['hnsw_cap']:,} vectors they are built on the first {result['config']['hnsw_cap']:,} and "
        "their build time (× n log n) and memory (× n) are **extrapolated**, latency and recall are those of the "
        "smaller graph. IVF: nlist = largest power of two ≤ 4√N (and ≤ N/39): "
        f"{', '.join(f'{nlist_for(s)} at {s:,}' for s in sizes)}; k-means {KMEANS_ITER} iterations on "
        f"{TRAIN_PER_LIST}·nlist points; the three IVF variants share one k-means and one assignment pass, "
        f"counted in each build. `PQ{PQ_M}np`: 48 bytes a vector; `np` turns off polysemous training, which "
        "`index_factory` otherwise enables: in a first run it made IVF256,PQ48's training at 10k take 218 s "
        "instead of ~20 s, for no gain in this (non-polysemous) search. "
        f"`+rerank{RERANK}`: the IVF-PQ top {RERANK} re-scored exactly from the float32 vectors memory-mapped from "
        "disk (the index folder already has `passage_vectors.npy`), page cache warm.",
        f"* **BM25**: passages of {PASSAGE_WORDS} words from a Zipfian (s=1) vocabulary of {VOCAB:,}, the "
        f"{STOP_RANKS} most frequent dropped as stop words; {QUERY_WORDS}-word queries drawn from one passage; "
        "build = `bm25s.BM25().index(token lists)`, latency = the service's path (`get_scores` + "
        f"`argpartition` of the top {POOL}). `+4-gram-like` adds {GRAMS_PER_WORD} shared Zipfian 'gram' tokens "
        "a word, standing in for the service's character 4-grams (`bm25_ngrams`), measured up to "
        f"{NGRAM_MAX_SIZE:,} passages and scaled linearly beyond.",
        "* `~…*` marks **extrapolated** values.",
        "",
        "## Results",
        "",
        table(rows),
        "",
    ]
    lines += data_section(result)
    lines += conclusions(result)
    return "\n".join(lines) + "\n"


def data_section(result: dict) -> list[str]:
    lines = ["## How realistic the data is", ""]
    stats, real, tokens = result["data_stats"], result.get("real_vectors"), result.get("service_tokens")
    lines += ["| vectors | N | nearest neighbour cos | 10th neighbour cos | mean-vector norm |", "|---|---:|---:|---:|---:|"]
    for n, st in stats.items():
        lines.append(f"| synthetic | {int(n):,} | {st['point_nn1_cos']:.2f} | {st['point_nn10_cos']:.2f} | "
                     f"{st['mean_vector_norm']:.2f} |")
    if real:
        lines.append(f"| real MiniLM (`var/cache`) | {real['vectors']:,} | {real['point_nn1_cos']:.2f} | "
                     f"{real['point_nn10_cos']:.2f} | {real['mean_vector_norm']:.2f} |")
        lines += [
            "",
            "At the same size the synthetic neighbourhoods look like the real ones. The cluster structure, "
            "though, suits IVF better than real text does. Recall@10 on the real vectors (300 held out as "
            "queries, the rest indexed):",
            "",
            "| index | recall@10 |",
            "|---|---:|",
            *[f"| {k} | {v:.3f} |" for k, v in real["recall10"].items()],
        ]
    if tokens:
        lines += [
            "",
            f"BM25 tokens on this repo's corpus cut into {PASSAGE_WORDS}-word passages ({tokens['passages']} of "
            f"them): {tokens['tokens_words']:.0f} word tokens ({tokens['distinct_tokens_words']:.0f} distinct) a "
            f"passage — the synthetic passages have {_tokens_per_passage(result, 'bm25s')} — and "
            f"{tokens['tokens_ngrams']:.0f} ({tokens['distinct_tokens_ngrams']:.0f} distinct) with the service's "
            f"4-grams; the 4-gram-like synthetic has {_tokens_per_passage(result, 'bm25s +4-gram-like')}.",
        ]
    return lines + [""]


def _tokens_per_passage(result: dict, index: str) -> str:
    for r in result["rows"]:
        if r["index"] == index and not r["extrapolated"]:
            return r["note"].split(" tokens")[0]
    return "?"


def conclusions(result: dict) -> list[str]:
    from index_build import faiss_choice as fc

    rows = result["rows"]
    n = max(r["size"] for r in rows)
    ram = result["machine"]["memory_gib"] * 2**30
    per = per_passage(result)
    flat = _pick(rows, n, "Flat")
    flat_mt = _pick(rows, n, "Flat", threads=result["machine"]["cores"])
    hnsw = {ef: _pick(rows, n, f"HNSW{HNSW_M}", f"efSearch={ef}") for ef in HNSW_EF_SEARCH}
    sq = _pick(rows, n, f"IVF{nlist_for(n)},SQ8", "nprobe=32")
    pq = _pick(rows, n, f"IVF{nlist_for(n)},PQ{PQ_M}np", "nprobe=32")
    pq_rr = _pick(rows, n, f"IVF{nlist_for(n)},PQ{PQ_M}np +rerank{RERANK}", "nprobe=32")
    bm = _pick(rows, n, "bm25s")
    bmg = _pick(rows, n, "bm25s +4-gram-like")
    flat_lim, hnsw_lim, sq8_lim = fc.tier_limits(DIM)
    lines = ["## Conclusions", "", "### Which index when", ""]
    if flat and hnsw[128] and sq and pq and pq_rr:
        h = hnsw[fc.HNSW_EF_SEARCH]
        flat_100k = _pick(rows, 100_000, "Flat")
        real_ivf = (result.get("real_vectors") or {}).get("recall10", {})
        real_hnsw = real_ivf.get(f"HNSW{HNSW_M} efSearch=32", float("nan"))
        real_ivf = next(((k, v) for k, v in real_ivf.items() if k.startswith("IVF") and "SQ8 nprobe=32" in k), None)
        lines += [
            f"* **Flat** is exact and its single query is a scan, linear in N: p50 {flat['p50_ms']:.0f} ms at "
            f"{n:,} vectors on one thread"
            + (f", p95 {flat_100k['p95_ms']:.1f} ms at 100,000" if flat_100k else "")
            + f" (the p95 at {n:,}, {flat['p95_ms']:.0f} ms, caught the load peak). Under a "
            f"{fc.FLAT_LATENCY_TARGET_MS:.0f} ms p95 dense-search budget that allows ~{fc.FLAT_MAX:,} vectors. It "
            "is also the only type whose document filter (`IDSelector`) stays exact, and it needs no parameters.",
            f"* **HNSW{HNSW_M}** answers in {h['p50_ms']:.2f} ms (p50) at efSearch {fc.HNSW_EF_SEARCH}, "
            f"recall@10 {h['recall10']:.3f} on the synthetic {h['built_on']:,}-vector graph and, on the real "
            f"vectors, {(result.get('real_vectors') or {}).get('recall10', {}).get('HNSW32 efSearch=64', float('nan')):.3f} "
            f"already at efSearch 64, but costs {per[f'HNSW{HNSW_M}']:.0f} B a vector and "
            f"~{h['build_s'] / (n / 1e6) / 60:.0f} min of (contended, one-thread) build per million"
            f"{' (extrapolated)' if h['extrapolated'] else ''}. "
            f"`HNSW{HNSW_M},SQ8` stores 1-byte components: {per.get(f'HNSW{HNSW_M},SQ8', float('nan')):.0f} B a "
            "vector for a little recall (tables).",
            f"* **IVF** is fast to build ({sq['build_s']:.0f} s at {n:,}) and IVF-SQ8 is small "
            f"({per[f'IVF{nlist_for(n)},SQ8']:.0f} B a vector) with recall {sq['recall10']:.3f} at nprobe 32 here — "
            + (f"but on the real vectors `{real_ivf[0]}` (a quarter of the lists) reached only {real_ivf[1]:.3f} "
               f"where HNSW32 had {real_hnsw:.3f} at efSearch 32 (table above): " if real_ivf else "but ")
            + "the synthetic clusters flatter IVF, so it is not chosen while a graph fits.",
            f"* **IVF-PQ{PQ_M}** is {per[f'IVF{nlist_for(n)},PQ{PQ_M}np']:.0f} B a vector but recall@10 is "
            f"{pq['recall10']:.2f} on its own; re-scoring its top {RERANK} from the memory-mapped float32 vectors "
            f"gives {pq_rr['recall10']:.3f} for {pq_rr['p50_ms']:.2f} ms (p50). It is the choice only once the "
            "graph indexes no longer fit, and only with that re-rank (which the service does not do yet).",
            "",
            "`index_build.faiss_choice.choose_faiss_factory(n)` (384-d; the limits scale with the dimension), "
            "with `search_parameters()`:",
            "",
            "| passages | factory | search | why |",
            "|---|---|---|---|",
            f"| < {flat_lim:,} | `Flat` | — | exact, p95 ≤ {fc.FLAT_LATENCY_TARGET_MS:.0f} ms |",
            f"| {flat_lim:,} – {hnsw_lim - 1:,} | `HNSW{HNSW_M}` | efSearch {fc.HNSW_EF_SEARCH} | best recall per ms; "
            f"index ≤ {fc.DENSE_MEMORY_BUDGET / 2**30:.0f} GiB |",
            f"| {hnsw_lim:,} – {sq8_lim - 1:,} | `HNSW{HNSW_M},SQ8` | efSearch {fc.HNSW_EF_SEARCH} | graph with "
            f"1-byte components, ≤ {fc.DENSE_MEMORY_BUDGET / 2**30:.0f} GiB |",
            f"| ≥ {sq8_lim:,} | `{fc.choose_faiss_factory(sq8_lim)}` (nlist grows as 4√N) | nprobe nlist/64, "
            f"e.g. {fc.search_parameters(fc.choose_faiss_factory(sq8_lim))['nprobe']} "
            "| ~60 B a vector; needs the float32 re-rank; beyond what was measured |",
            "",
        ]
    lines += ["### Where one 24 GiB / 2-core machine stops", ""]
    text_bytes = 1000  # raw document text a passage (estimate: ~1 KB, not measured here)
    table_bytes = result.get("passage_table_bytes_per_passage") or 0
    bm_service = per.get("bm25s +4-gram-like", 0)
    lines += [
        "Resident bytes a passage at serve time (index bytes / N at the largest size):",
        "",
        "| component | B a passage |",
        "|---|---:|",
        *[f"| {k} | {v:,.0f} |" for k, v in per.items()],
        f"| passage table (`PassageRecord` with ~1 KB text, measured with tracemalloc) | {table_bytes:,} |",
        f"| documents' raw text (estimate) | ~{text_bytes:,} |",
        "",
    ]
    if flat and bm and bmg and table_bytes:
        base = table_bytes + text_bytes + bm_service
        with_hnsw = base + per.get(f"HNSW{HNSW_M}", 0)
        with_pq = base + per.get(f"IVF{nlist_for(n)},PQ{PQ_M}np", 0)
        build_peak = per.get("bm25s +4-gram-like build peak", 0)
        lines += [
            f"* **Memory, serving**: flat float32 alone is {DIM * 4:,} B a passage, {ram / (DIM * 4) / 1e6:.0f}M "
            f"passages for the whole {ram / 2**30:.0f} GiB. The dense index is not the big item for long, though: "
            f"with the service's 4-gram BM25 ({bm_service:,.0f} B) plus the passage table and raw text, a passage "
            f"costs ≈{with_hnsw / 1e3:.1f} KB with HNSW32 and ≈{with_pq / 1e3:.1f} KB even with IVF-PQ, so "
            f"three quarters of RAM serve ≈{0.75 * ram / with_hnsw / 1e6:.1f}M (HNSW32) to "
            f"≈{0.75 * ram / with_pq / 1e6:.1f}M (IVF-PQ) passages.",
            f"* **Memory, building — the first wall**: `bm25s` holds every passage's tokens as Python lists while "
            f"it builds; peak {build_peak / 1e3:.0f} KB a passage with 4-gram-like tokens (measured at "
            f"{NGRAM_MAX_SIZE:,}; {per.get('bm25s build peak', 0) / 1e3:.1f} KB with words only). 75% of RAM covers "
            f"≈{0.75 * ram / build_peak / 1e6:.1f}M passages, so the current BM25 build stops near a million "
            "passages, well before serving memory does; a streaming/sharded BM25 build (or dropping the 4-grams) "
            "moves that wall to the serving limits above.",
            f"* **Latency**: Flat dense search is {flat['p50_ms']:.0f} ms p50 at {n:,} (one thread; "
            f"{flat_mt['p50_ms'] if flat_mt else float('nan'):.0f} ms on two threads under this contention). "
            f"BM25 through `get_scores` is a scan too: p50 {bm['p50_ms']:.0f} ms at {n:,} with word tokens, "
            f"{'~' if bmg['extrapolated'] else ''}{bmg['p50_ms']:.0f} ms with 4-gram-like tokens"
            f"{' (extrapolated)' if bmg['extrapolated'] else ''}. With a graph index the dense side stays near "
            f"a millisecond, so BM25 sets the query cost: ~{3 * bmg['p50_ms'] / (n / 1e6):.0f} ms a query at 3M "
            "passages by the same linear scan, i.e. a handful of queries a second on 2 cores.",
            f"* **So**: one machine is comfortable up to about a million passages (Flat to {fc.FLAT_MAX:,}, then "
            f"HNSW32). The BM25 build's peak memory is the first wall (≈{0.75 * ram / build_peak / 1e6:.1f}M "
            f"passages), serving memory the next (≈{0.75 * ram / with_hnsw / 1e6:.1f}M with HNSW32), and BM25 "
            "latency grows linearly all the way; past that, shard the corpus across machines rather than squeeze "
            "it into one with a coarser dense index.",
            "",
        ]
    lines += [
        "### Notes for the service (not changed here)",
        "",
        "* FAISS keeps its default OpenMP thread count (all cores) at serve time; under load a single-query "
        "Flat search on 2 threads was several times slower than on 1 (`thr` 2 rows). "
        "`faiss.omp_set_num_threads(1)` in the server process would avoid it.",
        "* `index_build.build` writes the index without search parameters and the searcher sets none, so an "
        "HNSW index would search at FAISS' default efSearch 16 and an IVF index at nprobe 1. Applying "
        "`search_parameters(factory)` with `faiss.ParameterSpace().set_index_parameters` before `write_index` "
        "stores them in the file (checked in `tests/index_build/test_faiss_choice.py`).",
        "* The dense pool is 50 candidates, so HNSW searches at max(efSearch, 50) anyway.",
        "* A document filter (`IDSelector`) stays exact only with Flat; with HNSW/IVF a selective filter "
        "returns fewer or worse candidates.",
    ]
    return lines


# --------------------------------------------------------------------------- main


def real_vectors() -> np.ndarray | None:
    """The repo's cached real all-MiniLM-L6-v2 vectors (``var/cache/*.sqlite``), if any."""
    import sqlite3

    cache = Path(__file__).resolve().parents[1] / "var" / "cache"
    best: np.ndarray | None = None
    for db_path in sorted(cache.glob("*.sqlite")) if cache.is_dir() else []:
        try:
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
                blobs = [b for (b,) in db.execute("SELECT vector FROM vectors")]
        except sqlite3.Error:
            continue
        x = [np.frombuffer(b, dtype=np.float32) for b in blobs if len(b) == DIM * 4]
        if len(x) >= 1000 and (best is None or len(x) > len(best)):
            best = np.stack(x)
    return best


def real_vector_check(nq: int = 300) -> dict | None:
    """Recall@10 of each index type on real MiniLM vectors (held-out passages as queries): a check on how
    far the synthetic mixture flatters IVF."""
    import faiss

    x = real_vectors()
    if x is None:
        return None
    faiss.omp_set_num_threads(1)
    s = x @ x.T
    np.fill_diagonal(s, -1)
    s = -np.sort(-s, axis=1)
    order = np.random.default_rng(7).permutation(len(x))
    q, base = np.ascontiguousarray(x[order[:nq]]), np.ascontiguousarray(x[order[nq:]])
    truth = _flat(base).search(q, K)[1]
    nlist = nlist_for(len(base))
    out = {
        "vectors": len(x),
        "point_nn1_cos": float(s[:, 0].mean()),
        "point_nn10_cos": float(s[:, K - 1].mean()),
        "mean_vector_norm": float(np.linalg.norm(x.mean(0))),
        "recall10": {},
    }
    recall = out["recall10"]
    for factory in (f"HNSW{HNSW_M}", f"HNSW{HNSW_M},SQ8"):
        index = faiss.index_factory(DIM, factory, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.train(base)
        index.add(base)
        for ef in (32, 64, 128):
            recall[f"{factory} efSearch={ef}"] = recall_at_k(index.search(q, K, params=faiss.SearchParametersHNSW(efSearch=ef))[1], truth)
    for codec in ("SQ8", f"PQ{PQ_M}np"):
        index = faiss.index_factory(DIM, f"IVF{nlist},{codec}", faiss.METRIC_INNER_PRODUCT)
        index.train(base)
        index.add(base)
        for nprobe in (8, 16, 32):
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            if codec == "SQ8":
                recall[f"IVF{nlist},SQ8 nprobe={nprobe}"] = recall_at_k(index.search(q, K, params=params)[1], truth)
                continue
            cand = index.search(q, RERANK, params=params)[1]
            recall[f"IVF{nlist},{codec} nprobe={nprobe}"] = recall_at_k(cand[:, :K], truth)
            reranked = [c[c >= 0][np.argsort(-(base[c[c >= 0]] @ v))[:K]] for c, v in zip(cand, q, strict=True)]
            recall[f"IVF{nlist},{codec} +rerank{RERANK} nprobe={nprobe}"] = recall_at_k(reranked, truth)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="corpus sizes (default: 10k 100k 1M)")
    parser.add_argument("--quick", action="store_true", help="10k and 100k, 50 queries, no files written")
    parser.add_argument("--queries", type=int, default=None, help="queries per size (default 200, --quick 50)")
    parser.add_argument("--threads", type=int, default=1,
                        help="OpenMP threads for builds (default %(default)s: see the thread check in the results)")
    parser.add_argument("--hnsw-cap", type=int, default=100_000,
                        help="build HNSW on at most this many vectors and extrapolate beyond (default: %(default)s)")
    parser.add_argument("--render", action="store_true", help="rewrite scale.md from scale.json and exit")
    args = parser.parse_args(argv)

    if args.render:
        result = json.loads((RESULTS / "scale.json").read_text())
        (RESULTS / "scale.md").write_text(render(result))
        print(render(result))
        return 0

    sizes = args.sizes or ([10_000, 100_000] if args.quick else list(DEFAULT_SIZES))
    nq = args.queries or (50 if args.quick else 200)
    t0 = time.perf_counter()
    threads_probe = thread_check()
    log(f"thread check: {threads_probe}", t0)
    stats: dict = {}
    rows: list[Row] = []
    load: dict = {}
    for n in sizes:
        load[str(n)] = {"before": os.getloadavg()}
        rows += bench_dense(n, min(nq, n), args.hnsw_cap, args.threads, t0, stats)
        rows.append(bench_bm25(n, min(nq, n), t0))
        if n <= NGRAM_MAX_SIZE:
            rows.append(bench_bm25(n, min(nq, n), t0, grams=True))
        elif measured_grams := [r for r in rows if r.index == "bm25s +4-gram-like" and not r.extrapolated]:
            rows.append(extrapolated_bm25(max(measured_grams, key=lambda r: r.size), n))
        load[str(n)]["after"] = os.getloadavg()
        log(f"n={n}: done, load average {load[str(n)]}", t0)
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "config": {
            "dim": DIM, "k": K, "queries": nq, "sizes": sizes, "hnsw_m": HNSW_M,
            "hnsw_ef_construction": HNSW_EF_CONSTRUCTION, "hnsw_cap": args.hnsw_cap, "pq_m": PQ_M,
            "kmeans_iter": KMEANS_ITER, "train_per_list": TRAIN_PER_LIST, "rerank": RERANK,
            "synthetic": {"topics": TOPICS, "clusters": CLUSTERS, "rank": RANK, "mean_weight": MEAN_WEIGHT,
                          "spread": SPREAD, "iso_noise": ISO_NOISE, "subtopic": SUBTOPIC, "query_noise": QUERY_NOISE},
            "bm25": {"vocab": VOCAB, "stop_ranks": STOP_RANKS, "passage_words": PASSAGE_WORDS,
                     "query_words": QUERY_WORDS, "pool": POOL, "grams_per_word": GRAMS_PER_WORD,
                     "gram_vocab": GRAM_VOCAB, "ngram_max_size": NGRAM_MAX_SIZE},
        },
        "data_stats": stats,
        "load_average": load,
        "thread_check": threads_probe,
        "real_vectors": real_vector_check(),
        "passage_table_bytes_per_passage": passage_table_bytes(),
        "service_tokens": service_token_ratio(),
        "rows": [asdict(r) for r in rows],
    }
    result["runtime_s"] = time.perf_counter() - t0
    print(table(result["rows"]))
    log(f"total {result['runtime_s'] / 60:.1f} min", t0)
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "scale.json").write_text(json.dumps(result, indent=1) + "\n")
        (RESULTS / "scale.md").write_text(render(result))
        print(f"\nwrote {RESULTS / 'scale.json'} and {RESULTS / 'scale.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
