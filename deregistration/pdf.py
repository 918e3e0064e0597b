"""The departure slip (мекенжайдан кету парағы / адресный листок убытия) as a sealed PDF.

Three steps, each usable alone:

* ``render_slip_pdf(SlipData)`` draws the slip on a PDF canvas (ReportLab, deregistration/slip_form.py) as an
  A4 PDF/A-3u document, Kazakh and Russian side by side, with a QR code that points to the slip's verification
  page;
* ``seal_pdf(pdf)`` adds the issuer's PAdES electronic seal (pyHanko) as a certification signature;
* ``verify_pdf_seal(pdf, trust_roots_pem_paths=...)`` checks that seal against trusted roots.

The slip's data arrive as plain values (``SlipData``): this module knows no models and no database.

``html_to_pdf`` renders one of *our* HTML documents with WeasyPrint and the shipped fonts (the slip used it until
it moved to a canvas; bench/bench_slip.py's baseline page still uses the same fonts and lock). ReportLab,
WeasyPrint and pyHanko are imported inside the functions that need them: importing WeasyPrint costs about half
a second, which no other page of the portal should pay. WeasyPrint's URL fetcher serves nothing but the font
files in ``static/fonts`` (no network, no ``file:`` probes).
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import os
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from citizens.constants import Sex

from .constants import CaseType, DocumentType
from .development import ensure_development_pki

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
FONT_SUFFIXES = frozenset({".ttf", ".otf", ".woff", ".woff2"})
DISPLAY_TZ = ZoneInfo("Asia/Almaty")
SEAL_FIELD_NAME = "IssuerSeal"
SEAL_LOCATION = "Kazakhstan"
# What the seal says it was made for, in both languages (pyHanko writes it into the signature).
SLIP_ISSUED = gettext_lazy("Departure slip issued")
# PDF/A-3u: archival, all fonts embedded, Unicode text; the PAdES seal stays valid on it (see seal_pdf).
PDF_VARIANT = "pdf/a-3u"
# WeasyPrint's family name for the DejaVu faces is ours so that a missing font file cannot silently fall back
# to a system font of the same name: the faces must come from static/fonts.
FONT_FAMILY = "Slip DejaVu Sans"

# The slip is printed in Kazakh and Russian side by side; every wording on it comes from the translation
# catalogues (locale/), rendered once in each language through ``in_both`` (slip_wording.py holds the labels).
SLIP_LANGUAGES = ("kk", "ru")
SEX_LABELS = {"male": Sex.MALE.label, "female": Sex.FEMALE.label}
GROUND_LABELS = {
    CaseType.OWNER_APPLICATION: CaseType.OWNER_APPLICATION.label,
    CaseType.EMIGRATION: CaseType.EMIGRATION.label,
    CaseType.COURT_DECISION: DocumentType.COURT_DECISION.label,
}


def in_language(text: Any, language: str) -> str:
    """``text`` (a lazy translation) in ``language``, whatever the active language is."""
    with translation.override(language):
        return str(text)


def in_both(text: Any) -> tuple[str, str]:
    """(Kazakh, Russian) of a lazy translation, as the slip prints it."""
    kk, ru = (in_language(text, language) for language in SLIP_LANGUAGES)
    return kk, ru


# --- The slip's data ------------------------------------------------------------------------------------
# A value that differs by language comes as a pair: ``*_kk`` (Kazakh, always given) and ``*_ru`` (Russian;
# empty where the source has no Russian variant, and then the Kazakh value stands for both).


@dataclass(frozen=True)
class IdentityDocument:
    type_kk: str
    type_ru: str
    number: str
    issued_on: date
    issued_by_kk: str
    issued_by_ru: str = ""


@dataclass(frozen=True)
class SlipPerson:
    iin: str
    last_name: str
    first_name: str
    patronymic: str
    birth_date: date
    birth_place: str
    sex: str  # "male" | "female"
    citizenship_kk: str
    citizenship_ru: str
    document: IdentityDocument

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    def __post_init__(self) -> None:
        if not (len(self.iin) == 12 and self.iin.isascii() and self.iin.isdigit()):
            raise ValueError("IIN must be 12 digits")
        if self.sex not in SEX_LABELS:
            raise ValueError(f"sex must be one of {sorted(SEX_LABELS)}")


@dataclass(frozen=True)
class SlipAddress:
    """The address left, as the Address Register gives it (KATO and РКА as strings)."""

    region_kk: str
    district_kk: str
    locality_kk: str
    street_kk: str
    building: str
    kato: str
    address_code: str  # РКА / МТК
    block: str = ""
    apartment: str = ""
    postcode: str = ""
    region_ru: str = ""
    district_ru: str = ""
    locality_ru: str = ""
    street_ru: str = ""


@dataclass(frozen=True)
class SlipGround:
    """Why the person was deregistered; only the details of ``case_type`` are filled in."""

    case_type: str  # CaseType value: "owner_application" | "emigration" | "court_decision"
    # owner's application
    owner_full_name: str = ""
    # leaving for permanent residence abroad
    permit_number: str = ""
    permit_issued_on: date | None = None
    country_kk: str = ""
    country_ru: str = ""
    # court decision
    court_kk: str = ""
    court_ru: str = ""
    court_case_number: str = ""
    decision_on: date | None = None
    decision_in_force_on: date | None = None

    def __post_init__(self) -> None:
        required = {
            CaseType.OWNER_APPLICATION: ("owner_full_name",),
            CaseType.EMIGRATION: ("permit_number", "permit_issued_on", "country_kk"),
            CaseType.COURT_DECISION: ("court_kk", "court_case_number", "decision_on", "decision_in_force_on"),
        }
        if self.case_type not in required:
            raise ValueError(f"unknown case_type {self.case_type!r}")
        missing = [name for name in required[self.case_type] if not getattr(self, name)]
        if missing:
            raise ValueError(f"{self.case_type} ground needs {', '.join(missing)}")


@dataclass(frozen=True)
class SlipDestination:
    """Where the person goes, where known: a country, an address, or both."""

    country_kk: str = ""
    country_ru: str = ""
    address_kk: str = ""
    address_ru: str = ""

    def __post_init__(self) -> None:
        if not (self.country_kk or self.address_kk):
            raise ValueError("a destination needs a country or an address (pass None where it is unknown)")


@dataclass(frozen=True)
class SlipData:
    slip_number: str
    issued_at: datetime  # aware
    issuer_kk: str
    issuer_ru: str
    channel_kk: str
    channel_ru: str
    application_number: str
    person: SlipPerson
    address_left: SlipAddress
    registered_on: date | None
    deregistered_on: date
    ground: SlipGround
    verification_code: str
    verify_url: str  # absolute http(s) URL of the public verification page
    destination: SlipDestination | None = None

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be timezone-aware")
        parts = urlsplit(self.verify_url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError("verify_url must be an absolute http(s) URL")


# --- Rendering ------------------------------------------------------------------------------------------

# WeasyPrint (through Pango, HarfBuzz and fontconfig) is not safe in threads: four threads rendering at once
# corrupted GLib's heap ("corrupted double-linked list") and once stalled for minutes in Pango's line breaking.
# So a process renders one document at a time; the one FontConfiguration (and the stylesheet registered in it)
# is made and used only while holding this lock, and anything else in the process that calls WeasyPrint (the
# bench's bare page) holds it too (``render_lock()``). The slip's canvas drawing (ReportLab) holds the same lock:
# ReportLab keeps process-wide state (the registered fonts, each font file's read cursor), and being pure Python
# it would take turns under the GIL anyway, so one slip at a time costs no throughput and rules out any race.
# With a task broker the slips are rendered by Celery's prefork worker processes, out of the request
# (deregistration/tasks.py); without one, in the request, here.
_render_lock = threading.Lock()
_font_config: FontConfiguration | None = None
_font_stylesheet: CSS | None = None
# Font configurations a parent process made before forking: kept alive, never used, so that their cleanup
# (FontConfiguration.__del__ removes its temporary font folder) cannot delete the folder the parent still uses.
_inherited_fonts: list[Any] = []


def _after_fork_in_child() -> None:
    """A forked child (gunicorn or Celery prefork) starts with a free lock and its own fonts.

    ``fork()`` copies only the calling thread: had another thread of the parent held ``_render_lock`` (or been
    inside Pango) at that moment, the child would inherit a lock nobody releases and half-updated font state.
    """
    global _render_lock, _font_config, _font_stylesheet
    _render_lock = threading.Lock()
    if _font_config is not None:
        _inherited_fonts.append((_font_config, _font_stylesheet))
    _font_config = _font_stylesheet = None


os.register_at_fork(after_in_child=_after_fork_in_child)


def render_lock() -> threading.Lock:
    """The lock every use of WeasyPrint in this process holds (pdf.py's own renders, and bench or tools that
    call WeasyPrint directly)."""
    return _render_lock


def _fonts_base_url() -> str:
    return FONTS_DIR.resolve().as_uri() + "/"


@lru_cache(maxsize=1)
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFontsFetcher(URLFetcher):
        """Serves the font files under static/fonts and refuses everything else, before any I/O."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = _allowed_font_path(url)
            if path is None:
                raise ValueError(f"refused to fetch {url[:80]!r}: only static/fonts is served to the PDF")
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": "font/ttf"})

    return StaticFontsFetcher


