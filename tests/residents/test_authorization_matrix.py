"""The resident side's authorization matrix (issue 15): every resident page and every API
endpoint and every actor of the world (tests/residents/world.py), with the answer each must get.
It fails when a route has no row, and on every answer it checks that nothing leaks: no case
reference the actor may not see, no name of someone outside their own units, none of the
complainant's identity or words, internal notes or staff-only files.

Outcomes: ``ok`` (the actor's own answer: 200, 201 or a redirect to their page), ``404`` (the
same as a record that does not exist), ``login`` (a page redirects to sign-in; the API answers
401), ``403`` (signed in without the staff role an endpoint needs).
"""

import re
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.login_tokens import api_token_create
from campaigns.models import Campaign
from tests.residents.conftest import sign_in
from tests.residents.world import ACTORS, RESIDENTS, SECRET_MARKERS
from tests.violations.drive import counts
from violations.models import Letter, Violation
from violations.services.case_links import case_link_make

STAFF = ("caretaker", "council_member", "recused_council_member", "manager", "other_manager")
SIGNED_IN = tuple(actor for actor in ACTORS if actor != "anonymous")


def everyone(outcome: str, anonymous: str = "login") -> dict[str, str]:
    return {"anonymous": anonymous} | dict.fromkeys(SIGNED_IN, outcome)


def only(ok: tuple[str, ...], others: str = "404") -> dict[str, str]:
    return everyone(others) | dict.fromkeys(ok, "ok")


PARTIES_OF_A = ("respondent_owner", "co_owner")


@dataclass(frozen=True)
class Route:
    """One request to a route: ``path`` built from the world, ``method``, ``data``, and for a
    write, the table counts that must stay as they are when it is refused."""

    path: object
    method: str = "get"
    data: object = None
    api: bool = False
    expect: dict[str, str] = field(default_factory=dict)
    # A staff endpoint: the staff view of what the actor's stratas hold.
    staff: bool = False
    # What any holder of a personal link sees (the case it opens).
    reveals: frozenset[str] = frozenset()


def notice(world) -> Letter:
    return Letter.objects.get(case=world.cases.a, kind="notice")


def a_link(world) -> str:
    return case_link_make(world.cases.a, world.persons.olive)


PAGES = {
    "case_link_enter": Route(lambda w: "/r/", expect=everyone("ok", anonymous="ok")),
    "case_link_open": Route(
        lambda w: f"/r/{a_link(w)}/",
        expect=everyone("ok", anonymous="ok"),
        reveals=frozenset({"VIO-20261101-101"}),
    ),
    "case_link_fresh": Route(
        lambda w: f"/r/{a_link(w)}/fresh/", method="post", expect=everyone("ok", anonymous="ok")
    ),
    "resident_home": Route(lambda w: "/my/", expect=everyone("ok")),
    "resident_units": Route(lambda w: "/my/units/", expect=everyone("ok")),
    "resident_charges": Route(lambda w: "/my/charges/", expect=everyone("ok")),
    "resident_preferences": Route(lambda w: "/my/preferences/", expect=everyone("ok")),
    "resident_case": Route(
        lambda w: f"/my/cases/{w.cases.a.uuid}/", expect=only(PARTIES_OF_A) | {"anonymous": "login"}
    ),
    "resident_case_respond": Route(
        lambda w: f"/my/cases/{w.cases.a.uuid}/respond/",
        expect=only(PARTIES_OF_A) | {"anonymous": "login"},
    ),
    "resident_case_hearing": Route(
        lambda w: f"/my/cases/{w.cases.a.uuid}/hearing/",
        expect=only(PARTIES_OF_A) | {"anonymous": "login"},
    ),
    "resident_letter_pdf": Route(
        lambda w: f"/my/cases/{w.cases.a.uuid}/letters/{notice(w).uuid}/pdf/",
        expect=only(PARTIES_OF_A) | {"anonymous": "login"},
    ),
    "resident_evidence_file": Route(
        lambda w: f"/my/cases/{w.cases.a.uuid}/evidence/{w.evidence.shared.uuid}/",
        expect=only(PARTIES_OF_A) | {"anonymous": "login"},
    ),
    "resident_sign_in": Route(lambda w: "/my/sign-in/", expect=everyone("ok", anonymous="ok")),
    "resident_sign_in_confirm": Route(
        lambda w: "/my/sign-in/ABCD-EFGH-JKMN-PQRS/",
        expect=everyone("404", anonymous="404"),
    ),
    "resident_sign_out": Route(
        lambda w: "/my/sign-out/", method="post", expect=everyone("ok", anonymous="ok")
    ),
    "login": Route(lambda w: "/accounts/login/", expect=everyone("ok", anonymous="ok")),
}


