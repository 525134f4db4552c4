"""Mahalleh settings: everything that differs between machines comes from the environment.

The defaults run the demo on one laptop (SQLite under var/, DEBUG off but a
generated-once secret key); production sets DATABASE_URL, SECRET_KEY,
ALLOWED_HOSTS, REDIS_URL and the EMAIL_* variables.
"""

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MAHALLEH_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "mahalleh.core",
    "mahalleh.accounts",
    "mahalleh.geo",
    "mahalleh.referrals",
    "mahalleh.registry",
    "mahalleh.audit",
    "mahalleh.activities",
    "mahalleh.community",
    "mahalleh.evaluation",
    "mahalleh.stories",
    "mahalleh.indicators",
    "mahalleh.reports",
    "mahalleh.api",
    "mahalleh.demo",
    "mahalleh.ops",
]

MIDDLEWARE = [
    # First: every log line and error report of the request carries its id; metrics time it all.
    "mahalleh.core.middleware.RequestIdMiddleware",
    "mahalleh.ops.metrics.MetricsMiddleware",
    "mahalleh.core.dbrouting.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mahalleh.core.middleware.SessionIdleRefreshMiddleware",
    "mahalleh.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mahalleh.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: it calls the routed views itself (replica first, primary on failure).
    "mahalleh.core.dbrouting.ReplicaRoutingMiddleware",
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
                "django.template.context_processors.i18n",
                "mahalleh.core.context_processors.navigation",
                "mahalleh.referrals.context_processors.notifications",
            ],
        },
    },
]

# SQLite file under var/ by default; DATABASE_URL=postgres://... in production.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'mahalleh.sqlite3'}",
        # Persistent connections: a new PostgreSQL connection costs a few ms per request (a fork on
        # the server), SQLite's costs the PRAGMAs below. A kept connection is checked before reuse,
        # so the app reconnects by itself after PostgreSQL restarts.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Seconds a writer waits for another one's lock instead of failing "database is locked".
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
            # Take the write lock when the transaction starts: a DEFERRED transaction that read
            # first and writes second cannot wait for the lock (SQLite fails it at once).
            "transaction_mode": "IMMEDIATE",
        }
    )

# PostgreSQL's planner costs for data held in memory or on SSD: random_page_cost 1.1 instead of the
# default 4, which assumes spinning disks. With 4, the newest-first list of an office holding a large
# share of the residents was planned as a walk of the primary key past the other offices' newer
# rows (17 ms against 0.09 ms on its (office_id, id) index, 200,000 of 390,000 residents; issue #10,
# tests/registry/test_scoped_plans.py). Sent at connection start; DB_RANDOM_PAGE_COST="" leaves the
# server's own setting (behind a pgBouncer that refuses start-up options, set it in postgresql.conf).
PG_RANDOM_PAGE_COST = env_str("DB_RANDOM_PAGE_COST", "1.1")


def _pg_planner_costs(database: dict) -> None:
    if database["ENGINE"].endswith("postgresql") and PG_RANDOM_PAGE_COST:
        options = database.setdefault("OPTIONS", {})
        costs = f"-c random_page_cost={float(PG_RANDOM_PAGE_COST)}"
        options["options"] = f"{options['options']} {costs}" if options.get("options") else costs


_pg_planner_costs(DATABASES["default"])

