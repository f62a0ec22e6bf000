"""The API as a client gets it: gunicorn on 127.0.0.1, fuzzed by Schemathesis from its own
OpenAPI document (/api/openapi.json) with a coordinator's read-write token.

Every operation gets a bounded number of generated requests (derandomized, so a run is
reproducible); every response must be free of 5xx and match the document (status code, content
type, body schema). Runs on SQLite and PostgreSQL alike (the suite's database).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.served.conftest import ALL_TABLES, seed_world
from tests.serving import ServedApp

pytestmark = [pytest.mark.keep_tables(*ALL_TABLES), pytest.mark.xdist_group("served_api")]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_server(app, database_url, tmp_path_factory):
    """A seeded coalition, a write token, and gunicorn with a rate limit high enough for the
    fuzzer (the limit itself is tested in tests/api/test_api.py)."""
    from crm.api.tokens import create_token
    from crm.clock import utcnow
    from crm.extensions import db
    from crm.models import User
    from tests.conftest import empty_tables

    with app.app_context():
        seed_world()
        coordinator = db.session.scalar(db.select(User).where(User.email == "coord@example.org"))
        _, secret = create_token(coordinator, "fuzz", ["read", "write"], 7, utcnow())
        db.session.remove()
    server = ServedApp(
        database_url, tmp_path_factory.mktemp("served_api"), CRM_API_RATE_LIMIT="100000/minute"
    )
    server.start()
    yield server, secret
    server.stop()
    with app.app_context():
        empty_tables(db)


def openapi_document() -> dict:
    """The document as the app serves it (built in process: the same code gunicorn runs)."""
    from crm import create_app

    return create_app("testing").test_client().get("/api/openapi.json").get_json()


SCHEMA = schemathesis.openapi.from_dict(openapi_document())
OPERATIONS = {op.ok().label: op.ok() for op in SCHEMA.get_all_operations()}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_answers_by_its_document(label, api_server):
    server, secret = api_server
    operation = OPERATIONS[label]
    headers = {"Authorization": f"Bearer {secret}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def answers(case):
        # PATCH needs If-Match: a generated one is stale (412), none is 428; both documented.
        response = case.call_and_validate(
            base_url=server.url(""), headers=headers, checks=CHECKS, timeout=30
        )
        statuses.append(response.status_code)

    statuses: list[int] = []
    answers()
    # Not vacuous: the operation was called many times, and reads got through to data.
    assert len(statuses) >= 10, statuses
    if operation.method.upper() == "GET" and "{" not in operation.path:
        assert 200 in statuses, sorted(set(statuses))
    assert not [s for s in statuses if s >= 500]
