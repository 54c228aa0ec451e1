"""The resident session a link starts (DESIGN §8): the person's own login, marked resident
only. A staff account that follows a resident link is a resident there and nowhere else: the
admin (``StaffAdminSite.has_permission``) and the staff API refuse a resident-only session,
so a leaked notice link never opens the staff side."""

from functools import wraps

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404

RESIDENT_ONLY = "resident_only"
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def resident_login(request, user) -> None:
    """Sign ``user`` in for the resident pages only (a new session key, so a session fixed
    before the link was opened is not reused)."""
    if request.user.is_authenticated and request.user.pk != user.pk:
        request.session.flush()
    login(request, user, backend=_BACKEND)
    request.session[RESIDENT_ONLY] = True
    request.session.set_expiry(settings.RESIDENT_SESSION_HOURS * 3600)


def is_resident_only(request) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(RESIDENT_ONLY))


def password_login_clears_resident_mark(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: any login clears the mark and its shorter lifetime;
    ``resident_login`` sets both again after."""
    session = getattr(request, "session", None)
    if session is not None and session.pop(RESIDENT_ONLY, None):
        session.set_expiry(None)


def staff_session_required(view):
    """A staff page outside the admin (a file download, accepting a role): a resident-only
    session gets the same 404 as a record it may not see, whoever its account is."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if is_resident_only(request):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
