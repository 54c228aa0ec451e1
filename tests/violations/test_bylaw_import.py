"""Bylaw import: parsing XML and plain text, skip and update modes, all-or-nothing, rights,
and the two-step admin page (preview writes nothing; confirming parses the file again)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditLog
from tests.violations.factories import BylawFactory
from violations.domain.bylaw_parsing import MAX_FILE_BYTES, bylaws_parse
from violations.models import Bylaw, BylawRevision
from violations.services.bylaws import (
    ImportCounts,
    ImportOutcome,
    bylaw_import_apply,
    bylaw_import_plan,
)

pytestmark = pytest.mark.django_db

XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<bylaws>
  <section>
    <id>17</id>
    <number>3(1)</number>
    <title>Use of property</title>
    <content>
        An owner, tenant, occupant or visitor must not
        (a) cause a nuisance, or
        (b) cause unreasonable noise.
    </content>
    <part>2</part>
    <partTitle>Duties of Owners</partTitle>
  </section>
  <section>
    <number>5</number>
    <title>Obtain approval before altering a strata lot</title>
    <content>An owner must obtain written approval first.</content>
    <part>2</part>
    <partTitle>Duties of Owners</partTitle>
  </section>
  <section>
    <number>23</number>
    <title>Maximum fine</title>
    <content>The strata corporation may fine an owner or tenant a maximum of $200.</content>
    <part>5</part>
    <partTitle>Enforcement</partTitle>
  </section>
</bylaws>
"""

TEXT = """Bylaws of Strata Plan BCS1234
Consolidated 2019

Part 2 \u2013 Duties of Owners
3(1) Use of property
An owner, tenant, occupant or visitor must not
(a) cause a nuisance, or
(b) cause unreasonable noise.

5. Obtain approval before altering a strata lot
An owner must obtain written approval first.
  2 copies of the approval are kept by the strata.

Division 5: Enforcement
23 Maximum fine
The strata corporation may fine an owner or tenant a maximum of $200.
"""

USE_OF_PROPERTY = (
    "An owner, tenant, occupant or visitor must not\n(a) cause a nuisance, or\n"
    "(b) cause unreasonable noise."
)


def sections_of(content: bytes, file_format="xml", kind="bylaw"):
    return bylaws_parse(content, file_format=file_format, kind=kind)


def summary(sections):
    return [(s.number, s.title, s.text, s.part_number, s.part_title, s.kind) for s in sections]


# --- parsing ---------------------------------------------------------------------------------


def test_xml_export_is_parsed_section_by_section():
    assert summary(sections_of(XML)) == [
        ("3(1)", "Use of property", USE_OF_PROPERTY, "2", "Duties of Owners", "bylaw"),
        (
            "5",
            "Obtain approval before altering a strata lot",
            "An owner must obtain written approval first.",
            "2",
            "Duties of Owners",
            "bylaw",
        ),
        (
            "23",
            "Maximum fine",
            "The strata corporation may fine an owner or tenant a maximum of $200.",
            "5",
            "Enforcement",
            "bylaw",
        ),
    ]


def test_plain_text_sections_parts_and_indented_lines():
    sections = sections_of(TEXT.encode(), "text")

    assert summary(sections) == [
        ("3(1)", "Use of property", USE_OF_PROPERTY, "2", "Duties of Owners", "bylaw"),
        (
            "5",
            "Obtain approval before altering a strata lot",
            "An owner must obtain written approval first.\n"
            "  2 copies of the approval are kept by the strata.",
            "2",
            "Duties of Owners",
            "bylaw",
        ),
        (
            "23",
            "Maximum fine",
            "The strata corporation may fine an owner or tenant a maximum of $200.",
            "5",
            "Enforcement",
            "bylaw",
        ),
    ]
    assert [s.where for s in sections] == ["line 5", "line 10", "line 15"]


def test_plain_text_rules_with_prefixes_and_no_parts():
    content = (
        "Rule 1 \u2013 Move-in hours\nMoves between 9 a.m. and 5 p.m.\n"
        "Rule 2: Parking\nPark in your own stall.\nPart of the parkade is for visitors.\n"
    ).encode("cp1252")

    assert summary(sections_of(content, "text", "rule")) == [
        ("1", "Move-in hours", "Moves between 9 a.m. and 5 p.m.", "", "", "rule"),
        (
            "2",
            "Parking",
            "Park in your own stall.\nPart of the parkade is for visitors.",
            "",
            "",
            "rule",
        ),
    ]


