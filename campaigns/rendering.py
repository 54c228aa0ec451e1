"""A campaign or announcement body: Markdown in, sanitised HTML and plain text out.

Markdown is parsed with raw HTML turned off, and what it produces still goes through nh3 with
a short list of tags and link schemes, so a pasted ``<script>`` or ``javascript:`` link never
reaches a mailbox or a resident page. Placeholders (``{{ recipient_name }}``) use the
locked-down engine of the outbox templates: the body is compiled once per campaign and
rendered per recipient over strings only, escaped in the HTML part.
"""

import dataclasses
import functools
import re

import nh3
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from communications import template_engine

PLACEHOLDERS = frozenset({"recipient_name", "strata_name", "units"})
SAMPLE_CONTEXT = {
    "recipient_name": "Alex Chen",
    "strata_name": "Harbour View",
    "units": "305",
}
_TAGS = frozenset(
    {
        "a", "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "ul", "ol", "li",
        "blockquote", "code", "pre", "h1", "h2", "h3", "h4", "table", "thead", "tbody",
        "tr", "th", "td",
    }
)  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
_SCHEMES = frozenset({"http", "https", "mailto"})


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def markdown_to_html(source: str) -> str:
    """Sanitised HTML of a Markdown source (no raw HTML, no scripts, http/https/mailto links)."""
    return nh3.clean(
        _markdown().render(source),
        tags=set(_TAGS),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        url_schemes=set(_SCHEMES),
        link_rel="noopener noreferrer",
    )


class BodyError(ValueError):
    """A subject or body that does not compile or names an unknown placeholder."""


@dataclasses.dataclass(frozen=True)
class CompiledBody:
    """A campaign's subject and body, checked once, rendered per recipient."""

    subject: str
    text: str
    html: str

    def render(self, context: dict[str, str]) -> tuple[str, str, str]:
        """(subject, text, html) for one recipient's context of strings."""
        return (
            " ".join(template_engine.render(self.subject, context, html=False).split()),
            template_engine.render(self.text, context, html=False),
            template_engine.render(self.html, context, html=True),
        )


_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
_VARIABLE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PLAIN_NAME = re.compile(r"\s*[a-z_]+\s*")


def _only_plain_placeholders(source: str) -> None:
    """Campaign wording takes bare ``{{ name }}`` placeholders only: no tags, no filters. A
    tag such as ``{% if %}`` could take another branch for a real recipient than for the
    check below, and so change the HTML's structure (an attribute left open) after nh3 has
    cleaned it."""
    if _TAG.search(source):
        raise BodyError(
            _(
                "Use placeholders only, such as {{ recipient_name }}: tags like {% if %} are "
                "not allowed."
            )
        )
    for expression in _VARIABLE.findall(source):
        if not _PLAIN_NAME.fullmatch(expression):
            raise BodyError(
                _("{{ %(expression)s }}: use a placeholder alone, without filters.")
                % {"expression": expression.strip()}
            )


def compile_body(subject: str, body_markdown: str) -> CompiledBody:
    """Check the placeholders and turn the Markdown into its HTML form, keeping placeholders
    as placeholders so each recipient's values are escaped when they are filled in."""
    for part in (subject, body_markdown):
        _only_plain_placeholders(part)
        try:
            template_engine.validate(part, allowed=set(PLACEHOLDERS))
        except template_engine.TemplateError as error:
            raise BodyError(str(error)) from error
    html = markdown_to_html(body_markdown)
    # Filling the placeholders before or after Markdown must give the same HTML: a link
    # target percent-encodes "{{", which would leave the placeholder unfilled in the HTML.
    sample = {name: f"placeholder{index}" for index, name in enumerate(sorted(PLACEHOLDERS))}
    try:
        template_engine.validate(html, allowed=set(PLACEHOLDERS))
        filled_first = markdown_to_html(template_engine.render(body_markdown, sample, html=False))
        changed = filled_first != template_engine.render(html, sample, html=True)
    except template_engine.TemplateError as error:  # a placeholder Markdown took apart
        raise BodyError(str(error)) from error
    if changed:
        raise BodyError(
            _("A placeholder sits where Markdown changes it (a link target?); move it to the text.")
        )
    return CompiledBody(subject=subject, text=body_markdown, html=html)
