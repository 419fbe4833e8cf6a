"""The default corpus files, for tests that read them directly."""

from __future__ import annotations

from functools import cache
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
ARTICLE = "000_95a733b832542ff5.txt"
RYUTIN = "001_1f7a62750340cd9f.txt"
ORDZHONIKIDZE = "002_9467095c04f9b78b.txt"
BOOK = "003_ca611322b0c4a017.txt"


@cache
def corpus_text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")