@pytest.mark.parametrize(
    ("content", "file_format", "message"),
    [
        (b"<bylaws><section><number>1</number>", "xml", "The XML is not well-formed at line 1"),
        (
            b'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<bylaws><section><number>1</number><title>T</title><content>&b;</content>"
            b"</section></bylaws>",
            "xml",
            "The XML declares a DOCTYPE; bylaw files must not (it can hide entity tricks).",
        ),
        (
            b'<!DOCTYPE bylaws SYSTEM "file:///etc/passwd"><bylaws/>',
            "xml",
            "The XML declares a DOCTYPE; bylaw files must not (it can hide entity tricks).",
        ),
        (
            b"<rules><section/></rules>",
            "xml",
            "The XML must have <bylaws> as its root element, not <rules>.",
        ),
        (
            b"<bylaws><section><number>1</number><title>A</title><content>x</content></section>"
            b"<note/></bylaws>",
            "xml",
            "<bylaws> may contain only <section> elements; element 2 is <note>.",
        ),
        (
            b"<bylaws><section><title>Noise</title><content>x</content></section></bylaws>",
            "xml",
            "<section> 1: it has no number.",
        ),
        (
            b"<bylaws><section><number>3.4</number><title>Noise</title></section></bylaws>",
            "xml",
            "Section 3.4 (<section> 1): it has no text.",
        ),
        (b"<bylaws></bylaws>", "xml", "The file contains no bylaw sections."),
        (
            b"1 Noise\nNo noise.\n\n2 Pets\nOne dog.\n2 Pets again\nTwo cats.\n",
            "text",
            "Section 2 (line 6): the number appears twice (also at line 4).",
        ),
        (b"1 Noise\nNo noise.\n3.4 Pets\n\n5 Parking\nStalls.\n", "text", "line 3"),
        (b"A cover page only.\n", "text", "The file contains no bylaw sections."),
        (b"x" * (MAX_FILE_BYTES + 1), "text", "The file is larger than 1000 kB."),
    ],
)
def test_bad_files_are_refused_with_where_and_why(content, file_format, message):
    with pytest.raises(ValidationError) as refused:
        sections_of(content, file_format)

    assert message in refused.value.messages[0]


def test_section_without_text_names_its_line():
    with pytest.raises(ValidationError) as refused:
        sections_of(b"1 Noise\nNo noise.\n3.4 Pets\n\n5 Parking\nStalls.\n", "text")

    assert refused.value.messages == ["Section 3.4 (line 3): it has no text."]


# --- applying --------------------------------------------------------------------------------


def apply(strata, actor, content=XML, *, mode="skip", file_format="xml", on=dt.date(2019, 3, 20)):
    return bylaw_import_apply(
        strata=strata,
        sections=sections_of(content, file_format),
        mode=mode,
        actor=actor,
        effective_on=on,
    )


def stored(strata):
    return list(
        Bylaw.objects.filter(strata=strata)
        .order_by("number")
        .values_list("number", "title", "part_number", "part_title")
    )


def test_import_creates_bylaws_with_their_first_revision(strata, manager):
    counts = apply(strata, manager)

    assert counts == ImportCounts(created=3)
    assert stored(strata) == [
        ("23", "Maximum fine", "5", "Enforcement"),
        ("3(1)", "Use of property", "2", "Duties of Owners"),
        ("5", "Obtain approval before altering a strata lot", "2", "Duties of Owners"),
    ]
    assert list(
        BylawRevision.objects.order_by("bylaw__number").values_list("bylaw__number", "effective_on")
    ) == [("23", dt.date(2019, 3, 20)), ("3(1)", dt.date(2019, 3, 20)), ("5", dt.date(2019, 3, 20))]
    assert Bylaw.objects.get(number="3(1)").text == USE_OF_PROPERTY
    imported = AuditLog.objects.get(action="bylaw.imported")
    assert imported.changes == {
        "mode": "skip",
        "kind": "bylaw",
        "in_force_from": "2019-03-20",
        "created": 3,
        "updated": 0,
        "skipped": 0,
        "unchanged": 0,
    }
    assert AuditLog.objects.filter(action="bylaw.saved").count() == 3


def test_plain_text_import_matches_the_same_xml_as_unchanged(strata, manager):
    apply(strata, manager)

    counts = apply(strata, manager, TEXT.encode(), file_format="text", mode="update")

    # Only bylaw 5 differs: the text file has a second line.
    assert counts == ImportCounts(updated=1, unchanged=2)
    assert BylawRevision.objects.filter(bylaw__number="5").count() == 2


CHANGED_XML = XML.replace(b"<title>Maximum fine</title>", b"<title>Maximum fines</title>").replace(
    b"first.</content>", b"first, in writing.</content>"
)


