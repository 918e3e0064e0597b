"""The Celery application: departure slips are rendered, sealed and stored by its workers (deregistration.tasks).

    celery -A config worker --pool=prefork --concurrency=N

Prefork (processes), never threads: WeasyPrint is not safe in threads, and a render is CPU-bound Python that a
thread pool would serialise on the GIL anyway. Each worker process renders one slip at a time; N = the cores the
machine gives to slips (the default, one per core, suits a machine that does nothing else). Settings come from
Django's, prefixed ``CELERY_`` (config/settings/base.py).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["deregistration"])
