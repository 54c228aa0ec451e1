"""Making and checking the secrets that sign residents in (DESIGN §8) and the bearer tokens of
apps. A secret is made here, given once to the caller (for an email, a letter or an app) and
stored only as its SHA-256: a copy of the database opens nothing. Secrets are 80 random bits
in Crockford base 32, grouped in fours so a resident can type one from a paper letter.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_log_record
from accounts.models import ApiToken, LoginToken, Strata, User
from accounts.request_meta import AuditContext

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


def secret_make(groups: int = 4) -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(groups))


def secret_hash(raw: str) -> str:
    """The stored form of a secret. Typed secrets are forgiving: case, spaces, dashes and the
    letters Crockford confuses (O for 0, I and L for 1) do not matter."""
    cleaned = "".join(ch for ch in raw.upper() if ch.isalnum()).translate(_CONFUSABLE)
    return hashlib.sha256(cleaned.encode()).hexdigest()


def case_link_mint(*, strata: Strata, person_uuid, case_uuid) -> str:
    """A personal case link's secret: reusable until it expires (``CASE_LINK_DAYS``) or the
    case closes (checked where the case is read)."""
    return _mint(
        purpose=LoginToken.Purpose.CASE_LINK,
        strata=strata,
        subject=person_uuid,
        target=case_uuid,
        lifetime=dt.timedelta(days=settings.CASE_LINK_DAYS),
    )


def sign_in_link_mint(*, email: str) -> str:
    """A single-use sign-in link for whoever owns ``email`` (``SIGN_IN_LINK_MINUTES``)."""
    return _mint(
        purpose=LoginToken.Purpose.SIGN_IN,
        email=email.lower(),
        lifetime=dt.timedelta(minutes=settings.SIGN_IN_LINK_MINUTES),
    )


def _mint(*, purpose: str, lifetime: dt.timedelta, **fields) -> str:
    raw = secret_make()
    LoginToken.objects.create(
        purpose=purpose,
        token_hash=secret_hash(raw),
        expires_at=timezone.now() + lifetime,
        **fields,
    )
    return raw


@dataclass(frozen=True)
class TokenCheck:
    """What a secret opens: ``token`` when it may still be used, else ``problem`` says why
    (``unknown``, ``expired``, ``revoked``, ``used``); ``token`` is kept for an expired case
    link, so its page can offer a fresh one to the same person."""

    token: LoginToken | None
    problem: str = ""


def token_check(raw: str, purpose: str) -> TokenCheck:
    token = LoginToken.objects.filter(token_hash=secret_hash(raw), purpose=purpose).first()
    if token is None:
        return TokenCheck(None, "unknown")
    if token.revoked_at is not None:
        return TokenCheck(token, "revoked")
    if token.used_at is not None:
        return TokenCheck(token, "used")
    if token.expires_at <= timezone.now():
        return TokenCheck(token, "expired")
    return TokenCheck(token)


def token_use(token: LoginToken) -> bool:
    """Spend a single-use token; False when another request spent it first."""
    return bool(
        LoginToken.objects.filter(pk=token.pk, used_at__isnull=True).update(used_at=timezone.now())
    )


def case_links_revoke(*, case_uuid, person_uuid=None) -> int:
    """Every open link to a case when it closes, or one person's when they stop being a
    party to it."""
    links = LoginToken.objects.filter(
        target=case_uuid, purpose=LoginToken.Purpose.CASE_LINK, revoked_at__isnull=True
    )
    if person_uuid is not None:
        links = links.filter(subject=person_uuid)
    return links.update(revoked_at=timezone.now())


# --- bearer tokens of apps -------------------------------------------------------------------


def api_token_create(
    *, user: User, name: str, resident_only: bool, context: AuditContext | None = None
) -> tuple[ApiToken, str]:
    """A bearer token, audited; the secret is returned once and never stored."""
    raw = "st_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            token_hash=hashlib.sha256(raw.encode()).hexdigest(),
            prefix=raw[3:11],
            name=name[:100],
            resident_only=resident_only,
            expires_at=timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS),
        )
        audit_log_record(
            actor=user,
            action="api.token_created",
            target=token,
            changes={"name": token.name, "prefix": token.prefix, "resident_only": resident_only},
            context=context,
        )
    return token, raw


def api_token_authenticate(raw: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            token_hash=hashlib.sha256(raw.encode()).hexdigest(),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
        .first()
    )
    if token is not None and (
        token.last_used_at is None or timezone.now() - token.last_used_at > dt.timedelta(minutes=5)
    ):
        # At most one write every five minutes per token, not one per request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def api_token_revoke(*, token: ApiToken, context: AuditContext | None = None) -> None:
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit_log_record(
                actor=token.user,
                action="api.token_revoked",
                target=token,
                changes={"prefix": token.prefix},
                context=context,
            )
