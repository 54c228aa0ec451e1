"""The locked-down template engine for staff-edited text (DESIGN §4).

Staff may edit email and letter templates per strata, so those templates must not reach
anything but the strings they are given: no loaders (no ``{% include %}``/``{% extends %}``),
no ``{% load %}``, a short whitelist of tags and filters, and a flat dictionary of strings as
the only context. Defaults shipped as files render through the same engine, so a default copied
into an override behaves exactly the same.
"""

from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import VariableNode

ALLOWED_TAGS = ("if", "comment", "firstof", "spaceless")
ALLOWED_FILTERS = (
    "default",
    "upper",
    "lower",
    "title",
    "capfirst",
    "linebreaks",
    "linebreaksbr",
    "truncatewords",
    "wordwrap",
    "yesno",
)

register = Library()
for _tag in ALLOWED_TAGS:
    register.tag(_tag, defaulttags.register.tags[_tag])
for _filter in ALLOWED_FILTERS:
    register.filter(_filter, defaultfilters.register.filters[_filter])


class LockedEngine(Engine):
    """An engine whose only builtins are the whitelist above."""

    default_builtins = ["communications.template_engine"]


_html_engine = LockedEngine(loaders=[], autoescape=True, libraries={})
_text_engine = LockedEngine(loaders=[], autoescape=False, libraries={})


class TemplateError(ValueError):
    """A template that does not compile or uses a variable it is not given."""


def variables_used(source: str) -> set[str]:
    """The context names a template reads, for checking an edit against what is offered."""
    template = _compile(source, html=False)
    names = set()
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        variable = node.filter_expression.var
        lookups = getattr(variable, "lookups", None)
        if lookups:
            if len(lookups) > 1:
                raise TemplateError(
                    f"{{{{ {'.'.join(lookups)} }}}}: use a plain name such as "
                    f"{{{{ {lookups[0]} }}}}; templates see strings, not objects."
                )
            names.add(lookups[0])
    return names


def validate(source: str, *, allowed: set[str]) -> None:
    """Raise TemplateError unless ``source`` compiles and reads only ``allowed`` names."""
    unknown = variables_used(source) - allowed
    if unknown:
        raise TemplateError(
            "Unknown variable(s): "
            + ", ".join(sorted(unknown))
            + ". Available: "
            + ", ".join(sorted(allowed))
            + "."
        )


def render(source: str, context: dict[str, str], *, html: bool) -> str:
    """Render ``source`` over a flat dictionary of strings (escaped when ``html``)."""
    for key, value in context.items():
        if not isinstance(value, str):
            raise TypeError(f"Template variable {key!r} must be a string, not {type(value)}.")
    return _compile(source, html=html).render(Context(context, autoescape=html))


def _compile(source: str, *, html: bool):
    try:
        return (_html_engine if html else _text_engine).from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateError(str(error)) from error