def _make_url_fetcher():
    """The URL fetcher for every WeasyPrint object made here (HTML and CSS alike)."""
    return _fetcher_class()()


def _allowed_font_path(url: str) -> Path | None:
    """The font file ``url`` names, if it is a ``file:`` URL of a font directly or deeper under static/fonts."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query:
        return None
    root = FONTS_DIR.resolve()
    # resolve() follows symlinks and "..": what is served is the real file, and it must be under the root.
    path = Path(url2pathname(parts.path)).resolve()  # url2pathname also percent-decodes
    if not path.is_relative_to(root) or path.suffix.lower() not in FONT_SUFFIXES or not path.is_file():
        return None
    return path


def _font_faces_css() -> str:
    faces = (("normal", "DejaVuSans.ttf"), ("bold", "DejaVuSans-Bold.ttf"))
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; src: url("{file_name}"); }}'
        for weight, file_name in faces
    )


def _fonts() -> tuple[FontConfiguration, CSS]:
    """The process's one FontConfiguration and the @font-face stylesheet registered in it (created once).
    Call it, and use what it returns, only while holding ``_render_lock``."""
    global _font_config, _font_stylesheet
    if _font_stylesheet is None or _font_config is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        _font_stylesheet = CSS(
            string=_font_faces_css(),
            base_url=_fonts_base_url(),
            url_fetcher=_make_url_fetcher(),
            font_config=font_config,
        )
        _font_config = font_config
    return _font_config, _font_stylesheet


@atexit.register
def _drop_fonts() -> None:
    # FontConfiguration.__del__ removes its temporary folder; let it run while the interpreter is still whole
    # (and not under a render still running in another thread).
    global _font_config, _font_stylesheet
    if _render_lock.acquire(timeout=5):  # a daemon thread stuck in a render must not hang the exit
        _font_config = _font_stylesheet = None
        _render_lock.release()


def html_to_pdf(html: str, *, pdf_variant: str | None = PDF_VARIANT) -> bytes:
    """Render one of *our* HTML documents with the shipped fonts; never pass user-supplied HTML here.
    One render at a time in a process (``_render_lock``)."""
    from weasyprint import HTML

    with _render_lock, _collector_paused():
        font_config, font_stylesheet = _fonts()
        document = HTML(string=html, base_url=_fonts_base_url(), url_fetcher=_make_url_fetcher())
        return document.write_pdf(
            stylesheets=[font_stylesheet],
            font_config=font_config,
            pdf_variant=pdf_variant,
            uncompressed_pdf=False,
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the length of one render.

    A render allocates some hundred thousand short-lived objects (boxes, computed styles), which sets off
    collections that walk every object of the process, Django's included: measured with bench/bench_slip.py,
    about 8 % of a slip's render. The objects are freed by reference counting anyway; the collector resumes
    (and catches up) when the render ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def render_slip_pdf(data: SlipData, *, pdf_variant: str | None = PDF_VARIANT) -> bytes:
    """Render the departure slip to an A4 PDF (PDF/A-3u by default, or plain PDF with ``pdf_variant=None``),
    not yet sealed. Drawn on a PDF canvas (deregistration/slip_form.py); safe to call from several threads, which
    take turns (``_render_lock``: one render at a time in a process)."""
    from .slip_form import draw_slip

    if pdf_variant not in (None, PDF_VARIANT):
        raise ValueError(f"the slip is PDF/A-3u ({PDF_VARIANT!r}) or plain PDF (None), not {pdf_variant!r}")
    with _render_lock:
        return draw_slip(data, pdf_a=pdf_variant is not None)


# --- The issuer's seal ----------------------------------------------------------------------------------


class SealError(RuntimeError):
    """The seal's key or certificate could not be loaded."""


