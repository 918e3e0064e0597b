"""The departure slip's document metadata and what makes it PDF/A-3u, added to a ReportLab canvas.

ReportLab's open-source canvas has no PDF/A switch. It already embeds the TrueType subsets with a ToUnicode map
and writes a trailer /ID; what it lacks is added here: an XMP packet that repeats the Info dictionary entry by
entry (with pdfaid part 3, conformance U) and an sRGB output intent. The Info dictionary carries no personal
data, only the slip's number.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.conf import settings

from .slip_wording import DEPARTURE_SLIP

if TYPE_CHECKING:
    from .pdf import SlipData

# sRGB IEC61966-2.1 (the ICC's v2 profile "sRGB2014", free to copy and embed): the PDF/A output intent.
SRGB_PROFILE = Path(settings.BASE_DIR) / "static" / "color" / "sRGB2014.icc"
CREATOR = "Deregistration portal"


@dataclass(frozen=True)
class Description:
    title: str
    author: str
    subject: str
    keywords: str
    created: str  # PDF date
    created_xmp: str  # ISO 8601


def description(data: SlipData) -> Description:
    """What the Info dictionary and the XMP packet say: no personal data, only the slip's number."""
    from .pdf import in_both

    slip_kk, slip_ru = in_both(DEPARTURE_SLIP)
    number = data.slip_number
    offset = data.issued_at.strftime("%z")  # +0500
    return Description(
        title=f"{slip_kk} / {slip_ru} № {number}",
        author=f"{data.issuer_kk} / {data.issuer_ru}",
        subject=f"{slip_kk} № {number} / {slip_ru} № {number}",
        keywords=f"{slip_kk.lower()}, {slip_ru.lower()}, {number}",
        created=data.issued_at.strftime("D:%Y%m%d%H%M%S") + f"{offset[:3]}'{offset[3:]}'",
        created_xmp=data.issued_at.isoformat(timespec="seconds"),
    )


def describe(canvas: Any, data: SlipData) -> None:
    info = description(data)
    canvas.setTitle(info.title)
    canvas.setAuthor(info.author)
    canvas.setSubject(info.subject)
    canvas.setKeywords(info.keywords)
    canvas.setCreator(CREATOR)
    canvas.setDateFormatter(lambda *_parts: info.created)


def xmp_packet(info: Description, producer: str) -> bytes:
    """The XMP metadata of a PDF/A-3u document, equal to the Info dictionary entry by entry."""
    values = {name: escape(value) for name, value in vars(info).items()}
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>U</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{values["title"]}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{values["author"]}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{values["subject"]}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>kk</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{values["keywords"]}</pdf:Keywords>
   <pdf:Producer>{escape(producer)}</pdf:Producer>
   <pdf:Trapped>False</pdf:Trapped>
   <xmp:CreatorTool>{CREATOR}</xmp:CreatorTool>
   <xmp:CreateDate>{values["created_xmp"]}</xmp:CreateDate>
   <xmp:ModifyDate>{values["created_xmp"]}</xmp:ModifyDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


@lru_cache(maxsize=1)
def _srgb_profile_deflated() -> bytes:
    return zlib.compress(SRGB_PROFILE.read_bytes())


def make_pdf_a(canvas: Any, data: SlipData) -> None:
    """What ReportLab's open-source canvas lacks for PDF/A-3u: the XMP packet (uncompressed, as PDF/A wants)
    and the sRGB output intent in the catalogue. Fonts are embedded with a ToUnicode map by ReportLab itself,
    and its trailer carries an /ID."""
    from reportlab.pdfbase.pdfdoc import (
        PDFArray,
        PDFDictionary,
        PDFName,
        PDFStream,
        PDFStreamFilterZCompress,
        PDFString,
    )

    producer = canvas._doc.info.producer
    metadata = PDFStream(
        PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
        xmp_packet(description(data), producer),
        filters=None,  # no /Filter at all (PDF/A); ReportLab's document has no default filters
    )
    canvas.setCatalogEntry("Metadata", metadata)
    profile = PDFStream(
        PDFDictionary({"N": 3, "Filter": PDFName(PDFStreamFilterZCompress.pdfname)}),
        _srgb_profile_deflated(),
        filters=[],
    )
    intent = PDFDictionary(
        {
            "Type": PDFName("OutputIntent"),
            "S": PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": PDFString("sRGB IEC61966-2.1"),
            "Info": PDFString("sRGB IEC61966-2.1"),
            "DestOutputProfile": canvas._doc.Reference(profile),
        }
    )
    catalog = canvas._doc.Catalog
    # ReportLab writes only the catalogue entries it knows; OutputIntents is added to this one's list.
    catalog.__NoDefault__ = [*type(catalog).__NoDefault__, "OutputIntents"]
    catalog.OutputIntents = PDFArray([intent])
