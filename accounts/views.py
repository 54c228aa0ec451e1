"""The page where an invited person accepts a staff role given to their existing account.

A role given to an account that already existed grants nothing until its holder accepts it
while signed in (``accounts.services.membership_accept``). The page is outside the staff admin:
someone whose only roles still wait for acceptance may not enter the admin yet.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.request_meta import AuditContext
from accounts.resident_session import staff_session_required
from accounts.selectors import membership_to_accept_get
from accounts.services import membership_accept


class AcceptLoginView(auth_views.LoginView):
    """Sign in on the way to accepting a role (the admin's own login admits staff only)."""

    template_name = "accounts/accept_login.html"
    redirect_authenticated_user = True


@staff_session_required
@require_http_methods(["GET", "POST"])
def membership_accept_view(request, membership_uuid):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("membership_accept_login"))
    # Another account's invitation, or none: the same answer, so nothing is revealed.
    membership = membership_to_accept_get(request.user, membership_uuid=membership_uuid)
    if membership is None:
        raise Http404(_("No invitation of yours at this address."))
    if request.method == "POST":
        try:
            membership_accept(
                membership_uuid=membership.uuid,
                actor=request.user,
                context=AuditContext.from_request(request),
            )
        except PermissionDenied:
            raise Http404(_("No invitation of yours at this address.")) from None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(request.path)
        messages.success(
            request,
            _("You are now %(role)s of %(strata)s.")
            % {"role": membership.get_role_display(), "strata": membership.strata.name},
        )
        return HttpResponseRedirect(reverse("admin:index"))
    return TemplateResponse(request, "accounts/membership_accept.html", {"membership": membership})
