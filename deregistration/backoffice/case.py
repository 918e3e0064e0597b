"""The back-office's cases: the queue (the list), a case's page, and its actions.

Every action is a POST with its CSRF token that calls the same service as the API: ``application_complete``,
``application_reject``, ``slips.slip_issue``. What the service refuses comes back as a message on the case's
page (another operator was faster, the consent window lapsed, the role may not act), never as an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from citizens.admin_base import ServiceOnlyHistoryAdmin
from citizens.admin_lists import BigListMixin
from citizens.iin import is_valid_iin

from .. import rules, selectors, services
from ..constants import CaseType, Channel, QueueScope, Role, SlipStatus, Status, SubjectOutcome
from ..errors import Conflict, NotAllowed, NotFound, Unavailable
from ..models import Application, ApplicationSubject
from ..roles import role_of
from . import intake
from .dashboard import dashboard_view
from .forms import RejectForm, attach_errors
from .queue import CASE_TYPE_SHORT, QueueColumns, queue_scope, term_of


def why_cannot_act(actor: Any, application: Application) -> str:
    """The service's answer when the actor may not act on this case, and whose case it is; "" when they may."""
    try:
        services.check_can_act(actor, application)
    except NotAllowed as refusal:
        role = role_of(actor)
        served = rules.ROLE_CHANNELS.get(role, frozenset()) if role else frozenset()
        if not served:
            return _("%(refusal)s Your role reads cases and does not act on them.") % {
                "refusal": refusal.message
            }
        return _(
            "%(refusal)s This case came through the channel «%(channel)s»; your role serves: %(served)s."
        ) % {
            "refusal": refusal.message,
            "channel": Channel(application.channel).label,
            "served": ", ".join(str(Channel(c).label) for c in Channel if c in served),
        }
    return ""


