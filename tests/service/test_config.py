from __future__ import annotations

from service.core.config import Settings, settings_table
from tests.conftest import ROOT


def test_readme_settings_table_is_the_one_generated_from_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme


def test_settings_table_has_one_row_per_setting_with_its_default() -> None:
    rows = settings_table().splitlines()[2:]
    assert len(rows) == len(Settings.model_fields)
    assert "| `VERBATIM_DENSE_WEIGHT` | `1.0` |" in settings_table()
    assert "| `VERBATIM_BM25_WEIGHT` | `2.0` |" in settings_table()