def api(path, method="get", data=None, **kwargs) -> Route:
    return Route(lambda w: "/api/v1/" + path(w), method=method, data=data, api=True, **kwargs)


def own_token(world) -> str:
    token, _raw = api_token_create(
        user=world.users["respondent_owner"], name="Olive's phone", resident_only=True
    )
    return f"auth/tokens/{token.uuid}/"


def case_a(world) -> str:
    return f"cases/{world.cases.a.uuid}/"


def a_campaign(world) -> Campaign:
    """A draft newsletter of Harbour View."""
    campaign = Campaign.objects.create(
        title="Harbour View newsletter", subject="News", body_markdown="Hello."
    )
    campaign.stratas.set([world.strata])
    return campaign


STAFF_ROLES = ("caretaker", "council_member", "recused_council_member", "manager")
STAFF_ALL = (*STAFF_ROLES, "other_manager", "superuser")


def staff_only(ok: tuple[str, ...], others: str = "404") -> dict[str, str]:
    """A staff endpoint: residents are refused (403) whatever they ask for."""
    return (
        {"anonymous": "login"}
        | dict.fromkeys(RESIDENTS, "403")
        | dict.fromkeys(STAFF_ALL, others)
        | dict.fromkeys(ok, "ok")
    )


def party_of_a() -> dict[str, str]:
    return only(PARTIES_OF_A) | {"anonymous": "login"}


API = {
    "api-token-list": api(lambda w: "auth/tokens/", expect=everyone("ok")),
    "api-token-detail": api(
        own_token, method="delete", expect=only(("respondent_owner",)) | {"anonymous": "login"}
    ),
    "api-sign-in-link": api(
        lambda w: "auth/sign-in-link/",
        method="post",
        data={"email": "olive@example.test"},
        expect=everyone("ok", anonymous="ok"),
    ),
    "api-me": api(lambda w: "me/", expect=everyone("ok")),
    "api-preferences": api(
        lambda w: f"me/preferences/{w.persons.olive.uuid}/",
        expect=only(("respondent_owner",)) | {"anonymous": "login"},
    ),
    "api-unit-list": api(lambda w: "units/", expect=everyone("ok")),
    "api-unit-detail": api(
        lambda w: f"units/{w.units.u101.uuid}/",
        expect=only((*PARTIES_OF_A, "recused_council_member")) | {"anonymous": "login"},
    ),
    "api-case-list": api(lambda w: "cases/", expect=everyone("ok")),
    "api-case-detail": api(case_a, expect=party_of_a()),
    "api-letter-list": api(lambda w: case_a(w) + "letters/", expect=party_of_a()),
    "api-letter-pdf": api(
        lambda w: case_a(w) + f"letters/{notice(w).uuid}/pdf/", expect=party_of_a()
    ),
    "api-evidence-list": api(lambda w: case_a(w) + "evidence/", expect=party_of_a()),
    "api-evidence-file": api(
        lambda w: case_a(w) + f"evidence/{w.evidence.shared.uuid}/file/", expect=party_of_a()
    ),
    "api-response-create": api(
        lambda w: case_a(w) + "responses/",
        method="post",
        data={"text": "It will not happen again."},
        expect=party_of_a(),
    ),
    "api-hearing-request-create": api(
        lambda w: case_a(w) + "hearing-requests/",
        method="post",
        data={"reason": "I would like to explain in person."},
        expect=party_of_a(),
    ),
    "api-charge-list": api(lambda w: "charges/", expect=everyone("ok")),
    "api-charge-balance": api(lambda w: "charges/balance/", expect=everyone("ok")),
    # Those shown now in the caller's own stratas (tests/campaigns/test_campaign_api.py).
    "api-announcement-list": api(lambda w: "announcements/", expect=everyone("ok")),
    "api-staff-unit-list": api(lambda w: "staff/units/", expect=staff_only(STAFF_ALL), staff=True),
    "api-staff-person-list": api(
        lambda w: "staff/persons/", expect=staff_only(STAFF_ALL), staff=True
    ),
    "api-staff-bylaw-list": api(
        lambda w: "staff/bylaws/", expect=staff_only(STAFF_ALL), staff=True
    ),
    "api-staff-category-list": api(
        lambda w: "staff/categories/", expect=staff_only(STAFF_ALL), staff=True
    ),
    "api-staff-case-list": api(lambda w: "staff/cases/", expect=staff_only(STAFF_ALL), staff=True),
    "api-staff-case-detail": api(
        lambda w: f"staff/{case_a(w)}",
        expect=staff_only(("caretaker", "council_member", "manager", "superuser")),
        staff=True,
    ),
    "api-staff-complaint-create": api(
        lambda w: "staff/complaints/",
        method="post",
        data=lambda w: {
            "unit": str(w.units.u104.uuid),
            "bylaws": [str(w.cases.a.bylaws.get().uuid)],
            "incident_on": "2026-11-20",
            "description": "Smoke from the balcony.",
            "received_on": "2026-11-21",
            "channel": "phone",
            "complainant_name": "A neighbour",
        },
        expect=staff_only((*STAFF_ROLES, "superuser"), others="400"),
        staff=True,
    ),
    # Campaigns: every staff member may ask (the list is empty without SEND_CAMPAIGNS); one
    # campaign is read by its strata's manager and superusers only.
    "api-staff-campaign-list": api(
        lambda w: "staff/campaigns/", expect=staff_only(STAFF_ALL), staff=True
    ),
    "api-staff-campaign-detail": api(
        lambda w: f"staff/campaigns/{a_campaign(w).uuid}/",
        expect=staff_only(("manager", "superuser")),
        staff=True,
    ),
}

