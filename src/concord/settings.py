"""Django settings for Concord.

Everything that differs between a laptop and production comes from the environment
(DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, EMAIL_*); see docs/deploy.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("CONCORD_HOME", BASE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("CONCORD_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Production mode is anything that is not explicitly a local/development run.
PRODUCTION = env_bool("CONCORD_PRODUCTION", False)


def load_secret_key() -> str:
    """SECRET_KEY from the environment; for local use, generated once into ./var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set in the environment in production mode.")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = load_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "concord.core",
    "concord.regions",
    "concord.accounts",
    "concord.directory",
    "concord.programme",
    "concord.messaging",
    "concord.bot",
    "concord.incidents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "concord.accounts.middleware.ScopeAuditMiddleware",
]

if not PRODUCTION:
    # Development tools (the fake Telegram and WhatsApp servers); never in production.
    INSTALLED_APPS.append("concord.devtools")

ROOT_URLCONF = "concord.urls"
WSGI_APPLICATION = "concord.wsgi.application"

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
                "django.template.context_processors.i18n",
                "concord.accounts.context_processors.scope",
            ],
        },
    },
]


def database_config() -> dict[str, Any]:
    default_sqlite = f"sqlite:///{VAR_DIR / 'concord.sqlite3'}"
    url = os.environ.get("DATABASE_URL", default_sqlite)
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # WAL lets the web process read while the worker writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write inside a transaction.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file (not :memory:) so that subprocesses started by tests see the same data;
        # one per test run, so that runs side by side do not share it.
        config["TEST"] = {"NAME": str(VAR_DIR / f"test_concord_{os.getpid()}.sqlite3")}
    return config


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: lock an account (by username) for a while after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Lock by account, not by address: many members reach us through one office or mobile NAT,
# and an address-wide lock would shut out a whole House of Friendship at once.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Outside production, serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Concord <concord@localhost>")

# Concord's own settings.
CONCORD_DEFAULT_COUNTRY = os.environ.get("CONCORD_DEFAULT_COUNTRY", "RU")
CONCORD_PAGE_SIZE = 25
# How long a freed place is held for the next person on the waiting list (shorter near the event).
CONCORD_OFFER_HOURS = int(os.environ.get("CONCORD_OFFER_HOURS", "48"))
# --- Channels (docs/messaging.md). Secrets only from the environment. ---------------------
CONCORD_CHANNEL_PROVIDERS = {
    "telegram": "concord.messaging.providers.telegram.TelegramProvider",
    "whatsapp": "concord.messaging.providers.whatsapp.WhatsAppProvider",
    "email": "concord.messaging.providers.email.EmailProvider",
}
CONCORD_CHANNEL_TIMEOUT = float(os.environ.get("CONCORD_CHANNEL_TIMEOUT", "10"))
TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_API_BASE_URL = os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org")
TELEGRAM_WEBHOOK_SECRET = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
TELEGRAM_BOT_USERNAME = os.environ.get("TELEGRAM_BOT_USERNAME", "")
TELEGRAM_LIMIT_PER_SECOND = float(os.environ.get("TELEGRAM_LIMIT_PER_SECOND", "30"))
TELEGRAM_LIMIT_PER_CHAT_SECONDS = float(os.environ.get("TELEGRAM_LIMIT_PER_CHAT_SECONDS", "1"))
TELEGRAM_LIMIT_GROUP_PER_MINUTE = float(os.environ.get("TELEGRAM_LIMIT_GROUP_PER_MINUTE", "20"))
WHATSAPP_API_BASE_URL = os.environ.get("WHATSAPP_API_BASE_URL", "https://graph.facebook.com/v21.0")
WHATSAPP_TOKEN = os.environ.get("WHATSAPP_TOKEN", "")
WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID", "")
WHATSAPP_APP_SECRET = os.environ.get("WHATSAPP_APP_SECRET", "")
WHATSAPP_VERIFY_TOKEN = os.environ.get("WHATSAPP_VERIFY_TOKEN", "")
WHATSAPP_LIMIT_PER_SECOND = float(os.environ.get("WHATSAPP_LIMIT_PER_SECOND", "80"))
# WhatsApp's pair rate is about one message every 6 seconds to one number on average, with
# short bursts allowed; a second between two messages keeps a conversation with the bot fluid.
WHATSAPP_LIMIT_PER_CHAT_SECONDS = float(os.environ.get("WHATSAPP_LIMIT_PER_CHAT_SECONDS", "1"))