class CaseAdmin(BigListMixin, QueueColumns, ServiceOnlyHistoryAdmin):
    """Cases: the list is the queue, the change page is the case's own page with its actions."""

    search_fields = ["number"]
    search_help_text = gettext_lazy(
        "A case's number, or the full 12-digit IIN of its applicant or of a person named in it."
    )
    case_template = "admin/deregistration/application/case.html"

    # --- the queue -------------------------------------------------------------------------------------------

    def _is_changelist(self, request: HttpRequest) -> bool:
        match = getattr(request, "resolver_match", None)
        return (
            match is not None and match.url_name == f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        )

    def get_queryset(self, request):
        if self._is_changelist(request):
            return selectors.applications_queue(actor=request.user, scope=queue_scope(request))
        # The case's page loads the case through ``selectors.application_get``; this only finds its number.
        return selectors.applications_visible_to(actor=request.user).prefetch_related(None)

    def changelist_view(self, request, extra_context=None):
        title = QueueScope(queue_scope(request)).label
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_ordering(self, request):
        return selectors.QUEUE_ORDERING[queue_scope(request)]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        if is_valid_iin(term):
            return selectors.applications_naming(queryset, iin=term), False
        return queryset.filter(number=term.upper()), False

    # --- a new case: the walk-in intake (``intake``) ----------------------------------------------------------

    def has_add_permission(self, request):
        return request.user.has_perm("deregistration.add_application")

    def add_view(self, request, form_url="", extra_context=None):
        return intake.start_view(self, request)

    # --- the case page ---------------------------------------------------------------------------------------

    def get_urls(self):
        def posted(func: Callable[..., HttpResponse]):
            """An action: POST only (with the admin's CSRF check and login)."""
            return self.admin_site.admin_view(require_POST(func))

        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/complete/", posted(self.complete_view), name=f"{prefix}_complete"),
            path("<path:object_id>/reject/", posted(self.reject_view), name=f"{prefix}_reject"),
            path(
                "<path:object_id>/subjects/<int:subject_id>/slip/",
                posted(self.slip_issue_view),
                name=f"{prefix}_slip_issue",
            ),
            path("intake/", posted(partial(intake.identify_view, self)), name=f"{prefix}_identify"),
            path(
                "intake/<str:case_type>/<int:person_id>/",
                self.admin_site.admin_view(partial(intake.intake_view, self)),
                name=f"{prefix}_intake",
            ),
            path(
                "dashboard/",
                self.admin_site.admin_view(partial(dashboard_view, self)),
                name=f"{prefix}_dashboard",
            ),
            *super().get_urls(),
        ]

    def _case(self, request: HttpRequest, object_id: str) -> Application:
        """The case, as the service's selector gives it to this actor (the consent window checked, the read
        noted), with everything its page shows loaded in a fixed number of queries."""
        found = self.get_object(request, object_id)
        if found is None:
            raise Http404(_("No such application."))
        try:
            application = selectors.application_get(actor=request.user, number=found.number)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        prefetch_related_objects([application], "documents__scans")
        return application

    def _case_url(self, application: Application) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[application.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied  # a case changes only through its actions, each a service
        if not self.has_view_permission(request):
            raise PermissionDenied
        application = self._case(request, object_id)
        return self._render_case(request, application, RejectForm())

    def _render_case(self, request, application: Application, reject_form: RejectForm, status: int = 200):
        why_not = why_cannot_act(request.user, application)
        can_act = not why_not
        subjects = [
            self._subject_row(application, subject, can_act) for subject in application.subjects.all()
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Case %(number)s") % {"number": application.number},
            "subtitle": None,
            "application": application,
            "case_type_short": CASE_TYPE_SHORT[application.case_type],
            "case_type_label": CaseType(application.case_type).label,
            "term": term_of(application),
            "subjects": subjects,
            "records": [row["record"] for row in subjects if row["record"] is not None],
            "documents": list(application.documents.all()),
            "consents": list(application.consents.all()),
            "can_act": can_act,
            "why_not": why_not,
            "is_open": application.is_open,
            "can_complete": can_act and application.status == Status.SUBMITTED,
            "reject_form": reject_form if can_act and application.is_open else None,
            "rejection_reason_label": dict(rules.OPERATOR_REJECTION_REASON_CHOICES).get(
                application.rejection_reason_code, application.rejection_reason_code
            ),
            "role": role_of(request.user),
            "Role": Role,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.case_template, context, status=status)

    @staticmethod
    def _subject_row(application: Application, subject: ApplicationSubject, can_act: bool) -> dict[str, Any]:
        return {
            "subject": subject,
            "person": subject.person,
            "record": subject.registry_record,
            "slip": getattr(subject, "slip", None),
            "can_issue_slip": can_act
            and subject.outcome == SubjectOutcome.DEREGISTERED
            and subject.slip_status != SlipStatus.ISSUED,
        }

    # --- history ---------------------------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        """Who changed what in the case and when; for a supervisor, also who opened it. Read-only: nothing
        here restores an old version (a case changes only through its actions)."""
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        application = self._case(request, object_id)
        can_audit = request.user.has_perm("citizens.view_auditevent")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("History of case %(number)s") % {"number": application.number},
            "application": application,
            "entries": selectors.application_history(application=application),
            "reads": selectors.application_reads(application=application) if can_audit else None,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/deregistration/application/case_history.html", context)

    # --- actions ---------------------------------------------------------------------------------------------

    def _act(self, request, application: Application, action: Callable[[], Any], done: str) -> HttpResponse:
        """Run a service; its refusals become a message on the case's page."""
        try:
            action()
        except Conflict as conflict:
            messages.warning(request, conflict.message)
        except (NotAllowed, Unavailable) as problem:
            messages.error(request, problem.message)
        else:
            messages.success(request, done)
        return redirect(self._case_url(application))

    def complete_view(self, request, object_id):
        application = self._case(request, object_id)
        return self._act(
            request,
            application,
            lambda: services.application_complete(actor=request.user, application=application),
            _("The persons of case %(number)s were deregistered; the records are in ХҚТ ТП АЖ.")
            % {"number": application.number},
        )

    def reject_view(self, request, object_id):
        application = self._case(request, object_id)
        form = RejectForm(request.POST)
        if form.is_valid():
            try:
                services.application_reject(
                    actor=request.user,
                    application=application,
                    ground=form.cleaned_data["ground"],
                    reason_code=form.cleaned_data["reason_code"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as invalid:
                attach_errors(form, invalid)
            except Conflict as conflict:
                messages.warning(request, conflict.message)
                return redirect(self._case_url(application))
            except NotAllowed as refusal:
                messages.error(request, refusal.message)
                return redirect(self._case_url(application))
            else:
                messages.success(request, _("Case %(number)s was refused.") % {"number": application.number})
                return redirect(self._case_url(application))
        return self._render_case(request, application, form, status=400)

    def slip_issue_view(self, request, object_id, subject_id):
        application = self._case(request, object_id)
        subject = next((s for s in application.subjects.all() if s.pk == subject_id), None)
        if subject is None:
            raise Http404(_("This application names no such person."))
        from ..slips import slip_issue  # the PDF machinery loads only when a slip is issued

        return self._act(
            request,
            application,
            lambda: slip_issue(actor=request.user, subject=subject),
            _("The departure slip of %(name)s was issued.") % {"name": subject.person.full_name},
        )


admin.site.register(Application, CaseAdmin)
