"""What each letter cites of the Strata Property Act and Regulation, and how the letters that
charge money say how and where to pay (issue 13 item 7).

Every letter is issued through the services, as the parties get it, and its text is read back:
``citations`` lists every "section N" it names, in order, so a wrong or a new citation fails.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine

from tests.properties.factories import PersonFactory
from tests.violations.drive import FAST_HASHERS, T0, Driver, decision_kwargs
from violations import services
from violations.models import Charge, Letter, LetterKind
from violations.selectors import letters
from violations.services.charging import remedy_cost_charge

pytestmark = pytest.mark.django_db

PAYMENT = (
    "How to pay: make your cheque payable to “The Owners, Strata Plan BCS1234” and mail or "
    "deliver it to c/o Manager, PO Box 1, Vancouver BC V6B 1A1, writing reference "
    "VIO-20261101-001 and strata lot 1 on it. To pay another way, or with a question about "
    "what you owe, write to council@example.test."
)
DECISION_IN_WRITING = (
    "This is council's decision in writing on the complaint (Strata Property Act, section 135(2))."
)
CONTINUING = (
    "While the contravention continues, council may impose this fine again every 7 days "
    "without giving a new notice (Strata Property Act, section 135(3); Strata Property "
    "Regulation, section 7.1(2))."
)
NOT_A_LIEN = (
    "A fine is not a lien on the strata lot (Strata Property Act, section 116). Paying it does "
    "not end the contravention; only stopping it does."
)


@pytest.fixture(autouse=True)
def _clock_and_hashers(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def driver(manager, council_member, second_council_member):
    return Driver(actor=manager, council=[council_member, second_council_member])


def text_of(letter: Letter) -> str:
    return " ".join(letters.html_to_text(letter.html).split())


def citations(text: str) -> list[str]:
    return re.findall(r"sections? \d+(?:\.\d+)?(?:\([0-9a-z.]+\))*", text)


def decided(case, driver, **extra) -> Letter:
    """Olive answers declining a hearing and council decides today."""
    driver.to(case, "notice_sent")
    for party in case.parties.filter(role="respondent", required=True):
        services.violation_record_response(
            case=case,
            actor=driver.actor,
            party=party,
            text="No hearing, thank you.",
            channel="letter",
            received_at=T0,
            declines_hearing=True,
        )
    decision = services.violation_record_decision(
        case=case, actor=driver.actor, **decision_kwargs(case, driver.council, **extra)
    )
    return decision.letter


FINE = {"outcome": "upheld_fine", "fine_amount": Decimal("50")}
SERIES = {"outcome": "upheld_continuing", "fine_amount": Decimal("50"), "continuing_every_days": 7}


def notice(case, driver):
    driver.to(case, "notice_sent")
    return case.letters.get(kind=LetterKind.NOTICE)


def warning(case, driver):
    driver.to(case, "warned")
    return case.letters.get(kind=LetterKind.WARNING)


def hearing_notice(case, driver):
    driver.to(case, "hearing_scheduled")
    return case.letters.get(kind=LetterKind.HEARING_NOTICE)


def acknowledgement(case, driver):
    reported = services.violation_report(
        actor=driver.actor,
        unit=case.unit,
        bylaws=list(case.bylaws.all()),
        incident_on=dt.date(2026, 11, 1),
        description="Loud music until 2 a.m.",
        complaint={
            "channel": "phone",
            "received_on": dt.date(2026, 11, 2),
            "complainant": PersonFactory(strata=case.strata, full_name="Nina Neighbour"),
        },
    )
    return reported.letters.get(kind=LetterKind.COMPLAINANT_ACKNOWLEDGEMENT)


def fine_notice_of(case, driver, terms) -> Letter:
    decided(case, driver, **terms)
    return Charge.objects.get(case=case).letter


def remedy_cost_notice(case, driver):
    decided(case, driver, outcome="upheld_warning")
    charge = remedy_cost_charge(
        case=case,
        actor=driver.actor,
        amount=Decimal("180.00"),
        charged_on=dt.date(2026, 11, 25),
        description="Cleaning the lobby carpet",
    )
    return charge.letter


# Each letter kind (and each way a decision or a charge reads) with exactly the sections it
# cites, in order, and the sentences that carry them.
LETTERS = {
    "notice of complaint": (
        notice,
        ["section 135"],
        [letters.RIGHT_TO_ANSWER],
    ),
    "warning": (
        warning,
        ["section 135"],
        ["council may give formal notice under section 135 of the Strata Property Act."],
    ),
    "hearing notice": (
        hearing_notice,
        ["section 34.1(3)"],
        [
            "Council will give its decision in writing within one week after the hearing "
            "(Strata Property Act, section 34.1(3))."
        ],
    ),
    "complainant acknowledgement": (acknowledgement, [], []),
    "decision: dismissed": (
        lambda case, driver: decided(case, driver),
        ["section 135(2)"],
        [DECISION_IN_WRITING],
    ),
    "decision: fine": (
        lambda case, driver: decided(case, driver, **FINE),
        ["section 135(2)"],
        [PAYMENT, DECISION_IN_WRITING],
    ),
    "decision: continuing fine": (
        lambda case, driver: decided(case, driver, **SERIES),
        ["section 135(3)", "section 7.1(2)", "section 135(2)"],
        [CONTINUING, PAYMENT, DECISION_IN_WRITING],
    ),
    "fine notice: fine": (
        lambda case, driver: fine_notice_of(case, driver, FINE),
        ["section 116"],
        [PAYMENT, NOT_A_LIEN],
    ),
    "fine notice: continuing fine": (
        lambda case, driver: fine_notice_of(case, driver, SERIES),
        ["section 135(3)", "section 7.1(2)", "section 116"],
        [CONTINUING, PAYMENT, NOT_A_LIEN],
    ),
    "fine notice: remedy cost": (
        remedy_cost_notice,
        ["section 133(2)", "section 116"],
        [
            "The strata corporation may require the reasonable cost of remedying a "
            "contravention to be paid by the person who may be fined for it (Strata Property "
            "Act, section 133(2)).",
            PAYMENT,
            "A remedy cost is not a lien on the strata lot (Strata Property Act, section 116).",
        ],
    ),
}


def test_every_letter_kind_is_covered():
    kinds = {
        LetterKind.NOTICE: "notice of complaint",
        LetterKind.WARNING: "warning",
        LetterKind.HEARING_NOTICE: "hearing notice",
        LetterKind.COMPLAINANT_ACKNOWLEDGEMENT: "complainant acknowledgement",
        LetterKind.DECISION: "decision: dismissed",
        LetterKind.FINE_NOTICE: "fine notice: fine",
    }
    assert set(kinds) == set(LetterKind)
    assert set(kinds.values()) <= set(LETTERS)


@pytest.mark.parametrize(("issue", "cited", "sentences"), LETTERS.values(), ids=LETTERS.keys())
def test_each_letter_cites_exactly_the_right_sections(case, driver, issue, cited, sentences):
    letter = issue(case, driver)

    text = text_of(letter)
    assert citations(text) == cited
    for sentence in sentences:
        assert sentence in text
    # How to pay is in every letter that charges money, and only there.
    assert ("How to pay:" in text) == (PAYMENT in sentences)


@pytest.mark.parametrize(
    "issue", [LETTERS["decision: fine"][0], LETTERS["fine notice: fine"][0], remedy_cost_notice]
)
def test_a_letter_that_charges_money_states_the_stratas_payment_period(case, driver, issue):
    case.strata.fine_payable_within_days = 30
    case.strata.save()

    text = text_of(issue(case, driver))

    assert (
        "writing reference VIO-20261101-001 and strata lot 1 on it. The amount is payable "
        "within 30 days of the date of this letter. To pay another way"
    ) in text
