"""What an email carries besides its words, added to the row before it is stored.

Every non-legal email names its sender (the strata, its postal address and contact line, as
Canada's anti-spam law expects) and offers an unsubscribe link in its footer and in the
``List-Unsubscribe`` headers (RFC 2369, RFC 8058 one-click). Legal notices carry neither:
the law requires them, so nobody may opt out of them. Campaign email is also tracked: its
links go through a signed click redirect and an open pixel is appended.
"""

import re
from html.parser import HTMLParser

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import Strata
from communications.mail_links import (
    click_url,
    is_own_link,
    is_trackable,
    open_pixel_url,
    unsubscribe_url,
)
from communications.models import LEGAL_KINDS, OutboundEmail

ONE_CLICK = "List-Unsubscribe=One-Click"
_UNSUBSCRIBE_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def decorate(row: OutboundEmail) -> None:
    """Add the sender footer and the unsubscribe link and headers to an unsaved non-legal
    row (``row.uuid`` set); a legal row is left as it is, and never carries those headers."""
    headers = {
        name: value
        for name, value in (row.headers or {}).items()
        if name.lower() not in _UNSUBSCRIBE_HEADERS
    }
    if row.kind in LEGAL_KINDS:
        row.headers = headers
        return
    url = unsubscribe_url(row.uuid)
    lines = _sender_lines(row.strata)
    unsubscribe = _("Unsubscribe from newsletters")
    footer = "\n".join([*lines, f"{unsubscribe}: {url}"])
    row.body_text = f"{row.body_text.rstrip()}\n\n-- \n{footer}\n"
    if row.body_html:
        sender = (
            format_html(
                '<p style="font-size:small;color:#555">{}</p>',
                format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)),
            )
            if lines
            else ""
        )
        html = format_html(
            '<hr>{}<p style="font-size:small"><a href="{}">{}</a></p>', sender, url, unsubscribe
        )
        row.body_html = _before_body_end(row.body_html, html)
    row.headers = {**headers, "List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": ONE_CLICK}


def add_tracking(row: OutboundEmail) -> None:
    """Send every http(s) link of the HTML body through a signed click redirect and append
    the open pixel. For campaign rows (the caller chooses); never a legal notice or an email
    carrying a sign-in link, whose link would be recorded. Does not save the row."""
    if not row.body_html or row.kind in LEGAL_KINDS or row.sensitive:
        return
    pixel = open_pixel_url(row.uuid)
    if pixel in row.body_html:
        return  # tracked already
    html = row.body_html
    for start, end, attrs in reversed(_anchors(html)):
        rewritten = [
            (name, click_url(row.uuid, value) if _tracked(name, value) else value)
            for name, value in attrs
        ]
        if rewritten != attrs:
            html = html[:start] + _start_tag("a", rewritten) + html[end:]
    image = format_html(
        '<img src="{}" width="1" height="1" alt="" style="display:block;border:0">', pixel
    )
    row.body_html = _before_body_end(html, image)


def _sender_lines(strata: Strata | None) -> list[str]:
    if strata is None:
        return []
    lines = [strata.name, *strata.postal_address.splitlines(), strata.contact_line]
    return [line.strip() for line in lines if line.strip()]


def _before_body_end(html: str, addition: str) -> str:
    ends = list(_BODY_END.finditer(html))
    if not ends:
        return html + addition
    at = ends[-1].start()
    return html[:at] + addition + html[at:]


def _tracked(name: str, value: str | None) -> bool:
    return name == "href" and is_trackable(value) and not is_own_link(value)


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    parts = "".join(
        f" {escape(name)}" if value is None else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs
    )
    return f"<{tag}{parts}>"


class _AnchorFinder(HTMLParser):
    """Where each ``<a>`` start tag is in the source, with its (unescaped) attributes."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0]
        for line in html.split("\n")[:-1]:
            self.line_starts.append(self.line_starts[-1] + len(line) + 1)
        self.found: list[tuple[int, int, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            line, column = self.getpos()
            start = self.line_starts[line - 1] + column
            self.found.append((start, start + len(self.get_starttag_text()), attrs))


def _anchors(html: str) -> list[tuple[int, int, list[tuple[str, str | None]]]]:
    finder = _AnchorFinder(html)
    finder.feed(html)
    finder.close()
    return finder.found
