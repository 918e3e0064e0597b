from django.core.management.base import BaseCommand, CommandError

from deregistration.consistency import register_problems


class Command(BaseCommand):
    help = (
        "Check that every ended permanent registration has exactly one ХҚТ ТП АЖ record and every record one "
        "ended registration, that every completed case has its records, and that every issued slip has its "
        "stored bytes with the stored SHA-256. Lists what is wrong (ids only) and exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-files",
            action="store_true",
            help="Do not read the slips' files (the database checks only).",
        )

    def handle(self, *args, skip_files=False, **options):
        problems = register_problems(files=not skip_files)
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"The register is inconsistent: {len(problems)} kind(s) of problem.")
        self.stdout.write("The register is consistent.")
