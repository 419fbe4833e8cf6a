"""Readers' own documents while serving: upload, index as a job, cite with pages; remove; every bad file refused.

The app serves a copy of the fixture corpus with the fake embedder (also the uploads' passage
embedder). Each refused upload leaves the published version, the sources folder and the answers as
they were.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from index_build import store
from index_build.build import BuildOptions, build_index
from retrieval.index import load_index
from service.core.config import Settings
from service.core.resources import assemble
from service.main import create_app
from tests.conftest import FIXTURE_CORPUS
from tests.fakes import FakeEmbedder
from tests.index_build.formats.builders import blank_pdf, pdf_encrypted

TOKEN = "adm1n-t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# what each page of the uploaded PDF says: long enough for several passages, each sentence on one page
PAGE_TEXTS = [
    " ".join(f"The ferryman counted {n} passengers crossing the estuary at the {n}th bell." for n in range(1, 30)),
    " ".join(f"Quarantine officers inspected cargo crate {n} for smuggled tobacco." for n in range(1, 30)),
    " ".join(f"The lighthouse inspector measured lamp oil barrel {n} by candlelight." for n in range(1, 30)),
]


def report_pdf(labels: bool = True) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.set_title("Harbour Report")
    for number, text in enumerate(PAGE_TEXTS, start=1):
        pdf.add_page()
        pdf.start_section(f"Part {number}")
        pdf.multi_cell(w=0, text=text)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    if labels:
        writer.set_page_label(0, 2, style="/r", start=10)  # x, xi, xii
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A DOCX whose document.xml unpacks to 20 MiB of zeros (about 1000 times its packed size)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (20 * 1024 * 1024))
    return out.getvalue()


@pytest.fixture
def served(tmp_path: Path):
    corpus, index_dir, cache = tmp_path / "corpus", tmp_path / "index", tmp_path / "cache"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    build_index(corpus, index_dir, FakeEmbedder(), BuildOptions(show_progress=False), cache_dir=cache)
    settings = Settings(corpus_dir=corpus, index_dir=index_dir, cache_dir=cache, sources_dir=tmp_path / "sources",
                        admin_token=TOKEN, upload_max_bytes=2 * 1024 * 1024, index_watch_seconds=0,
                        calibrated_abstention=False, abstain_threshold=0.4)
    embedder = FakeEmbedder()
    resources = assemble(load_index(index_dir, corpus, embedder.fingerprint), embedder, settings)
    with TestClient(create_app(settings, resources, passage_embedder=FakeEmbedder()),
                    raise_server_exceptions=False) as client:
        yield client, settings


def upload(client: TestClient, name: str, data: bytes, headers=AUTH):
    return client.post("/v1/documents", files={"file": (name, data, "application/octet-stream")}, headers=headers)


def finished(client: TestClient, job: dict) -> dict:
    assert client.app.state.jobs.wait_idle(60)
    return client.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()


def version(client: TestClient) -> str:
    return client.get("/readyz").json()["index_version"]


def test_an_uploaded_pdf_is_indexed_and_cited_with_its_pages(served) -> None:
    client, settings = served
    data = report_pdf()
    r = upload(client, "Harbour Report.pdf", data)
    assert r.status_code == 202, r.text
    job = finished(client, r.json())
    assert job["state"] == "done" and job["document_id"] == "harbour-report", job
    assert job["index_version"] == version(client)

    listed = {d["id"]: d for d in client.get("/v1/documents").json()}
    assert listed["harbour-report"]["format"] == "pdf" and listed["harbour-report"]["pages"] == 3
    assert listed["harbour-report"]["added"] is True and listed["lighthouse"]["added"] is False
    doc = client.get("/v1/documents/harbour-report").json()
    breaks = doc["page_breaks"]
    assert [(b["number"], b["label"]) for b in breaks] == [(1, "x"), (2, "xi"), (3, "xii")]
    for number, page in enumerate(breaks, start=1):
        assert PAGE_TEXTS[number - 1][:40] in doc["text"][page["start"] : page["end"]]

    answer = client.post("/v1/ask", json={"question": "quarantine officers smuggled tobacco crate", "k": 3}).json()
    top = answer["passages"][0]
    assert top["document"]["id"] == "harbour-report"
    assert top["text"] == doc["text"][top["citation"]["start"] : top["citation"]["end"]]
    assert "tobacco" in top["text"]
    assert (top["citation"]["page"], top["citation"]["page_label"]) == (2, "xi")

    index = client.app.state.holder.current.index
    mine = [p for p in index.passages if p.doc_id == "harbour-report"]
    assert len(mine) >= 3
    for p in mine:  # every passage's pages are the pages its first and last characters lie on
        first = next(b for b in breaks if b["start"] <= p.start < b["end"])
        last = next(b for b in breaks if b["start"] <= p.end - 1 < b["end"])
        assert (p.page, p.page_end, p.page_label) == (first["number"], last["number"], first["label"])
        assert index.documents[p.doc_id].text[p.start : p.end].strip()
    assert (settings.sources_dir / "harbour-report.pdf").read_bytes() == data


def minutes_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Harbour Board Minutes", 0)
    for heading, topic in (("Dredging", "the silted channel"), ("Lighting", "the new gas lamps")):
        document.add_heading(heading, 1)
        document.add_paragraph(" ".join(f"Member {n} spoke at length about {topic} and its cost." for n in range(8)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_an_uploaded_word_file_takes_its_headings_as_sections(served) -> None:
    client, _ = served
    job = finished(client, upload(client, "minutes.docx", minutes_docx()).json())
    assert job["state"] == "done", job
    index = client.app.state.holder.current.index
    sections = {(p.section, "gas lamps" in p.text) for p in index.passages if p.doc_id == "minutes"}
    assert sections == {("Harbour Board Minutes › Dredging", False), ("Harbour Board Minutes › Lighting", True)}
    assert index.documents["minutes"].record.format == "docx" and index.documents["minutes"].record.pages == []


def test_removing_a_document_takes_it_out_of_the_index(served) -> None:
    client, _ = served
    r = client.delete("/v1/documents/canal", headers=AUTH)
    assert r.status_code == 202
    assert finished(client, r.json())["state"] == "done"
    assert client.get("/v1/documents/canal").status_code == 404
    assert [d["id"] for d in client.get("/v1/documents").json()] == ["lighthouse"]
    assert client.delete("/v1/documents/canal", headers=AUTH).status_code == 404


def sources_files(settings: Settings) -> list[str]:
    folder = settings.sources_dir
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("name", "make", "status", "says"),
    [
        ("locked.pdf", lambda: pdf_encrypted("secret"), 422, "password"),
        ("broken.pdf", lambda: report_pdf()[:2000], 422, "broken.pdf"),
        ("scan.pdf", blank_pdf, 422, "no text"),
        ("bomb.docx", zip_bomb, 413, "bomb.docx"),
        ("big.txt", lambda: b"word " * 500_000, 413, "VERBATIM_UPLOAD_MAX_BYTES"),
        ("program.exe", lambda: b"MZ\x90\x00" + b"\x00" * 100, 415, "program.exe"),
        ("renamed.pdf", lambda: b"MZ\x90\x00" + b"\x00" * 100, 415, "renamed.pdf"),
        ("empty.txt", lambda: b"", 400, "empty"),
        ("copy.txt", lambda: (FIXTURE_CORPUS / "a_lighthouse.txt").read_bytes(), 409, "'lighthouse'"),
    ],
)
def test_a_bad_upload_is_refused_with_its_reason_and_changes_nothing(served, name, make, status, says) -> None:
    client, settings = served
    before = version(client)
    r = upload(client, name, make())
    assert r.status_code == status, r.text
    body = r.json()
    assert says.lower() in body["detail"].lower() and body["request_id"]
    assert str(settings.sources_dir) not in body["detail"]
    assert version(client) == before and client.app.state.jobs.recent() == []
    assert [f for f in sources_files(settings) if not f.startswith(".")] == []
    assert client.post("/v1/ask", json={"question": "who kept the lighthouse"}).status_code == 200


def test_a_file_name_with_path_tricks_is_stored_under_its_id_only(served, tmp_path: Path) -> None:
    client, settings = served
    text = b"The pilot boat Swift towed the barge past the breakwater at noon.\n"
    job = finished(client, upload(client, "../../../../tmp/evil\\..\\name.txt", text).json())
    assert job["state"] == "done" and job["document_id"] == "name", job
    assert sources_files(settings) == ["catalog.json", "name.txt"]
    assert not (tmp_path / "tmp").exists()


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 403), ({"Authorization": "Basic eDp5"}, 401)],
)
def test_uploads_and_removals_need_the_admin_token(served, headers, status) -> None:
    client, _ = served
    assert upload(client, "a.txt", b"some text here", headers=headers).status_code == status
    assert client.delete("/v1/documents/canal", headers=headers).status_code == status
    assert client.get("/v1/jobs", headers=headers).status_code == status


def test_uploads_are_off_without_an_admin_token(fixture_index) -> None:
    from tests.service.conftest import make_client

    with make_client(fixture_index) as client:
        r = upload(client, "a.txt", b"some text here")
        assert r.status_code == 404 and "VERBATIM_ADMIN_TOKEN" in r.json()["detail"]
        assert client.get("/v1/uploads").json()["enabled"] is False


def test_an_upload_must_be_multipart_with_a_file_field(served) -> None:
    client, _ = served
    r = client.post("/v1/documents", json={"file": "x"}, headers=AUTH)
    assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]
    r = client.post("/v1/documents", data={"other": "x"}, files={"f": ("a.txt", b"text")}, headers=AUTH)
    assert r.status_code == 400 and "field named `file`" in r.json()["detail"]


def test_the_upload_policy_says_what_the_server_takes(served) -> None:
    client, settings = served
    policy = client.get("/v1/uploads").json()
    assert policy == {"enabled": True, "max_bytes": settings.upload_max_bytes,
                      "suffixes": sorted([".docx", ".epub", ".htm", ".html", ".md", ".pdf", ".txt", ".xhtml"])}


def test_an_unknown_job_is_a_404(served) -> None:
    client, _ = served
    assert client.get("/v1/jobs/job-0-nothing", headers=AUTH).status_code == 404


def test_a_failed_job_reports_its_error_and_the_old_index_keeps_serving(served, monkeypatch) -> None:
    client, settings = served
    before = version(client)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("index_build.updates.build_index", broken)
    job = finished(client, upload(client, "note.txt", b"The tug Sparrow left at dawn with the mail.\n").json())
    assert job["state"] == "failed" and job["error_status"] == 500 and "OSError" in job["error"]
    assert version(client) == before
    assert sources_files(settings) == []


def publish_elsewhere(settings: Settings) -> None:
    """What `verbatim add` in a shell does: a build with one more document, published beside the server."""
    settings.sources_dir.mkdir()
    (settings.sources_dir / "tug.txt").write_text("The tug Sparrow left at dawn with the mail.\n")
    build_index(settings.corpus_dir, settings.index_dir, FakeEmbedder(), BuildOptions(show_progress=False),
                sources_dir=settings.sources_dir)


def test_a_worker_follows_a_build_published_by_another_process(served) -> None:
    client, settings = served
    holder = client.app.state.holder
    before = holder.current.index.version
    publish_elsewhere(settings)
    assert asyncio.run(holder.follow_published(settings)) is True
    assert holder.current.index.version != before and "tug" in holder.current.index.documents
    assert asyncio.run(holder.follow_published(settings)) is False  # nothing new


def test_a_published_build_that_cannot_load_is_refused_and_the_old_one_serves(served) -> None:
    client, settings = served
    holder = client.app.state.holder
    before = holder.current.index.version
    publish_elsewhere(settings)
    (settings.index_dir.resolve() / store.TEXTS / "tug.txt").write_text("changed")
    assert asyncio.run(holder.follow_published(settings)) is False
    assert holder.current.index.version == before
    assert client.post("/v1/ask", json={"question": "who kept the lighthouse"}).status_code == 200


def test_every_worker_watches_the_published_build_and_swaps_to_it(served) -> None:
    _, settings = served
    watching = settings.model_copy(update={"index_watch_seconds": 0.05})
    embedder = FakeEmbedder()
    resources = assemble(load_index(settings.index_dir, settings.corpus_dir, embedder.fingerprint), embedder, watching)
    with TestClient(create_app(watching, resources)) as worker:  # the lifespan starts its watcher
        before = version(worker)
        publish_elsewhere(settings)
        deadline = time.monotonic() + 10
        while version(worker) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert version(worker) == store.read_manifest(settings.index_dir).build_id != before
        assert worker.get("/v1/documents/tug").status_code == 200


def test_any_worker_answers_for_a_job_another_worker_runs(served) -> None:
    client, settings = served
    embedder = FakeEmbedder()
    resources = assemble(load_index(settings.index_dir, settings.corpus_dir, embedder.fingerprint), embedder, settings)
    with TestClient(create_app(settings, resources)) as other_worker:
        job = upload(client, "note.txt", b"The tug Sparrow left at dawn with the mail.\n").json()
        assert client.app.state.jobs.wait_idle(60)
        seen = other_worker.get(f"/v1/jobs/{job['id']}", headers=AUTH).json()
        assert seen["state"] == "done" and seen["document_id"] == "note" and seen["index_version"]
        assert [j["id"] for j in other_worker.get("/v1/jobs", headers=AUTH).json()] == [job["id"]]
