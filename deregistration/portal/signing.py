"""The three ways to sign on the portal, shared by the owner's application and the co-owner's consent.

1. NCALayer (``static/portal/portal.js``): the page asks it to sign the XML shown and posts the signed XML
   in the text field (``signed_request``, or ``signed_consent`` for a consent);
2. without NCALayer or JavaScript: the XML is downloaded, signed with any tool (``manage.py sign_request``
   too) and uploaded in ``signed_file``;
3. with DEBUG and ``EDS_DEMO_SIGNER``: a "sign with the demo key" button signs on the server.

Whatever the way, the signed document goes to the service unchanged, which verifies it; its refusals come
back beside the field that carried the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from deregistration import eds
from deregistration.eds.xmlsafe import MAX_DOCUMENT_BYTES
from deregistration.errors import ServiceError

DEMO = "demo"


class SignForm(forms.Form):
    """The signed document, pasted or put there by NCALayer (``text_field``), or uploaded (``signed_file``)."""

    text_field = "signed_request"
    signed_file = forms.FileField(
        label=_("Signed file"),
        required=False,
        help_text=_("The XML file your signing program saved, at most 256 KiB."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[self.text_field] = forms.CharField(
            label=_("Signed XML"),
            required=False,
            strip=False,
            max_length=MAX_DOCUMENT_BYTES,
            widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
            help_text=_("Paste the whole signed document, from <?xml to the end."),
        )
        self.order_fields([self.text_field, "signed_file"])
        self.source = self.text_field

    def clean_signed_file(self) -> str:
        upload = self.cleaned_data.get("signed_file")
        if not upload:
            return ""
        if upload.size > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                _("The file is too large: a signed request is a few kilobytes, at most 256 KiB."),
                code="too_large",
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                _("This file is not a signed XML document. Upload the .xml file your signing program saved."),
                code="not_xml",
            ) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text = (cleaned.get(self.text_field) or "").strip()
        upload = cleaned.get("signed_file") or ""
        if self.errors:
            return cleaned
        if text and upload:
            self.add_error(
                "signed_file", ValidationError(_("Give the signed document one way only."), code="both")
            )
        elif not text and not upload:
            self.add_error(
                "signed_file",
                ValidationError(
                    _(
                        "Sign the document: with NCALayer, or upload the signed file, or paste the signed XML."
                    ),
                    code="required",
                ),
            )
        else:
            self.source = self.text_field if text else "signed_file"
            cleaned["signed"] = text or upload
        return cleaned

    def service_error(self, error: ValidationError | ServiceError, *, document_field: str) -> None:
        """Put the service's refusal beside the field that carried the document, or at the top."""
        if isinstance(error, ServiceError):
            field = self.source if error.field == document_field else None
            self.add_error(field, ValidationError(error.message, code=error.code))
            return
        for name, items in error.error_dict.items():
            field = self.source if name == document_field else None
            for item in items:
                self.add_error(field, ValidationError(" ".join(item.messages), code=item.code))

    @property
    def codes(self) -> list[str]:
        """The codes of every error (for tests and for the page's choice of what to offer next)."""
        return [e.code for errors in self.errors.as_data().values() for e in errors]


class ConsentSignForm(SignForm):
    text_field = "signed_consent"


@dataclass
class Signature:
    """What the signing step gives the view: the signed document, or the form with its errors."""

    form: SignForm
    signed: str | None


def obtain_signature(request: HttpRequest, form_class: type[SignForm], *, xml: bytes, iin: str) -> Signature:
    """Read the signed document from whichever of the three ways the citizen used."""
    form = form_class(request.POST, request.FILES)
    if request.POST.get("sign_with") == DEMO and eds.demo_signer_enabled():
        form.full_clean()
        form.errors.clear()
        try:
            return Signature(form, eds.demo_sign(xml, iin=iin).decode())
        except eds.DemoKeyNotFound:
            form.add_error(
                None,
                ValidationError(
                    _("There is no demo key for you. Run manage.py seed_demo and try again."),
                    code="no_demo_key",
                ),
            )
            return Signature(form, None)
    if not form.is_valid():
        return Signature(form, None)
    return Signature(form, form.cleaned_data["signed"])


def xml_download(xml: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def sign_context(*, xml: bytes, form: SignForm, download_url: str, locale: str) -> dict[str, Any]:
    """What the signing partial (``portal/_sign.html``) shows."""
    return {
        "xml": xml.decode(),
        "sign_form": form,
        "download_url": download_url,
        "demo_signer": eds.demo_signer_enabled(),
        "ncalayer": {"xml": xml.decode(), "locale": locale, "field": form.text_field},
        "text_field": form[form.text_field],
    }
