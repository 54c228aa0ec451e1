"""Showing an email to staff without letting it act on the staff page.

Text is escaped into ``<pre>``. HTML never joins the admin page: it goes, escaped, into the
``srcdoc`` of an ``<iframe sandbox>`` with no permissions (no scripts, forms, pop-ups, plugins
or same-origin access). The frame also inherits the site's Content Security Policy, so neither
inline scripts nor remote images (tracking pixels) load; links inside cannot navigate the page.

Everything shown is escaped with ``escape()``, never ``conditional_escape()``: template output
is marked safe by Django's engine even when its text came from a staff member or a resident.
"""

from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext as _


def text_block(text: str):
    return format_html('<pre class="email-text">{}</pre>', escape(text))


def html_frame(html: str, *, title: str):
    """The HTML body in a sandboxed frame, and its source behind a disclosure."""
    if not html:
        return format_html('<p class="quiet">{}</p>', _("This email has no HTML part."))
    return format_html(
        '<iframe class="email-html" sandbox="" referrerpolicy="no-referrer" title="{}" '
        'srcdoc="{}"></iframe>'
        '<details class="email-source"><summary>{}</summary><pre>{}</pre></details>',
        escape(title),
        escape(html),
        _("HTML source"),
        escape(html),
    )


def header_table(email) -> object:
    """The headers the message goes out with (sending.build_message), as a table."""
    rows = [
        (_("From"), email.from_email),
        (_("To"), f"{email.to_name} <{email.to_address}>" if email.to_name else email.to_address),
        (_("Reply-To"), email.reply_to or "—"),
        (_("Message-ID"), email.message_id),
        (_("Subject"), email.subject),
        *sorted((email.headers or {}).items()),
    ]
    return format_html(
        '<table class="email-headers"><tbody>{}</tbody></table>',
        format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td></tr>',
            ((escape(name), escape(value)) for name, value in rows),
        ),
    )
