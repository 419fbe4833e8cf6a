"""Adding one 300-page PDF to the default index, against a full rebuild; one run.

``python -m bench.add_document [--pages 300]``: writes a PDF of ``--pages`` pages of seeded random
prose (words of the default corpus shuffled, so no text of it is in the embedding cache), then

1. builds the default corpus's index into a temporary folder with a copy of the warm embedding
   cache (what a running installation has), and loads it as the server does;
2. adds the PDF as ``verbatim add`` and an upload do (``index_build.updates.change_library``), timing
   each step (reading, embedding only the new texts, BM25 and FAISS, publishing) and then the
   swap (loading the new version);
3. rebuilds everything from scratch with an empty cache (what adding a file meant before: copy it
   into the corpus and run ``verbatim index``).

Results go to bench/results/add_document.json and .md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from embeddings.backends import load_embedder
from index_build.build import BuildOptions, build_index
from index_build.formats import extract
from index_build.updates import change_library
from retrieval.index import load_index
from service.core.config import PROJECT_ROOT, get_settings
from service.core.resources import assemble

RESULTS = PROJECT_ROOT / "bench" / "results"


def synthetic_pdf(pages: int, seed: int = 7) -> bytes:
    from fpdf import FPDF

    words = re.findall(r"[A-Za-z]{3,}", (PROJECT_ROOT / "corpus" / "003_ca611322b0c4a017.txt").read_text())
    rng = random.Random(seed)
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for page in range(1, pages + 1):
        pdf.add_page()
        if page % 20 == 1:
            pdf.start_section(f"Chapter {page // 20 + 1}")
        sentences = []
        for _ in range(22):  # about 2,400 characters a page, a dense printed page
            sentence = " ".join(rng.choice(words).lower() for _ in range(rng.randint(8, 18)))
            sentences.append(sentence.capitalize() + ".")
        pdf.multi_cell(w=0, h=5, text=" ".join(sentences))
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    settings = get_settings()
    embedder = load_embedder(settings.model_path, settings.embedding_backend, settings.cache_dir,
                             batch_size=settings.embed_batch_size, threads=settings.threads)
    data = synthetic_pdf(args.pages)
    began = time.perf_counter()
    extracted = extract(data, "report.pdf")
    extract_seconds = time.perf_counter() - began
    quiet = BuildOptions(show_progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cache = root / "cache"
        shutil.copytree(settings.cache_dir, cache, ignore=shutil.ignore_patterns("onnx"))
        index_dir, sources = root / "index", root / "sources"
        base = build_index(PROJECT_ROOT / "corpus", index_dir, embedder, quiet, cache_dir=cache)
        served = load_index(index_dir, PROJECT_ROOT / "corpus", embedder.fingerprint)

        steps: dict[str, float] = {}
        last = [time.perf_counter(), None]

        def progress(step: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if step != last[1]:
                if last[1] is not None:
                    steps[last[1]] = steps.get(last[1], 0.0) + now - last[0]
                last[0], last[1] = now, step

        began = time.perf_counter()
        summary = change_library(index_dir, PROJECT_ROOT / "corpus", sources, embedder, cache_dir=cache,
                                 add=[(data, "report.pdf")], on_progress=progress)
        add_seconds = time.perf_counter() - began
        steps[last[1]] = steps.get(last[1], 0.0) + time.perf_counter() - last[0]
        began = time.perf_counter()
        fresh = load_index(index_dir, PROJECT_ROOT / "corpus", embedder.fingerprint)
        assemble(fresh, embedder, settings)  # what a worker's swap does: retriever, quotation index warmed
        swap_seconds = time.perf_counter() - began
        assert "report" in fresh.documents and len(fresh.passages) > len(served.passages)
        order = list(fresh.documents).index("report")
        new_texts = sum(p.doc_id == "report" for p in fresh.passages) + int((fresh.sentences[:, 0] == order).sum())

        began = time.perf_counter()
        rebuilt = build_index(PROJECT_ROOT / "corpus", root / "rebuilt", embedder, quiet, cache_dir=root / "cold",
                              sources_dir=sources)
        rebuild_seconds = time.perf_counter() - began
        same = (root / "rebuilt").resolve().joinpath("passages.jsonl").read_bytes() == \
            index_dir.resolve().joinpath("passages.jsonl").read_bytes()

    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "backend": type(embedder).__name__,
        "pdf": {"pages": len(extracted.pages), "bytes": len(data), "characters": len(extracted.text),
                "extract_seconds": round(extract_seconds, 2)},
        "default_index": {"passages": base.passages, "documents": base.documents},
        "add": {"seconds": round(add_seconds, 1), "embedded_new": summary.build.embedded_new,
                "embedded_cached": summary.build.embedded_cached, "passages_after": summary.build.passages,
                "steps_seconds": {k: round(v, 1) for k, v in steps.items()},
                "swap_seconds": round(swap_seconds, 1)},
        "full_rebuild": {"seconds": round(rebuild_seconds, 1), "embedded_new": rebuilt.embedded_new},
        "same_passages_as_rebuild": same,
        # texts of the default corpus embedded again (0: an added document never changes another's text)
        "default_corpus_texts_reembedded": summary.build.embedded_new - new_texts,
        "speedup": round(rebuild_seconds / (add_seconds + swap_seconds), 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "add_document.json").write_text(json.dumps(result, indent=1) + "\n")
    a, r = result["add"], result["full_rebuild"]
    md = [
        f"# Adding one {result['pdf']['pages']}-page PDF to the default index ({result['date']}, {result['machine']})",
        "",
        f"PDF: {result['pdf']['bytes']:,} bytes, {result['pdf']['characters']:,} characters; extraction (pypdf) "
        f"{result['pdf']['extract_seconds']} s. Default index: {base.documents} documents, {base.passages} passages.",
        "",
        "| | seconds | texts embedded |",
        "|---|---|---|",
        f"| `verbatim add` / upload: new version published | {a['seconds']} | {a['embedded_new']:,} (cache: {a['embedded_cached']:,}) |",
        f"| then the server's swap (load the new version) | {a['swap_seconds']} | |",
        f"| full rebuild, empty cache | {r['seconds']} | {r['embedded_new']:,} |",
        "",
        f"Add + swap is {result['speedup']}x faster than the rebuild. Steps of the add: "
        + ", ".join(f"{k} {v} s" for k, v in a["steps_seconds"].items()) + ". "
        f"Same passages as the rebuild: {same}. Texts of the default corpus embedded again: "
        f"{result['default_corpus_texts_reembedded']}. Peak RSS {result['peak_rss_mib']} MiB.",
        "",
        "Produced by `python -m bench.add_document`.",
    ]
    (RESULTS / "add_document.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
