"""The base classes of every admin page of the portal: reads audited, writes only through the services.

- ``AuditedReadsAdmin``: notes what a page shows (``citizens.audit.reads_note``): the rows of a list page with its
  query, the object of a detail, history or delete page with its inlines, the answers of an autocomplete field.
  The request's notes become one audit row (``ReadAuditMiddleware``).
- ``ServiceOnlyAdmin``: ``AuditedReadsAdmin`` that refuses the admin's own add, change and delete, for every user
  including the superuser: a case, a subject, a register record, a slip, an audit row or a person changes only
  through a service (a back-office action that calls one, ``import_population`` for the population register).
  Subclass it and add views or actions that call services.
- ``ServiceOnlyHistoryAdmin``: the same for models with django-simple-history: the history pages are read-only,
  and the "revert" form refuses every POST (``SIMPLE_HISTORY_REVERT_DISABLED`` only hides its button).
- ``ReadOnlyInline``: an inline that shows rows and never adds, changes or deletes them.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .audit import reads_note


def _is_autocomplete(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


class AuditedReadsAdmin:
    """Mix into a ``ModelAdmin`` (first): every page that shows rows of this model notes them for the audit."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        reads_note(request, changelist.result_list, listing=True)
        return changelist

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            reads_note(request, [obj])
        return obj

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        for formset in formsets:
            reads_note(request, [form.instance for form in formset.initial_forms])
        return super().get_inline_formsets(request, formsets, inline_instances, obj)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        if _is_autocomplete(request):
            # An autocomplete field's answer lists rows as "name (IIN)": a list read like any other.
            page = paginator.page

            def noted_page(number):
                result = page(number)
                reads_note(request, result.object_list, listing=True)
                return result

            paginator.page = noted_page
        return paginator


class NoWrites:
    """Nobody, not even the superuser, adds, changes or deletes rows through this admin class."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceOnlyAdmin(NoWrites, AuditedReadsAdmin, admin.ModelAdmin):
    """Read-only pages for every user: add, change and delete are the services' business, never the admin
    forms'. POSTs to ``add/``, ``<pk>/change/`` and ``<pk>/delete/`` answer 403; bulk delete is gone."""


class ServiceOnlyHistoryAdmin(ServiceOnlyAdmin, SimpleHistoryAdmin):
    """``ServiceOnlyAdmin`` with django-simple-history's pages, which only ever show past versions."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The form saves the old version on POST after checking only the view permission: never accept one.
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request, template, context, **kwargs):
        # The history list and one past version show the object as it is and as it was.
        shown = context.get("original") or context.get("object")
        if shown is not None:
            reads_note(request, [shown])
        if context.get("page_obj") is not None:
            reads_note(request, context["page_obj"].object_list)
        return super().render_history_view(request, template, context, **kwargs)


class ReadOnlyInline(NoWrites, admin.TabularInline):
    """Rows shown under a record, never added, changed or deleted here."""

    extra = 0
    can_delete = False
