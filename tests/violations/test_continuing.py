"""A continuing contravention (SPA s.135(3)): "$50 every 7 days until compliance".

Council upholds it on Wednesday November 25, 2026 (T0) and charges the first fine that day;
the next falls due on December 2, then every 7 days after the latest due date.
"""

import datetime as dt
import types
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communications.models import OutboundEmail
from tests.properties.factories import UnitFactory
from tests.violations.drive import (
    FAST_HASHERS,
    T0,
    Driver,
    counts,
    decision_kwargs,
    delta,
    snapshot,
)
from tests.violations.factories import EvidenceFactory, ViolationFactory
from violations import services
from violations.domain.workflow import TransitionRefused
from violations.models import Charge, Decision, FineProposal, LetterKind, ViolationEvent
from violations.services.continuing import (
    continuing_fines_propose,
    fine_proposal_confirm,
    fine_proposal_dismiss,
)
from violations.tasks import propose_continuing_fines_task

pytestmark = pytest.mark.django_db

VANCOUVER = zoneinfo.ZoneInfo("America/Vancouver")
DUE = dt.date(2026, 12, 2)


def day(n: int) -> dt.datetime:
    """10:00 in Vancouver, ``n`` days after T0."""
    return T0 + dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def w(
    case,
    owner_for_notices,
    manager,
    council_member,
    second_council_member,
    caretaker,
    recused_council_member,
):
    """The case decided today: upheld, $50 every 7 days, Olive (email for notices) liable."""
    council = [council_member, second_council_member]
    driver = Driver(actor=manager, council=council)
    driver.to(case, "responded")
    response = case.responses.get()
    response.declines_hearing = True
    response.save()
    decision = services.violation_record_decision(
        case=case,
        actor=manager,
        **decision_kwargs(
            case,
            council,
            outcome="upheld_continuing",
            fine_amount=Decimal("50"),
            continuing_every_days=7,
        ),
    )
    return types.SimpleNamespace(
        case=case,
        decision=decision,
        owner=owner_for_notices,
        manager=manager,
        council_member=council_member,
        caretaker=caretaker,
        recused=recused_council_member,
    )


def propose_on(n: int) -> int:
    with time_machine.travel(day(n), tick=False):
        return continuing_fines_propose()


def observation(**extra) -> dict:
    return {
        "observed_by": "Carl the caretaker",
        "observed_at": dt.datetime(2026, 12, 2, 9, 30, tzinfo=VANCOUVER),
        "observation": "Music still loud from the balcony of 101.",
        **extra,
    }


def test_the_decision_charges_the_first_fine_of_the_series(w):
    charge = Charge.objects.get()
    assert (charge.amount, charge.charged_on, charge.proposal) == (
        Decimal("50.00"),
        dt.date(2026, 11, 25),
        None,
    )
    assert charge.letter.kind == LetterKind.FINE_NOTICE


def test_no_proposal_before_the_interval(w):
    assert propose_on(6) == 0
    assert not FineProposal.objects.exists()


def test_exactly_one_proposal_at_the_interval_even_if_the_job_runs_twice(w):
    before = counts()
    assert propose_on(7) == 1
    assert propose_on(7) == 0
    assert propose_on(8) == 0  # the open proposal waits for staff: never two at once
    proposal = FineProposal.objects.get()
    assert (proposal.case, proposal.decision, proposal.due_on, proposal.status) == (
        w.case,
        w.decision,
        DUE,
        "proposed",
    )
    assert delta(before, counts()) == {"events": 1, "audit": 1}
    event = ViolationEvent.objects.latest("id")
    assert (event.kind, event.actor, event.data["due_on"]) == (
        "continuing_fine_proposed",
        None,
        "2026-12-02",
    )


def test_the_task_and_the_command_propose_once(w):
    with time_machine.travel(day(7), tick=False):
        assert propose_continuing_fines_task() == 1
        call_command("propose_continuing_fines")
        call_command("propose_continuing_fines", "--date", "2026-12-02")
    assert FineProposal.objects.get().due_on == DUE


def test_the_command_refuses_a_day_that_has_not_begun(w):
    with pytest.raises(CommandError, match="has not begun anywhere yet"):
        call_command("propose_continuing_fines", "--date", "2026-11-27")
    assert not FineProposal.objects.exists()


def test_the_command_refuses_a_bad_date(w):
    with pytest.raises(CommandError, match="is not a date: give it as YYYY-MM-DD"):
        call_command("propose_continuing_fines", "--date", "2026-13-01")


