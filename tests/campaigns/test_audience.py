"""Who a campaign reaches (issue 16, item 2): audience rules over today's register, one
recipient per unique address, and never anyone of another strata."""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import StrataMembership
from campaigns.audience import parse_audience, parse_typed_addresses
from campaigns.models import Campaign
from campaigns.selectors import audience_recipients
from campaigns.services import campaign_save, campaign_send
from communications.models import OutboundEmail
from properties.models import Occupancy
from tests.accounts.factories import MembershipFactory
from tests.properties.factories import OccupancyFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db
Role = Occupancy.Role


def _person(strata, email, name, **fields):
    return PersonFactory(strata=strata, email=email, full_name=name, **fields)


def _occupy(unit, person, role=Role.OWNER, **fields):
    return OccupancyFactory(unit=unit, person=person, role=role, **fields)


@pytest.fixture
def register(strata, other_strata):
    """A small register: an owner of two units, a household sharing one mailbox, a tenant
    known only by the address given for notices, a resident without email, an agent, an
    ended owner, an archived owner, a person with no unit, and a resident of another strata."""
    units = {
        "101": UnitFactory(strata=strata, unit_number="101", floor="1"),
        "305": UnitFactory(strata=strata, unit_number="305", floor="3"),
        "310": UnitFactory(strata=strata, unit_number="310", floor="3"),
        "204": UnitFactory(strata=strata, unit_number="204", floor="2"),
    }
    people = {
        "ann": _person(strata, "ann@example.test", "Ann Owner"),
        "ben": _person(strata, "ben@example.test", "Ben Tenant"),
        "cat": _person(strata, "home@example.test", "Cat Home"),
        "cid": _person(strata, "HOME@Example.test", "Cid Home"),
        "dan": _person(strata, "dan@example.test", "Dan Owner"),
        "eve": _person(strata, "ended@example.test", "Eve Ended"),
        "fay": _person(strata, "archived@example.test", "Fay Archived"),
        "gus": _person(strata, "", "Gus Noemail"),
        "hal": _person(
            strata,
            "",
            "Hal Notices",
            email_for_notices="notices@example.test",
            email_for_notices_given_on=dt.date(2024, 1, 1),
        ),
        "ida": _person(strata, "agent@example.test", "Ida Agent"),
        "jon": _person(strata, "chosen@example.test", "Jon Chosen"),
        "xan": _person(other_strata, "foreign@example.test", "Xan Foreign"),
    }
    people["fay"].archived_at = timezone.now()
    people["fay"].save(update_fields=["archived_at"])
    ended_on = (timezone.now() - dt.timedelta(days=30)).date()
    _occupy(units["101"], people["ann"])
    _occupy(units["305"], people["ann"])
    _occupy(units["101"], people["ben"], Role.TENANT)
    _occupy(units["310"], people["cat"], Role.TENANT)
    _occupy(units["310"], people["cid"], Role.OCCUPANT)
    _occupy(units["310"], people["dan"])
    _occupy(units["204"], people["dan"])
    _occupy(units["204"], people["eve"], ends_on=ended_on)
    _occupy(units["204"], people["fay"])
    _occupy(units["204"], people["gus"], Role.TENANT)
    _occupy(units["305"], people["hal"], Role.TENANT)
    _occupy(units["101"], people["ida"], Role.AGENT)
    foreign_unit = UnitFactory(strata=other_strata, unit_number="9", floor="3")
    _occupy(foreign_unit, people["xan"])
    return {"units": units, "people": people, "foreign_unit": foreign_unit}


def _audience(stratas, kind=Campaign.Kind.NEWSLETTER, **rule):
    return audience_recipients(stratas=stratas, audience=parse_audience(rule), kind=kind)


def _addresses(preview) -> set[str]:
    return {recipient.address for recipient in preview.recipients}


def test_everyone_is_one_recipient_per_current_address(strata, register):
    preview = _audience([strata], groups=["all"])

    assert _addresses(preview) == {
        "ann@example.test",
        "ben@example.test",
        "home@example.test",
        "dan@example.test",
        "notices@example.test",
    }
    assert preview.count == 5
    assert preview.without_address == 1
    assert preview.opted_out == 0
    assert preview.suppressed == 0