# A worker that dies while sending leaves its claimed messages; others take them back after
# this many seconds. Keep it above 2 × (CONCORD_CHANNEL_TIMEOUT + 1 s): a worker gives back the
# rest of its batch when half the lease has gone, so a slow send is never taken over.
CONCORD_OUTBOX_LEASE_SECONDS = float(os.environ.get("CONCORD_OUTBOX_LEASE_SECONDS", "60"))

# Loops every worker runs beside its task queue, each on its own thread.
CONCORD_WORKER_LOOPS = [
    "concord.messaging.outbox.outbox_loop",
    "concord.messaging.inbound.inbound_loop",
]
# Jobs every worker runs on a timer (path, seconds). Each must be safe to run in several
# workers at once: they lock the rows they change.
CONCORD_PERIODIC_JOBS = [
    ("concord.programme.services.offers_expire", 60.0),
    ("concord.programme.services.reminders_queue", 300.0),
    ("concord.incidents.services.escalations_run", 15.0),
    ("concord.incidents.attachments.attachments_fetch", 10.0),
]
# Incidents (docs/incidents.md): a report joins an open case of the same region reported on
# within this many hours, at the same city or within this many km; more than N reports in a
# region within H hours alert its coordinators; escalation's last tier reaches the coordinators
# of this many nearest regions.
# The address of this installation, for links in alerts and emails.
CONCORD_SITE_URL = os.environ.get("CONCORD_SITE_URL", "http://127.0.0.1:8000")
CONCORD_CASE_LINK_HOURS = float(os.environ.get("CONCORD_CASE_LINK_HOURS", "6"))
CONCORD_CASE_LINK_KM = float(os.environ.get("CONCORD_CASE_LINK_KM", "3"))
CONCORD_CLUSTER_REPORTS = int(os.environ.get("CONCORD_CLUSTER_REPORTS", "5"))
CONCORD_CLUSTER_HOURS = int(os.environ.get("CONCORD_CLUSTER_HOURS", "6"))
CONCORD_NEIGHBOUR_REGIONS = int(os.environ.get("CONCORD_NEIGHBOUR_REGIONS", "3"))
# The domain part of calendar UIDs; keep it stable for the life of an installation.
CONCORD_CALENDAR_DOMAIN = os.environ.get("CONCORD_CALENDAR_DOMAIN", "concord.invalid")
# A worker is "alive" for /healthz when its last heartbeat is at most this old.
CONCORD_WORKER_STALE_SECONDS = int(os.environ.get("CONCORD_WORKER_STALE_SECONDS", "60"))

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # httpx logs every request URL at INFO, and Telegram's URLs contain the bot token.
        "httpx": {"level": "WARNING"},
    },
}

# Incidents: tension index (docs/incidents-tension.md) ----------------------------------------
# Weight of a case of severity 1, 2, 3, 4 in a region's tension index.
CONCORD_TENSION_WEIGHTS = [float(w) for w in env_list("CONCORD_TENSION_WEIGHTS", "1,2,4,8")]
# Days after which a report counts half as much.
CONCORD_TENSION_HALF_LIFE_DAYS = float(os.environ.get("CONCORD_TENSION_HALF_LIFE_DAYS", "3"))
# Each further report about a case adds this share of the case's weight, for at most
# CONCORD_TENSION_EXTRA_MAX further reports.
CONCORD_TENSION_EXTRA_SHARE = float(os.environ.get("CONCORD_TENSION_EXTRA_SHARE", "0.25"))
CONCORD_TENSION_EXTRA_MAX = int(os.environ.get("CONCORD_TENSION_EXTRA_MAX", "4"))
# Coordinators are alerted when a region's index today is at least
# max(FACTOR × baseline, baseline + FLOOR, MINIMUM).
CONCORD_TENSION_ALERT_FACTOR = float(os.environ.get("CONCORD_TENSION_ALERT_FACTOR", "2"))
CONCORD_TENSION_ALERT_FLOOR = float(os.environ.get("CONCORD_TENSION_ALERT_FLOOR", "5"))
CONCORD_TENSION_ALERT_MINIMUM = float(os.environ.get("CONCORD_TENSION_ALERT_MINIMUM", "10"))
# How often (seconds) every worker runs the check; it alerts once per region and day.
CONCORD_PERIODIC_JOBS += [
    (
        "concord.incidents.tension.tension_check",
        float(os.environ.get("CONCORD_TENSION_CHECK_SECONDS", "900")),
    )
]