# Requests beyond one per route: the same route with another record.
EXTRA = {
    "resident_evidence_file:staff_only": Route(
        lambda w: f"/my/cases/{w.cases.a.uuid}/evidence/{w.evidence.staff_only.uuid}/",
        expect=everyone("404"),
    ),
    "resident_case:tenant_case": Route(
        lambda w: f"/my/cases/{w.cases.t.uuid}/",
        expect=only(("tenant_respondent", "landlord")) | {"anonymous": "login"},
    ),
    "resident_case_respond:post": Route(
        lambda w: f"/my/cases/{w.cases.a.uuid}/respond/",
        method="post",
        data={"text": "It will not happen again."},
        expect=only(PARTIES_OF_A) | {"anonymous": "login"},
    ),
    "resident_case_hearing:post": Route(
        lambda w: f"/my/cases/{w.cases.a.uuid}/hearing/",
        method="post",
        data={"reason": "I would like to explain in person."},
        expect=only(PARTIES_OF_A) | {"anonymous": "login"},
    ),
    # Olive's newsletters: only Olive may change them; for anyone else it is no record of theirs.
    "resident_preferences:post": Route(
        lambda w: "/my/preferences/",
        method="post",
        data=lambda w: {"person": str(w.persons.olive.uuid), "action": "newsletters"},
        expect=only(("respondent_owner",)) | {"anonymous": "login"},
    ),
    "api-preferences:patch": api(
        lambda w: f"me/preferences/{w.persons.olive.uuid}/",
        method="patch",
        data={"newsletters": False},
        expect=only(("respondent_owner",)) | {"anonymous": "login"},
    ),
    "api-case-detail:tenant_case": api(
        lambda w: f"cases/{w.cases.t.uuid}/",
        expect=only(("tenant_respondent", "landlord")) | {"anonymous": "login"},
    ),
    "api-evidence-file:staff_only": api(
        lambda w: case_a(w) + f"evidence/{w.evidence.staff_only.uuid}/file/",
        expect=everyone("404", anonymous="login"),
    ),
    "api-staff-case-detail:other_strata": api(
        lambda w: f"staff/cases/{w.cases.o.uuid}/",
        expect=staff_only(("other_manager", "superuser")),
        staff=True,
    ),
    "resident_case:other_strata": Route(
        lambda w: f"/my/cases/{w.cases.o.uuid}/",
        expect=only(("other_strata_resident",)) | {"anonymous": "login"},
    ),
}
ROUTES = PAGES | API | EXTRA


def resident_route_names() -> set[str]:
    """Every named route of the resident pages and the API, as the URLconf has them."""
    names: set[str] = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and (route.startswith(("r/", "my/", "api/v1/")) or pattern.name == "login")
            ):
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_resident_route_has_a_row():
    assert resident_route_names() == set(PAGES) | set(API)


def test_every_row_names_every_actor():
    for name, route in ROUTES.items():
        assert set(route.expect) == set(ACTORS), name


# --- what each actor may see ----------------------------------------------------------------

