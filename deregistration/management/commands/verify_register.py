from django.core.management.base import BaseCommand, CommandError

from citizens.progress import ProgressBar
from deregistration.models import RegistryChainHead
from deregistration.register_chain import chain_breaks


class Command(BaseCommand):
    help = (
        "Walk the ХҚТ ТП АЖ hash chain record by record and name every record changed, removed or inserted out "
        "of order (the first broken record first). Exits non-zero on any break."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=2000, help="Records read per round trip.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def handle(self, *args, chunk_size=2000, no_progress=False, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        bar = None
        if not no_progress:
            head = RegistryChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
            bar = ProgressBar("records", head, stream=self.stderr)
        breaks = 0
        for found in chain_breaks(chunk_size=chunk_size, progress=bar.set if bar else None):
            if not breaks:
                self.stdout.write(f"First break: {found}")
            else:
                self.stdout.write(str(found))
            breaks += 1
        if bar:
            bar.close()
        if breaks:
            raise CommandError(f"The ХҚТ ТП АЖ hash chain is broken: {breaks} break(s).")
        self.stdout.write("The ХҚТ ТП АЖ hash chain is intact.")
