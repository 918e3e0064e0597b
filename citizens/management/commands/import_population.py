import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from citizens.population import PopulationFileError, PopulationImportError, population_import_file


class Command(BaseCommand):
    help = (
        "Load persons, dwellings, owners and registrations from a JSON file (DESIGN.md). All or nothing. "
        "The file is read as a stream; a progress bar goes to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        parser.add_argument(
            "--bulk",
            action=argparse.BooleanOptionalAction,
            default=None,
            help=(
                "PostgreSQL: drop the register's secondary indexes and foreign keys for the load and build them "
                "again before commit (faster for a large file; locks persons, dwellings, ownerships and "
                "registrations against all reads until the import ends). Default: only when those tables are "
                "empty."
            ),
        )

    def handle(self, *args, file: Path, no_progress: bool = False, bulk: bool | None = None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: cannot read the file (no such file).")
        try:
            summary = population_import_file(
                path=file, progress=None if no_progress else self.stderr._out, bulk=bulk
            )
        except OSError as exc:
            raise CommandError(f"{file}: cannot read the file ({exc.strerror}).") from exc
        except (PopulationFileError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: not valid JSON ({exc}).") from exc
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
