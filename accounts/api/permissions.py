"""Who may call an endpoint: a resident (anyone signed in, for their own records) or a staff
member (a current role, outside a resident-only session or token)."""

from rest_framework.permissions import BasePermission

from accounts.models import ApiToken
from accounts.permissions import is_staff_member
from accounts.resident_session import is_resident_only


def resident_only(request) -> bool:
    """Signed in by a resident link, or with a token made from one."""
    token = request.auth
    if isinstance(token, ApiToken):
        return token.resident_only
    return is_resident_only(request)


class IsResident(BasePermission):
    """Any signed-in person; the endpoint's queryset narrows to their own records."""

    message = "Sign in to see your own records."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


class IsStaffMember(BasePermission):
    """A current staff role, used as staff (not from a resident-only session or token)."""

    message = "This needs a current staff role in a strata, signed in as staff."

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and is_staff_member(user)
            and not resident_only(request)
        )
