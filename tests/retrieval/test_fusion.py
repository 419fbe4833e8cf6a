from __future__ import annotations

import pytest

from retrieval.dedupe import drop_overlapping, merge_overlapping
from retrieval.fusion import min_max, ranked, rrf, weighted


def test_rrf_sums_reciprocal_ranks_over_lists() -> None:
    scores = rrf([[1, 2, 3], [3, 1]], k=60)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 62)
    assert scores[2] == pytest.approx(1 / 62)
    assert scores[3] == pytest.approx(1 / 63 + 1 / 61)
    assert [i for i, _ in ranked(scores)] == [1, 3, 2]


def test_rrf_weights_scale_each_list() -> None:
    scores = rrf([[1], [2]], k=0, weights=[1.0, 3.0])
    assert scores == {1: pytest.approx(1.0), 2: pytest.approx(3.0)}


def test_min_max_scales_to_unit_range_and_flat_scores_to_one() -> None:
    assert min_max({1: 2.0, 2: 4.0, 3: 3.0}) == {1: 0.0, 2: 1.0, 3: 0.5}
    assert min_max({1: 5.0, 2: 5.0}) == {1: 1.0, 2: 1.0}
    assert min_max({}) == {}


def test_weighted_fusion_adds_scaled_scores_and_zero_for_absent_items() -> None:
    fused = weighted([{1: 0.9, 2: 0.5}, {2: 10.0, 3: 0.0}], [0.25, 0.75])
    assert fused == {1: pytest.approx(0.25), 2: pytest.approx(0.75), 3: pytest.approx(0.0)}


def test_ties_are_broken_by_item_id_for_determinism() -> None:
    assert ranked({5: 1.0, 2: 1.0, 9: 2.0}) == [(9, 2.0), (2, 1.0), (5, 1.0)]


SPANS = {1: ("a", 0, 100), 2: ("a", 80, 180), 3: ("b", 0, 100), 4: ("a", 100, 200), 5: ("a", 150, 160)}


def test_overlapping_weaker_passages_are_dropped_and_touching_ones_kept() -> None:
    kept = list(drop_overlapping([(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6), (5, 0.5)], SPANS.__getitem__))
    assert kept == [(1, 0.9), (3, 0.7), (4, 0.6)]


def test_the_better_ranked_of_two_overlapping_passages_wins() -> None:
    kept = list(drop_overlapping([(2, 0.9), (1, 0.8), (4, 0.7)], SPANS.__getitem__))
    assert kept == [(2, 0.9)]


def section(i: int) -> str:
    return "s2" if i == 3 else "s1"


def test_overlapping_neighbours_of_one_section_merge_into_one_passage() -> None:
    spans = {1: ("a", 0, 100), 2: ("a", 80, 180), 3: ("b", 0, 100), 4: ("a", 300, 400)}
    groups = merge_overlapping([(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6)], spans.__getitem__, section, k=3)
    assert groups == [([1, 2], 0.9), ([3], 0.7), ([4], 0.6)]


def test_a_merge_that_would_overlap_another_passage_is_refused() -> None:
    spans = {1: ("a", 0, 100), 2: ("a", 150, 250), 3: ("a", 90, 160)}
    groups = merge_overlapping([(1, 0.9), (2, 0.8), (3, 0.7)], spans.__getitem__, section, k=5)
    assert groups == [([1], 0.9), ([2], 0.8)]


def test_neighbours_of_different_sections_are_not_merged() -> None:
    spans = {1: ("a", 0, 100), 3: ("a", 80, 180)}
    groups = merge_overlapping([(1, 0.9), (3, 0.8)], spans.__getitem__, section, k=5)
    assert groups == [([1], 0.9)]


def test_a_group_takes_at_most_two_parts_and_k_groups_at_most() -> None:
    spans = {1: ("a", 50, 150), 2: ("a", 0, 60), 4: ("a", 140, 200), 5: ("a", 500, 600), 6: ("a", 700, 800)}
    groups = merge_overlapping([(1, 0.9), (2, 0.8), (4, 0.7), (5, 0.6), (6, 0.5)], spans.__getitem__, section, k=2)
    assert groups == [([1, 2], 0.9), ([5], 0.6)]
