"""One exception handler for the whole API: every error leaves in one of two shapes.

- 400: ``{"code": "invalid", "detail", "errors": {field: [{"code", "message"}]}, "reason_code", "ground"}``
  where ``reason_code`` is the first error's code and ``ground`` its art. 19 ground (``rules.ground_for``);
- every other status: ``{"code", "detail"}`` (plus ``field`` when the service named one).

The services raise Django's ``ValidationError`` (400) and the domain errors ``NotAllowed`` (403), ``NotFound``
(404) and ``Conflict`` (409); DRF raises its own. Messages were translated when they were raised (services use
``gettext`` in the request's language, which ``LocaleMiddleware`` activated); DRF's lazy messages are rendered
here, in the same language.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from deregistration import rules
from deregistration.errors import Conflict, NotAllowed, NotFound, ServiceError, Unavailable

logger = logging.getLogger(__name__)

INVALID = "invalid"
SERVICE_STATUS = {
    NotAllowed: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


# --- errors as {field: [{"code", "message"}]} ---------------------------------------------------------------


def _django_message(error: DjangoValidationError) -> str:
    message = error.message
    if error.params:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            message = message % error.params
    return str(message)


# Parameters of a service's error that a client may read besides its code (``services.document_error``).
PUBLISHED_PARAMS = ("document", "iin")


def _from_django(exc: DjangoValidationError) -> dict[str, list[dict[str, str]]]:
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    source = exc.error_dict.items() if hasattr(exc, "error_dict") else [(non_field, exc.error_list)]
    errors: dict[str, list[dict[str, str]]] = {}
    for field, items in source:
        key = non_field if field == "__all__" else field
        for item in items:
            entry = {"code": item.code or INVALID, "message": _django_message(item)}
            params = item.params if isinstance(item.params, Mapping) else {}
            entry.update({name: str(params[name]) for name in PUBLISHED_PARAMS if params.get(name)})
            errors.setdefault(key, []).append(entry)
    return errors


def _flatten_drf(detail: Any, path: str, errors: dict[str, list[dict[str, str]]]) -> None:
    """DRF's nested details (``{"documents": {0: {"issued_on": [...]}}}``) as ``documents[0].issued_on``."""
    if isinstance(detail, Mapping):
        if set(detail) == {"message", "code"}:
            key = path or api_settings.NON_FIELD_ERRORS_KEY
            errors.setdefault(key, []).append(
                {"code": str(detail["code"]), "message": str(detail["message"])}
            )
            return
        for key, value in detail.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                child = f"{path}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY and path:
                child = path
            else:
                child = f"{path}.{key}" if path else str(key)
            _flatten_drf(value, child, errors)
    elif isinstance(detail, list | tuple):
        if all(isinstance(item, Mapping) and set(item) == {"message", "code"} for item in detail):
            for item in detail:
                _flatten_drf(item, path, errors)
        else:
            # A list serializer's errors: one entry per item, empty for the valid ones.
            for index, item in enumerate(detail):
                if item:
                    _flatten_drf(item, f"{path}[{index}]", errors)


def _from_drf(exc: exceptions.APIException) -> dict[str, list[dict[str, str]]]:
    errors: dict[str, list[dict[str, str]]] = {}
    full = exc.get_full_details()
    if isinstance(full, Mapping) and set(full) == {"message", "code"}:
        full = {api_settings.NON_FIELD_ERRORS_KEY: [full]}
    _flatten_drf(full, "", errors)
    return errors


def invalid_body(errors: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    """The 400 body: the summary names every field; the reason code and ground are the first error's."""
    first = next((items[0] for items in errors.values() if items), {"code": INVALID, "message": ""})
    reason_code = first["code"]
    fields = ", ".join(errors)
    return {
        "code": INVALID,
        "detail": _("Invalid input: %(fields)s.") % {"fields": fields} if fields else _("Invalid input."),
        "errors": errors,
        "reason_code": reason_code,
        "ground": str(rules.ground_for(reason_code).value),
    }


# --- the handler ----------------------------------------------------------------------------------------------


def _error(status_code: int, code: str, detail: Any, **extra: Any) -> Response:
    body = {"code": str(code), "detail": str(detail), **{k: v for k, v in extra.items() if v is not None}}
    return Response(body, status=status_code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: map every known error to its status and body; unknown ones stay 500s."""
    response: Response | None = None
    if isinstance(exc, DjangoValidationError):
        response = Response(invalid_body(_from_django(exc)), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, ServiceError):
        status_code = next((s for cls, s in SERVICE_STATUS.items() if isinstance(exc, cls)), 400)
        response = _error(status_code, exc.code, exc.message, field=exc.field)
    elif isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        response = Response(invalid_body(_from_drf(exc)), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, Http404):
        response = _error(status.HTTP_404_NOT_FOUND, "not_found", exceptions.NotFound.default_detail)
    elif isinstance(exc, PermissionDenied):
        response = _error(
            status.HTTP_403_FORBIDDEN, "permission_denied", exceptions.PermissionDenied.default_detail
        )
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        detail = exc.detail if isinstance(exc.detail, str) else exc.default_detail
        extra: dict[str, Any] = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            extra["retry_after"] = int(exc.wait)
        response = _error(exc.status_code, code, detail, **extra)
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            response["Retry-After"] = str(int(exc.wait))
    if response is not None:
        set_rollback()
    return response
