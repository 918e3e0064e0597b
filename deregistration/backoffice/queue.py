"""The operators' queue: open cases, the oldest deadline first, with the time each has left.

The list is ``selectors.applications_queue`` (one's own queue first); this module only presents it: its
filters, its columns and how the term reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from citizens.admin_lists import RegionFilter

from .. import rules, selectors
from ..constants import CaseType, Channel, QueueScope, SlipStatus, Status
from ..models import Application

# Short names for the columns of a 1280-pixel screen; the case page gives the full ones.
CASE_TYPE_SHORT = {
    CaseType.OWNER_APPLICATION: gettext_lazy("Owner's application"),
    CaseType.EMIGRATION: gettext_lazy("Leaving the country"),
    CaseType.COURT_DECISION: gettext_lazy("Court decision"),
}
CHANNEL_SHORT = {
    Channel.PORTAL: gettext_lazy("Portal"),
    Channel.STATE_CORPORATION: gettext_lazy("State Corporation"),
    Channel.SERVICE_PROVIDER: gettext_lazy("Migration service"),
}


def queue_scope(request) -> str:
    value = request.GET.get(QueueFilter.parameter_name, "")
    return value if value in QueueScope.values else QueueScope.MINE


class QueueFilter(admin.SimpleListFilter):
    """My queue (the default), every open case, or every case. The selector applies it; this only offers it."""

    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return QueueScope.choices

    def queryset(self, request, queryset):
        return queryset

    def choices(self, changelist):
        current = self.value() or QueueScope.MINE
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class CaseRegionFilter(RegionFilter):
    """The region of the case's dwelling."""

    kato_field = "dwelling__kato"


class SlipFilter(admin.SimpleListFilter):
    """Cases with a departure slip that could not be made: someone issues it again."""

    title = gettext_lazy("departure slip")
    parameter_name = "slip"

    def lookups(self, request, model_admin):
        return [(SlipStatus.FAILED, gettext_lazy("Not made: issue again"))]

    def queryset(self, request, queryset):
        if self.value() == SlipStatus.FAILED:
            return selectors.applications_with_slip_status(queryset, slip_status=SlipStatus.FAILED)
        return queryset


def _minutes(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes >= 60:
        return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}
    return _("%(minutes)d min") % {"minutes": minutes}


@dataclass(frozen=True)
class Term:
    """How a case stands against its term, for a person to read: a marker (CSS class) and a phrase."""

    state: str
    text: str


def term_of(application: Application, now: dt.datetime | None = None) -> Term:
    now = now or timezone.now()
    if application.status == Status.AWAITING_CONSENT:
        until = timezone.localtime(application.consent_expires_at)
        return Term("waiting", _("co-owners answer by %(time)s") % {"time": f"{until:%H:%M}"})
    if application.status == Status.COMPLETED:
        done = timezone.localtime(application.completed_at)
        return Term("done", _("completed %(time)s") % {"time": f"{done:%d.%m %H:%M}"})
    if application.status == Status.REJECTED:
        return Term("done", _("refused"))
    state = rules.deadline_state(deadline_at=application.deadline_at, now=now)
    left = application.deadline_at - now
    if state == rules.DEADLINE_OVERDUE:
        return Term(state, _("overdue by %(time)s") % {"time": _minutes(left)})
    deadline = f"{timezone.localtime(application.deadline_at):%H:%M}"
    return Term(state, _("%(time)s left, by %(deadline)s") % {"time": _minutes(left), "deadline": deadline})


class QueueColumns:
    """The queue's columns: what an operator needs to pick the next case, within 1280 pixels."""

    list_display = ["number", "kind", "channel_short", "status", "applicant_name", "region", "term"]
    list_display_links = ["number"]
    list_filter = [QueueFilter, "status", "case_type", "channel", CaseRegionFilter, SlipFilter]
    list_per_page = 50

    @admin.display(description=gettext_lazy("kind of case"))
    def kind(self, obj: Application) -> str:
        return str(CASE_TYPE_SHORT[obj.case_type])

    @admin.display(description=gettext_lazy("channel"))
    def channel_short(self, obj: Application) -> str:
        return str(CHANNEL_SHORT[obj.channel])

    @admin.display(description=gettext_lazy("applicant"))
    def applicant_name(self, obj: Application) -> str:
        return obj.applicant.full_name

    @admin.display(description=gettext_lazy("region"))
    def region(self, obj: Application) -> str:
        return obj.dwelling.region

    @admin.display(description=gettext_lazy("term"))
    def term(self, obj: Application) -> str:
        term = term_of(obj)
        return format_html('<span class="term term-{}">{}</span>', term.state, term.text)
