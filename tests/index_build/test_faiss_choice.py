from __future__ import annotations

import math

import faiss
import numpy as np
import pytest

from index_build.faiss_choice import (
    FLAT_MAX,
    choose_faiss_factory,
    ivf_nlist,
    pq_subquantizers,
    search_parameters,
    tier_limits,
)

DIM = 384


def unit_vectors(n: int, dimension: int = DIM, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dimension), dtype=np.float32)
    faiss.normalize_L2(x)
    return x


def test_measured_sizes_pick_the_measured_winners() -> None:
    assert choose_faiss_factory(10_000) == "Flat"
    assert choose_faiss_factory(100_000) == "Flat"
    assert choose_faiss_factory(1_000_000) == "HNSW32"
    assert choose_faiss_factory(10_000_000) == "IVF8192,PQ48np"


def test_tier_boundaries() -> None:
    flat, hnsw, hnsw_sq8 = tier_limits(DIM)
    assert flat == FLAT_MAX == 120_000
    assert 2_000_000 < hnsw < 2_500_000 < 6_000_000 < hnsw_sq8 < 7_000_000
    assert choose_faiss_factory(0) == "Flat"
    assert choose_faiss_factory(flat - 1) == "Flat"
    assert choose_faiss_factory(flat) == "HNSW32"
    assert choose_faiss_factory(hnsw - 1) == "HNSW32"
    assert choose_faiss_factory(hnsw) == "HNSW32,SQ8"
    assert choose_faiss_factory(hnsw_sq8 - 1) == "HNSW32,SQ8"
    assert choose_faiss_factory(hnsw_sq8).startswith("IVF")


def tier(factory: str) -> int:
    return 3 if factory.startswith("IVF") else ["Flat", "HNSW32", "HNSW32,SQ8"].index(factory)


def test_tiers_never_go_back_as_the_corpus_grows() -> None:
    tiers = [tier(choose_faiss_factory(int(n))) for n in np.geomspace(1, 1e9, 200)]
    assert tiers == sorted(tiers)
    assert set(tiers) == {0, 1, 2, 3}


def test_larger_vectors_leave_flat_and_hnsw_sooner() -> None:
    assert choose_faiss_factory(100_000, dimension=768) == "HNSW32"  # Flat stops at 60k for 768-d
    flat_768, hnsw_768, _ = tier_limits(768)
    flat_384, hnsw_384, _ = tier_limits(384)
    assert flat_768 < flat_384 and hnsw_768 < hnsw_384
    assert choose_faiss_factory(50_000_000, dimension=768) == "IVF16384,PQ96np"


def test_nlist_and_pq_shapes() -> None:
    for n in (1, 100, 10_000, 100_000, 1_000_000, 10_000_000):
        nlist = ivf_nlist(n)
        assert nlist & (nlist - 1) == 0
        assert nlist <= max(1, 4 * math.sqrt(n))
    assert (ivf_nlist(10_000), ivf_nlist(100_000), ivf_nlist(1_000_000)) == (256, 1024, 2048)  # as benchmarked
    for d in (384, 768, 100, 7):
        assert d % pq_subquantizers(d) == 0
    assert pq_subquantizers(384) == 48


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        choose_faiss_factory(-1)
    with pytest.raises(ValueError):
        choose_faiss_factory(10, dimension=0)


def test_search_parameters() -> None:
    assert search_parameters("Flat") == {}
    assert search_parameters("HNSW32") == search_parameters("HNSW32,SQ8") == {"efSearch": 128}
    assert search_parameters("IVF8192,PQ48np") == {"nprobe": 128}
    assert search_parameters("IVF1024,SQ8") == {"nprobe": 32}


@pytest.fixture
def one_thread():
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(before)


@pytest.mark.parametrize("n_passages", [1_000, 1_000_000, 4_000_000, 10_000_000])
def test_factory_builds_trains_and_searches(n_passages: int, one_thread: None) -> None:
    """The string for ``n_passages`` builds, trains (on a small set), keeps its search parameters through
    serialisation, and finds the right neighbours."""
    factory = choose_faiss_factory(n_passages)
    x = unit_vectors(1_500)
    index = faiss.index_factory(DIM, factory, faiss.METRIC_INNER_PRODUCT)
    if factory.startswith("IVF"):
        ivf = faiss.downcast_index(faiss.extract_index_ivf(index))
        assert isinstance(ivf, faiss.IndexIVFPQ) and ivf.nlist == ivf_nlist(n_passages)
        # A real k-means over nlist (8192) centroids is too slow for a unit test: give the coarse quantizer
        # centroids (train() then only trains the PQ codec) and shorten the PQ k-means.
        ivf.quantizer.add(unit_vectors(ivf.nlist, seed=1))
        ivf.pq.cp.niter = 2
        assert not ivf.do_polysemous_training
    index.train(x)
    index.add(x)
    params = search_parameters(factory)
    if params:
        faiss.ParameterSpace().set_index_parameters(index, ",".join(f"{k}={v}" for k, v in params.items()))
    index = faiss.deserialize_index(faiss.serialize_index(index))
    if "efSearch" in params:
        assert faiss.downcast_index(index).hnsw.efSearch == params["efSearch"]
    if "nprobe" in params:
        assert faiss.extract_index_ivf(index).nprobe == params["nprobe"]
    queries = x[:50]
    _, ids = index.search(queries, 10)
    assert (ids[:, 0] >= 0).all() and (ids < len(x)).all()  # -1 pads a short list (1.5k points, 8192 lists)
    found_self = np.mean([i in row for i, row in enumerate(ids)])
    assert found_self >= (0.5 if factory.startswith("IVF") else 0.95)
