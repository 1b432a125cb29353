"""A bounded property-based run of schemathesis against the API, driven by its own document.

Generated files are random bytes, so most requests end in a documented 4xx; the run checks that
no input gives a 500 and that statuses, content types, headers and bodies match the document.
Optional: skipped when schemathesis is not installed.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from pixelforge.wsgi import application  # noqa: E402
from tests.api_support import configure_api  # noqa: E402

# Django's request_started handler checks open database connections: allow database access.
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly runs close_old_connections around each request, which
    would close the test's own connection (SQLite in a file, PostgreSQL) mid-transaction.
    Django's test client disconnects it the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE])


@schema.parametrize()
@hypothesis.settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
    derandomize=True,
    database=None,
)
def test_the_api_conforms_to_its_document(case, settings):
    configure_api(settings)
    if isinstance(case.body, dict):
        for name in ("image_file", "bg_image_file"):
            # Werkzeug's test client, which schemathesis uses for WSGI, writes an empty file
            # part without the CRLF before the next boundary, so no parser sees the file.
            # Empty files over real HTTP are covered in test_api_errors (415).
            if case.body.get(name) in (b"", ""):
                case.body[name] = b"\0"
    # Valid values can still be refused with a documented 400: two backgrounds at once, or a
    # margin over its range (rules across fields or ranges a pattern cannot state).
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
