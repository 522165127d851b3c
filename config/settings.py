"""Settings for every environment; differences come from environment variables only.

DATABASE_URL selects the database (SQLite under var/ by default, PostgreSQL in production).
DAJIUZHU_DEBUG, DAJIUZHU_SECRET_KEY, DAJIUZHU_ALLOWED_HOSTS configure a deployment; the README's
"Running in production" lists the rest. Without DEBUG a missing or known secret key stops start-up.
"""

from __future__ import annotations

import datetime as dt
import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, data_dir, env_bool, env_int, env_str

DATA_DIR = data_dir()
DEBUG = env_bool("DAJIUZHU_DEBUG", default=False)
# Demo and seed commands (dajiuzhu.demo) run only with DEBUG or this switch: they create users with
# published passwords.
DAJIUZHU_DEMO = env_bool("DAJIUZHU_DEMO", default=False)

# The key that earlier versions fell back to; a deployment still using it is refused like a missing one.
_DEV_SECRET_KEY = "insecure-dev-key-change-me-in-production-0123456789abcdef"
KNOWN_INSECURE_SECRET_KEYS = frozenset({_DEV_SECRET_KEY})
SECRET_KEY = os.environ.get("DAJIUZHU_SECRET_KEY", "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY in KNOWN_INSECURE_SECRET_KEYS or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DAJIUZHU_SECRET_KEY is missing, too short (under 50 characters) or a published default; "
        "without DAJIUZHU_DEBUG=true it must be set to a long random secret kept out of the code. "
        "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
ALLOWED_HOSTS = env_str("DAJIUZHU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in env_str("DAJIUZHU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # dajiuzhu.core before django_tasks_db: its db_worker (recovery of killed jobs at start) wins.
    "dajiuzhu.core",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "dajiuzhu.audit",
    "dajiuzhu.areas",
    "dajiuzhu.accounts",
    "dajiuzhu.registry",
    "dajiuzhu.parameters",
    "dajiuzhu.benefits",
    "dajiuzhu.assessment",
    "dajiuzhu.verification",
    "dajiuzhu.documents",
    "dajiuzhu.intake",
    "dajiuzhu.payments",
    "dajiuzhu.monitoring",
    "dajiuzhu.eldercare",
    "dajiuzhu.web",
    "dajiuzhu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "dajiuzhu.web.middleware.FriendlyErrorMiddleware",
    # Pages: a control character (NUL …) in any query or form field is refused here (core.inputs).
    "dajiuzhu.core.middleware.InputGuardMiddleware",
    # Last, as django-axes asks: turns a lockout flagged during authenticate() into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dajiuzhu.web.context.nav",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'dajiuzhu.sqlite3'}"),
        conn_max_age=env_int("DAJIUZHU_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the task worker and the web server share the file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file (not shared-cache memory) so that tests with several threads/connections lock like production.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-dajiuzhu-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked (username, IP) pair before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Idle timeout: the session expires after this many seconds without a request.
SESSION_COOKIE_AGE = env_int("DAJIUZHU_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DAJIUZHU_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS behind the README's nginx: it terminates TLS and sets X-Forwarded-Proto, which Django may trust
# only when the application is reachable through that proxy alone.
if env_bool("DAJIUZHU_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DAJIUZHU_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("DAJIUZHU_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DAJIUZHU_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DAJIUZHU_HSTS_PRELOAD", default=True)

# How many reverse proxies stand in front of the application and append to X-Forwarded-For (the README's
# nginx: 1). The client IP of audit rows and throttles is read through dajiuzhu.core.net.client_ip.
DAJIUZHU_TRUSTED_PROXIES = env_int("DAJIUZHU_TRUSTED_PROXIES", 0)

# Lockout after repeated failed logins (django-axes): counted per username *and* client IP, so failures
# from one address never lock out the same clerk logging in from another.
DAJIUZHU_LOGIN_MAX_FAILURES = env_int("DAJIUZHU_LOGIN_MAX_FAILURES", 5)
DAJIUZHU_LOGIN_LOCK_MINUTES = env_int("DAJIUZHU_LOGIN_LOCK_MINUTES", 15)
AXES_FAILURE_LIMIT = DAJIUZHU_LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = dt.timedelta(minutes=DAJIUZHU_LOGIN_LOCK_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "dajiuzhu.core.net.client_ip"
AXES_LOCKOUT_CALLABLE = "dajiuzhu.accounts.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Failures during a lockout do not extend it (a stranger cannot keep a pair locked forever).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Successful logins are in the audit trail already.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# Throttles (requests per period: "N/s", "N/min", "N/h", "N/day"). Generous by default: they stop
# scripts, not clerks. API: per client IP before login, per user after (config.api); public forms
# (the objection form of a notice): per client IP.
DAJIUZHU_API_ANON_RATE = env_str("DAJIUZHU_API_ANON_RATE", "120/min")
DAJIUZHU_API_USER_RATE = env_str("DAJIUZHU_API_USER_RATE", "1200/min")
DAJIUZHU_PUBLIC_FORM_RATE = env_str("DAJIUZHU_PUBLIC_FORM_RATE", "20/h")
# Login posts per client IP whatever the username (axes limits each username and IP pair).
DAJIUZHU_LOGIN_RATE = env_str("DAJIUZHU_LOGIN_RATE", "60/min")

# Throttle counters live in the cache: per process by default; a directory shared by the web workers
# (DAJIUZHU_CACHE_DIR) makes the limits hold across gunicorn's workers.
_cache_dir = env_str("DAJIUZHU_CACHE_DIR", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": _cache_dir}
        if _cache_dir
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
DAJIUZHU_IMPORT_MAX_BYTES = env_int("DAJIUZHU_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = DAJIUZHU_IMPORT_MAX_BYTES + 1024 * 1024
# A running assessment run or import whose heartbeat is older than this is taken as dead (core.leases).
DAJIUZHU_LEASE_STALE_SECONDS = env_int("DAJIUZHU_LEASE_STALE_SECONDS", 60)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "dajiuzhu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env_str("DAJIUZHU_STATIC_ROOT", str(DATA_DIR / "staticfiles"))
MEDIA_ROOT = env_str("DAJIUZHU_MEDIA_ROOT", str(DATA_DIR / "media"))
MEDIA_URL = "/media/"

TASKS = {
    "default": {
        "BACKEND": env_str("DAJIUZHU_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DAJIUZHU_LOG_LEVEL", "INFO")},
    # axes logs every successful login at INFO (the audit trail has them); failures stay at WARNING.
    "loggers": {"django.request": {"level": "ERROR"}, "axes": {"level": "WARNING"}},
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): every script and style comes from our own static files (no
# inline script, style block or style attribute is left in the templates; a test keeps it so), no
# plugin, no framing, forms post only to us. img-src allows data: for base.html's empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
