"""Schemathesis against the app's own OpenAPI schema, in-process (ASGI), on the fixture index.

Every operation gets generated requests; no response may be a 5xx and every response must match
what the schema documents for it (status code, content type, headers, body schema).

The schema is read from an app without resources at import time (parametrisation needs it then;
``schemathesis.pytest.from_fixture`` does not work with this pytest); the requests go to an app
serving the fixture index, passed per call.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from retrieval.index import load_index
from service.core.config import Settings
from service.core.resources import assemble
from service.main import create_app
from tests.fakes import FakeEmbedder

# A schema-valid request may still be refused with 400 for what JSON Schema cannot say (a blank
# question, start < end <= the document's length, the configured limits), 403 without the reload
# token, or 404 for an unknown document id; anything else counts as rejecting valid data.
CONFIG = schemathesis.Config.from_str(
    """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "403", "404"]
"""
)
schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi(), config=CONFIG)


@pytest.fixture(scope="module")
def app(fixture_index):
    corpus, index_dir = fixture_index
    app_settings = Settings(
        corpus_dir=corpus, index_dir=index_dir, cache_dir=index_dir.parent / "cache", reload_token="t0ken"
    )
    embedder = FakeEmbedder()
    resources = assemble(load_index(index_dir, corpus, embedder.fingerprint), embedder, app_settings)
    return create_app(app_settings, resources)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_without_5xx_and_as_its_schema_documents(case, app) -> None:
    response = case.call(app=app)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
    case.validate_response(response, transport_kwargs={"app": app})