@lru_cache(maxsize=1)
def _seal_signer_class():
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.serialization import load_der_private_key
    from pyhanko.sign import signers
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class SealSigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner, minus two costs that made a seal take ~110 ms instead of ~25 ms.

        SimpleSigner parses the private key again for every signature (~40 ms each: cryptography checks an RSA
        key on load), and pyHanko signs twice per PDF, once in a dry run to size the signature's placeholder.
        Here the key is parsed once, and the dry run gets placeholder bytes of the signature's exact size (the
        documented meaning of ``dry_run``). Anything but RSA PKCS#1 v1.5 goes the ordinary way.
        """

        _private_key = None

        def _is_rsa_pkcs1(self, digest_algorithm: str) -> bool:
            try:
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            except ValueError:
                return False
            return mechanism == "rsassa_pkcs1v15"

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
            if dry_run and self._is_rsa_pkcs1(digest_algorithm):
                return bytes((self.signing_cert.public_key.bit_size + 7) // 8)
            return self.sign_raw(data, digest_algorithm)

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            if not self._is_rsa_pkcs1(digest_algorithm):
                return super().sign_raw(data, digest_algorithm)
            if self._private_key is None:
                self._private_key = load_der_private_key(self.signing_key.dump(), password=None)
            return self._private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))

    return SealSigner


@lru_cache(maxsize=4)
def _load_signer(key_path: str, cert_path: str, chain_paths: tuple[str, ...], _stamp: tuple[float, ...]):
    # _stamp (the files' mtimes) is part of the cache key so that a renewed key or certificate is picked up.
    from pyhanko.sign import signers

    loaded = signers.SimpleSigner.load(key_path, cert_path, ca_chain_files=chain_paths or None)
    if loaded is None:  # pyHanko logs the cause and returns None
        raise SealError(f"cannot load the seal key {key_path!r} or certificate {cert_path!r}")
    return _seal_signer_class()(
        signing_cert=loaded.signing_cert, signing_key=loaded.signing_key, cert_registry=loaded.cert_registry
    )


def _default_chain() -> tuple[str, ...]:
    chain = getattr(settings, "SLIP_SEAL_CHAIN", "")
    if isinstance(chain, str):
        return (chain,) if chain else ()
    return tuple(str(path) for path in chain)


def seal_pdf(
    pdf: bytes,
    *,
    key_path: str | Path | None = None,
    cert_path: str | Path | None = None,
    chain_paths: tuple[str | Path, ...] | list[str | Path] | None = None,
) -> bytes:
    """Add the issuer's PAdES seal (a certification signature: no later change allowed) to ``pdf``.

    Paths default to settings.SLIP_SEAL_KEY, SLIP_SEAL_CERT and SLIP_SEAL_CHAIN. Raises SealError when the key
    material cannot be loaded.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm

    key = str(key_path or settings.SLIP_SEAL_KEY)
    cert = str(cert_path or settings.SLIP_SEAL_CERT)
    chain = _default_chain() if chain_paths is None else tuple(str(path) for path in chain_paths)
    ensure_development_pki(key, cert, *chain)  # with DEBUG only: the development seal, on first need
    try:
        stamp = tuple(Path(path).stat().st_mtime for path in (key, cert, *chain))
    except OSError as exc:
        raise SealError(f"seal key material missing: {exc}") from exc
    signer = _load_signer(key, cert, chain, stamp)
    signer_name = signer.signing_cert.subject.native.get("common_name") or None

    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=signer_name,
        reason=" / ".join(in_both(SLIP_ISSUED)),
        location=SEAL_LOCATION,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
    )

    def sign() -> bytes:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        _align_producer_with_xmp(writer)
        return signers.PdfSigner(metadata, signer=signer).sign_pdf(writer).getvalue()

    return _outside_event_loop(sign)


