"""The production settings, as ``bench/run.py`` serves them, plus two things only a benchmark needs.

* ``bench.urls``: the portal's URLs and a bare JSON view, the baseline measured in the same server;
* ``bench.urls.QueryCountMiddleware`` first: the SQL statements of each request in an ``X-Bench-Queries`` header.

Never used by the portal itself.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import MIDDLEWARE, STORAGES

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.urls.QueryCountMiddleware", *MIDDLEWARE]

# The API answers measured here use no static files; a plain copy keeps collectstatic to seconds (the
# production storage compresses every file, about a minute). WhiteNoise serves both the same way.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