def test_a_confirmed_fine_needs_an_observation(w):
    propose_on(7)
    proposal = FineProposal.objects.get()
    with time_machine.travel(day(7), tick=False):
        before = counts()
        with pytest.raises(TransitionRefused) as refused:
            fine_proposal_confirm(
                proposal=proposal,
                actor=w.manager,
                observed_by=" ",
                observed_at=None,
                observation="",
            )
        assert refused.value.message_dict == {
            "observed_by": ["Name who saw the contravention continue."],
            "observation": ["Say what was seen."],
            "observed_at": ["Give when it was seen."],
        }
        for moment, message in (
            (
                dt.datetime(2026, 12, 1, 23, 0, tzinfo=VANCOUVER),
                "The observation cannot be dated 1 Dec 2026, before the fine fell due on "
                "2 Dec 2026: only a sighting on or after that day shows the contravention "
                "continued into this interval.",
            ),
            (
                day(7) + dt.timedelta(minutes=1),
                "The observation cannot be dated 2 Dec 2026 at 10:01 a.m.: that is later than now.",
            ),
        ):
            with pytest.raises(TransitionRefused) as refused:
                fine_proposal_confirm(
                    proposal=proposal, actor=w.manager, **observation(observed_at=moment)
                )
            assert refused.value.message_dict == {"observed_at": [message]}
        assert counts() == before
    proposal.refresh_from_db()
    assert (proposal.status, proposal.observed_by) == ("proposed", "")


def test_confirming_charges_once_and_serves_one_fine_notice(w):
    propose_on(7)
    proposal = FineProposal.objects.get()
    photo = EvidenceFactory(case=w.case, original_name="balcony.jpg")
    with time_machine.travel(day(7), tick=False):
        before = counts()
        charge = fine_proposal_confirm(
            proposal=proposal, actor=w.council_member, evidence=[photo], **observation()
        )
        assert delta(before, counts()) == {
            "charges": 1,
            "letters": 1,
            "services": 1,
            "emails": 1,
            "events": 1,
            "audit": 1,
        }
        again = counts()
        with pytest.raises(TransitionRefused) as refused:
            fine_proposal_confirm(proposal=proposal, actor=w.manager, **observation())
        assert refused.value.messages == ["The fine due on 2026-12-02 is already confirmed."]
        assert counts() == again
    first = Charge.objects.order_by("id").first()
    assert (
        charge.proposal,
        charge.decision,
        charge.amount,
        charge.bylaw,
        charge.liable_person,
        charge.charged_on,
        charge.created_by,
    ) == (
        proposal,
        w.decision,
        Decimal("50.00"),
        first.bylaw,
        w.owner,
        DUE,
        w.council_member,
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, list(proposal.evidence.all())) == (
        "confirmed",
        w.council_member,
        [photo],
    )
    assert (
        "seen continuing on December 2, 2026 at 9:30 a.m.: Music still loud from the balcony"
        in charge.letter.html
    )
    assert "Carl" not in charge.letter.html  # the witness may be the complainant
    email = OutboundEmail.objects.get(dedup_key__contains=f"fine_notice:{charge.uuid}")
    assert (email.to_address, email.kind) == ("olive.notices@example.test", "notice")


def test_a_dismissed_proposal_leads_to_the_next_one_an_interval_later(w):
    propose_on(7)
    with time_machine.travel(day(7), tick=False):
        with pytest.raises(TransitionRefused) as refused:
            fine_proposal_dismiss(proposal=FineProposal.objects.get(), actor=w.manager, reason="")
        assert refused.value.message_dict == {
            "reason": ["Give the reason for not charging this fine."]
        }
        fine_proposal_dismiss(
            proposal=FineProposal.objects.get(), actor=w.manager, reason="Nobody heard it."
        )
    assert propose_on(13) == 0
    assert propose_on(14) == 1
    assert list(FineProposal.objects.values_list("due_on", "status")) == [
        (DUE, "dismissed"),
        (dt.date(2026, 12, 9), "proposed"),
    ]
    assert not Charge.objects.filter(proposal__isnull=False).exists()