def _outside_event_loop(action):
    """Run ``action`` here, or in a worker thread when this thread already runs an asyncio loop.

    pyHanko's synchronous API wraps its async core in ``asyncio.run()``, which refuses to start inside a
    running loop (an async caller, or Playwright's sync API in the browser tests).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return action()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(action).result()


def _align_producer_with_xmp(writer) -> None:
    """Keep the Info dictionary's /Producer equal to the XMP pdf:Producer, as PDF/A requires.

    On writing, pyHanko sets XMP pdf:Producer to its own name but *appends* that name to an existing Info
    /Producer ("WeasyPrint 70.0; pyHanko …"), and a PDF/A validator rejects the mismatch. Setting Info /Producer
    to pyHanko's name first makes both the same.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    if "/Metadata" not in writer.root:
        return
    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        return
    if isinstance(info_ref, generic.IndirectObject):
        info_ref.get_object()["/Producer"] = generic.TextStringObject(VENDOR)
        writer.mark_update(info_ref)


@dataclass(frozen=True)
class SealStatus:
    intact: bool  # the signed bytes hash to the value in the signature
    valid: bool  # the signature over that hash checks out with the certificate's key
    trusted: bool  # the certificate chains to one of the given roots, may sign, and is not known revoked
    signer_common_name: str
    signed_at: datetime | None  # the signer's own claim (no timestamp authority is involved)
    unmodified: bool = False  # nothing was added to the file after the seal
    revoked: bool = False  # a given CRL lists the seal's certificate (or one above it)

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.unmodified


