"""The locked-down template engine for staff-edited text (DESIGN §4).

Staff may edit email and letter templates per strata, so those templates must not reach
anything but the strings they are given: no loaders (no ``{% include %}``/``{% extends %}``),
no ``{% load %}``, a short whitelist of tags and filters, and a flat dictionary of strings as
the only context. Defaults shipped as files render through the same engine, so a default copied
into an override behaves exactly the same.
"""

import functools

from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.template.base import FilterExpression, Node, Variable, VariableNode
from django.template.defaulttags import FirstOfNode, IfNode

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
    """The context names a template reads — in ``{{ }}``, ``{% if %}``, ``{% firstof %}`` and
    filter arguments — for checking an edit against what the template is offered."""
    template = _compile(source, html=False)
    names: set[str] = set()
    for node in template.nodelist.get_nodes_by_type(Node):
        for expression in _expressions(node):
            for variable in _variables(expression):
                names.add(_plain_name(variable))
    return names


def _expressions(node) -> list[FilterExpression]:
    if isinstance(node, VariableNode):
        return [node.filter_expression]
    if isinstance(node, FirstOfNode):
        return list(node.vars)
    if isinstance(node, IfNode):
        found = []
        for condition, _nodelist in node.conditions_nodelists:
            found += _condition_expressions(condition)
        return found
    return []


def _condition_expressions(condition) -> list[FilterExpression]:
    """The operands of an ``{% if %}`` condition tree (literals, and/or/not/comparisons)."""
    if condition is None:
        return []
    if isinstance(getattr(condition, "value", None), FilterExpression):
        return [condition.value]
    return _condition_expressions(getattr(condition, "first", None)) + _condition_expressions(
        getattr(condition, "second", None)
    )


def _variables(expression: FilterExpression) -> list[Variable]:
    found = [expression.var] if isinstance(expression.var, Variable) else []
    for _filter, arguments in expression.filters:
        found += [argument for is_lookup, argument in arguments if is_lookup]
    return [variable for variable in found if variable.lookups]


def _plain_name(variable: Variable) -> str:
    if len(variable.lookups) > 1:
        raise TemplateError(
            f"{{{{ {'.'.join(variable.lookups)} }}}}: use a plain name such as "
            f"{{{{ {variable.lookups[0]} }}}}; templates see strings, not objects."
        )
    return variable.lookups[0]


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


@functools.lru_cache(maxsize=256)  # a campaign renders the same sources for every recipient
def _compile(source: str, *, html: bool):
    try:
        return (_html_engine if html else _text_engine).from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateError(str(error)) from error
