"""The API's views: parse the request, call one service or selector, present the result.

Who may call an endpoint at all is a permission class (401 without credentials, 403 for a role the endpoint
is not for); what a caller may see is the selectors' business (404, never 403, so numbers cannot be probed);
what a caller may do is the services' (403 role_not_allowed, 409 conflicts, 400 with reason codes).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.contrib.auth import authenticate
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from citizens.audit import audit_log, reads_note
from deregistration import selectors, services
from deregistration.constants import ConsentDecision, Role
from deregistration.errors import NotFound
from deregistration.roles import role_of
from deregistration.slips import slip_by_code, slip_issue, slip_pdf
from deregistration.tokens import api_token_issue

from . import presenters, schema
from .permissions import IsCitizen, IsStaff
from .serializers import (
    ApplicationFilterSerializer,
    ApplicationSerializer,
    ApplicationSubmitSerializer,
    ConsentSerializer,
    DwellingSerializer,
    MeSerializer,
    NotificationSerializer,
    RegistryFilterSerializer,
    RegistryRecordSerializer,
    RejectSerializer,
    SignedConsentSerializer,
    SlipSerializer,
    SlipVerificationSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from .throttling import SubmitRateThrottle, TokenRateThrottle

logger = logging.getLogger(__name__)

_NUMBER = re.compile(schema.NUMBER_PATTERN)
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7E]{1,100}")


def parse(serializer_class: type, data: Any) -> dict[str, Any]:
    """The request's data in the serializer's shape, or a 400 naming each field."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def checked_number(value: str, message: str) -> str:
    """A path's number (application, slip): anything that cannot be one is simply not found."""
    if not _NUMBER.fullmatch(value):
        raise NotFound("not_found", message)
    return value


class ApiView(GenericAPIView):
    # Every answer carries personal data or a decision about it: never cached by a browser or a proxy.

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    def paginate_queryset(self, queryset):
        self.listed_model = queryset.model
        return super().paginate_queryset(queryset)

    @property
    def served_rows(self) -> bool:
        """The page was read as rows (``KeysetPagination.served_rows``, ``cabinet_rows``), not as models."""
        return getattr(self.paginator, "served_rows", False)

    def paginated(self, items, present) -> Response:
        """A page of a list, written by ``present``: a serializer class, or for a page served as rows its
        presenter (``presenters``). Its rows are noted as read (``citizens.audit``: one audit row for staff)."""
        reads_note(self.request, items, listing=True, model=getattr(self, "listed_model", None))
        data = present(items) if self.served_rows else present(items, many=True).data
        return self.get_paginated_response(data)


# --- authentication and the caller ------------------------------------------------------------------------