NOT_SEALED = SealStatus(intact=False, valid=False, trusted=False, signer_common_name="", signed_at=None)


def verify_pdf_seal(
    pdf: bytes,
    *,
    trust_roots_pem_paths: tuple[str | Path, ...] | list[str | Path],
    crl_paths: tuple[str | Path, ...] | list[str | Path] = (),
) -> SealStatus:
    """Validate the issuer's seal in ``pdf`` against the given trusted certificates (PEM or DER files).

    Self-signed certificates in the files are trust anchors; the others (intermediates) only help build the
    path. With ``crl_paths`` (PEM or DER), revocation is checked against those CRLs and must be decidable
    (hard-fail); without them it is not checked, since nothing is ever fetched from the network here. A file
    that is not a PDF or carries no seal gives NOT_SEALED rather than an exception.
    """
    from asn1crypto import crl as asn1_crl
    from asn1crypto import pem
    from pyhanko.keys import load_certs_from_pemder
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    # What a damaged or hostile file makes pyHanko raise while reading it, found by flipping bytes at random:
    # besides its own errors, a broken compressed stream (zlib.error), a garbled filter name
    # (NotImplementedError) and a malformed xref stream (an AssertionError in its xref reader).
    unreadable = (
        PdfError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        zlib.error,
        NotImplementedError,
        AssertionError,
    )
    certs = list(load_certs_from_pemder([str(path) for path in trust_roots_pem_paths]))
    crls = []
    for path in crl_paths:
        raw = Path(path).read_bytes()
        ders = [der for _, _, der in pem.unarmor(raw, multiple=True)] if pem.detect(raw) else [raw]
        crls.extend(asn1_crl.CertificateList.load(der) for der in ders)
    context = ValidationContext(
        trust_roots=[cert for cert in certs if cert.self_signed],
        other_certs=[cert for cert in certs if not cert.self_signed],
        crls=crls,
        revocation_mode="hard-fail" if crls else "soft-fail",
        allow_fetching=False,
    )
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except unreadable:
        return NOT_SEALED
    seal = next((sig for sig in signatures if sig.field_name == SEAL_FIELD_NAME), None)
    if seal is None:
        return NOT_SEALED
    try:
        status = validate_pdf_signature(
            seal,
            context,
            key_usage_settings=KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}),
        )
    except unreadable:
        return NOT_SEALED
    return SealStatus(
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        signer_common_name=status.signing_cert.subject.native.get("common_name", ""),
        signed_at=status.signer_reported_dt,
        unmodified=status.coverage == SignatureCoverageLevel.ENTIRE_FILE and bool(status.docmdp_ok),
        revoked=status.revoked,
    )
