"""Records a staff member may not read although their role in the strata would let them.

A council member recused from a case (SPA s.32; ``violations.selectors.access``) must meet
none of its data: not on the case pages, and not in the outbox, its tracking events or the
audit log either, which belong to apps that may not import the enforcement app. The app that
knows why a subject is hidden registers a source here (in its ``AppConfig.ready``): given a
user, the querysets of ``uuid`` values hidden from them. Selectors of those apps then
exclude the rows whose subject (an email's ``about``, an audit entry's ``target_uuid``) is
among them.
"""

from collections.abc import Callable, Iterable

from django.db.models import QuerySet

Source = Callable[[object], Iterable[QuerySet]]

_sources: list[Source] = []


def hidden_subjects_register(source: Source) -> None:
    """Add a source of hidden subjects; registering the same one twice adds it once."""
    if source not in _sources:
        _sources.append(source)


def exclude_hidden_subjects(queryset: QuerySet, user, *, field: str) -> QuerySet:
    """``queryset`` less the rows whose ``field`` (a uuid) is hidden from ``user``. Rows with
    no subject (``field`` null) stay."""
    for source in _sources:
        for uuids in source(user):
            queryset = queryset.exclude(**{f"{field}__in": uuids})
    return queryset
