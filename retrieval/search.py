"""Hybrid retrieval: dense (FAISS) and BM25 candidates fused, de-duplicated, highlighted, judged.

No web code here: the HTTP routes and the evaluation harness both call ``Retriever.search``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from embeddings.base import Embedder
from index_build.store import PassageRecord
from index_build.tokenization import bm25_tokens, fold
from retrieval.abstention import load_abstention, question_features
from retrieval.conversation import NO_CONTEXT, ConversationContext, EarlierTurn, resolve
from retrieval.dedupe import drop_overlapping, merge_overlapping
from retrieval.feedback import expansion_terms
from retrieval.fusion import ranked, rrf, weighted
from retrieval.highlights import best_sentences
from retrieval.index import LoadedIndex
from retrieval.rerank import Candidate, features, load_reranker
from retrieval.windows import SentenceLexicon, WindowConfig, Windows
from verbatim.errors import BadInputError, NotFoundError


@dataclass(frozen=True)
class RetrievalConfig:
    mode: Literal["hybrid", "dense", "bm25", "sentences"] = "hybrid"
    fusion: Literal["rrf", "weighted"] = "rrf"
    rrf_k: int = 60
    # weight of each candidate list in the fusion: passage vectors, sentence vectors, BM25
    dense_weight: float = 1.0
    sentence_weight: float = 0.0
    bm25_weight: float = 2.0
    candidates: int = 50  # from each retriever, before fusion
    dedupe: bool = True
    merge: bool = True  # overlapping neighbours of one section become one passage (else the weaker is dropped)
    highlights: bool = True
    rerank: bool = True  # re-order the first candidates with the learned model (retrieval/rerank.py)
    rerank_pool: int = 20  # first-stage passages (after merging) the model re-orders
    # pseudo-relevance feedback from the first fused passages (0: off)
    feedback_docs: int = 0
    dense_feedback: float = 0.0  # Rocchio: the question vector moves this far towards their mean
    bm25_feedback: float = 0.0  # weight of a second BM25 query made of their most telling terms
    feedback_terms: int = 10
    recut: bool = False  # tried, did not help on dev (README); passage boundaries follow this question's best sentences (retrieval/windows.py)
    window: WindowConfig = WindowConfig()
    abstain_threshold: float = 0.52  # without an abstention model: best sentence cosine below this is not supported
    calibrated_abstention: bool = True  # use the model of retrieval/abstention.py when there is one
    # follow-up questions (retrieval/conversation.py): how much the earlier turns' terms weigh
    context_bm25: float = 0.5  # their BM25 scores, added to the question's at this weight
    context_dense: float = 0.5  # the question vector moves this far towards "question + their terms"
    context_documents: float = 0.0  # fusion bonus for passages of documents the reader was shown
    context_window: int = 8000  # characters: passages this close to one the reader was shown are "near"
    context_near: float = 1.5  # fusion bonus for near passages (in RRF units, by closeness and recency)
    context_near_rerank: float = 1.0  # the same after re-ranking (in the model's score units)
    context_rerank: bool = True  # the re-ranker and abstention read the question with the carried terms

    def named(self, **changes) -> RetrievalConfig:
        return replace(self, **changes)


@dataclass(frozen=True)
class Hit:
    passage: PassageRecord
    rank: int
    score: float
    dense_score: float | None
    bm25_score: float | None
    highlights: list[tuple[int, int]]


@dataclass(frozen=True)
class SearchResult:
    question: str
    supported: bool
    support_score: float
    hits: list[Hit]
    timings_ms: dict[str, float] = field(default_factory=dict)
    confidence: float | None = None  # 0..1 that the corpus answers it (None: no abstention model)
    context: ConversationContext = NO_CONTEXT  # what a follow-up took from the earlier turns
    signals: np.ndarray | None = field(default=None, repr=False)  # abstention features, for training


class Retriever:
    def __init__(self, index: LoadedIndex, embedder: Embedder, config: RetrievalConfig = RetrievalConfig()) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config
        self.lexicon = SentenceLexicon(index.sentence_texts())
        self.windows = Windows(index)
        # the learned models are read only when the configuration uses them (training runs without)
        self.reranker = load_reranker() if config.rerank else None
        self.abstention = load_abstention() if config.calibrated_abstention else None
        self.idf = {term: float(self.lexicon.idf[col]) for term, col in self.lexicon.vocab.items()}
        self._doc_codes = {d: n for n, d in enumerate(index.documents)}
        self._passage_doc = np.array([self._doc_codes[p.doc_id] for p in index.passages], dtype=np.int32)
        self._passage_start = np.array([p.start for p in index.passages], dtype=np.int64)
        self._passage_end = np.array([p.end for p in index.passages], dtype=np.int64)
        # the re-ranker and abstention read each candidate's folded text; candidates recur across questions
        self._folded_span = lru_cache(maxsize=16384)(self._fold_span)

    def context_of(self, question: str, history: list[EarlierTurn] | None) -> ConversationContext:
        return resolve(question.strip(), history or [], self.idf)

    def embedding_texts(self, question: str, context: ConversationContext = NO_CONTEXT,
                        config: RetrievalConfig | None = None) -> list[str]:
        """What ``search`` embeds for this question: the question, and for a follow-up the question with
        the earlier turns' terms (the service embeds them in a shared batch and passes ``vectors``)."""
        return self._query_texts(question.strip(), " ".join(t.term for t in context.terms), config or self.config)

    @staticmethod
    def _query_texts(question: str, carried: str, cfg: RetrievalConfig) -> list[str]:
        return [question, f"{carried} {question}"] if carried and cfg.context_dense > 0 else [question]

    def search(
        self,
        question: str,
        k: int = 5,
        documents: list[str] | None = None,
        config: RetrievalConfig | None = None,
        history: list[EarlierTurn] | None = None,
        vectors: np.ndarray | None = None,
        context: ConversationContext | None = None,
    ) -> SearchResult:
        """The passages for ``question``. Already worked out by the caller: ``context`` (``context_of`` the
        history) and ``vectors`` (of ``embedding_texts``)."""
        cfg = config or self.config
        question = question.strip()
        if not question:
            raise BadInputError("question is empty: write a question")
        if context is None:
            context = self.context_of(question, history) if history else NO_CONTEXT
        carried = " ".join(t.term for t in context.terms)
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[name] = (now - clock) * 1000
            clock = now

        allowed = self._allowed(documents)
        pool = max(cfg.candidates, k * 3)
        near = self._near(context, cfg.context_window, allowed) if context.shown and (
            cfg.context_near > 0 or cfg.context_near_rerank > 0) else {}
        texts = self._query_texts(question, carried, cfg)
        if vectors is None or len(vectors) != len(texts):
            vectors = self.embedder.embed_batch(texts)
        if len(texts) == 2:
            query, expanded = vectors
            moved = query + cfg.context_dense * expanded
            query = (moved / np.linalg.norm(moved)).astype(np.float32)
        else:
            query = vectors[0]
        lap("embed")
        hybrid = cfg.mode == "hybrid"
        dense: dict[int, float] = {}
        if cfg.mode == "dense" or (hybrid and cfg.dense_weight > 0):
            dense = self._dense(query, pool, allowed, near)
        lap("faiss")
        sentence_scores = self.index.sentence_matrix @ query
        by_sentence: dict[int, float] = {}
        if cfg.mode == "sentences" or (hybrid and cfg.sentence_weight > 0):
            by_sentence = self._by_sentence(sentence_scores, pool, allowed)
        lap("sentences")
        sparse: dict[int, float] = {}
        if cfg.mode == "bm25" or (hybrid and cfg.bm25_weight > 0):
            sparse = self._bm25(question, pool, allowed, near)
            if carried and cfg.context_bm25 > 0:
                sparse = self._with_context_bm25(sparse, context, cfg.context_bm25, pool, allowed, near)
        lap("bm25")
        fused = self._fuse(cfg, dense, by_sentence, sparse)
        if context.documents and cfg.context_documents > 0:
            shown = set(context.documents)
            bonus = cfg.context_documents / (cfg.rrf_k + 1)
            fused = {i: s + (bonus if self.index.doc_ids[i] in shown else 0.0) for i, s in fused.items()}
        if near and cfg.context_near > 0:
            bonus = cfg.context_near / (cfg.rrf_k + 1)
            fused = {i: s + bonus * near.get(i, 0.0) for i, s in fused.items()}
        if hybrid and cfg.feedback_docs > 0:
            top = [i for i, _ in ranked(fused)[: cfg.feedback_docs]]
            if cfg.dense_feedback > 0 and top:
                vectors = np.vstack([self.index.dense.reconstruct(int(i)) for i in top])
                moved = query + cfg.dense_feedback * vectors.mean(axis=0)
                dense = self._dense((moved / np.linalg.norm(moved)).astype(np.float32), pool, allowed)
            if cfg.bm25_feedback > 0 and top:
                terms = expansion_terms(question, [self.index.passages[i].text for i in top], self.lexicon,
                                        cfg.feedback_terms)
                extra = self._bm25(" ".join(terms), pool, allowed) if terms else {}
                top_extra = max(extra.values(), default=1.0) or 1.0
                top_plain = max(sparse.values(), default=1.0) or 1.0
                sparse = {i: sparse.get(i, 0.0) + cfg.bm25_feedback * top_plain * extra.get(i, 0.0) / top_extra
                          for i in set(sparse) | set(extra)}
            fused = self._fuse(cfg, dense, by_sentence, sparse)
        order = ranked(fused)
        rerank = cfg.rerank and self.reranker is not None and cfg.mode == "hybrid"
        wanted = k
        if rerank:
            wanted = max(k, cfg.rerank_pool)
        if cfg.recut:
            wanted *= 2  # re-cut windows may come to overlap: keep spares
        if cfg.dedupe and cfg.merge:
            groups = merge_overlapping(order, self._span_of, self._section_of, wanted)
        elif cfg.dedupe:
            groups = [([i], s) for i, s in drop_overlapping(order, self._span_of)][:wanted]
        else:
            groups = [([i], s) for i, s in order[:k]]
        # the question's term coverage, for both learned models; a follow-up's with its carried terms
        judged = f"{question} {carried}" if carried and cfg.context_rerank else question
        shares = self.lexicon.shares(judged)
        if rerank:
            groups = self._reranked(judged, groups, dense, sparse, sentence_scores, shares)
            if near and cfg.context_near_rerank > 0:
                bonus = cfg.context_near_rerank
                groups = sorted(((m, s + bonus * max(near.get(i, 0.0) for i in m)) for m, s in groups),
                                key=lambda g: -g[1])
        lap("fusion")
        chosen: list[tuple[list[int], float, PassageRecord]] = []
        match = None
        if cfg.recut:
            match = sentence_scores + cfg.window.lexical_weight * self.lexicon.coverage(question)
        taken: dict[str, list[tuple[int, int]]] = {}
        for members, score in groups:
            passage = self.index.passages[members[0]] if len(members) == 1 else self._merged(members)
            if match is not None:
                passage = self.windows.recut(passage, match, cfg.window)
                spans_here = taken.setdefault(passage.doc_id, [])
                if any(passage.start < e and s < passage.end for s, e in spans_here):
                    continue
                spans_here.append((passage.start, passage.end))
            chosen.append((members, score, passage))
            if len(chosen) == k:
                break
        hits: list[Hit] = []
        for rank, (members, score, passage) in enumerate(chosen, start=1):
            i = members[0]
            spans: list[tuple[int, int]] = []
            if cfg.highlights:
                spans = best_sentences(sentence_scores, self.index.sentences, passage.sentence_first, passage.sentence_last)
            hits.append(Hit(passage, rank, float(score), dense.get(i), sparse.get(i), spans))
        best_sentence = self._support(sentence_scores, [h.passage for h in hits])
        top = [Candidate(h.passage, h.score, h.rank, h.dense_score, h.bm25_score) for h in hits]
        signals = question_features(
            judged, top, [h.score for h in hits], sentence_scores, shares, self._folded_text, self.lexicon.vocab,
            max(sparse.values(), default=0.0), max(dense.values(), default=0.0),
        )
        supported, confidence = best_sentence >= cfg.abstain_threshold, None
        if cfg.calibrated_abstention and self.abstention is not None and rerank:
            confidence = self.abstention.confidence(signals)
            supported = confidence >= self.abstention.threshold
        lap("highlights")
        return SearchResult(question, supported, best_sentence, hits, timings, confidence, context=context, signals=signals)

    def _with_context_bm25(self, sparse: dict[int, float], context: ConversationContext, weight: float,
                           pool: int, allowed: np.ndarray | None, near: dict[int, float]) -> dict[int, float]:
        """The question's BM25 scores plus each earlier turn's carried terms', at ``weight`` times recency."""
        out = dict(sparse)
        for recency in sorted({t.weight for t in context.terms}, reverse=True):
            text = " ".join(t.term for t in context.terms if t.weight == recency)
            for i, score in self._bm25(text, pool, allowed, near).items():
                out[i] = out.get(i, 0.0) + weight * recency * score
        return out

    @staticmethod
    def _fuse(cfg: RetrievalConfig, dense, by_sentence, sparse) -> dict[int, float]:
        if cfg.mode != "hybrid":
            return {"dense": dense, "sentences": by_sentence, "bm25": sparse}[cfg.mode]
        lists = [(dense, cfg.dense_weight), (by_sentence, cfg.sentence_weight), (sparse, cfg.bm25_weight)]
        lists = [(scores, w) for scores, w in lists if w > 0]
        if cfg.fusion == "rrf":
            return rrf([[i for i, _ in ranked(sc)] for sc, _ in lists], k=cfg.rrf_k, weights=[w for _, w in lists])
        return weighted([sc for sc, _ in lists], [w for _, w in lists])

    def candidates(self, groups, dense: dict[int, float], sparse: dict[int, float]) -> list[Candidate]:
        out = []
        for rank, (members, score) in enumerate(groups, start=1):
            passage = self.index.passages[members[0]] if len(members) == 1 else self._merged(members)
            out.append(Candidate(passage, float(score), rank, dense.get(members[0]), sparse.get(members[0])))
        return out

    def candidate_features(
        self, question: str, candidates: list[Candidate], sentence_scores: np.ndarray, shares=None
    ) -> np.ndarray:
        shares = shares or self.lexicon.shares(question)
        return features(question, candidates, sentence_scores, shares, self._folded_text)

    def _folded_text(self, passage: PassageRecord) -> str:
        return self._folded_span(passage.doc_id, passage.start, passage.end)

    def _fold_span(self, doc_id: str, start: int, end: int) -> str:
        return fold(self.index.documents[doc_id].text[start:end])

    def _reranked(self, question, groups, dense, sparse, sentence_scores, shares):
        candidates = self.candidates(groups, dense, sparse)
        scores = self.reranker.score(self.candidate_features(question, candidates, sentence_scores, shares))
        order = np.argsort(-scores, kind="stable")
        return [(groups[i][0], float(scores[i])) for i in order]

    def _allowed(self, documents: list[str] | None) -> np.ndarray | None:
        if not documents:
            return None
        unknown = [d for d in documents if d not in self.index.documents]
        if unknown:
            known = ", ".join(sorted(self.index.documents))
            raise NotFoundError(f"unknown document id(s): {', '.join(unknown)}; known ids: {known}")
        wanted = set(documents)
        return np.fromiter((d in wanted for d in self.index.doc_ids), dtype=bool, count=len(self.index.doc_ids))

    def _near(self, context: ConversationContext, window: int, allowed: np.ndarray | None) -> dict[int, float]:
        """Passages within ``window`` characters of one the reader was shown: closeness 1 (touching) to 0, times recency."""
        closeness = np.zeros(len(self._passage_start), dtype=np.float64)
        for ref, recency in context.shown:
            code = self._doc_codes.get(ref.doc_id)
            if code is None:
                continue
            gap = np.maximum(0, np.maximum(self._passage_start - ref.end, ref.start - self._passage_end))
            here = recency * np.clip(1.0 - gap / window, 0.0, 1.0) * (self._passage_doc == code)
            closeness = np.maximum(closeness, here)
        if allowed is not None:
            closeness = np.where(allowed, closeness, 0.0)
        return {int(i): float(closeness[i]) for i in np.flatnonzero(closeness > 0)}

    def _dense(self, query: np.ndarray, pool: int, allowed: np.ndarray | None,
               extra: dict[int, float] | None = None) -> dict[int, float]:
        import faiss

        n = self.index.dense.ntotal
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.flatnonzero(allowed).astype(np.int64)))
        scores, ids = self.index.dense.search(query.reshape(1, -1), min(pool, n), params=params)
        found = {int(i): float(s) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0}
        missing = [i for i in (extra or {}) if i not in found]
        if missing:  # passages near the earlier turns' compete too, with their own cosine
            vectors = np.vstack([self.index.dense.reconstruct(i) for i in missing])
            found.update(zip(missing, (vectors @ query).tolist(), strict=True))
        return found

    def _bm25(self, question: str, pool: int, allowed: np.ndarray | None,
              extra: dict[int, float] | None = None) -> dict[int, float]:
        vocab = self.index.bm25_vocab
        tokens = [t for t in bm25_tokens(question) if t in vocab]
        if not tokens:
            return {}
        scores = np.asarray(self.index.bm25.get_scores(tokens), dtype=np.float32)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        pool = min(pool, len(scores))
        top = np.argpartition(-scores, pool - 1)[:pool]
        chosen = set(top.tolist()) | set(extra or ())
        return {int(i): float(scores[i]) for i in chosen if scores[i] > 0}

    def _section_of(self, i: int) -> tuple[str | None, str | None]:
        p = self.index.passages[i]
        return p.section, p.attribution

    def _merged(self, members: list[int]) -> PassageRecord:
        """One passage spanning overlapping neighbours of one section (raw offsets stay exact)."""
        parts = sorted((self.index.passages[i] for i in members), key=lambda p: p.start)
        first, last = parts[0], max(parts, key=lambda p: p.end)
        return replace(
            self.index.passages[members[0]],
            id=f"{first.doc_id}@{first.start}-{last.end}",
            start=first.start,
            end=last.end,
            line_start=first.line_start,
            line_end=last.line_end,
            page=first.page,
            page_end=last.page_end,
            page_label=first.page_label,
            page_end_label=last.page_end_label,
            sentence_first=first.sentence_first,
            sentence_last=max(p.sentence_last for p in parts),
            tokens=sum(p.tokens for p in parts),
            text="",  # the normalised text is not needed past retrieval
        )

    def _span_of(self, i: int) -> tuple[str, int, int]:
        p = self.index.passages[i]
        return p.doc_id, p.start, p.end

    def _by_sentence(self, scores: np.ndarray, pool: int, allowed: np.ndarray | None) -> dict[int, float]:
        """Passages scored by their best sentence's cosine to the question."""
        top = np.argpartition(-scores, min(len(scores) - 1, pool * 3))[: pool * 3]
        out: dict[int, float] = {}
        for row in top[np.argsort(-scores[top], kind="stable")]:
            for i in self.index.sentence_owners[row]:
                if (allowed is None or allowed[i]) and i not in out:
                    out[i] = float(scores[row])
            if len(out) >= pool:
                break
        return out

    @staticmethod
    def _support(scores: np.ndarray, chosen: list[PassageRecord]) -> float:
        """The best cosine between the question and any sentence of the top three passages."""
        best = -1.0
        for passage in chosen[:3]:
            if passage.sentence_last > passage.sentence_first:
                best = max(best, float(scores[passage.sentence_first : passage.sentence_last].max()))
        return best
