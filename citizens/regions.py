"""The regions of Kazakhstan and the cities of republican significance, by the first two digits of their KATO code.

A dwelling's region is read from its KATO code (``Dwelling.kato``), which the Address Register gives for every
address; the region's name as stored with the address stays what the register wrote.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# (KATO prefix, name) in the order of the classifier.
REGIONS: tuple[tuple[str, object], ...] = (
    ("10", _("Abai region")),
    ("11", _("Akmola region")),
    ("15", _("Aktobe region")),
    ("19", _("Almaty region")),
    ("23", _("Atyrau region")),
    ("27", _("West Kazakhstan region")),
    ("31", _("Zhambyl region")),
    ("33", _("Zhetisu region")),
    ("35", _("Karaganda region")),
    ("39", _("Kostanay region")),
    ("43", _("Kyzylorda region")),
    ("47", _("Mangystau region")),
    ("55", _("Pavlodar region")),
    ("59", _("North Kazakhstan region")),
    ("61", _("Turkistan region")),
    ("62", _("Ulytau region")),
    ("63", _("East Kazakhstan region")),
    ("71", _("Astana")),
    ("75", _("Almaty")),
    ("79", _("Shymkent")),
)
REGION_NAMES = dict(REGIONS)


def region_of(kato: str) -> str:
    """The KATO prefix of the region a KATO code lies in ("" when it is none of the known ones)."""
    prefix = (kato or "")[:2]
    return prefix if prefix in REGION_NAMES else ""
