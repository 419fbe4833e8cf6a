"""Session fixtures: the built files (see builders), made once per run."""

from __future__ import annotations

import pytest

from tests.index_build.formats import builders


@pytest.fixture(scope="session")
def pdf_file() -> bytes:
    return builders.pdf_bytes()


@pytest.fixture(scope="session")
def docx_file() -> bytes:
    return builders.docx_bytes()


@pytest.fixture(scope="session")
def epub_file() -> bytes:
    return builders.epub_bytes()