class TokenView(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="Get an API token",
        description=(
            "A citizen's username is their IIN. The token is valid for `API_TOKEN_HOURS` (12 by default) and "
            "until the account's password changes; each sign-in gives a new one. "
            "Throttled per client address. After too many wrong passwords "
            "for one account or from one client address, sign-in is locked for a while: `429` with "
            "`code: locked_out` and `Retry-After`, the same answer whether the account exists or not."
        ),
        auth=[],
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **schema.errors(400, 429)},
        examples=[
            OpenApiExample(
                "Citizen", value={"username": "800315300018", "password": "••••••••"}, request_only=True
            ),
            OpenApiExample(
                "Token", value={"token": "kq3Yx0pU1v8m2c4PZl5d7sWjN9aT6bGeRfHiQo0yXuA"}, response_only=True
            ),
            *schema.error_examples(429),
            OpenApiExample(
                "429: Locked out",
                value={
                    "code": "locked_out",
                    "detail": "Too many failed sign-in attempts. Try again in 15 minutes.",
                    "retry_after": 900,
                },
                response_only=True,
                status_codes=["429"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = parse(TokenRequestSerializer, request.data)
        # Through Django's authenticate with the request, so that django-axes counts and locks (config.security).
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            raise ValidationError(
                {"non_field_errors": [_("Unable to log in with the given username and password.")]},
                code="invalid_credentials",
            )
        token = api_token_issue(user=user)
        audit_log(actor=user, action="auth.token", target=user)
        return Response(TokenSerializer({"token": token}).data)


class MeView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_retrieve",
        tags=["auth"],
        summary="Who am I",
        request=None,
        responses={200: MeSerializer, **schema.errors(401)},
        examples=[
            OpenApiExample(
                "Citizen",
                value={
                    "username": "800315300018",
                    "iin": "800315300018",
                    "full_name": "Ахметов Нұрлан Серікұлы",
                    "role": "citizen",
                },
                response_only=True,
            ),
            *schema.error_examples(401),
        ],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        role = role_of(user)
        person = user.person if role == Role.CITIZEN else None
        me = {
            "username": user.get_username(),
            "iin": person.iin if person else None,
            "full_name": person.full_name if person else (user.get_full_name() or user.get_username()),
            "role": role.value if role else None,
        }
        return Response(MeSerializer(me).data)


# --- dwellings --------------------------------------------------------------------------------------------


class DwellingListView(ApiView):
    permission_classes = [IsAuthenticated, IsCitizen]
    ordering = ("address_code",)

    @extend_schema(
        operation_id="dwellings_list",
        tags=["cabinet"],
        summary="The dwellings I own, with the persons registered there",
        request=None,
        responses={200: DwellingSerializer(many=True), **schema.errors(400, 401, 403)},
        examples=[
            OpenApiExample(
                "One apartment",
                value={
                    "results": [
                        {
                            "address_code": "0201400012345678",
                            "kato": "751110000",
                            "address": "Алматы қаласы, Алмалы ауданы, Абай даңғылы, 10, пәтер 25",
                            "owners": ["800315300018"],
                            "residents": [
                                {
                                    "iin": "850722400028",
                                    "full_name": "Сәрсенбаева Әйгерім Серікқызы",
                                    "kind": "permanent",
                                    "registered_on": "2018-06-01",
                                    "portal_can_deregister": True,
                                    "reason": None,
                                },
                                {
                                    "iin": "900101400013",
                                    "full_name": "Petrova Anna",
                                    "kind": "permanent",
                                    "registered_on": "2020-02-10",
                                    "portal_can_deregister": False,
                                    "reason": {
                                        "code": "channel_not_allowed",
                                        "message": "Foreigners, stateless persons and refugees are deregistered "
                                        "only by the migration service: apply to the migration service (the "
                                        "service provider) at a State Corporation office.",
                                    },
                                },
                            ],
                        }
                    ],
                    "next": None,
                    "previous": None,
                },
                response_only=True,
            ),
            *schema.error_examples(401, 403),
        ],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.dwellings_listed(actor=request.user))
        if self.served_rows:  # the first page: its residents came with it (cabinet_rows)
            return self.paginated(page, presenters.dwellings)
        return self.paginated(
            selectors.with_residents(dwellings=page, actor=request.user), DwellingSerializer
        )


# --- applications -----------------------------------------------------------------------------------------


class ApplicationListView(ApiView):
    permission_classes = [IsAuthenticated]
    ordering = ("-submitted_at", "-id")

    def get_throttles(self):
        return [SubmitRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        operation_id="applications_list",
        tags=["applications"],
        summary="Cases: a citizen's own, or every case for staff",
        request=None,
        parameters=[ApplicationFilterSerializer],
        responses={200: ApplicationSerializer(many=True), **schema.errors(400, 401)},
        examples=[
            OpenApiExample(
                "A page",
                value={"results": [schema.APPLICATION], "next": None, "previous": None},
                response_only=True,
            ),
            *schema.error_examples(401),
        ],
    )
    def get(self, request: Request) -> Response:
        # No query string, no filters: the filter serializer (~85 µs of field copies) is not made for nothing.
        filters = parse(ApplicationFilterSerializer, request.query_params) if request.query_params else {}
        page = self.paginate_queryset(selectors.applications_listed(actor=request.user, **filters))
        if self.served_rows:  # the first page: lapses already seen to (cabinet_rows)
            return self.paginated(page, presenters.applications)
        return self.paginated(
            selectors.applications_shown(actor=request.user, applications=page), ApplicationSerializer
        )

    @extend_schema(
        operation_id="applications_create",
        tags=["applications"],
        summary="Submit a case",
        description=(
            "A citizen submits an owner's application on the portal (`channel: portal`) with `signed_request`; "
            "it completes at once unless co-owners must consent (`awaiting_consent`). Staff submit walk-in "
            "cases with the documents of the case's checklist. 201 for a new case, 200 for a replay of the "
            "same `Idempotency-Key` and body. Throttled per user."
        ),
        parameters=[schema.IDEMPOTENCY_KEY],
        request=ApplicationSubmitSerializer,
        responses={
            201: OpenApiResponse(ApplicationSerializer, description="A new case."),
            200: OpenApiResponse(
                ApplicationSerializer, description="The case first submitted with this key."
            ),
            **schema.errors(400, 401, 403, 409, 429),
        },
        examples=[
            OpenApiExample(
                "Portal, signed by the owner",
                value={
                    "case_type": "owner_application",
                    "channel": "portal",
                    "address_code": "0201400012345678",
                    "applicant_iin": "800315300018",
                    "subjects": ["850722400028"],
                    "issue_slip": True,
                    "signed_request": schema.SIGNED_REQUEST,
                },
                request_only=True,
            ),
            OpenApiExample("Walk-in, State Corporation", value=schema.WALK_IN, request_only=True),
            OpenApiExample(
                "Walk-in, a co-owner consenting at the counter by a notarised consent",
                value=schema.WALK_IN_WITH_COUNTER_CONSENT,
                request_only=True,
            ),
            OpenApiExample("Completed", value=schema.APPLICATION, response_only=True, status_codes=["201"]),
            *schema.error_examples(400, 401, 403, 429),
            OpenApiExample(
                "400: Missing documents",
                value=schema.MISSING_DOCUMENTS,
                response_only=True,
                status_codes=["400"],
            ),
            OpenApiExample(
                "409: Replayed nonce",
                value={
                    "code": "nonce_replayed",
                    "detail": "This signed request has already been used.",
                    "field": "signed_request",
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        if key and not _IDEMPOTENCY_KEY.fullmatch(key):
            raise ValidationError(
                {"Idempotency-Key": [_("Use 1 to 100 visible ASCII characters.")]}, code="invalid"
            )
        data = parse(ApplicationSubmitSerializer, request.data)
        result = services.application_submit(actor=request.user, idempotency_key=key, **data)
        application = (
            result.application
            if result.loaded  # the case just stored and completed, with what the answer shows
            else selectors.applications_visible_to(actor=request.user).get(pk=result.application.pk)
        )
        headers = {"Location": reverse("api:application-detail", args=[application.number])}
        return Response(
            ApplicationSerializer(application).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
            headers=headers,
        )


_NUMBER_PARAMETER = schema.path("number", "The application's number.")


class ApplicationDetailView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="applications_retrieve",
        tags=["applications"],
        summary="One case",
        parameters=[_NUMBER_PARAMETER],
        request=None,
        responses={200: ApplicationSerializer, **schema.errors(401, 404)},
        examples=[
            OpenApiExample("Completed", value=schema.APPLICATION, response_only=True),
            *schema.error_examples(401, 404),
        ],
    )
    def get(self, request: Request, number: str) -> Response:
        checked_number(number, _("No such application."))
        application = selectors.application_get(actor=request.user, number=number)
        return Response(ApplicationSerializer(application).data)


class ApplicationCompleteView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="applications_complete",
        tags=["applications"],
        summary="Deregister every subject of a submitted case",
        description="Staff of the role that serves the case's channel; a supervisor reads only.",
        parameters=[_NUMBER_PARAMETER],
        request=None,
        responses={200: ApplicationSerializer, **schema.errors(401, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "Completed",
                value={**schema.APPLICATION, "channel": "state_corporation", "issue_slip": False},
                response_only=True,
            ),
            *schema.error_examples(401, 403, 404, 409),
        ],
    )
    def post(self, request: Request, number: str) -> Response:
        checked_number(number, _("No such application."))
        application = selectors.application_get(actor=request.user, number=number)
        application = services.application_complete(actor=request.user, application=application)
        application = selectors.applications_visible_to(actor=request.user).get(pk=application.pk)
        return Response(ApplicationSerializer(application).data)


class ApplicationRejectView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="applications_reject",
        tags=["applications"],
        summary="Refuse an open case, with its legal ground and reason code",
        description="`ground` may be left out: it follows from `reason_code`. `other` needs a comment.",
        parameters=[_NUMBER_PARAMETER],
        request=RejectSerializer,
        responses={200: ApplicationSerializer, **schema.errors(400, 401, 403, 404, 409)},
        examples=[
            OpenApiExample(
                "Unreliable documents",
                value={
                    "ground": "unreliable_documents",
                    "reason_code": "unreliable_data",
                    "comment": "The application form does not match the identity document.",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Rejected",
                value={
                    **schema.APPLICATION,
                    "channel": "state_corporation",
                    "status": "rejected",
                    "completed_at": None,
                    "subjects": [{**schema.APPLICATION["subjects"][0], "outcome": "refused"}],
                    "rejection": {
                        "ground": "unreliable_documents",
                        "reason_code": "unreliable_data",
                        "reason": "The application form does not match the identity document.",
                    },
                },
                response_only=True,
            ),
            *schema.error_examples(400, 401, 403, 404, 409),
        ],
    )
    def post(self, request: Request, number: str) -> Response:
        checked_number(number, _("No such application."))
        application = selectors.application_get(actor=request.user, number=number)
        data = parse(RejectSerializer, request.data)
        application = services.application_reject(actor=request.user, application=application, **data)
        application = selectors.applications_visible_to(actor=request.user).get(pk=application.pk)
        return Response(ApplicationSerializer(application).data)


# --- the personal cabinet ---------------------------------------------------------------------------------

_NOTIFICATION = {
    "id": 311,
    "kind": "application_completed",
    "title": "Persons deregistered from your address",
    "body": "Application DR-20261127-K7Q29X: the persons who did not live at your address … were deregistered.",
    "application_number": "DR-20261127-K7Q29X",
    "created_at": "2026-11-27T10:00:06+05:00",
    "read_at": None,
}


class NotificationListView(ApiView):
    permission_classes = [IsAuthenticated, IsCitizen]
    ordering = ("-created_at", "-id")

    @extend_schema(
        operation_id="notifications_list",
        tags=["cabinet"],
        summary="My notifications, newest first",
        request=None,
        responses={200: NotificationSerializer(many=True), **schema.errors(400, 401, 403)},
        examples=[
            OpenApiExample(
                "A page",
                value={"results": [_NOTIFICATION], "next": None, "previous": None},
                response_only=True,
            ),
            *schema.error_examples(401, 403),
        ],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.notifications_for(actor=request.user))
        return self.paginated(page, NotificationSerializer)


class NotificationReadView(ApiView):
    permission_classes = [IsAuthenticated, IsCitizen]

    @extend_schema(
        operation_id="notifications_read",
        tags=["cabinet"],
        summary="Mark a notification as read",
        parameters=[schema.path("id", "The notification's id.", kind=OpenApiTypes.INT)],
        request=None,
        responses={200: NotificationSerializer, **schema.errors(401, 403, 404)},
        examples=[
            OpenApiExample(
                "Read", value={**_NOTIFICATION, "read_at": "2026-11-27T10:05:00+05:00"}, response_only=True
            ),
            *schema.error_examples(401, 403),
            OpenApiExample(
                "404: Not found",
                value={"code": "not_found", "detail": "No such notification."},
                response_only=True,
                status_codes=["404"],
            ),
        ],
    )
    def post(self, request: Request, id: int) -> Response:
        notification = selectors.notification_get(actor=request.user, notification_id=id)
        notification = services.notification_mark_read(actor=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)


class ConsentListView(ApiView):
    permission_classes = [IsAuthenticated, IsCitizen]
    ordering = ("-expires_at", "-id")

    @extend_schema(
        operation_id="consents_list",
        tags=["cabinet"],
        summary="Co-owners' consent requests addressed to me",
        request=None,
        responses={200: ConsentSerializer(many=True), **schema.errors(400, 401, 403)},
        examples=[
            OpenApiExample(
                "A page",
                value={"results": [schema.CONSENT], "next": None, "previous": None},
                response_only=True,
            ),
            *schema.error_examples(401, 403),
        ],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.consents_list(actor=request.user))
        return self.paginated(selectors.consents_shown(actor=request.user, consents=page), ConsentSerializer)


class _ConsentDecisionView(ApiView):
    permission_classes = [IsAuthenticated, IsCitizen]
    decision: str

    def post(self, request: Request, id: int) -> Response:
        consent = selectors.consent_get(actor=request.user, consent_id=id)
        data = parse(SignedConsentSerializer, request.data)
        services.consent_decide(
            actor=request.user, consent=consent, decision=self.decision, signed_consent=data["signed_consent"]
        )
        return Response(ConsentSerializer(selectors.consent_get(actor=request.user, consent_id=id)).data)


def _consent_schema(decision: str, verb: str):
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"consents_{verb}",
            tags=["cabinet"],
            summary=f"{verb.capitalize()} an owner's application, signed with my EDS",
            description=f"The signed consent's `decision` must be `{verb}`.",
            parameters=[schema.path("id", "The consent request's id.", kind=OpenApiTypes.INT)],
            request=SignedConsentSerializer,
            responses={200: ConsentSerializer, **schema.errors(400, 401, 403, 404, 409)},
            examples=[
                OpenApiExample(
                    "Signed consent",
                    value={"signed_consent": schema.SIGNED_CONSENT.replace("approve", verb)},
                    request_only=True,
                ),
                OpenApiExample(
                    "Answered",
                    value={**schema.CONSENT, "decision": decision, "decided_at": "2026-11-27T10:02:01+05:00"},
                    response_only=True,
                ),
                *schema.error_examples(400, 401, 403),
                OpenApiExample(
                    "404: Not found",
                    value={"code": "not_found", "detail": "No such consent request."},
                    response_only=True,
                    status_codes=["404"],
                ),
                OpenApiExample(
                    "409: Already answered",
                    value={
                        "code": "consent_already_answered",
                        "detail": "This consent request has already been answered or has lapsed.",
                    },
                    response_only=True,
                    status_codes=["409"],
                ),
            ],
        )
    )


@_consent_schema(ConsentDecision.APPROVED, "approve")
class ConsentApproveView(_ConsentDecisionView):
    decision = ConsentDecision.APPROVED


@_consent_schema(ConsentDecision.DECLINED, "decline")
class ConsentDeclineView(_ConsentDecisionView):
    decision = ConsentDecision.DECLINED


# --- the register (ХҚТ ТП АЖ) -----------------------------------------------------------------------------


class RegistryRecordListView(ApiView):
    permission_classes = [IsAuthenticated, IsStaff]
    ordering = ("-recorded_at", "-id")

    @extend_schema(
        operation_id="registry_records_list",
        tags=["register"],
        summary="ХҚТ ТП АЖ records, newest first (staff; each read is logged)",
        request=None,
        parameters=[RegistryFilterSerializer],
        responses={200: RegistryRecordSerializer(many=True), **schema.errors(400, 401, 403)},
        examples=[
            OpenApiExample(
                "A page",
                value={
                    "results": [
                        {
                            "id": 1042,
                            "iin": "850722400028",
                            "full_name": "Сәрсенбаева Әйгерім Серікқызы",
                            "address_code": "0201400012345678",
                            "kato": "751110000",
                            "address": "Алматы қаласы, Алмалы ауданы, Абай даңғылы, 10, пәтер 25",
                            "case_type": "owner_application",
                            "reason": "owner_application",
                            "basis": "Owner's application No. DR-20261127-K7Q29X …, signed with EDS on the portal",
                            "application_number": "DR-20261127-K7Q29X",
                            "registered_on": "2018-06-01",
                            "effective_date": "2026-11-27",
                            "recorded_at": "2026-11-27T10:00:06+05:00",
                            "channel": "portal",
                        }
                    ],
                    "next": None,
                    "previous": None,
                },
                response_only=True,
            ),
            *schema.error_examples(400, 401, 403),
        ],
    )
    def get(self, request: Request) -> Response:
        filters = parse(RegistryFilterSerializer, request.query_params)
        records = selectors.registry_records(actor=request.user, iin=filters.get("iin"))
        page = self.paginate_queryset(records)
        return self.paginated(page, RegistryRecordSerializer)


# --- departure slips --------------------------------------------------------------------------------------


class SlipIssueView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="slips_issue",
        tags=["slips"],
        summary="Issue the departure slip of a deregistered subject who has none",
        description=(
            "Staff of the role that serves the case's channel. If the slip cannot be rendered or sealed the "
            "answer is 503 (`slip_render_failed`, `slip_seal_failed`) and nothing is stored: try again."
        ),
        parameters=[
            _NUMBER_PARAMETER,
            schema.path("iin", "The subject's IIN.", pattern=r"^[0-9]{12}$"),
        ],
        request=None,
        responses={201: SlipSerializer, **schema.errors(401, 403, 404, 409, 503)},
        examples=[
            OpenApiExample("Issued", value=schema.SLIP, response_only=True, status_codes=["201"]),
            *schema.error_examples(401, 403, 404, 503),
            OpenApiExample(
                "409: Already issued",
                value={
                    "code": "slip_already_issued",
                    "detail": "This person's departure slip has already been issued.",
                },
                response_only=True,
                status_codes=["409"],
            ),
        ],
    )
    def post(self, request: Request, number: str, iin: str) -> Response:
        checked_number(number, _("No such application."))
        application = selectors.application_get(actor=request.user, number=number)
        subject = selectors.application_subject_get(application=application, iin=iin)
        slip = slip_issue(actor=request.user, subject=subject)
        return Response(SlipSerializer(slip).data, status=status.HTTP_201_CREATED)


_SLIP_PARAMETER = schema.path("number", "The slip's number.")


class SlipDetailView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="slips_retrieve",
        tags=["slips"],
        summary="A departure slip (the applicant, the person, staff)",
        parameters=[_SLIP_PARAMETER],
        request=None,
        responses={200: SlipSerializer, **schema.errors(401, 404)},
        examples=[
            OpenApiExample("Slip", value=schema.SLIP, response_only=True),
            *schema.error_examples(401),
            OpenApiExample(
                "404: Not found",
                value={"code": "not_found", "detail": "No such departure slip."},
                response_only=True,
                status_codes=["404"],
            ),
        ],
    )
    def get(self, request: Request, number: str) -> Response:
        checked_number(number, _("No such departure slip."))
        return Response(SlipSerializer(selectors.slip_get(actor=request.user, number=number)).data)


class SlipPdfView(ApiView):
    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # The PDF is sent as is; errors are JSON whatever the client asked for.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="slips_pdf",
        tags=["slips"],
        summary="The departure slip as issued (PDF, sealed)",
        description="Exactly the stored bytes (their SHA-256 is the slip's `sha256`). Each download is logged.",
        parameters=[_SLIP_PARAMETER],
        request=None,
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The sealed PDF."),
            **schema.errors(401, 404, 503),
        },
        examples=[
            *schema.error_examples(401),
            OpenApiExample(
                "404: Not found",
                value={"code": "not_found", "detail": "No such departure slip."},
                response_only=True,
                status_codes=["404"],
            ),
            OpenApiExample(
                "503: Unavailable",
                value={"code": "slip_unavailable", "detail": "The stored slip cannot be read now."},
                response_only=True,
                status_codes=["503"],
            ),
        ],
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        checked_number(number, _("No such departure slip."))
        slip = selectors.slip_get(actor=request.user, number=number)
        document = slip_pdf(actor=request.user, slip=slip)
        response = HttpResponse(document, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, f"{slip.number}.pdf")
        response["Content-Length"] = str(len(document))
        return response


