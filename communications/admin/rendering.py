"""Showing an email or a letter to staff without letting it act on the staff page.

Text is escaped into ``<pre>``. HTML never joins the admin page: it goes, escaped, into the
``srcdoc`` of an ``<iframe sandbox>`` with no permissions (no scripts, forms, pop-ups, plugins
or same-origin access). The frame also inherits the site's Content Security Policy, so neither
inline scripts nor remote images (tracking pixels) load; links inside cannot navigate the page.

A fitted frame (a letter to read whole: a draft to send or approve, a letter as issued) allows
one thing more: it keeps the page's origin, so that ``communications/fitted_frame.js`` on the
page can read the document's height and make the frame as tall as it. Staff then read the fine,
the right to answer and the deadline on the page itself, not in a box that scrolls. A document
that runs no scripts cannot use that origin; never add ``allow-scripts`` beside it (together
they let the document remove its own sandbox). Without the script (or with scripts off) the
frame keeps its fixed height and scrolls.

Everything shown is escaped with ``escape()``, never ``conditional_escape()``: template output
is marked safe by Django's engine even when its text came from a staff member or a resident.
"""

from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext as _


def text_block(text: str):
    return format_html('<pre class="email-text">{}</pre>', escape(text))


def html_frame(html: str, *, title: str):
    """An email's HTML body in a sandboxed frame, and its source behind a disclosure."""
    return _frame(html, title=title, fitted=False, empty=_("This email has no HTML part."))


def fitted_frame(html: str, *, title: str):
    """A letter in a sandboxed frame as tall as the letter, and its source behind a disclosure."""
    return _frame(html, title=title, fitted=True, empty=_("This letter is empty."))


def _frame(html: str, *, title: str, fitted: bool, empty: str):
    if not html:
        return format_html('<p class="quiet">{}</p>', empty)
    return format_html(
        '<iframe class="{}" sandbox="{}" referrerpolicy="no-referrer" title="{}" '
        'srcdoc="{}"></iframe>'
        '<details class="email-source"><summary>{}</summary><pre>{}</pre></details>',
        # fitted_frame.js fits the frames of class letter-frame.
        "email-html letter-frame" if fitted else "email-html",
        "allow-same-origin" if fitted else "",
        escape(title),
        escape(html),
        _("HTML source"),
        escape(html),
    )


def header_table(email, *, headers: dict | None = None) -> object:
    """The headers the message goes out with (sending.build_message), as a table; ``headers``
    replaces the row's extra headers (to show them with something hidden)."""
    rows = [
        (_("From"), email.from_email),
        (_("To"), f"{email.to_name} <{email.to_address}>" if email.to_name else email.to_address),
        (_("Reply-To"), email.reply_to or "—"),
        (_("Message-ID"), email.message_id),
        (_("Subject"), email.subject),
        *sorted((email.headers if headers is None else headers).items()),
    ]
    return format_html(
        '<table class="email-headers"><tbody>{}</tbody></table>',
        format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            ((escape(name), escape(value)) for name, value in rows),
        ),
    )
