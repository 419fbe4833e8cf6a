"""``verbatim ask`` and ``verbatim verify``: in-process, the API's exact body with --json, citations in text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_CORPUS
from verbatim.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fixture_env(tmp_path_factory):
    """The fixture corpus indexed with the bundled model, named by VERBATIM_* variables."""
    from service.core.config import get_settings

    root = tmp_path_factory.mktemp("terminal")
    shutil.copytree(FIXTURE_CORPUS, root / "corpus")
    env = {"VERBATIM_CORPUS_DIR": str(root / "corpus"), "VERBATIM_INDEX_DIR": str(root / "index"),
           "VERBATIM_CACHE_DIR": str(root / "cache")}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        get_settings.cache_clear()
        assert main(["index", "--quiet"]) == 0
        yield root
    get_settings.cache_clear()


def api_body(path: str, payload: dict) -> dict:
    from fastapi.testclient import TestClient

    from service.core.config import get_settings
    from service.main import create_app

    with TestClient(create_app(get_settings())) as client:
        r = client.post(path, json=payload)
        assert r.status_code == 200, r.text
        return r.json()


def without_timing(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "took_ms"}


def test_ask_json_is_the_apis_response_body(fixture_env, capsys) -> None:
    capsys.readouterr()
    assert main(["ask", "Who rebuilt the lantern room after the storm?", "--k", "2", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    expected = api_body("/v1/ask", {"question": "Who rebuilt the lantern room after the storm?", "k": 2})
    assert without_timing(body) == without_timing(expected)


def test_ask_prints_numbered_passages_with_citations_and_marked_sentences(fixture_env, capsys) -> None:
    capsys.readouterr()
    assert main(["ask", "Who rebuilt the lantern room after the storm?", "--k", "2", "--documents", "lighthouse"]) == 0
    out = capsys.readouterr().out
    body = api_body("/v1/ask", {"question": "Who rebuilt the lantern room after the storm?", "k": 2,
                                "documents": ["lighthouse"]})
    first = body["passages"][0]
    c = first["citation"]
    assert out.splitlines()[0] == "Who rebuilt the lantern room after the storm?"
    assert "[1] The Lighthouse Keeper · " in out and f"chars {c['start']}-{c['end']}" in out
    h = first["highlights"][0]
    doc = api_body_text("lighthouse")
    assert f"»{doc[h['start']:h['end']]}«".split("\n")[0] in out
    assert "[2] " in out and "[3] " not in out


def api_body_text(doc_id: str) -> str:
    return (FIXTURE_CORPUS / {"lighthouse": "a_lighthouse.txt", "canal": "b_canal.txt"}[doc_id]).read_text()


def test_verify_json_is_the_apis_body_and_text_marks_differences(fixture_env, capsys) -> None:
    quote = "The engineers drained the water in January 1821."
    capsys.readouterr()
    assert main(["verify", quote, "--json"]) == 0
    assert without_timing(json.loads(capsys.readouterr().out)) == without_timing(api_body("/v1/verify", {"quote": quote}))
    assert main(["verify", quote]) == 0
    out = capsys.readouterr().out
    assert out.startswith("found with differences (1 place)")
    assert "The engineers [cleared] the water in January 1821." in out
    assert "changed: the text has 'cleared', the quote 'drained'" in out


def test_verify_exits_1_when_not_found_and_2_on_bad_input(fixture_env, capsys) -> None:
    assert main(["verify", "The directors sold the canal to the railway company in 1850."]) == 1
    assert capsys.readouterr().out.startswith("not found in the corpus")
    assert main(["verify", "lantern"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("verbatim: error: quote has 1 word(s)")


def test_ask_without_an_index_says_how_to_build_one(tmp_path: Path, monkeypatch, capsys) -> None:
    from service.core.config import get_settings

    shutil.copytree(FIXTURE_CORPUS, tmp_path / "corpus")
    monkeypatch.setenv("VERBATIM_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("VERBATIM_INDEX_DIR", str(tmp_path / "no-index"))
    get_settings.cache_clear()
    try:
        assert main(["ask", "Who kept the lighthouse?"]) == 3
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("verbatim: error: ") and "verbatim index" in err
