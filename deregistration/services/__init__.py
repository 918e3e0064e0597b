"""The service layer: every change to a case goes through these functions, whichever door it came in by.

The portal's pages, the back-office (admin) and the API parse and present; the rules are applied here
(with the tables of ``rules.py``), and the database's constraints hold what can be held there.

Errors: ``django.core.exceptions.ValidationError`` with a ``{field: [error]}`` dict and stable codes for
bad input (400); ``errors.NotAllowed`` (403), ``errors.NotFound`` (404), ``errors.Conflict`` (409).
A service that raises leaves nothing behind.

One module per use case: ``submission`` (a case's request parsed, checked and stored, with its documents and the
counter consents in ``documents``), ``completion`` (the register written, or the case refused, by an operator, by
the portal's automation or by the lapse of a consent window), ``consents`` (a co-owner's signed answer) and
``cabinet``; ``common`` holds what they share. The doors import from here.
"""

from .cabinet import notification_mark_read
from .common import SubmitResult
from .completion import application_complete, application_reject, check_can_act, consents_lapse, lapse_if_due
from .consents import consent_decide
from .documents import document_error
from .submission import application_submit, not_registered_here

__all__ = [
    "SubmitResult",
    "application_complete",
    "application_reject",
    "application_submit",
    "check_can_act",
    "consent_decide",
    "consents_lapse",
    "document_error",
    "lapse_if_due",
    "not_registered_here",
    "notification_mark_read",
]
