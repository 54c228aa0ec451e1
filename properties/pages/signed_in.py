"""Who may open a resident page: anyone signed in (a staff member signed in normally sees
only their own register records, usually none); anyone else is sent to sign in first."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


def resident_required(view):
    """Anonymous visitors go to the sign-in page, with ``?next=`` back to where they were."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("resident_sign_in"))
        return view(request, *args, **kwargs)

    return wrapped
