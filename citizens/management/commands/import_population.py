import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from citizens.population import PopulationImportError, population_import


class Command(BaseCommand):
    help = "Load persons, dwellings, owners and registrations from a JSON file (DESIGN.md). All or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"{file}: cannot read the file ({exc.strerror}).") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: not valid JSON ({exc}).") from exc
        try:
            summary = population_import(data=data)
        except PopulationImportError as exc:
            raise CommandError(
                f"Nothing was imported: {len(exc.errors)} problem(s) found.\n"
                + "\n".join(str(e) for e in exc.errors)
            ) from exc
        if not summary.changed:
            self.stdout.write("Nothing to change: the register already holds this file.")
            return
        created = ", ".join(f"{n} {k}" for k, n in summary.created.items() if n) or "nothing"
        updated = ", ".join(f"{n} {k}" for k, n in summary.updated.items() if n) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"Imported. Created: {created}. Updated: {updated}."))
