"""The owner's application while it is being filled in: kept in the session, one draft per id.

The state lives on the server, keyed by a random draft id in the URL, so going back and forth (or the back
button) only ever shows a step of the same draft; a second tab starts a draft of its own. The draft carries
the idempotency key its submission is made with, so a double click on "sign and send" makes one application.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from django.http import Http404
from django.utils import timezone

SESSION_KEY = "portal_drafts"
MAX_DRAFTS = 5  # the oldest is dropped beyond this: a session never grows without bound
SIGNABLE_FOR = dt.timedelta(minutes=5)  # the request to sign is rebuilt after this (signatures older
# than EDS_MAX_CLOCK_SKEW_MINUTES are refused; this leaves the citizen time to sign what they see)


@dataclass
class PendingSignature:
    """The time and nonce of a document shown for signing; the document is rebuilt from them identically."""

    requested_at: str = ""
    nonce: str = ""

    def current(self, now: dt.datetime) -> bool:
        return bool(self.nonce) and now - dt.datetime.fromisoformat(self.requested_at) < SIGNABLE_FOR

    def renew(self, now: dt.datetime) -> None:
        self.requested_at = now.isoformat()
        self.nonce = secrets.token_hex(16)

    @property
    def requested_at_datetime(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.requested_at)


@dataclass
class Draft:
    id: str
    address_code: str = ""
    subjects: list[str] = field(default_factory=list)
    issue_slip: bool = False
    confirmed: bool = False
    signature: PendingSignature = field(default_factory=PendingSignature)
    idempotency_key: str = ""
    application_number: str = ""
    created_at: str = ""

    @property
    def submitted(self) -> bool:
        return bool(self.application_number)

    def signature_document(self) -> PendingSignature:
        """The pending signature's time and nonce, renewed when missing or too old to be signed now."""
        now = timezone.now()
        if not self.signature.current(now):
            self.signature.renew(now)
        return self.signature

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        data = dict(data)
        data["signature"] = PendingSignature(**data.get("signature", {}))
        return cls(**data)


def _drafts(session: Any) -> dict[str, Any]:
    return session.get(SESSION_KEY, {})


def draft_new(session: Any, *, address_code: str) -> Draft:
    draft = Draft(
        id=secrets.token_urlsafe(9),
        address_code=address_code,
        idempotency_key=f"portal-{secrets.token_hex(12)}",
        created_at=timezone.now().isoformat(),
    )
    draft_save(session, draft)
    return draft


def draft_get(session: Any, draft_id: str) -> Draft:
    """This session's draft, or 404: another session's draft id means nothing here."""
    data = _drafts(session).get(draft_id)
    if data is None:
        raise Http404("No such draft.")
    return Draft.from_dict(data)


def draft_save(session: Any, draft: Draft) -> None:
    drafts = {k: v for k, v in _drafts(session).items() if k != draft.id}
    drafts[draft.id] = asdict(draft)
    while len(drafts) > MAX_DRAFTS:
        others = [k for k in drafts if k != draft.id]
        oldest = min(others, key=lambda k: drafts[k].get("created_at", ""))
        del drafts[oldest]
    session[SESSION_KEY] = drafts