VISIBLE_REFS = {
    "respondent_owner": {"VIO-20261101-101", "VIO-20261101-104"},
    "co_owner": {"VIO-20261101-101"},
    "tenant_respondent": {"VIO-20261101-102"},
    "landlord": {"VIO-20261101-102"},
    "other_strata_resident": {"VIO-20261101-909"},
}
# The people on each resident's own units (their own pages name them, and nobody else).
VISIBLE_NAMES = {
    "respondent_owner": {"Olive Owner", "Cole Coowner", "Rex Recused"},
    "co_owner": {"Olive Owner", "Cole Coowner", "Rex Recused"},
    "recused_council_member": {"Olive Owner", "Cole Coowner", "Rex Recused"},
    "tenant_respondent": {"Terry Tenant", "Larry Landlord"},
    "landlord": {"Terry Tenant", "Larry Landlord"},
    "complainant": set(),
    "unrelated_resident": {"Uma Unrelated"},
    "other_strata_resident": {"Oscar Outsider"},
}
NAMES = {
    "Olive Owner",
    "Cole Coowner",
    "Rex Recused",
    "Terry Tenant",
    "Larry Landlord",
    "Uma Unrelated",
    "Oscar Outsider",
}
# The particulars a notice gives are its case's description: a party reads them in the letter.
NEVER = {key: value for key, value in SECRET_MARKERS.items() if key != "description"}


def body_text(response) -> str:
    if response.get("Content-Type", "").startswith(("application/pdf", "image/")):
        return ""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


# Staff endpoints: the cases of the actor's stratas, less those they are recused from.
HARBOUR_CASES = {"VIO-20261101-101", "VIO-20261101-102", "VIO-20261101-104"}
STAFF_REFS = {
    "caretaker": HARBOUR_CASES,
    "council_member": HARBOUR_CASES,
    "manager": HARBOUR_CASES,
    "recused_council_member": {"VIO-20261101-102"},
    "other_manager": {"VIO-20261101-909"},
    "superuser": HARBOUR_CASES | {"VIO-20261101-909"},
}
STAFF_NAMES = {
    **dict.fromkeys(STAFF_ROLES, NAMES - {"Oscar Outsider"}),
    "other_manager": {"Oscar Outsider"},
    "superuser": NAMES,
}


def assert_nothing_leaks(actor: str, route: Route, response, *, made=frozenset()) -> None:
    """``made``: references of cases the request itself opened (a complaint filed)."""
    text = body_text(response)
    never = dict(NEVER)
    if actor == "complainant" or route.staff:
        never.pop("complainant")  # her own name on her own pages; staff read the register
    for what, marker in never.items():
        assert marker not in text, f"{what} reached {actor}"
    refs = set(re.findall(r"VIO-\d{8}-\d{3}", text)) - route.reveals - made
    names = {name for name in NAMES if name in text}
    if route.staff:
        assert refs <= STAFF_REFS.get(actor, set()), f"{refs} reached {actor}"
        assert names <= STAFF_NAMES.get(actor, set()), f"{names} reached {actor}"
    else:
        assert refs <= VISIBLE_REFS.get(actor, set()), f"{refs} reached {actor}"
        assert names <= VISIBLE_NAMES.get(actor, set()), f"{names} reached {actor}"


def outcome_of(response, *, api: bool) -> str:
    status = response.status_code
    if status in (200, 201, 202, 204):
        return "ok"
    if status == 302:
        location = response["Location"]
        return "login" if "/my/sign-in/" in location and "next=" in location else "ok"
    if status == 401 or (status == 403 and not api):
        return "login" if api else "403"
    return str(status)


def request(client, route: Route, world, path: str):
    data = route.data(world) if callable(route.data) else route.data
    if route.method == "get":
        return client.get(path, data)
    if route.api:
        return getattr(client, route.method)(path, data or {}, content_type="application/json")
    return getattr(client, route.method)(path, data or {})


@pytest.mark.parametrize(
    ("name", "actor"),
    [
        pytest.param(name, actor, id=f"{name}-{actor}")
        for name, route in ROUTES.items()
        for actor in route.expect
    ],
)
def test_each_actor_gets_exactly_its_answer_and_nothing_leaks(client, world, name, actor):
    route = ROUTES[name]
    sign_in(client, world, actor)
    path = route.path(world)
    before = counts()
    known = set(Violation.objects.values_list("reference", flat=True))

    response = request(client, route, world, path)

    expected = route.expect[actor]
    assert outcome_of(response, api=route.api) == expected, (response.status_code, response)
    made = set(Violation.objects.values_list("reference", flat=True)) - known
    assert_nothing_leaks(actor, route, response, made=made)
    if expected != "ok":
        assert counts() == before