# Streaming read replicas (PostgreSQL): heavy reads go there, see mahalleh/core/dbrouting.py.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # A replica that is down must not hold a request for long before the primary takes over.
    DATABASES[_alias].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    _pg_planner_costs(DATABASES[_alias])
    # Tests read the test database through the replica (it streams from the primary).
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["mahalleh.core.dbrouting.ReplicaRouter"]
# A replica further behind than this is skipped; a user who wrote reads the primary this long.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30)
READ_YOUR_WRITES_SECONDS = env_int("READ_YOUR_WRITES_SECONDS", 10)
REPLICA_CHECK_SECONDS = env_int("REPLICA_CHECK_SECONDS", 5)
# Views whose reads go to a replica (URL names, shell patterns allowed) and URL prefixes.
# An app opts in with one line here, or with @replica_view / `with using_replica():`.
REPLICA_VIEWS = [
    "core:home",  # every role's dashboard (or the panels of the apps)
    "registry:export",
    "audit:list",
    "audit-entry-list",
    "indicators:*",
    "reports:*",
    "evaluation:nation",
    "evaluation:province",
    "geo:map",
    "indicator-*",
    "report-*",
    "api-evaluation-*",
]
REPLICA_PATH_PREFIXES = env_list("REPLICA_PATH_PREFIXES", [])
# Roles whose every GET reads from a replica (aggregate-only users).
REPLICA_ROLES = ["national_analyst"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "mahalleh.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 8 idle hours (a working day) and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# Idle timeout without a write per request: core.middleware.SessionIdleRefreshMiddleware re-saves
# the session (pushing its expiry) at most every SESSION_REFRESH_SECONDS.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
# A form sent with a stale token gets our 403 page in the user's language, not Django's English one.
CSRF_FAILURE_VIEW = "mahalleh.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_COOKIES", False):
    # Behind a TLS proxy (deploy/nginx): trust its X-Forwarded-Proto, and tell browsers to
    # use HTTPS only from now on.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)

# Content-Security-Policy (django-csp): every script, style, font and image is ours; no inline
# script or style attribute anywhere (tests/ops/test_security_headers.py checks the templates).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Lockout after repeated failed logins (django-axes): per username and address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "mahalleh.accounts.views.lockout"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Mahalleh"

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "mahalleh" / "locale"]
LANGUAGE_COOKIE_NAME = "mahalleh_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Largest upload accepted, per kind of upload, in megabytes (nginx's client_max_body_size in
# deploy/ must be at least the largest of these).
UPLOAD_LIMITS_MB = {
    "import": env_int("UPLOAD_MAX_IMPORT_MB", 50),
    "image": env_int("UPLOAD_MAX_IMAGE_MB", 10),
}
# Uploads of imports that failed, or were checked and never saved, are deleted after this long.
UPLOAD_KEEP_HOURS = env_int("UPLOAD_KEEP_HOURS", 72)
# An import whose worker has not reported for this long is marked failed (the worker died).
IMPORT_STALE_MINUTES = env_int("IMPORT_STALE_MINUTES", 15)
# Where exports are written before they are sent (a full disk gives a clear error page).
EXPORT_TMP_DIR = env_str("EXPORT_TMP_DIR") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# Background jobs: huey on SQLite under var/ by default, Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": "mahalleh", "url": REDIS_URL, "immediate": False}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "mahalleh",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        # Under pytest, jobs run in-process right away so tests see their outcome.
        "immediate": env_bool("HUEY_IMMEDIATE", "pytest" in sys.modules),
    }
# Every worker with periodic jobs on queues them each time they are due: with several workers on
# one Redis, all but one set HUEY_PERIODIC=false (they still run every queued job).
HUEY["consumer"] = {"periodic": env_bool("HUEY_PERIODIC", True)}

