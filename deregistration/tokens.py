"""API tokens: issued at sign-in, valid for ``API_TOKEN_HOURS``, void once the password changes; only a hash kept.

A token is 32 random bytes (``secrets.token_urlsafe``), shown once in the answer to ``POST /api/v1/auth/token/``
and sent back as ``Authorization: Token <token>``. The database keeps its SHA-256 (a fast hash is enough for a
256-bit random secret: there is nothing to guess), its expiry, and the account's session hash at issue
(``get_session_auth_hash``, an HMAC of the password hash, as Django's sessions do): a password change makes every
earlier token of the account fail, and the failed token is deleted.

Why not DRF's ``authtoken``: it keeps keys in clear (and shows them in the admin) and they never expire. Why not
django-rest-knox: it hashes and expires tokens too, but says nothing of password changes; the binding to the
session hash below is what needs writing either way, and this model is the rest of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .precompiled import Precompiled


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """One API token of an account: its SHA-256, never the token itself."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("account"),
    )
    digest = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    auth_hash = models.CharField(_("account's session hash at issue"), max_length=128)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        app_label = "deregistration"
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


@transaction.atomic
def api_token_issue(*, user: Any) -> str:
    """A new token for ``user`` (signed in just now), valid for ``API_TOKEN_HOURS``; the account's expired tokens
    are dropped. Earlier tokens still in their lifetime stay valid (another client of the same account)."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=_digest(token),
        auth_hash=user.get_session_auth_hash(),
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.API_TOKEN_HOURS),
    )
    return token


_token_by_digest = Precompiled(
    lambda digest: ApiToken.objects.select_related("user", "user__person").filter(digest=digest), digest=str
)


def api_token_user(token: str) -> Any | None:
    """The active account a token belongs to, or None: unknown, expired, or issued before a password change
    (such a token is deleted)."""
    # One query on the digest's unique index, with the account and (a citizen's) person joined: the role and the
    # person every API call asks for next are then already loaded (``roles.role_of``). Precompiled: the ORM took
    # ~8x longer to build and compile this query than PostgreSQL to run it (deregistration.precompiled).
    found = _token_by_digest.first(digest=_digest(token))
    if found is None:
        return None
    user = found.user
    stale = not secrets.compare_digest(found.auth_hash, user.get_session_auth_hash())
    if stale or found.expires_at <= timezone.now():
        found.delete()
        return None
    return user if user.is_active else None
