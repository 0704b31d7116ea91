"""Followthrough settings: one module, read from the environment, safe embedded defaults.

Embedded default (no servers): SQLite and a filesystem Celery broker under var/.
Production-like: set DATABASE_URL and REDIS_URL (or CELERY_BROKER_URL).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import ehr_chart_pattern, env_bool, env_int, env_list, env_str, weekday_numbers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FOLLOWTHROUGH_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required unless DJANGO_DEBUG=1")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105  # nosec B105  # debug only; refused above without debug

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "django_filters",
    "django_htmx",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "careplans",
    "tasks",
    "dashboards",
    "notifications",
    "ccm",
    "integrations",
    # Development tooling (management commands only), after the product apps they load.
    "demo",
    "benchmark",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tasks.access_log.RefusedAccessMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Before LoginRequiredMiddleware: a signed-out htmx request is sent to the login page whole.
    "accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # After the password, the second step (accounts/twofactor.py): nothing else until it is done.
    # It stands in for django-otp's OTPMiddleware, which loads the device on every request.
    "accounts.twofactor.TwoFactorMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    # With a read replica only: a browser that just changed something reads the primary a moment.
    *(["config.replica.ReadYourWritesMiddleware"] if env_str("DATABASE_REPLICA_URL") else []),
    # Last, as django-axes asks: turns a locked-out login into our lockout page.
    "axes.middleware.AxesMiddleware",
]

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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.session_timeout",
            ],
        },
    },
    # The partials a page repeats by the hundred (task rows, timelines), included by template tags
    # (tasks.templatetags.task_tags): compiled to Python, several times faster (issue #15).
    # config.jinja2 keeps autoescaping and Django's escaping; after Django's engine, so a name
    # both could find is always Django's.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [],
        "APP_DIRS": True,  # <app>/jinja2/
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]
# Django's form and widget templates from Jinja2, where both engines have them (config/forms.py).
FORM_RENDERER = "config.forms.FormRenderer"
# Covering indexes (INCLUDE) are PostgreSQL's; SQLite, the embedded default, builds them as plain
# indexes, which is all a demo needs: no warning about it at every migrate.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'followthrough.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it pays off on long analytic queries, not a web app's. On the 1M-task
    # practice it spent 1.4 s compiling the dashboard's 0.8 s count query (make bench).
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
# A PostgreSQL read replica for the read-heavy pages (config/replica.py decides which reads go
# there); unset, one database serves everything. In tests the alias mirrors the default database
# (Django creates no test database on a read-only standby).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
DATABASE_ROUTERS = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    DATABASES["replica"]["OPTIONS"] = {"options": "-c jit=off"}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any check
    "accounts.backends.ModelPermissionBackend",  # ModelBackend, one query for all model rights
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian anonymous user row: anonymous visitors hold nothing, by design.
ANONYMOUS_USER_NAME = None
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
GUARDIAN_GROUP_OBJ_PERMS_MODEL = "guardian.GroupObjectPermission"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")},
    },
    # The similarity check misses a name inside a longer password ("Casey-2026-spring"): refused.
    {"NAME": "accounts.passwords.NoNameInPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The name authenticator apps show next to the code.
OTP_TOTP_ISSUER = "Followthrough"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from
# any addresses, or LOGIN_ADDRESS_FAILURE_LIMIT from one address whatever the usernames (a clinic's
# staff share one), that username or address is refused for LOGIN_LOCKOUT_MINUTES (each new try
# restarts the wait), or until an administrator unlocks it (README, "Signing in and sessions").
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # this order: accounts.lockout.LockoutHandler
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
# Every failure kept with its username and address (the lockout counters are deleted on unlock).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Masked in the form data axes keeps and in its log lines (the password always is): `next` can
# hold a queue search, that is a patient's name, once a timed-out page sends one to log in again.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "next"]
# A successful login does not clear the counters: from an attacker's own account it would clear
# their address's failures against everyone else's username.
AXES_RESET_ON_SUCCESS = False

LANGUAGE_CODE = "en-us"
# The practice's time zone: "today", due dates and overdue are judged here; storage is UTC.
TIME_ZONE = env_str("PRACTICE_TIME_ZONE", "America/New_York")
USE_I18N = False
USE_TZ = True
# The days the practice works: a due date counted in business days lands on one of them, never on
# a holiday (careplans.Holiday, kept in the admin). Monday 0, as datetime counts.
PRACTICE_WORKING_DAYS = weekday_numbers(
    "PRACTICE_WORKING_DAYS", env_list("PRACTICE_WORKING_DAYS", ["mon", "tue", "wed", "thu", "fri"])
)

# EHR link-out: the chart of a patient in the practice's EHR, "https://ehr.example.org/chart/{ehr_id}".
# Set, it gives every patient with an EHR id an "Open in EHR" link (patient page, task panel);
# a patient without an EHR id gets none. Unset, a patient's own stored EHR link is used, if any.
EHR_CHART_URL = ehr_chart_pattern("EHR_CHART_URL", env_str("EHR_CHART_URL", "") or "")

# FHIR: the identifier system of the practice's MRNs in exported Patients (e.g. the EHR's
# "urn:oid:..."); imports read an MRN by this system or by the identifier type MR.
FHIR_MRN_SYSTEM = env_str("FHIR_MRN_SYSTEM", "") or "urn:followthrough:mrn"

# Break the glass: how long an emergency access to a patient outside one's teams lasts.
EMERGENCY_ACCESS_HOURS = env_int("EMERGENCY_ACCESS_HOURS", 4)

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded spreadsheets while their import runs (integrations.imports.files): patient data,
# deleted when the run ends.
IMPORTS_DIR = VAR_DIR / "imports"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Sessions: short-lived on shared workstations. A session ends SESSION_IDLE_TIMEOUT seconds after
# the user's last action (the inbox badge's polling is not one), and SESSION_COOKIE_AGE seconds
# after signing in whatever happens (accounts/middleware.py). Each user's sessions are stored with
# their user id, so deactivating a user ends them (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 15 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Flash messages name patients (a bulk action's refused rows): keep them in the server-side
# session, never in a cookie (the default puts them in one, signed but readable).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto, and take the client's address from
# the last X-Forwarded-For entry it appends (accounts/lockout.py: lockout counts per address; the access log records it).
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Strict CSP: scripts and styles only from our own static files; no inline code, no CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: Redis in production; kombu's filesystem transport needs no server for the embedded run.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        # Without this kombu writes its exchange tables to ./control in the working directory.
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Followthrough <followthrough@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Emails link back to the site (never carry patient details): its address as users reach it.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Logs carry ids and paths, never patient names: no request bodies, no object reprs.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"no_query_string": {"()": "config.logfilters.StripQueryString"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # runserver's request lines, without their query strings (patient search terms).
        "django.server": {"filters": ["no_query_string"], "level": "INFO", "propagate": True},
    },
}

# Demo data password: demo-only, override with DEMO_PASSWORD.
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "harbor-lantern-morning-47")

# Queue filters read "Any" rather than a row of dashes when nothing is chosen.
FILTERS_EMPTY_CHOICE_LABEL = "Any"
