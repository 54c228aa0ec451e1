"""schemathesis against the API's own schema, in-process (the WSGI application, no network):
every operation, as a resident with a bearer token and as a staff manager, with the schema's
examples and generated inputs, valid and invalid, on random and on real uuids. No answer is a
server error, and every answer is documented: its status code, content type and body.

schemathesis' pytest plugin does not run under pytest 9 (it sets ``Function._nodeid``), so
each operation's strategies are run with Hypothesis directly, as schemathesis documents for
tests of its own (``APIOperation.as_strategy`` under ``@given``)."""

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.login_tokens import api_token_create
from stratatracker.api import urlpatterns as api_urls
from violations.selectors.resident import resident_letters

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _no_throttles(monkeypatch):
    """A 429 is documented, but would hide what the operation answers."""
    for scope in list(SimpleRateThrottle.THROTTLE_RATES):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "1000000/min")
    cache.clear()
    yield
    cache.clear()


def api_operation_count() -> int:
    """Operations routed under /api/v1/: one per HTTP method of each view."""
    methods = {"get", "post", "patch", "put", "delete"}
    return sum(
        len(methods & set(dir(route.callback.view_class)))
        for include in api_urls
        if hasattr(include, "url_patterns")
        for route in include.url_patterns
        if hasattr(route.callback, "view_class")
    )


def failures_of(operation, strategy, call) -> list[str]:
    """Run ``call`` on the cases ``strategy`` draws; what failed, by operation."""

    @EXAMPLES
    @given(case=strategy)
    def run(case):
        call(case)

    try:
        run()
    except BaseExceptionGroup as error:  # schemathesis' failures, each reported by operation
        return [f"{operation.label}: {error}"]
    return []


@pytest.fixture(autouse=True)
def _connection_kept_across_requests():
    """The calls go through the WSGI application, whose request signals would close the
    database connection (``close_old_connections``) and with it the test's transaction on
    PostgreSQL: Django's own test client disconnects them the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    ("actor", "resident_only"), [("respondent_owner", True), ("manager", False)]
)
def test_every_operation_answers_as_documented(world, actor, resident_only):
    _token, raw = api_token_create(user=world.users[actor], name="", resident_only=resident_only)
    headers = {"Authorization": f"Bearer {raw}"}
    case_a = world.cases.a
    real = {
        "case_uuid": str(case_a.uuid),
        "letter_uuid": str(resident_letters(case_a, world.users["respondent_owner"]).get().uuid),
        "evidence_uuid": str(world.evidence.shared.uuid),
        "person_uuid": str(world.persons.olive.uuid),
        "unit_uuid": str(world.units.u101.uuid),
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    # An answer before the hearing request, which would close the case to answers.
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: operation.path.endswith("/hearing-requests/"),
    )

    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS)
        known = {name: real[name] for name in case.path_parameters or {} if name in real}
        if known:
            case.path_parameters = {**case.path_parameters, **known}
            case.call_and_validate(headers=headers, checks=CHECKS)

    failures = []
    for operation in operations:
        generated = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
        failures += failures_of(operation, generated, call)
        if examples := operation.get_strategies_from_examples():
            failures += failures_of(operation, st.one_of(examples), call)

    assert len(operations) == api_operation_count()
    assert not failures, "\n\n".join(failures)