def test_skip_mode_leaves_existing_numbers_alone(strata, manager):
    apply(strata, manager)

    counts = apply(strata, manager, CHANGED_XML, mode="skip", on=dt.date(2025, 1, 1))

    assert counts == ImportCounts(skipped=2, unchanged=1)
    assert Bylaw.objects.get(number="23").title == "Maximum fine"
    assert BylawRevision.objects.count() == 3


def test_update_mode_updates_titles_and_texts_and_keeps_old_wording(strata, manager):
    apply(strata, manager)

    counts = apply(strata, manager, CHANGED_XML, mode="update", on=dt.date(2025, 1, 1))

    assert counts == ImportCounts(updated=2, unchanged=1)
    assert Bylaw.objects.get(number="23").title == "Maximum fines"
    five = Bylaw.objects.get(number="5")
    assert list(five.revisions.order_by("effective_on").values_list("text", "effective_on")) == [
        ("An owner must obtain written approval first.", dt.date(2019, 3, 20)),
        ("An owner must obtain written approval first, in writing.", dt.date(2025, 1, 1)),
    ]
    # A title change is not a new wording.
    assert Bylaw.objects.get(number="23").revisions.count() == 1


def test_numbers_match_without_regard_to_case_and_kind_is_kept_apart(strata, manager):
    BylawFactory(strata=strata, number="3(A)", title="Old", text="Old text.")
    BylawFactory(strata=strata, number="5", kind=Bylaw.Kind.RULE, title="A rule 5")
    content = b"3(a) Old\nOld text.\n5 Alterations\nApproval first.\n"

    plan = bylaw_import_plan(strata=strata, sections=sections_of(content, "text"), mode="update")

    assert [(row.section.number, row.outcome) for row in plan] == [
        ("3(a)", ImportOutcome.UNCHANGED),
        ("5", ImportOutcome.NEW),
    ]


def test_a_refused_section_imports_nothing(strata, manager):
    BylawFactory(strata=strata, number="5", text="Old wording.", revision=dt.date(2024, 1, 1))

    with pytest.raises(ValidationError) as refused:
        apply(strata, manager, mode="update", on=dt.date(2019, 3, 20))

    assert refused.value.messages == [
        "Section 5 (<section> 2): The text in force from 2024-01-01 is newer; a changed text "
        "takes effect on or after that date."
    ]
    assert list(Bylaw.objects.values_list("number", "text")) == [("5", "Old wording.")]
    assert BylawRevision.objects.count() == 1
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("who", ["caretaker", "other_manager"])
def test_caretaker_and_other_stratas_manager_cannot_import(request, strata, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        apply(strata, actor)

    assert not Bylaw.objects.exists()
    assert not AuditLog.objects.exists()


def test_council_member_may_import(strata, council_member):
    assert apply(strata, council_member) == ImportCounts(created=3)


# --- the admin page --------------------------------------------------------------------------

IMPORT_URL = reverse("admin:violations_bylaw_import")


def upload(strata, content=XML, **fields):
    return {
        "strata": strata.pk,
        "file_format": "xml",
        "kind": "bylaw",
        "mode": "skip",
        "effective_on": "2019-03-20",
        "file": SimpleUploadedFile("bylaws.xml", content, content_type="application/xml"),
        **fields,
    }


def test_changelist_links_to_the_import_for_those_who_may_import(client, manager):
    client.force_login(manager)

    response = client.get(reverse("admin:violations_bylaw_changelist"))

    assert f'href="{IMPORT_URL}"' in response.text


def test_preview_writes_nothing_then_confirm_applies(client, strata, manager):
    BylawFactory(
        strata=strata,
        number="23",
        title="Maximum fine",
        text="Old text.",
        revision=dt.date(2010, 1, 1),
    )
    client.force_login(manager)

    preview = client.post(IMPORT_URL, upload(strata, mode="update"))

    assert preview.status_code == 200
    assert [(row.section.number, row.outcome) for row in preview.context["plan"]] == [
        ("3(1)", ImportOutcome.NEW),
        ("5", ImportOutcome.NEW),
        ("23", ImportOutcome.CHANGED),
    ]
    assert preview.context["plan"][2].diff == (
        "Part: — → 5 Enforcement",
        "-Old text.",
        "+The strata corporation may fine an owner or tenant a maximum of $200.",
    )
    assert "+The strata corporation may fine" in preview.text
    assert Bylaw.objects.count() == 1
    assert BylawRevision.objects.count() == 1
    assert not AuditLog.objects.exists()

    payload = preview.context["confirm_form"].initial["payload"]
    done = client.post(IMPORT_URL, {"payload": payload, "_confirm": "1"})

    assert done.status_code == 302
    assert done["Location"] == reverse("admin:violations_bylaw_changelist")
    assert stored(strata) == [
        ("23", "Maximum fine", "5", "Enforcement"),
        ("3(1)", "Use of property", "2", "Duties of Owners"),
        ("5", "Obtain approval before altering a strata lot", "2", "Duties of Owners"),
    ]
    assert Bylaw.objects.get(number="23").revisions.count() == 2
    assert AuditLog.objects.get(action="bylaw.imported").actor == manager
    messages = [str(m) for m in done.wsgi_request._messages]
    assert messages == ["Imported into Harbour View: 2 new, 1 updated, 0 unchanged, 0 skipped."]


def test_preview_shows_a_change_that_would_be_refused_and_offers_no_import(client, strata, manager):
    BylawFactory(strata=strata, number="23", text="Old text.", revision=dt.date(2024, 1, 1))
    client.force_login(manager)

    preview = client.post(IMPORT_URL, upload(strata, mode="update"))

    assert [row.problem for row in preview.context["plan"]] == [
        "",
        "",
        "The text in force from 2024-01-01 is newer; a changed text takes effect on or after "
        "that date.",
    ]
    assert preview.context["problems"] == 1
    assert 'name="_confirm"' not in preview.text
    assert "One section would be refused" in preview.text


def test_plain_text_upload_is_previewed(client, strata, council_member):
    client.force_login(council_member)

    preview = client.post(
        IMPORT_URL,
        upload(strata, TEXT.encode(), file_format="text", kind="rule"),
    )

    assert preview.status_code == 200
    assert [(row.section.number, row.section.kind) for row in preview.context["plan"]] == [
        ("3(1)", "rule"),
        ("5", "rule"),
        ("23", "rule"),
    ]
    assert not Bylaw.objects.exists()


def test_malformed_xml_upload_is_a_form_error_and_stores_nothing(client, strata, manager):
    client.force_login(manager)

    response = client.post(IMPORT_URL, upload(strata, b"<bylaws><section>"))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": ["The XML is not well-formed at line 1, column 17."]
    }
    assert not Bylaw.objects.exists()
    assert not AuditLog.objects.exists()


