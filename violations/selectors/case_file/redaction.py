"""Who a redacted case file does not identify: the complainants' and witnesses' names, email
addresses and phone numbers, the patterns that find them in any text, and the markers that
replace them. Split from ``case_file.contents`` so the rules of redaction read on their own;
every section of the case file passes its text through one ``Redactor``.
"""

import functools
import html as html_lib
import operator
import re

from django.db.models import Q
from django.utils.translation import gettext_lazy

from properties.models import Person
from violations.models import Violation

REDACTED = "[complainant — redacted]"
WITNESS_REDACTED = "[witness — redacted]"
MARKERS = re.compile(f"({re.escape(REDACTED)}|{re.escape(WITNESS_REDACTED)})")
NAMES_SOMEONE = "names a complainant or witness"


class Redactor:
    """The complainants' and witnesses' names, email addresses and phone numbers, and the
    patterns that find them in any text: a name in any case and with any separator
    ("sakura_kowalski"), a phone number however it is punctuated. Inactive (changing
    nothing) for an unredacted export."""

    def __init__(self, case: Violation | None, redactions: list[dict]):
        self.active = case is not None
        self.redactions = redactions
        self.patterns: list[tuple[re.Pattern, str, str]] = []
        if case is None:
            return
        seen: set[str] = set()
        for complaint in case.complaints.select_related("complainant__user"):
            person = complaint.complainant
            if person is not None:
                self._person(person, REDACTED, seen)
            self._add("name", complaint.complainant_name, REDACTED, seen)
        # A resident named as the one who saw a continuing contravention is a witness.
        observers = {
            name.strip().casefold()
            for name in case.fine_proposals.values_list("observed_by", flat=True)
            if name.strip()
        }
        if observers:
            named = functools.reduce(
                operator.or_, (Q(full_name__iexact=name) for name in observers)
            )
            for person in Person.objects.filter(named, strata=case.strata).select_related("user"):
                self._person(person, WITNESS_REDACTED, seen)
        # Addresses first (a name may be inside one), then the longest names first.
        order = {"email": 0, "phone": 1, "name": 2}
        self.patterns.sort(key=lambda item: (order[item[2]], -len(item[0].pattern)))

    def _person(self, person: Person, marker: str, seen: set[str]) -> None:
        self._add("name", person.full_name, marker, seen)
        for address in (person.email, person.email_for_notices):
            self._add("email", address, marker, seen)
        self._add("phone", person.phone, marker, seen)
        if person.user is not None:
            self._add("name", person.user.full_name, marker, seen)
            self._add("email", person.user.email, marker, seen)

    def _add(self, what: str, value: str, marker: str, seen: set[str]) -> None:
        value = (value or "").strip()
        pattern = {"name": _name_pattern, "email": _email_pattern, "phone": _phone_pattern}[what](
            value
        )
        if pattern and pattern not in seen:
            seen.add(pattern)
            self.patterns.append((re.compile(pattern, re.IGNORECASE), marker, what))

    def scrub(self, value: str, *, record: str, uuid, field: str) -> str:
        """``value`` with every name, email address and phone number replaced by its
        marker; a change is logged on the export as a redaction of ``record``'s ``field``."""
        if not self.active or not value:
            return value
        text = str(value)
        for pattern, marker, _what in self.patterns:
            # A marker already in the text is left alone.
            parts = MARKERS.split(text)
            text = "".join(
                part if index % 2 else pattern.sub(marker, part) for index, part in enumerate(parts)
            )
        if text != value:
            self.log(record, uuid, field, NAMES_SOMEONE)
        return text

    def log(self, record: str, uuid, field: str, reason: str) -> None:
        entry = {record: str(uuid), "field": field, "reason": reason}
        if entry not in self.redactions:
            self.redactions.append(entry)

    def find(self, text: str) -> str:
        """What of a complainant or witness ``text`` still shows ("name", "email",
        "phone"), or ""."""
        text = MARKERS.sub(" ", text)
        for pattern, _marker, what in self.patterns:
            if pattern.search(text):
                return what
        return ""


def _name_pattern(name: str) -> str:
    words = re.findall(r"[^\W_]+", name)
    if len("".join(words)) < 2:
        return ""
    return r"(?<!\w)" + r"[\W_]{0,3}".join(re.escape(word) for word in words) + r"(?!\w)"


def _email_pattern(address: str) -> str:
    if "@" not in address:
        return ""
    return r"(?<![\w.+-])" + re.escape(address) + r"(?![\w-])"


def _phone_pattern(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]  # the North American country code, written or not
    if len(digits) < 7:
        return ""
    # "(604) 555-0199" loses its opening bracket too, "(604 555 0199)" keeps both.
    area = r"(?:\((?=\d{3}\)))?"
    return r"(?<![\d+])(?:\+?1[\s.-]?)?" + area + r"[\s.()-]{0,2}".join(digits) + r"(?!\d)"


# How a refusal names what ``Redactor.find`` found.
WHAT = {
    "name": gettext_lazy("name"),
    "email": gettext_lazy("email address"),
    "phone": gettext_lazy("phone number"),
}


def visible_text(html: str) -> str:
    """What a reader sees of ``html``: tags gone, entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]*>", " ", html or ""))
