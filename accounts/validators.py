"""Field validators shared by the apps' models (and so by the admin, imports and services)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# CR and LF end an email header line; the other line breaks Python's email package also splits
# on (VT, FF, FS, GS, RS, NEL, LS, PS) would fold or break a header as well.
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def validate_single_line(value: str) -> None:
    """Refuse line breaks in a value that goes into an email header (a name, a sender name).

    A name with a line break makes every email to or from it fail for good, or smuggles a
    header in; it is refused where it is entered instead.
    """
    if value and any(char in _LINE_BREAKS for char in value):
        raise ValidationError(_("This must be on one line."), code="line_break")