def test_compliance_stops_the_series_and_closes_the_case(w):
    propose_on(7)
    with time_machine.travel(day(8), tick=False):
        services.violation_close(case=w.case, actor=w.manager, compliance_on=DUE)
    w.case.refresh_from_db()
    assert (w.case.status, w.case.compliance_on) == ("closed", DUE)
    assert FineProposal.objects.get().status == "stopped"
    assert propose_on(30) == 0
    assert FineProposal.objects.count() == 1
    with time_machine.travel(day(30), tick=False), pytest.raises(TransitionRefused) as refused:
        fine_proposal_confirm(proposal=FineProposal.objects.get(), actor=w.manager, **observation())
    assert refused.value.messages == [
        "The fine due on 2026-12-02 is already stopped by compliance."
    ]


def test_compliance_cannot_predate_a_sighting_that_was_charged(w):
    propose_on(7)
    with time_machine.travel(day(7), tick=False):
        fine_proposal_confirm(proposal=FineProposal.objects.get(), actor=w.manager, **observation())
    with time_machine.travel(day(8), tick=False):
        before = snapshot(w.case)
        with pytest.raises(TransitionRefused) as refused:
            services.violation_close(
                case=w.case, actor=w.manager, compliance_on=dt.date(2026, 12, 1)
            )
        assert refused.value.message_dict == {
            "compliance_on": [
                "Compliance cannot be dated 1 Dec 2026, before the contravention was seen "
                "continuing on 2 Dec 2026 and charged (waive that fine first if it was wrong)."
            ]
        }
        assert snapshot(w.case) == before
        services.violation_close(case=w.case, actor=w.manager, compliance_on=DUE)
    w.case.refresh_from_db()
    assert (w.case.status, w.case.compliance_on) == ("closed", DUE)


def test_a_paid_fine_does_not_close_a_continuing_case(w):
    with pytest.raises(TransitionRefused) as refused:
        services.violation_close(case=w.case, actor=w.manager)
    assert "record the compliance date (a paid fine is not compliance)" in refused.value.messages[0]


@pytest.mark.parametrize(("who", "code"), [("caretaker", "role"), ("recused", "recused")])
def test_a_caretaker_or_a_recused_member_cannot_confirm_or_dismiss(w, who, code):
    propose_on(7)
    proposal = FineProposal.objects.get()
    actor = getattr(w, who)
    with time_machine.travel(day(7), tick=False):
        before = counts()
        for call in (
            lambda: fine_proposal_confirm(proposal=proposal, actor=actor, **observation()),
            lambda: fine_proposal_dismiss(proposal=proposal, actor=actor, reason="No."),
        ):
            with pytest.raises(TransitionRefused) as refused:
                call()
            assert refused.value.code == code
        assert counts() == before
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


# --- the admin -------------------------------------------------------------------------------


def test_staff_confirm_a_fine_in_the_admin_and_see_the_series_on_the_case(client, w):
    propose_on(7)
    proposal = FineProposal.objects.get()
    client.force_login(w.council_member)
    url = reverse("admin:violations_fineproposal_confirm", args=[proposal.pk])
    with time_machine.travel(day(7), tick=False):
        listed = client.get(reverse("admin:violations_fineproposal_changelist"))
        assert [p.pk for p in listed.context["cl"].result_list] == [proposal.pk]
        assert url in listed.text

        refused = client.post(url, {"observed_by": "Carl", "observation": ""})
        assert refused.status_code == 200
        assert refused.context["form"].errors == {
            "observed_at": ["This field is required."],
            "observation": ["This field is required."],
        }
        early = client.post(
            url,
            {
                "observed_by": "Carl",
                "observed_at_0": "2026-12-01",
                "observed_at_1": "23:00",
                "observation": "Music.",
            },
        )
        assert early.context["form"].errors["observed_at"] == [
            "The observation cannot be dated 1 Dec 2026, before the fine fell due on "
            "2 Dec 2026: only a sighting on or after that day shows the contravention "
            "continued into this interval."
        ]
        assert not Charge.objects.filter(proposal__isnull=False).exists()

        done = client.post(
            url,
            {
                "observed_by": "Carl",
                "observed_at_0": "2026-12-02",
                "observed_at_1": "09:30",
                "observation": "Music still loud.",
            },
        )
        assert done.status_code == 302
        charge = Charge.objects.get(proposal=proposal)
        assert charge.proposal.observed_at == dt.datetime(2026, 12, 2, 9, 30, tzinfo=VANCOUVER)

        page = client.get(reverse("admin:violations_violation_change", args=[w.case.pk]))
    assert page.context["series"].next_due_on == dt.date(2026, 12, 9)
    assert [p.status for p in page.context["series"].proposals] == ["confirmed"]
    notice_url = reverse("admin:violations_violation_letter", args=[w.case.pk, charge.letter.uuid])
    assert [c.notice_url for c in page.context["charges"]][-1] == notice_url
    assert "Next fine due on 2026-12-09." in page.text


