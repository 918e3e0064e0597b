"""Settings for every environment, read from the environment through django-environ.

With no environment at all the portal runs on its embedded default: a SQLite file in
the project folder, DEBUG on, a development secret key, localhost only.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

# Where the demo PKI and other local, untracked state live (see .gitignore).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "citizens",
    "deregistration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE under /api/: 413 in JSON, before anything reads it.
    "config.security.ApiBodyLimitMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The database out of reach, from here in: 503 with Retry-After instead of 500 (config.availability). After the
    # middlewares above, which never touch the database, so that its answer gets their headers too.
    "config.availability.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # One audit row per request for the persons' data shown to staff (citizens.audit).
    "citizens.audit.ReadAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout answer (config.security).
    "axes.middleware.AxesMiddleware",
]

# django-simple-history: past versions are shown, never restored (a revert would bypass the services; the admin
# base classes also refuse the revert form's POST, which this setting alone does not).
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # CSP_NONCE: the nonce of this answer's policy, for a <script> or <style> that must be inline.
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: an indexed lookup is ~5x slower per request without them (docs/benchmarks.md).
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Django's backend, with the health check skipped for a connection used within the last second (one round
    # trip less per request under load; config.postgresql.base says why that is safe).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
else:
    # SQLite: wait for a writer instead of failing at once, and take the write lock at BEGIN so that two
    # writers queue up rather than deadlock on a lock upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
# The hot precompiled queries (token, slip, the cabinet's lists) prepared on each PostgreSQL connection, their plans
# kept by the server (deregistration.precompiled). Off behind a pooler that shares server sessions between
# clients (PgBouncer in transaction mode), where a statement prepared on one session is missing on the next.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: a locked-out account or client address is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "config.security.SignInLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# Kazakh first, then Russian and English.
LANGUAGE_CODE = "kk"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Issued slips and uploaded scans: private, never served directly; downloads go through a permission check.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"

LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:cabinet"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=int(timedelta(hours=8).total_seconds()))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts and styles from the portal's own static files only (or with this
# answer's nonce), never inline; the signing page may reach NCALayer on the citizen's machine.
NCALAYER_URL = "wss://127.0.0.1:13579"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, NCALAYER_URL],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- The service's own settings -------------------------------------------------------------
# The portal's public address, printed on slips (QR code and verification link).
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
# Co-owners have this long to answer an owner's application (SERVICE.md: consents lapse after one hour).
CONSENT_WINDOW_MINUTES = env.int("CONSENT_WINDOW_MINUTES", default=60)
# Staff reads of personal data (the audit log's ``*.view``, ``*.list`` and ``slip.download`` rows) are kept this
# many days, then ``manage.py purge_read_log`` deletes them (README, "Security and reliability"). Five years: the
# law on personal data (No. 94-V, art. 22) asks that unauthorised access be detected, and names no period; five
# years outlasts the limitation periods within which a person may complain of it or it may be prosecuted, and the
# data minimisation the same law asks for argues against keeping it for ever. Writes are kept for good.
AUDIT_READ_RETENTION_DAYS = env.int("AUDIT_READ_RETENTION_DAYS", default=1825)
# Scans of documents attached at the desk (PDF, JPEG, PNG): the largest accepted, in bytes.
SCAN_MAX_BYTES = env.int("SCAN_MAX_BYTES", default=10_000_000)
# The passport's term: 30 minutes from the moment the documents are handed in.
SERVICE_TERM_MINUTES = 30
# Applicants' EDS: the trusted CA certificates (roots and intermediates) and the CA's CRL (PEM or DER).
# With DEBUG, the demo CA in VAR_DIR/pki (made by seed_demo, or on first need); without, no default: the system
# checks (deregistration.checks) stop the server until they are set.
_DEV_PKI = VAR_DIR / "pki"
EDS_TRUST_ROOTS = env.str("EDS_TRUST_ROOTS", default=str(_DEV_PKI / "ca.pem") if DEBUG else "")
EDS_CRL = env.str("EDS_CRL", default=str(_DEV_PKI / "ca.crl") if DEBUG else "")
# The signature verifier (deregistration.eds.backends): RSA XML-DSig here; a GOST adapter (e.g. NCANode) later.
EDS_VERIFIER = env.str("EDS_VERIFIER", default="deregistration.eds.backends.XmlDsigVerifier")
# A signed request must have been made within this many minutes of the server's clock.
EDS_MAX_CLOCK_SKEW_MINUTES = 10
# The demo signer signs with demo citizens' keys; it exists for development only (DEBUG on).
EDS_DEMO_SIGNER = env.bool("EDS_DEMO_SIGNER", default=DEBUG)
EDS_DEMO_KEYS_DIR = Path(env.str("EDS_DEMO_KEYS_DIR", default=str(VAR_DIR / "pki" / "citizens")))
# The issuer's seal on departure slips (PEM). With DEBUG, a development seal of the demo CA, made on first need;
# without, no default (the system checks require them).
SLIP_SEAL_CERT = env.str("SLIP_SEAL_CERT", default=str(_DEV_PKI / "seal.pem") if DEBUG else "")
SLIP_SEAL_KEY = env.str("SLIP_SEAL_KEY", default=str(_DEV_PKI / "seal.key.pem") if DEBUG else "")
SLIP_SEAL_CHAIN = env.str("SLIP_SEAL_CHAIN", default=str(_DEV_PKI / "ca.pem") if DEBUG else "")

# Departure slips out of the request: with a broker (Redis, e.g. redis://127.0.0.1:6379/0), completing a case
# answers at once with slip_status "pending" and a Celery worker (`celery -A config worker --pool=prefork`)
# renders, seals and stores the slip (deregistration/tasks.py). Without one (the default: `make run` needs
# nothing else), the slip is made in the request, as before.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Slip tasks return nothing worth keeping: no result backend unless one is set.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="slips")
# A task is acknowledged once it has run, so a worker killed mid-slip leaves it to another; one at a time each.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A slip that fails for a passing reason (rendering, sealing, storage, the database) is tried again after
# SLIP_RETRY_BACKOFF s, doubling up to SLIP_RETRY_BACKOFF_MAX s (with jitter), at most SLIP_MAX_RETRIES times;
# then its slip_status says "failed" and staff issue it again.
SLIP_MAX_RETRIES = env.int("SLIP_MAX_RETRIES", default=5)
SLIP_RETRY_BACKOFF = env.int("SLIP_RETRY_BACKOFF", default=10)
SLIP_RETRY_BACKOFF_MAX = env.int("SLIP_RETRY_BACKOFF_MAX", default=600)
# A slip task still running after SLIP_TASK_SOFT_TIME_LIMIT s is interrupted and tried again like any passing
# failure; one stuck past SLIP_TASK_TIME_LIMIT s (in C code that no interruption reaches, e.g. a font library) has
# its worker process killed and replaced, and the subject's slip_status says "failed" (slip_timed_out).
SLIP_TASK_SOFT_TIME_LIMIT = env.int("SLIP_TASK_SOFT_TIME_LIMIT", default=60)
SLIP_TASK_TIME_LIMIT = env.int("SLIP_TASK_TIME_LIMIT", default=120)

# How many proxies in front of the server may set X-Forwarded-For; the client address is read only through
# them (config.security.client_ip). 0: the address of the connection itself.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sign-in lockout (django-axes), counted in the database so that every server process sees it: after
# AXES_FAILURE_LIMIT wrong passwords for one account, or from one client address, sign-in is refused there for
# AXES_COOLOFF_MINUTES after the last failure (each attempt during the lockout starts the wait again).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
# Attempts hold usernames (IINs): no admin pages for them; `manage.py axes_reset_username IIN` unlocks one.
AXES_ENABLE_ADMIN = False

# Lifetime of an API token from POST /api/v1/auth/token/ (deregistration.tokens); a new sign-in gives a new one.
API_TOKEN_HOURS = env.int("API_TOKEN_HOURS", default=12)

REST_FRAMEWORK = {
    # Token first: its authenticate_header makes an anonymous call a 401 (session auth alone would give 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "deregistration.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["deregistration.api.parsers.JSONParser"],
    # OPTIONS is not part of the API: 405, rather than DRF's description of each endpoint.
    "DEFAULT_METADATA_CLASS": None,
    # DRF's JSON, written by orjson (the same bytes, ~14x faster on a page of 20 cases).
    "DEFAULT_RENDERER_CLASSES": ["deregistration.api.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "deregistration.api.pagination.KeysetPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "deregistration.api.exceptions.api_exception_handler",
    # The throttles read the client address through config.security.client_ip; this says the same to DRF.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # Throttles count in the default cache: with several server processes, point CACHES at a shared one.
    "DEFAULT_THROTTLE_RATES": {
        # POST /api/v1/auth/token/, per client address: the brake on password guessing.
        "auth": env.str("API_THROTTLE_AUTH", default="10/min"),
        # POST /api/v1/applications/, per user.
        "submit": env.str("API_THROTTLE_SUBMIT", default="30/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Deregistration portal API",
    "DESCRIPTION": (
        "Deregistration of residents from their place of residence (Republic of Kazakhstan). "
        "Authenticate with `Authorization: Token <token>` from `POST /api/v1/auth/token/`, or a session. "
        "Messages follow `Accept-Language` (kk, ru, en)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "deregistration.constants.Status",
        "CaseTypeEnum": "deregistration.constants.CaseType",
        "ChannelEnum": "deregistration.constants.Channel",
        "RefusalGroundEnum": "deregistration.constants.RefusalGround",
        "ConsentDecisionEnum": "deregistration.constants.ConsentDecision",
        "SubjectOutcomeEnum": "deregistration.constants.SubjectOutcome",
        "RoleEnum": "deregistration.constants.Role",
        "DocumentTypeEnum": "deregistration.constants.DOCUMENT_TYPES_ACCEPTED",
        "IdentityDocumentTypeEnum": "citizens.constants.IdentityDocumentType",
        "ConsentGivenEnum": "deregistration.constants.ConsentGiven",
        "CounterDecisionEnum": "deregistration.constants.CounterDecision",
        "NotificationKindEnum": "deregistration.constants.NotificationKind",
    },
}

# Every handler of every logger masks 12-digit numbers (IINs) in every line (config.logmask).
LOGGING_CONFIG = "config.logmask.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools log each step of a render at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
