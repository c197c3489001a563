"""Settings, read from the environment with safe development defaults. Every variable read
here is listed, with its default, in the README's configuration table (a test checks it)."""

import datetime
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default):
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG", "1")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: debug is off and there is no secret key.")
    SECRET_KEY = "django-insecure-development-only-key"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "axes",
    "timeline",
]

MIDDLEWARE = [
    "timeline.health.HeadWithoutBodyMiddleware",  # outermost: sees the finished response
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # serves static files compressed ahead of time
    "timeline.middleware.PublicGZipMiddleware",  # compresses the rest, when it holds no secret
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "timeline.health.DatabaseUnavailableMiddleware",  # a 503 page, not a 500, when the database is out of reach
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins before checking the password
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "timeline.urls"
WSGI_APPLICATION = "timeline.wsgi.application"

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
                "timeline.context_processors.coverage",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
        # A kept connection is checked before each request reuses it: after a database restart the
        # first request of every worker would otherwise fail on the dead connection.
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Write-ahead log: readers read the last committed state while a writer (an import of
            # thousands of events, an editor's save) holds its transaction open; in the default
            # rollback-journal mode the writer locks every reader out until it commits.
            "init_command": "PRAGMA journal_mode=WAL",
            # A transaction takes SQLite's write lock when it begins, so concurrent writers queue for
            # it instead of failing when they upgrade a read lock mid-transaction...
            "transaction_mode": "IMMEDIATE",
            # ...for up to this many seconds (an editor's save waiting for an import to finish).
            "timeout": 20,
        }
    )
    # Tests run on a file, not in memory: shared-cache memory databases lock whole tables and fail
    # at once where a file waits its turn, so concurrency could not be tested on them.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"timeline-test-{os.getpid()}.sqlite3")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In development (and tests) serve static files straight from the finders.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

FIXTURE_DIRS = [BASE_DIR / "fixtures"]
SEEDS_DIR = BASE_DIR / "seeds"

# HTTPS deployments: secure cookies, redirect to HTTPS, HSTS. `make serve` turns it off to serve
# the production configuration over plain HTTP on 127.0.0.1.
HTTPS = env_flag("DJANGO_HTTPS", "0" if DEBUG else "1")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "1")
# Preloading is a one-way door for a domain (browsers ship the list): only on request.
SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", "0")
# `check --deploy` would nag about preloading; declining it is a decision, not an oversight.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env_flag("DJANGO_BEHIND_PROXY", "0"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# "rendered" holds rendered pages and event cards, keyed by the durable data version and the build
# (timeline/caching.py), so any cache will do: per process by default, bounded in bytes; Redis, shared by
# every process and machine, when DJANGO_REDIS_URL is set (bound its memory with Redis's own maxmemory and
# an LRU policy: see the README). Either may fail: pages are then rendered from the database. Nothing uses
# "default" (sessions and django-axes keep to the database): Django requires one, so it is the smallest.
REDIS_URL = os.environ.get("DJANGO_REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "rendered": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "timeline-rendered",
        "TIMEOUT": 3600,
        # A Redis that is down or unreachable costs a request at most this long (seconds), and
        # then nothing for a few seconds (caching.FailSoftCache).
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
    }
    if REDIS_URL
    else {
        "BACKEND": "timeline.caching.BoundedMemoryCache",
        "LOCATION": "rendered",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 5_000, "MAX_BYTES": 64 * 2**20},
    },
}

# Login protection (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one account from one
# address, that account is refused from that address for 15 minutes. Attempts are kept in the database
# (shared by every worker, and no cache expiry can lift a lock early); `manage.py axes_reset` lifts them.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "timeline.security.client_ip"
AXES_VERBOSE = False
# Behind DJANGO_BEHIND_PROXY, how many proxies append to X-Forwarded-For before the request reaches us.
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1")) if env_flag("DJANGO_BEHIND_PROXY", "0") else 0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},  # lockouts, not every successful sign-in
}

# The same strict policy in every environment: no inline script or style, ever.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# The one exception: /embed/ is made to be framed by other sites (newsrooms' articles), on any
# address, so its policy names no frame ancestors at all (a "*" would still refuse a page opened
# from a file). Every other page keeps "frame-ancestors 'none'" and X-Frame-Options: DENY.
EMBEDDABLE_CSP = {directive: value for directive, value in SECURE_CSP.items() if directive != "frame-ancestors"}

# DJANGO_PUBLIC_SOURCE_TEXT=0: for deployments without permission to republish whole articles. Readers
# then see only the cited passages of a source, each in its sentence, and public exports leave the
# articles' full texts out; signed-in editors still see everything.
PUBLIC_SOURCE_TEXT = env_flag("DJANGO_PUBLIC_SOURCE_TEXT", "1")

# Where the site is served, for the absolute links in what management commands write (pages and
# exports served over HTTP use the request's address). `check --deploy` warns when it is unset.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
