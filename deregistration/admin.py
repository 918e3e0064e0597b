"""The back-office (the Django admin): its pages live in ``deregistration.backoffice``; importing them here
registers them with the admin site."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from .backoffice import case, registry  # noqa: F401
from .portal.forms import BoundedUsername


class StaffLoginForm(BoundedUsername, AdminAuthenticationForm):
    """The admin's sign-in, with the username's length checked (``BoundedUsername``)."""


admin.site.login_form = StaffLoginForm

admin.site.site_header = _("Back-office: deregistration from the place of residence")
admin.site.site_title = _("Back-office")
admin.site.index_title = _("Back-office")
# The back-office's own links head every page; the admin's side bar would take a third of a 1280-pixel screen.
admin.site.enable_nav_sidebar = False