CACHES = (
    # A Redis that is down is a cache miss (and a warning), never an error page.
    {"default": {"BACKEND": "mahalleh.core.cache.TolerantRedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
# With a cache every worker shares (Redis), sessions are read from it: one query less per page.
# Never with the per-process memory cache: a sign-out in one worker would not reach the others.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mahalleh@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mahalleh.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mahalleh.api.permissions.IsVerifiedUser"],
    "DEFAULT_PAGINATION_CLASS": "mahalleh.api.pagination.KeysetPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # A JSON API: bodies are JSON only (a form-encoded body is a 415). The two endpoints that take
    # a file set their own multipart parser: the import upload and a story's photo.
    "DEFAULT_PARSER_CLASSES": ["mahalleh.api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "mahalleh.api.errors.exception_handler",
}
# The introduction at the top of /api/docs/ (Persian, then English).
API_INTRODUCTION = """
<div dir="rtl" lang="fa">

**راهنمای کوتاه.** هر پاسخ به دامنهٔ کاربر محدود است: رکوردی بیرون از دامنهٔ شما پاسخ ۴۰۴ می‌گیرد.

- **توکن:** `POST /api/v1/auth/token/` با `username` و `password` (و `otp` برای نقش‌هایی که رمز دوم دارند)؛
  سپس سرآیند `Authorization: Token <توکن>` را بفرستید.
- **صفحه‌بندی با نشانگر:** فهرست‌ها `results`، `next` و `previous` دارند؛ پیوند `next` را همان‌گونه که آمده
  دنبال کنید (`page_size` تا ۵۰۰). نشانگر دست‌کاری‌شده پاسخ ۴۰۰ می‌گیرد.
- **بدنه‌ها فقط JSON** (`Content-Type: application/json`)؛ جز دو بارگذاری فایل که `multipart/form-data` هستند:
  فایل درون‌ریزی (`POST /api/v1/imports/`) و عکس تجربه‌نگاری (`POST /api/v1/stories/{id}/images/`).
  بدنهٔ فرمی در نشانی‌های دیگر پاسخ ۴۱۵ می‌گیرد.
- **خطاها JSON هستند:** ورودی نادرست ۴۰۰ با پیام‌های هر فیلد `{"<فیلد>": ["پیام"]}` (فیلد ناشناخته هم نام برده
  می‌شود)؛ دیگر خطاها `{"detail": "…", "code": "…"}`. زبان پیام‌ها از `Accept-Language` یا انتخاب زبان کاربر
  می‌آید و پیش‌فرض فارسی است.
- **ویرایش کهنه:** `version` رکوردی را که خوانده‌اید با ویرایش بفرستید؛
  اگر کسی در این میان آن را تغییر داده باشد پاسخ ۴۰۹ با `code: "stale"` می‌آید و چیزی نوشته نمی‌شود.
  دوباره بخوانید و دوباره بفرستید.
- **محدودیت نرخ:** گرفتن توکن ۳۰ بار در دقیقه برای هر نشانی؛ پس از ۵ گذرواژهٔ نادرست حساب برای مدتی قفل می‌شود
  (۴۲۹ با `Retry-After`). پس از یک رمز یک‌بارمصرف نادرست، پیام می‌گوید چند ثانیه صبر کنید.

</div>

**In short.** Every answer is scoped to the user: a record outside your scope is a 404.

- **Token:** `POST /api/v1/auth/token/` with `username` and `password` (and `otp` for roles with a second
  factor); then send `Authorization: Token <token>`.
- **Cursor pagination:** lists have `results`, `next` and `previous`; follow the `next` link as given
  (`page_size` up to 500). An altered cursor is a 400.
- **Bodies are JSON only** (`Content-Type: application/json`), except the two file uploads, which are
  `multipart/form-data`: the import file (`POST /api/v1/imports/`) and a story's photo
  (`POST /api/v1/stories/{id}/images/`). A form body anywhere else is a 415.
- **Errors are JSON:** bad input is a 400 with the messages per field, `{"<field>": ["message"]}` (an unknown
  field is named too); every other error is `{"detail": "…", "code": "…"}`. Messages follow
  `Accept-Language` or the user's language switch; Persian by default.
- **Stale edits:** send back the `version` of the record you read with an edit; if someone changed it since,
  the answer is 409 with `code: "stale"` and nothing is written. Read it again and resend.
- **Rate limits:** token requests 30 a minute per address; 5 wrong passwords lock the account for a while
  (429 with `Retry-After`). After a wrong one-time code the message says how many seconds to wait.
- Personal data is sent with `Cache-Control: no-store`, and every read of it is in the audit log.
"""

SPECTACULAR_SETTINGS = {
    "TITLE": "Mahalleh API",
    "DESCRIPTION": API_INTRODUCTION,
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mahalleh.api.schema.add_error_responses",
        "mahalleh.api.schema.nullable_enums_list_null",
    ],
}

# JSON lines (one object per line, with the request id) for the journal and log shippers;
# LOG_FORMAT=text for a human at a terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "mahalleh.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "mahalleh.core.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Operations: /metrics is answered only to these addresses or to `Authorization: Bearer <token>`.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
METRICS_TOKEN = env_str("METRICS_TOKEN")
# /readyz fails when the media directory's disk has less free space than this.
READY_MIN_FREE_MB = env_int("READY_MIN_FREE_MB", 500)

# Errors to Sentry (or a compatible server) only when SENTRY_DSN is set; no personal data sent.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from mahalleh.core.errors_sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"))