class SlipVerifyView(ApiView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="slips_verify",
        tags=["slips"],
        summary="Is this departure slip genuine? (anyone)",
        description="The code printed on the slip and in its QR code. Shows the number, date and initials only.",
        auth=[],
        parameters=[
            schema.path(
                "code",
                "The verification code (case and dashes do not matter).",
                pattern=r"^[A-Za-z0-9-]{1,64}$",
            )
        ],
        request=None,
        responses={200: SlipVerificationSerializer, **schema.errors(404)},
        examples=[
            OpenApiExample(
                "Genuine",
                value={
                    "genuine": True,
                    "number": "KP-20261127-1A2B3C4D",
                    "issued_at": "2026-11-27T10:00:07+05:00",
                    "initials": "С.Ә.С.",
                },
                response_only=True,
            ),
            OpenApiExample(
                "404: Never issued",
                value={"code": "not_found", "detail": "No departure slip was issued with this code."},
                response_only=True,
                status_codes=["404"],
            ),
        ],
    )
    def get(self, request: Request, code: str) -> Response:
        if len(code) > 64:
            raise NotFound("not_found", _("No departure slip was issued with this code."))
        slip = slip_by_code(code=code)
        verification = {
            "genuine": True,
            "number": slip.number,
            "issued_at": slip.issued_at,
            "initials": slip.subject.person.initials,
        }
        return Response(SlipVerificationSerializer(verification).data)


# --- addresses no view answers, and crashes -----------------------------------------------------------------


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    """``handler404``: JSON under /api/ (an address no endpoint has), Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views import defaults

    if _is_api(request):
        return JsonResponse({"code": "not_found", "detail": _("No such address in the API.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """``handler500``: JSON under /api/ (the error itself is logged by Django), Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views import defaults

    if _is_api(request):
        return JsonResponse(
            {"code": "server_error", "detail": _("Internal error. It has been logged.")}, status=500
        )
    return defaults.server_error(request)
