"""Who a campaign goes to, as a rule that is read when the campaign starts sending.

The rule is stored as JSON on the campaign so a draft can be edited and previewed, and it is
evaluated once (``campaigns.selectors.audience_recipients``) and frozen as recipients then:
the register may change between composing and sending, and the email follows the register of
the moment it goes out.

Shape: ``{"groups": ["all" | "owners" | "tenants"], "units": [unit uuid], "floors": [floor],
"persons": [person uuid], "addresses": ["someone@example.com"]}``; the audience is the union.
"""

import dataclasses
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

GROUPS = ("all", "owners", "tenants")
MAX_TYPED_ADDRESSES = 500


@dataclasses.dataclass(frozen=True)
class Audience:
    groups: tuple[str, ...] = ()
    units: tuple[uuid.UUID, ...] = ()
    floors: tuple[str, ...] = ()
    persons: tuple[uuid.UUID, ...] = ()
    addresses: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.groups or self.units or self.floors or self.persons or self.addresses)

    def as_json(self) -> dict:
        return {
            "groups": list(self.groups),
            "units": [str(value) for value in self.units],
            "floors": list(self.floors),
            "persons": [str(value) for value in self.persons],
            "addresses": list(self.addresses),
        }


def parse_audience(data: dict | None) -> Audience:
    """The audience of a stored or submitted rule; a ValidationError names each bad field."""
    data = data or {}
    errors: dict[str, list[str]] = {}
    groups = tuple(dict.fromkeys(data.get("groups") or ()))
    if any(group not in GROUPS for group in groups):
        errors["groups"] = [_("Choose from: everyone, owners, tenants.")]
    units = _uuids(data.get("units"), "units", errors)
    persons = _uuids(data.get("persons"), "persons", errors)
    floors = tuple(dict.fromkeys(str(floor).strip() for floor in data.get("floors") or ()))
    floors = tuple(floor for floor in floors if floor)
    addresses = _addresses(data.get("addresses") or (), errors)
    if errors:
        raise ValidationError(errors)
    return Audience(groups, units, floors, persons, addresses)


def parse_typed_addresses(text: str) -> tuple[str, ...]:
    """Addresses typed one per line (or separated by commas, semicolons or spaces)."""
    for separator in ",;\t\r":
        text = text.replace(separator, "\n")
    return tuple(part for line in text.split("\n") for part in line.split() if part)


def _uuids(values, field: str, errors: dict) -> tuple[uuid.UUID, ...]:
    found = []
    for value in values or ():
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            errors[field] = [_("%(value)s is not a record of this strata.") % {"value": value}]
    return tuple(dict.fromkeys(found))


def _addresses(values, errors: dict) -> tuple[str, ...]:
    found = []
    bad = []
    for value in values:
        address = str(value).strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            bad.append(str(value))
            continue
        found.append(address)
    if bad:
        errors["addresses"] = [
            _("Not an email address: %(values)s.") % {"values": ", ".join(bad[:5])}
        ]
    elif len(set(found)) > MAX_TYPED_ADDRESSES:
        errors["addresses"] = [
            _("At most %(count)d typed addresses; choose persons or units for more.")
            % {"count": MAX_TYPED_ADDRESSES}
        ]
    return tuple(dict.fromkeys(found))
