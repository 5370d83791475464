"""Settings for courseapp, driven by environment variables.

Every knob has a default that works on a fresh checkout (SQLite, DEBUG on), so that one
can just check out the code and it works. Production sets DEBUG=0 and the variables listed
in docs/deployment.md. The helpers below fail loudly on a value they cannot read rather than
quietly falling back to a default.
"""

import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_positive_int(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name}={value} must be at least 1")
    return value


def env_json_object(name: str, default: dict) -> dict:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object of options")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_origin(name: str, default: str) -> str:
    """An origin such as `https://courses.example.edu`, without a trailing slash."""
    raw = os.environ.get(name, default)
    try:
        parts = urlsplit(raw.strip())
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not an origin such as https://courses.example.edu "
            "(http or https, a host, an optional port, no path)"
        )
    return f"{parts.scheme}://{parts.netloc}"


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "courseapp",
    "schedule",
    "presentations",
    "grading",
    "submissions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Headers on every response, the refusals and static files included.
    "courseapp.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the database: NUL characters, oversized requests.
    "courseapp.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a flagged login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Request size limits (docs/deployment.md, "Limits"). A body is refused with 413 when its
# Content-Length is over REQUEST_MAX_BYTES, before it is read; the body of a form or JSON
# request, files aside, is limited to DATA_UPLOAD_MAX_MEMORY_SIZE (the roster preview posts
# the whole roster back as one form field: a 1 MB roster, percent-encoded, fits).
# 25 MB: a submitted PDF of the default 20 MB limit and its form fit.
REQUEST_MAX_BYTES = env_positive_int("REQUEST_MAX_BYTES", 25 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_positive_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 4 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 100

ROOT_URLCONF = "courseapp.urls"
CSRF_FAILURE_VIEW = "courseapp.http_errors.csrf_failure"
WSGI_APPLICATION = "courseapp.wsgi.application"

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
                "courseapp.context_processors.course_navigation",
            ],
            # |day and |moment, the one date format, in every template.
            "builtins": ["courseapp.templatetags.dates"],
        },
    },
]

# SQLite by default; DATABASE_URL (postgres://...) for PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    # Reusing a connection saves a PostgreSQL connection set-up (a few milliseconds) on every
    # request: in production connections live a minute, checked before each request reuses
    # one. The development server opens a thread per request, so there they are not kept.
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one process writes. IMMEDIATE takes the write lock at
    # BEGIN, so two transactions that would both write wait for each other (busy timeout)
    # instead of one failing with "database is locked" when it upgrades a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests run on a file, not Django's shared in-memory database: threads of the
    # concurrency tests then wait for each other's write lock (the busy timeout) as
    # processes do in production, where the shared cache would fail them at once.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"courseapp-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username and address before any password is checked. It needs the
    # request: every authenticate() call passes one (the test client's login() does not, so
    # tests sign in with force_login or through the login page).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login lockout (django-axes, failures kept in the database, so it holds across processes):
# after LOGIN_FAILURE_LIMIT failed sign-ins of one username from one address, that pair is
# refused for LOGIN_LOCKOUT_MINUTES, counted from its latest failed attempt. It covers the
# login page, the admin's login and POST /api/auth/token/. `manage.py axes_reset` lifts
# every lockout; `axes_reset_username NAME` one account's.
AXES_FAILURE_LIMIT = env_positive_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_positive_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Also keep one row per failed attempt (at most 1000 per username) for the admin's history.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "courseapp.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "courseapp.lockout.client_ip"
# The lockouts' admin pages are registered by courseapp, for superusers only.
AXES_ENABLE_ADMIN = False
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For;
# 0 reads the address of the connection itself (REMOTE_ADDR).
PROXY_COUNT = env_int("PROXY_COUNT", 0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# How long a password-reset or invitation link works. Django's default is three days; an
# expired link only means asking for a new one with "Forgot your password?".
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)

# The address of the site in links of mails sent without a request to take it from
# (management commands, such as `importroster --invite`).
SITE_URL = env_origin("SITE_URL", "http://127.0.0.1:8000")

# Mail: printed to the console unless an SMTP server is configured. Setting EMAIL_HOST is
# enough to switch to SMTP; EMAIL_BACKEND names any other backend.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    # Django only notices at the first send, long after start-up.
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: TLS is STARTTLS (usually port 587), "
        "SSL is implicit TLS (usually port 465)"
    )
EMAIL_PORT = env_int("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
# Seconds. Without a timeout a stalled SMTP server holds a gunicorn worker until it is killed.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "courseapp <webmaster@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-gb"
# Stored in UTC; each course page activates the course's own time zone for display.
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# Django's own dates (the admin's lists and read-only fields) in the app's one format.
FORMAT_MODULE_PATH = ["courseapp.formats"]

# Where submitted files live on local disk: outside STATIC_ROOT and never served by the web
# server. An S3-compatible store is chosen with SUBMISSIONS_STORAGE_BACKEND (for example
# "storages.backends.s3.S3Storage" from django-storages) and its OPTIONS as JSON.
SUBMISSIONS_ROOT = Path(env_str("SUBMISSIONS_ROOT", str(BASE_DIR / "private-media")))
SUBMISSIONS_STORAGE_OPTIONS = env_json_object(
    "SUBMISSIONS_STORAGE_OPTIONS", {"location": str(SUBMISSIONS_ROOT), "base_url": None}
)

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Students' submitted files: never under a public URL (no base_url); the app serves them
    # only through a view that checks who asks (docs/deployment.md, "Submitted files").
    "submissions": {
        "BACKEND": env_str(
            "SUBMISSIONS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": SUBMISSIONS_STORAGE_OPTIONS,
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In development whitenoise serves files straight from the apps (no collectstatic needed).
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# Production hardening: on whenever DEBUG is off, each overridable for a plain-HTTP test host.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): every script, style, image and font comes from this
# site's own files. No page has inline <script>, <style> or style="" (the admin's one inline
# style is moved by templates/admin/change_list.html, Swagger UI's by
# templates/drf_spectacular/swagger_ui.html, and its script is served separately).
# Pico's icons are data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Permissions-Policy: the browser features no page uses are off, for this site and any frame.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, on purpose: DRF answers a request without credentials with the first
        # scheme's challenge, and only the token scheme has one (`WWW-Authenticate: Token`),
        # which makes that answer 401 rather than the 403 of "signed in but not allowed".
        # A request carrying a token is also spared the session scheme's CSRF check.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "courseapp.api_errors.exception_handler",
    # DRF's own, except that JSON nested too deeply is a 400 parse_error, not a crash.
    "DEFAULT_PARSER_CLASSES": [
        "courseapp.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "courseapp API",
    "DESCRIPTION": "Schedule, papers, presentation slots, peer feedback and grades of a course.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
