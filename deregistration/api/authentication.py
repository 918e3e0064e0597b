"""``Authorization: Token <token>``, against the hashed, expiring tokens of ``deregistration.tokens``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from deregistration.tokens import api_token_user


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <token>`` against ``ApiToken``: 401 for a token unknown, expired or voided."""

    def authenticate_credentials(self, key: str):
        user = api_token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return (user, None)