def test_a_household_sharing_a_mailbox_is_one_recipient_naming_both(strata, register):
    people = register["people"]

    preview = _audience([strata], groups=["all"])

    home = next(r for r in preview.recipients if r.address == "home@example.test")
    assert home.name == "Cat Home and Cid Home"
    assert sorted(home.person_uuids) == sorted([str(people["cat"].uuid), str(people["cid"].uuid)])


def test_an_owner_of_two_units_is_one_recipient_with_both_units(strata, register):
    preview = _audience([strata], groups=["owners"])

    ann = next(r for r in preview.recipients if r.address == "ann@example.test")
    assert ann.units_label == "101, 305"
    assert ann.person_uuids == [str(register["people"]["ann"].uuid)]


def test_owners_only(strata, register):
    assert _addresses(_audience([strata], groups=["owners"])) == {
        "ann@example.test",
        "dan@example.test",
    }


def test_tenants_only(strata, register):
    assert _addresses(_audience([strata], groups=["tenants"])) == {
        "ben@example.test",
        "home@example.test",
        "notices@example.test",
    }


def test_chosen_units_reach_their_current_residents_only(strata, register):
    units = register["units"]

    preview = _audience([strata], units=[str(units["204"].uuid)])

    # Eve's ownership ended, Fay is archived, Gus has no address.
    assert _addresses(preview) == {"dan@example.test"}
    assert preview.without_address == 1


def test_chosen_floors(strata, register):
    assert _addresses(_audience([strata], floors=["3"])) == {
        "ann@example.test",
        "home@example.test",
        "dan@example.test",
        "notices@example.test",
    }


def test_chosen_persons_even_without_a_unit(strata, register):
    people = register["people"]

    preview = _audience([strata], persons=[str(people["jon"].uuid), str(people["ben"].uuid)])

    assert _addresses(preview) == {"chosen@example.test", "ben@example.test"}


def test_ended_and_archived_persons_are_never_chosen(strata, register):
    people = register["people"]

    preview = _audience(
        [strata],
        groups=["all"],
        persons=[str(people["fay"].uuid)],
    )

    assert "ended@example.test" not in _addresses(preview)
    assert "archived@example.test" not in _addresses(preview)


def test_typed_addresses_join_the_register_case_insensitively(strata, register):
    preview = _audience(
        [strata],
        groups=["owners"],
        addresses=["Ann@Example.TEST", "new@example.test", "NEW@example.test"],
    )

    assert Counter(r.address for r in preview.recipients) == {
        "ann@example.test": 1,
        "dan@example.test": 1,
        "new@example.test": 1,
    }
    ann = next(r for r in preview.recipients if r.address == "ann@example.test")
    assert ann.person_uuids == [str(register["people"]["ann"].uuid)]
    new = next(r for r in preview.recipients if r.address == "new@example.test")
    assert new.person_uuids == []
    assert new.typed


def test_the_audience_is_the_union_of_its_rules(strata, register):
    people, units = register["people"], register["units"]

    preview = _audience(
        [strata],
        groups=["tenants"],
        units=[str(units["204"].uuid)],
        persons=[str(people["jon"].uuid)],
        addresses=["typed@example.test"],
    )

    assert _addresses(preview) == {
        "ben@example.test",
        "home@example.test",
        "notices@example.test",
        "dan@example.test",
        "chosen@example.test",
        "typed@example.test",
    }


def test_persons_and_units_of_another_strata_are_never_included(strata, register):
    preview = _audience(
        [strata],
        persons=[str(register["people"]["xan"].uuid)],
        units=[str(register["foreign_unit"].uuid)],
    )

    assert preview.recipients == []


def test_everyone_of_one_strata_leaves_the_other_out(strata, other_strata, register):
    assert "foreign@example.test" not in _addresses(_audience([strata], groups=["all"]))
    assert _addresses(_audience([other_strata], groups=["all"])) == {"foreign@example.test"}


