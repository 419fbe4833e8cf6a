from __future__ import annotations

from pathlib import Path

import pytest

from verbatim.cli import main


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: (d / "a.txt").write_bytes(b"caf\xe9"), "a.txt: not UTF-8 (byte 3)"),
        (lambda d: (d / "a.txt").write_bytes(b""), "a.txt: empty file"),
        (lambda d: (d / "a.txt").write_bytes(b"a\x00b"), "a.txt: binary file (contains NUL bytes)"),
        (lambda d: None, "no documents in the corpus folder (.txt, .md, .pdf, .html, .docx, .epub)"),
    ],
)
def test_index_command_refuses_bad_input_with_exit_2_and_one_line(tmp_path: Path, capsys, setup, message: str) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    setup(corpus)
    code = main(["index", "--corpus", str(corpus), "--index-dir", str(tmp_path / "index"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("verbatim: error: ") and err.rstrip().endswith(message)
    assert not (tmp_path / "index").exists()


def test_index_command_names_a_missing_corpus_folder(tmp_path: Path, capsys) -> None:
    code = main(["index", "--corpus", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "index")])
    assert code == 2
    assert capsys.readouterr().err == f"verbatim: error: {tmp_path / 'nope'}: corpus folder not found\n"


def test_eval_command_refuses_a_missing_questions_file(tmp_path: Path, capsys) -> None:
    code = main(["eval", "--questions", str(tmp_path / "none.jsonl")])
    assert code == 2
    assert capsys.readouterr().err == f"verbatim: error: {tmp_path / 'none.jsonl'}: no such questions file\n"


@pytest.mark.parametrize("command", ["index", "add", "remove", "serve", "ask", "verify", "eval"])
def test_every_subcommand_has_help(command: str, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert "usage: verbatim " + command in capsys.readouterr().out


def test_eval_against_a_server_reads_the_http_answers(fixture_index_client) -> None:
    from eval.dataset import Evidence, Question
    from eval.harness import http_searcher, run_questions, summarize

    search = http_searcher("http://testserver", client=fixture_index_client)
    question = Question("q", "accountants in the capital close the station", "factual", None,
                        Evidence("lighthouse", 458, 556))
    metrics = summarize(run_questions(search, [question], 5))
    assert metrics["recall@1"] == 1.0


@pytest.fixture
def fixture_index_client(tmp_path_factory):
    import shutil

    from index_build.build import BuildOptions, build_index
    from tests.conftest import FIXTURE_CORPUS
    from tests.fakes import FakeEmbedder
    from tests.service.conftest import make_client

    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(FIXTURE_CORPUS, root / "corpus")
    build_index(root / "corpus", root / "index", FakeEmbedder(), BuildOptions(show_progress=False))
    with make_client((root / "corpus", root / "index")) as client:
        yield client
