"""A letter shown whole on a staff page (a draft to send or approve, a preview, a letter as
issued).

As with an email (``communications.admin.rendering.html_frame``), the letter's HTML — which
staff may edit — never joins the admin page: it goes, escaped, into the ``srcdoc`` of a
sandboxed frame that runs no scripts, submits no forms, opens no pop-ups and navigates nothing
but itself, under the page's Content Security Policy. The sandbox allows one thing more: the
frame keeps the page's origin, so that ``letter_frame.js`` on the page can read the letter's
height and make the frame as tall as the letter. Staff then read the fine, the right to answer
and the deadline on the page itself, not in a box with a scroll bar of its own. A document that
runs no scripts cannot use that origin (never add ``allow-scripts`` beside it: together they let
the letter remove its own sandbox).

Pages showing one include ``admin/violations/violation/letter_frame.html`` for the script; left
without it (or with scripts off), the frame keeps its fixed height and scrolls.
"""

from django.utils.html import escape, format_html
from django.utils.translation import gettext as _

SANDBOX = "allow-same-origin"


def letter_frame(html: str, *, title: str):
    """The letter in a frame fitted to it, and its HTML source behind a disclosure."""
    if not html:
        return format_html('<p class="quiet">{}</p>', _("This letter is empty."))
    return format_html(
        '<iframe class="email-html letter-frame" sandbox="{}" referrerpolicy="no-referrer" '
        'title="{}" srcdoc="{}"></iframe>'
        '<details class="email-source"><summary>{}</summary><pre>{}</pre></details>',
        SANDBOX,
        escape(title),
        escape(html),
        _("HTML source"),
        escape(html),
    )