def test_an_address_whose_persons_all_opted_out_is_left_out_except_in_an_emergency(
    strata, register
):
    for name in ("cat", "cid"):
        register["people"][name].newsletters = False
        register["people"][name].save(update_fields=["newsletters"])

    newsletter = _audience([strata], groups=["all"])
    emergency = _audience([strata], Campaign.Kind.EMERGENCY, groups=["all"])

    assert "home@example.test" not in _addresses(newsletter)
    assert newsletter.opted_out == 1
    assert "home@example.test" in _addresses(emergency)
    assert emergency.opted_out == 0


def test_one_opted_in_person_keeps_a_shared_address(strata, register):
    register["people"]["cid"].newsletters = False
    register["people"]["cid"].save(update_fields=["newsletters"])

    preview = _audience([strata], groups=["all"])

    assert "home@example.test" in _addresses(preview)
    assert preview.opted_out == 0


def test_a_campaign_to_two_stratas_sends_one_email_per_address_across_both(
    strata, other_strata, manager, register, django_capture_on_commit_callbacks, mailoutbox
):
    MembershipFactory(strata=other_strata, user=manager, role=StrataMembership.Role.MANAGER)
    # Ann also owns a unit in the other strata under the same address.
    twin = _person(other_strata, "ANN@example.test", "Ann Owner")
    _occupy(UnitFactory(strata=other_strata, unit_number="12"), twin)
    campaign = campaign_save(
        actor=manager,
        stratas=[strata, other_strata],
        title="Both",
        kind=Campaign.Kind.NEWSLETTER,
        subject="News",
        body_markdown="Hello {{ recipient_name }}",
        audience={"groups": ["owners"]},
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_send(campaign=campaign, actor=manager)

    rows = OutboundEmail.objects.filter(about=campaign.uuid)
    assert Counter(rows.values_list("to_address", flat=True)) == {
        "ann@example.test": 1,
        "dan@example.test": 1,
        "foreign@example.test": 1,
    }
    assert sorted(message.to for message in mailoutbox) == [
        ["Ann Owner <ann@example.test>"],
        ["Dan Owner <dan@example.test>"],
        ["Xan Foreign <foreign@example.test>"],
    ]
    ann = campaign.recipients.get(address="ann@example.test")
    assert ann.strata == strata
    assert sorted(ann.person_uuids) == sorted([str(register["people"]["ann"].uuid), str(twin.uuid)])
    assert campaign.recipients.get(address="foreign@example.test").strata == other_strata


def test_parse_audience_names_each_bad_field():
    with pytest.raises(ValidationError) as caught:
        parse_audience({"groups": ["everyone"], "units": ["not-a-uuid"], "addresses": ["nobody"]})

    assert set(caught.value.message_dict) == {"groups", "units", "addresses"}


def test_parse_typed_addresses_splits_on_commas_semicolons_and_whitespace():
    assert parse_typed_addresses("a@x.test, b@x.test;c@x.test\n d@x.test\te@x.test") == (
        "a@x.test",
        "b@x.test",
        "c@x.test",
        "d@x.test",
        "e@x.test",
    )


def test_a_typed_address_of_a_person_who_opted_out_keeps_their_choice(strata, other_strata):
    """Typing the address of someone who chose no newsletters does not get round their
    choice (an emergency still reaches them); another strata's person is not looked up."""
    PersonFactory(
        strata=strata, full_name="Opted Out", email="optout@example.test", newsletters=False
    )
    PersonFactory(
        strata=other_strata,
        full_name="Elsewhere",
        email="elsewhere@example.test",
        newsletters=False,
    )
    typed = {"addresses": ["OptOut@example.test", "elsewhere@example.test"]}

    newsletter = _audience([strata], **typed)
    emergency = _audience([strata], kind=Campaign.Kind.EMERGENCY, **typed)

    assert _addresses(newsletter) == {"elsewhere@example.test"}
    assert newsletter.opted_out == 1
    assert _addresses(emergency) == {"optout@example.test", "elsewhere@example.test"}
    named = next(r for r in emergency.recipients if r.address == "optout@example.test")
    assert (named.name, named.typed) == ("Opted Out", False)
