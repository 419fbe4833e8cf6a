"""Micro-batching: concurrent questions share one encode, each gets its own vectors, errors stay its own."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from embeddings.batching import MicroBatcher
from tests.fakes import FakeEmbedder


class GatedEmbedder(FakeEmbedder):
    """The fake model, recording each call's texts; a call can be held until the test lets it go."""

    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__()
        self.calls: list[list[str]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.fail_on = fail_on

    def embed_batch(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        self.entered.set()
        self.gate.wait(10)
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise ValueError(f"cannot embed {self.fail_on!r}")
        return super().embed_batch(texts)


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.001)


def hold_first_then_queue(batcher: MicroBatcher, inner: GatedEmbedder, pool: ThreadPoolExecutor,
                          first: list[str], rest: list[list[str]]):
    """The first call's encode is held until every other call waits in the queue behind it; then all go."""
    inner.gate.clear()
    held = pool.submit(batcher.embed_batch, first)
    assert inner.entered.wait(5)
    queued = [pool.submit(batcher.embed_batch, texts) for texts in rest]
    wait_for(lambda: len(batcher._pending) == len(rest))
    inner.gate.set()
    return held, queued


def test_questions_queued_behind_a_running_encode_share_the_next_call_and_get_their_own_vectors() -> None:
    inner = GatedEmbedder()
    batcher = MicroBatcher(inner, max_wait_ms=50, max_batch=32, workers=1)
    questions = [f"question number {n} about topic{n}" for n in range(9)]
    with ThreadPoolExecutor(9) as pool:
        first, rest = hold_first_then_queue(batcher, inner, pool, [questions[0]], [[q] for q in questions[1:]])
        got = [first.result(5)] + [f.result(5) for f in rest]
    assert [len(c) for c in inner.calls] == [1, 8]
    for question, vectors in zip(questions, got, strict=True):
        assert vectors.shape == (1, inner.dimension)
        np.testing.assert_array_equal(vectors[0], FakeEmbedder().embed_batch([question])[0])
    assert batcher.stats().largest == 8


def test_a_batch_never_holds_more_than_max_batch_texts() -> None:
    inner = GatedEmbedder()
    batcher = MicroBatcher(inner, max_wait_ms=20, max_batch=4, workers=1)
    with ThreadPoolExecutor(11) as pool:
        first, rest = hold_first_then_queue(batcher, inner, pool, ["first question"],
                                            [[f"q{n}", f"q{n} again"] if n % 2 else [f"q{n}"] for n in range(10)])
        results = [first.result(5)] + [f.result(5) for f in rest]
    assert max(len(c) for c in inner.calls) <= 4
    assert sum(len(c) for c in inner.calls) == 1 + 15
    assert [r.shape[0] for r in results[1:]] == [2 if n % 2 else 1 for n in range(10)]


def test_a_lone_question_is_embedded_at_once_not_after_the_wait() -> None:
    inner = GatedEmbedder()
    batcher = MicroBatcher(inner, max_wait_ms=2000, max_batch=32, workers=2)
    began = time.monotonic()
    batcher.embed_batch(["a lone question"])
    assert time.monotonic() - began < 1.0  # the wait is 2 s: it was not taken
    assert inner.calls == [["a lone question"]]


def test_while_an_encode_runs_a_question_waits_no_longer_than_the_bound() -> None:
    inner = GatedEmbedder()
    batcher = MicroBatcher(inner, max_wait_ms=100, max_batch=32, workers=2)
    inner.gate.clear()
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(batcher.embed_batch, ["held question"])
        assert inner.entered.wait(5)
        inner.entered.clear()
        began = time.monotonic()
        second = pool.submit(batcher.embed_batch, ["second question"])
        assert inner.entered.wait(5)  # the second collector started its encode while the first is held
        waited = time.monotonic() - began
        inner.gate.set()
        held.result(5), second.result(5)
    assert 0.09 <= waited < 2.0
    assert inner.calls == [["held question"], ["second question"]]


def test_an_error_in_one_question_fails_only_that_question() -> None:
    inner = GatedEmbedder(fail_on="poison")
    batcher = MicroBatcher(inner, max_wait_ms=50, max_batch=32, workers=1)
    with ThreadPoolExecutor(4) as pool:
        first, (good, bad, other) = hold_first_then_queue(
            batcher, inner, pool, ["an opening question"],
            [["a good question"], ["a poison question"], ["another good question"]])
        assert first.result(5).shape == (1, inner.dimension)
        np.testing.assert_array_equal(good.result(5)[0], FakeEmbedder().embed_batch(["a good question"])[0])
        np.testing.assert_array_equal(other.result(5)[0], FakeEmbedder().embed_batch(["another good question"])[0])
        with pytest.raises(ValueError, match="poison"):
            bad.result(5)
    # the shared call failed, then each question alone: only the poisoned one failed
    assert inner.calls[1] == ["a good question", "a poison question", "another good question"]
    assert sorted(map(tuple, inner.calls[2:])) == [("a good question",), ("a poison question",),
                                                   ("another good question",)]


def test_a_call_already_as_large_as_a_batch_goes_straight_to_the_model() -> None:
    inner = GatedEmbedder()
    batcher = MicroBatcher(inner, max_wait_ms=50, max_batch=4, workers=1)
    texts = [f"passage {n}" for n in range(10)]
    vectors = batcher.embed_batch(texts)
    assert inner.calls == [texts]
    np.testing.assert_array_equal(vectors, FakeEmbedder().embed_batch(texts))
    assert batcher.stats().calls == 0  # nothing went through the queue


def test_the_batcher_is_an_embedder_with_the_inner_models_identity() -> None:
    inner = FakeEmbedder()
    batcher = MicroBatcher(inner, workers=1)
    assert (batcher.name, batcher.dimension, batcher.max_tokens, batcher.fingerprint) == (
        inner.name, inner.dimension, inner.max_tokens, inner.fingerprint)
    assert batcher.count_tokens(["two words"]) == inner.count_tokens(["two words"])
    assert batcher.embed_batch([]).shape == (0, inner.dimension)
