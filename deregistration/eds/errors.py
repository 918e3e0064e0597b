"""Why a signed document is refused: one stable code per check, with a message a citizen understands.

Tests and API clients rely on the codes; the messages are translatable and may change. ``message`` is a lazy
string with any parameters already filled in, so the service layer can pass it on as it is::

    except EDSError as error:
        raise ValidationError({"signed_request": ValidationError(error.message, code=error.code)}) from error
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

# The document itself.
FORBIDDEN_XML = "forbidden_xml"
MALFORMED_DOCUMENT = "malformed_document"
# The signature.
SIGNATURE_INVALID = "signature_invalid"
DIGEST_MISMATCH = "digest_mismatch"
# The signer's certificate.
CERTIFICATE_UNTRUSTED = "certificate_untrusted"
CERTIFICATE_EXPIRED = "certificate_expired"
CERTIFICATE_NOT_YET_VALID = "certificate_not_yet_valid"
CERTIFICATE_REVOKED = "certificate_revoked"
CRL_UNAVAILABLE = "crl_unavailable"
CERTIFICATE_KEY_USAGE = "certificate_key_usage"
CERTIFICATE_NO_IIN = "certificate_no_iin"
SIGNER_MISMATCH = "signer_mismatch"
# The request in time and in context (the last two are checked by the service layer, which has the database).
REQUEST_STALE = "request_stale"
NONCE_REPLAYED = "nonce_replayed"
CONTENT_MISMATCH = "content_mismatch"

MESSAGES: dict[str, Promise] = {
    FORBIDDEN_XML: _(
        "The signed document contains constructs that are not accepted (a document type declaration or "
        "entities)."
    ),
    MALFORMED_DOCUMENT: _("The signed document is damaged or is not the expected request."),
    SIGNATURE_INVALID: _("The electronic signature is not valid. Sign the request again."),
    DIGEST_MISMATCH: _("The document was changed after it was signed."),
    CERTIFICATE_UNTRUSTED: _(
        "The signature certificate was not issued by a trusted certification authority (NCA RK)."
    ),
    CERTIFICATE_EXPIRED: _("The signature certificate has expired. Obtain a new key from NCA RK."),
    CERTIFICATE_NOT_YET_VALID: _("The signature certificate is not valid yet."),
    CERTIFICATE_REVOKED: _("The signature certificate has been revoked."),
    CRL_UNAVAILABLE: _(
        "The signature certificate cannot be checked for revocation right now. Please try again later."
    ),
    CERTIFICATE_KEY_USAGE: _(
        "This key is not meant for signing documents. Sign with your signing key, not the authentication key."
    ),
    CERTIFICATE_NO_IIN: _("The signature certificate does not belong to an individual: it carries no IIN."),
    SIGNER_MISMATCH: _("The signature was made with another person's key."),
    REQUEST_STALE: _(
        "The signed request is too old or is dated in the future. Check your computer's clock and sign again."
    ),
    NONCE_REPLAYED: _("This signed request has already been used. Sign the request again."),
    CONTENT_MISMATCH: _("The signed request does not match the application: %(differences)s."),
}

ALL_CODES = frozenset(MESSAGES)
UNSUPPORTED_ALGORITHM_MESSAGE = _(
    "This kind of signature is not accepted yet (only RSA keys are). Sign with your RSA key from NCA RK."
)
DOCUMENT_TOO_LARGE_MESSAGE = _("The signed document is too large (more than %(limit)s KiB).")


def _fill(template: Promise | str, params: dict[str, Any]) -> str:
    return str(template) % {key: str(value) for key, value in params.items()}


_interpolate = lazy(_fill, str)


class EDSError(Exception):
    """A signed document was refused. ``code`` is stable; ``message`` (lazy) and ``params`` are for people."""

    def __init__(
        self, code: str, message: Promise | str | None = None, *, params: dict[str, Any] | None = None
    ):
        if code not in ALL_CODES:
            raise ValueError(f"Unknown EDS error code {code!r}")
        self.code = code
        self.params = params or {}
        template = message if message is not None else MESSAGES[code]
        # Still lazy (translated when shown), but with the parameters already in: usable as it is.
        self.message: Promise | str = _interpolate(template, self.params) if self.params else template
        super().__init__(code)

    @property
    def text(self) -> str:
        """The message in the active language."""
        return str(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"

    def __repr__(self) -> str:
        return f"EDSError({self.code!r})"


class DemoSignerDisabled(ImproperlyConfigured):
    """The demo signer was called where it must not run (DEBUG off or EDS_DEMO_SIGNER off)."""


class DemoKeyNotFound(ImproperlyConfigured):
    """The demo signer has no key for this IIN (run ``seed_demo``)."""
