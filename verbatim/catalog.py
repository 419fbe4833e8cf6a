"""The corpus catalog: stable short ids, titles and kinds for the documents of a corpus folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from verbatim.errors import BadInputError

CATALOG_FILE = "catalog.json"
TEXT_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    file: str
    title: str | None = None
    author: str | None = None
    kind: str | None = None


def load_catalog(corpus_dir: Path) -> dict[str, CatalogEntry]:
    """Catalog entries keyed by file name; an absent catalog is an empty one."""
    path = corpus_dir / CATALOG_FILE
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        entries = [CatalogEntry(**item) for item in raw["documents"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"{path}: not a valid catalog ({exc})") from exc
    return {entry.file: entry for entry in entries}


def document_id_for(file_name: str) -> str:
    """Id of a document with no catalog entry: its file name without the suffix."""
    return Path(file_name).stem