def test_staff_dismiss_a_fine_in_the_admin_with_a_reason(client, w):
    propose_on(7)
    proposal = FineProposal.objects.get()
    client.force_login(w.manager)
    url = reverse("admin:violations_fineproposal_dismiss", args=[proposal.pk])
    with time_machine.travel(day(7), tick=False):
        assert client.post(url, {"reason": " "}).context["form"].errors == {
            "reason": ["This field is required."]
        }
        assert client.post(url, {"reason": "Quiet on inspection."}).status_code == 302
        again = client.get(url)
    assert again.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.dismissed_reason) == ("dismissed", "Quiet on inspection.")
    changelist = reverse("admin:violations_fineproposal_changelist")
    assert list(client.get(changelist).context["cl"].result_list) == []  # open ones by default
    everything = client.get(changelist, {"status": "all"}).context["cl"].result_list
    assert list(everything) == [proposal]


def test_a_recused_member_does_not_see_the_proposal(client, w):
    propose_on(7)
    proposal = FineProposal.objects.get()
    client.force_login(w.recused)
    listed = client.get(reverse("admin:violations_fineproposal_changelist"))
    assert list(listed.context["cl"].result_list) == []
    confirm = client.get(reverse("admin:violations_fineproposal_confirm", args=[proposal.pk]))
    assert confirm.status_code == 404


def test_a_remedy_cost_is_recorded_from_the_case_page(client, w):
    client.force_login(w.manager)
    case_url = reverse("admin:violations_violation_change", args=[w.case.pk])
    url = reverse("admin:violations_violation_remedy_cost", args=[w.case.pk])
    assert f'href="{url}"' in client.get(case_url).text
    refused = client.post(url, {"amount": "20.00", "charged_on": "2026-11-25", "description": ""})
    assert refused.context["form"].errors == {"description": ["This field is required."]}

    done = client.post(
        url, {"amount": "20.00", "charged_on": "2026-11-25", "description": "Broken planter"}
    )

    assert done.status_code == 302
    charge = Charge.objects.get(kind="remedy_cost")
    assert (charge.amount, charge.description) == (Decimal("20.00"), "Broken planter")


def test_a_caretaker_cannot_open_the_remedy_cost_page(client, w):
    client.force_login(w.caretaker)
    url = reverse("admin:violations_violation_remedy_cost", args=[w.case.pk])
    assert client.get(url).status_code == 403


def add_proposals(strata, recorded_by, count: int) -> None:
    """``count`` decided continuing cases of ``strata``, each with an open proposal (built
    directly: these rows only fill the list)."""
    for _ in range(count):
        case = ViolationFactory(unit=UnitFactory(strata=strata), status="decided_upheld")
        decision = Decision.objects.create(
            case=case,
            meeting_on=dt.date(2026, 11, 18),
            motion="Fine every 7 days.",
            votes_for=2,
            votes_against=0,
            outcome="upheld_continuing",
            reasons="It went on.",
            fine_amount=Decimal("50"),
            continuing_every_days=7,
            recorded_by=recorded_by,
        )
        FineProposal.objects.create(case=case, decision=decision, due_on=dt.date(2026, 11, 25))


def test_proposals_changelist_queries_do_not_grow_with_proposals(
    client, strata, manager, django_assert_num_queries
):
    add_proposals(strata, manager, 10)
    client.force_login(manager)
    url = reverse("admin:violations_fineproposal_changelist")
    client.get(url)  # warm process-wide caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 10
    add_proposals(strata, manager, 190)

    with django_assert_num_queries(len(queries)):
        response = client.get(url)

    assert len(response.context["cl"].result_list) == 100


def test_the_dashboard_counts_the_continuing_fines_to_confirm(client, w):
    client.force_login(w.manager)
    before = client.get(reverse("admin:index")).context["case_counts"]
    propose_on(7)

    after = client.get(reverse("admin:index"))

    assert [row["fines_to_confirm"] for row in before] == [0]
    assert [row["fines_to_confirm"] for row in after.context["case_counts"]] == [1]
    proposals = reverse("admin:violations_fineproposal_changelist")
    link = f'<a href="{proposals}?strata={w.case.strata_id}">1</a>'
    assert f'<td class="fines-to-confirm">{link}</td>' in after.text
