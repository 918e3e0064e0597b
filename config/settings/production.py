"""Production profile: secure defaults, no development secrets, no demo signer.

Use with DJANGO_SETTINGS_MODULE=config.settings.production. `manage.py check --deploy` passes with it once the
seal, the EDS trust settings and PUBLIC_BASE_URL are set (and are not the demo CA's).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEV_SECRET_KEY, env

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random value of 50 characters or more; the development key is refused."
    )

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Key material and trust: no defaults at all (the base profile's development ones depend on DEBUG). The system
# checks (deregistration.checks) name each one that is missing, unreadable, expired or the demo CA's.
EDS_TRUST_ROOTS = env.str("EDS_TRUST_ROOTS", default="")
EDS_CRL = env.str("EDS_CRL", default="")
SLIP_SEAL_CERT = env.str("SLIP_SEAL_CERT", default="")
SLIP_SEAL_KEY = env.str("SLIP_SEAL_KEY", default="")
SLIP_SEAL_CHAIN = env.str("SLIP_SEAL_CHAIN", default="")
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="")
# The demo signer signs with keys the server holds: never in production, whatever the environment says.
EDS_DEMO_SIGNER = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_COOKIE_HTTPONLY = True
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
