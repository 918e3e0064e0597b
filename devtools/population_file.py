"""Development only: a synthetic population file in DESIGN.md's format, for the import's benchmark and tests.

The same persons, households and registrations as ``seed_bulk`` makes (``devtools.bulk``), written as a stream.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from devtools.bulk import STREETS, BulkSeed, new_iins


def write_population_file(path, *, persons: int, serial_base: int = 5000, first_code: int = 10**14) -> None:
    """A population file (DESIGN.md's format) of ``persons`` synthetic persons, their dwellings (1-3 owners
    each) and registrations (permanent for all, temporary for one in twenty), written as a stream."""
    seed = BulkSeed(persons=persons, progress=False)
    iins = new_iins(persons, set(), serial_base)
    homes = seed.households(0, first_code)
    dump = functools.partial(json.dumps, ensure_ascii=False)
    with open(path, "w", encoding="utf-8") as out:
        out.write('{"persons": [\n')
        first = True
        for line in seed.person_rows(0, iins, homes):
            (
                _id,
                iin,
                last,
                first_name,
                patronymic,
                birth,
                place,
                sex,
                citizenship,
                category,
                doc,
                number,
                issued,
                issuer,
                _c,
                _u,
            ) = line.rstrip("\n").split("\t")
            record = {
                "iin": iin,
                "last_name": last,
                "first_name": first_name,
                "patronymic": patronymic,
                "birth_date": birth,
                "birth_place": place,
                "sex": sex,
                "citizenship": citizenship,
                "category": category,
                "document": {"type": doc, "number": number, "issued_on": issued, "issued_by": issuer},
            }
            out.write(("" if first else ",\n") + dump(record))
            first = False
        out.write('\n], "dwellings": [\n')
        for h, home in enumerate(homes):
            _prefix, region, region_ru, locality, locality_ru = home.region
            street, street_ru = STREETS[h % len(STREETS)]
            record = {
                "address_code": home.code,
                "kato": home.kato,
                "region": region,
                "region_ru": region_ru,
                "locality": locality,
                "locality_ru": locality_ru,
                "street": street,
                "street_ru": street_ru,
                "building": str(1 + h % 97),
                "apartment": str(1 + h % 211),
                "owners": [iins[i][0] for i in range(home.first, home.first + home.owners)],
            }
            out.write(("" if h == 0 else ",\n") + dump(record))
        out.write('\n], "registrations": [\n')
        first = True
        for h, home in enumerate(homes):
            for i in range(home.first, home.first + home.size):
                since = seed.today - dt.timedelta(days=200 + (i * 31) % 7000)
                rows = [
                    {
                        "iin": iins[i][0],
                        "address_code": home.code,
                        "kind": "permanent",
                        "registered_on": str(since),
                    }
                ]
                other = homes[(h + 3) % len(homes)]
                if i % 20 == 0 and other is not home:
                    start = seed.today - dt.timedelta(days=10 + i % 300)
                    rows.append(
                        {
                            "iin": iins[i][0],
                            "address_code": other.code,
                            "kind": "temporary",
                            "registered_on": str(start),
                            "valid_until": str(start + dt.timedelta(days=365)),
                        }
                    )
                for row in rows:
                    out.write(("" if first else ",\n") + dump(row))
                    first = False
        out.write("\n]}\n")
