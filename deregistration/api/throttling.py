"""Rate limits, read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` at each request, per client address as
``config.security.client_ip`` reads it.

DRF's ``SimpleRateThrottle`` copies the rates once, at import; reading them live lets a deployment (and a test)
change them through the settings.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from config.security import client_ip


class _LiveRates:
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:
        # X-Forwarded-For only through the trusted proxies, as for sign-in lockouts (TRUSTED_PROXY_COUNT).
        return client_ip(request)


class TokenRateThrottle(_LiveRates, AnonRateThrottle):
    """``POST /auth/token/``: per client address, the brake on password guessing."""

    scope = "auth"


class SubmitRateThrottle(_LiveRates, UserRateThrottle):
    """``POST /applications/``: per user."""

    scope = "submit"
