"""Settings for every environment; differences come from environment variables only.

DATABASE_URL selects the database (SQLite under var/ by default, PostgreSQL in production).
DAJIUZHU_DEBUG, DAJIUZHU_SECRET_KEY, DAJIUZHU_ALLOWED_HOSTS configure a deployment.
"""

from __future__ import annotations

import os

import dj_database_url

from config.env import BASE_DIR, data_dir, env_bool, env_int, env_str

DATA_DIR = data_dir()
DEBUG = env_bool("DAJIUZHU_DEBUG", default=False)
SECRET_KEY = env_str("DAJIUZHU_SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789abcdef")
ALLOWED_HOSTS = env_str("DAJIUZHU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in env_str("DAJIUZHU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "dajiuzhu.core",
    "dajiuzhu.audit",
    "dajiuzhu.areas",
    "dajiuzhu.accounts",
    "dajiuzhu.registry",
    "dajiuzhu.parameters",
    "dajiuzhu.benefits",
    "dajiuzhu.assessment",
    "dajiuzhu.verification",
    "dajiuzhu.intake",
    "dajiuzhu.payments",
    "dajiuzhu.monitoring",
    "dajiuzhu.web",
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
    "dajiuzhu.web.middleware.FriendlyErrorMiddleware",
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
AUTHENTICATION_BACKENDS = ["dajiuzhu.accounts.backends.LockoutModelBackend"]
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

# Lockout after repeated failed logins.
DAJIUZHU_LOGIN_MAX_FAILURES = env_int("DAJIUZHU_LOGIN_MAX_FAILURES", 5)
DAJIUZHU_LOGIN_LOCK_MINUTES = env_int("DAJIUZHU_LOGIN_LOCK_MINUTES", 15)
DAJIUZHU_IMPORT_MAX_BYTES = env_int("DAJIUZHU_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = DAJIUZHU_IMPORT_MAX_BYTES + 1024 * 1024
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
    "loggers": {"django.request": {"level": "ERROR"}},
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
