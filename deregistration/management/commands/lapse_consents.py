from django.core.management.base import BaseCommand

from deregistration.services import consents_lapse


class Command(BaseCommand):
    help = "Refuse the owner's applications whose co-owners did not all answer within the consent window."

    def handle(self, *args, **options):
        count = consents_lapse()
        self.stdout.write(f"{count} application(s) refused: co-owners' consent lapsed.")
