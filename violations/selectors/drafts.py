"""A case's draft letter: the latest prepared and not yet issued. The case page, the approval
links, the services that approve and send a notice, the agenda and the work queues all read
it here, so they always mean the same draft."""

from django.db.models import OuterRef, QuerySet, Subquery

from violations.models import Letter, LetterKind, Violation


def drafts_of(case: Violation, kind: str = LetterKind.NOTICE) -> QuerySet[Letter]:
    """The case's unissued letters of ``kind``, the current draft first."""
    return case.letters.filter(kind=kind, issued_at__isnull=True).order_by("-id")


def draft_get(case: Violation, kind: str = LetterKind.NOTICE) -> Letter | None:
    """The case's current draft of ``kind``, or None."""
    return drafts_of(case, kind).first()


def draft_notice_id() -> Subquery:
    """On Violation: the id of the case's current draft notice (``draft_get`` as SQL)."""
    return Subquery(
        Letter.objects.filter(case=OuterRef("pk"), kind=LetterKind.NOTICE, issued_at__isnull=True)
        .order_by("-id")
        .values("pk")[:1]
    )