def test_doctype_upload_is_refused(client, strata, manager):
    client.force_login(manager)
    bomb = b'<!DOCTYPE b [<!ENTITY a "aaaaaaaaaa">]><bylaws>&a;</bylaws>'

    response = client.post(IMPORT_URL, upload(strata, bomb))

    assert response.context["form"].errors == {
        "file": ["The XML declares a DOCTYPE; bylaw files must not (it can hide entity tricks)."]
    }
    assert not Bylaw.objects.exists()


def test_altered_preview_is_refused(client, strata, manager):
    client.force_login(manager)
    preview = client.post(IMPORT_URL, upload(strata))
    payload = preview.context["confirm_form"].initial["payload"]

    response = client.post(IMPORT_URL, {"payload": payload[:-2] + "xx", "_confirm": "1"})

    assert response.status_code == 200
    assert [str(m) for m in response.wsgi_request._messages] == [
        "This preview has expired or was altered; upload the file again."
    ]
    assert not Bylaw.objects.exists()
    assert not AuditLog.objects.exists()


def test_caretaker_cannot_open_or_post_the_import(client, strata, caretaker):
    client.force_login(caretaker)

    opened = client.get(IMPORT_URL)
    posted = client.post(IMPORT_URL, upload(strata))
    listed = client.get(reverse("admin:violations_bylaw_changelist"))

    assert (opened.status_code, posted.status_code) == (403, 403)
    assert IMPORT_URL not in listed.text
    assert not Bylaw.objects.exists()


def test_other_stratas_manager_cannot_import_into_this_strata(
    client, strata, manager, other_manager
):
    client.force_login(other_manager)

    response = client.post(IMPORT_URL, upload(strata))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "strata": ["Select a valid choice. That choice is not one of the available choices."]
    }
    # Nor by replaying a preview made for this strata's manager.
    client.force_login(manager)
    payload = client.post(IMPORT_URL, upload(strata)).context["confirm_form"].initial["payload"]
    client.force_login(other_manager)
    replayed = client.post(IMPORT_URL, {"payload": payload, "_confirm": "1"})

    assert [str(m) for m in replayed.wsgi_request._messages] == [
        "This preview has expired or was altered; upload the file again."
    ]
    assert not Bylaw.objects.exists()
    assert not AuditLog.objects.exists()


def test_import_form_offers_only_stratas_where_the_user_edits_bylaws(
    client, strata, other_strata, manager
):
    client.force_login(manager)

    response = client.get(IMPORT_URL)

    assert list(response.context["form"].fields["strata"].queryset) == [strata]
