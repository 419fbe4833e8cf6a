"""Questions asked at once over HTTP share one embedding call, and each reader gets the answer to their own."""

from __future__ import annotations

import asyncio

import httpx

from embeddings.batching import MicroBatcher
from retrieval.index import load_index
from service.core.config import Settings
from service.core.resources import assemble
from service.main import create_app
from tests.embeddings.test_batching import GatedEmbedder

QUESTIONS = [
    "When was the harbour lighthouse built?",
    "Who kept the lighthouse?",
    "What did the council decide about the bridge?",
    "Which year did the flood happen?",
    "What was the bakery's name?",
    "Who wrote the letter to the mayor?",
]


def app_with(fixture_index, embedder):
    corpus, index_dir = fixture_index
    settings = Settings(corpus_dir=corpus, index_dir=index_dir, cache_dir=index_dir.parent / "cache",
                        abstain_threshold=0.4, calibrated_abstention=False)
    return create_app(settings, assemble(load_index(index_dir, corpus, embedder.fingerprint), embedder, settings))


def passages_of(body: dict) -> list[tuple[str, int, int]]:
    return [(p["document"]["id"], p["citation"]["start"], p["citation"]["end"]) for p in body["passages"]]


async def ask_all(app, bodies: list[dict], hold: GatedEmbedder | None = None) -> list[dict]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        if hold is None:
            responses = [await client.post("/v1/ask", json=b) for b in bodies]
        else:
            hold.gate.clear()
            first = asyncio.ensure_future(client.post("/v1/ask", json=bodies[0]))
            while not hold.entered.is_set():
                await asyncio.sleep(0.001)
            rest = [asyncio.ensure_future(client.post("/v1/ask", json=b)) for b in bodies[1:]]
            await asyncio.sleep(0.2)  # every other question reaches the queue behind the held encode
            hold.gate.set()
            responses = [await first] + [await r for r in rest]
    assert [r.status_code for r in responses] == [200] * len(bodies)
    return [r.json() for r in responses]


def test_concurrent_questions_are_embedded_together_and_each_gets_its_own_passages(fixture_index) -> None:
    one_by_one = asyncio.run(ask_all(app_with(fixture_index, GatedEmbedder()), [{"question": q} for q in QUESTIONS]))

    inner = GatedEmbedder()
    batcher = MicroBatcher(inner, max_wait_ms=50, max_batch=32, workers=1)
    together = asyncio.run(ask_all(app_with(fixture_index, batcher), [{"question": q} for q in QUESTIONS], hold=inner))

    assert [len(c) for c in inner.calls] == [1, len(QUESTIONS) - 1]  # one held, then the rest in one call
    assert [b["question"] for b in together] == QUESTIONS
    assert [passages_of(b) for b in together] == [passages_of(b) for b in one_by_one]
    assert all(passages_of(b) for b in together)


def test_a_follow_up_embeds_its_two_texts_in_the_shared_batch(fixture_index) -> None:
    first = {"question": "Who kept the lighthouse?"}
    asked = asyncio.run(ask_all(app_with(fixture_index, GatedEmbedder()), [first]))[0]
    shown = [{"document": d, "start": s, "end": e} for d, s, e in passages_of(asked)[:2]]
    follow_up = {"question": "When did he retire?", "history": [{"question": first["question"], "passages": shown}]}
    alone = asyncio.run(ask_all(app_with(fixture_index, GatedEmbedder()), [follow_up]))[0]

    inner = GatedEmbedder()
    batcher = MicroBatcher(inner, max_wait_ms=50, max_batch=32, workers=1)
    bodies = [{"question": "What was the bakery's name?"}, follow_up, {"question": "Which year did the flood happen?"}]
    together = asyncio.run(ask_all(app_with(fixture_index, batcher), bodies, hold=inner))

    assert alone["context"]["terms"], "the follow-up carries terms, so it embeds two texts"
    assert [len(c) for c in inner.calls] == [1, 3]  # the follow-up's two texts and the third question
    assert passages_of(together[1]) == passages_of(alone)
    assert together[1]["context"] == alone["context"]
