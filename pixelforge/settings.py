"""PixelForge settings: one module, fed by the environment.

With no variables set it runs for development on SQLite and local files. With
DJANGO_DEBUG=false it refuses to start without DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
Any variable may be given as NAME_FILE instead, a file holding the value (pixelforge/env.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from pixelforge.env import (
    cache_from_url,
    env_bool,
    env_int,
    env_list,
    env_origin,
    env_path,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is false")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# The public address (https://pixelforge.example) for full URLs a visitor copies: the API page's
# examples, canonical links, feed and sitemap links. Empty: the first plain DJANGO_ALLOWED_HOSTS
# name (pixelforge/public_url.py); never the Host header, whose port any client chooses.
PIXELFORGE_PUBLIC_URL = env_origin("PIXELFORGE_PUBLIC_URL")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_tasks",
    "django_tasks_db",
    "tools",
    "blog",
]

MIDDLEWARE = [
    "pixelforge.middleware.DrainBodyMiddleware",  # outermost: after any answer, even an early one
    "pixelforge.middleware.HealthCheckMiddleware",  # first: no Host check, no HTTPS redirect
    "django.middleware.security.SecurityMiddleware",
    "pixelforge.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pixelforge.urls"
WSGI_APPLICATION = "pixelforge.wsgi.application"

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
                "pixelforge.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,  # a persistent connection is checked before each request
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker processes share the file: WAL lets readers run beside one writer, and
    # IMMEDIATE transactions wait for the lock (up to the timeout) instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env_path("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env_path("DJANGO_MEDIA_ROOT", BASE_DIR / "media")
# Job files: local folder (default) or an S3-compatible object store through django-storages.
# Credentials come from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) or the
# host's instance role; they are read by boto3, never stored here.
PIXELFORGE_MEDIA_STORAGE = env_str("PIXELFORGE_MEDIA_STORAGE", "local")
# Behind nginx from deploy/nginx.conf.template: stored job files (previews, downloads) are sent
# by nginx from this internal location (X-Accel-Redirect) once the site has looked the job up,
# so a gunicorn thread is not held sending them. Empty (the default, and `make run`): Django
# sends them itself. Local media only; `manage.py nginx_config` writes the location.
PIXELFORGE_ACCEL_REDIRECT_URL = env_str("PIXELFORGE_ACCEL_REDIRECT_URL")
if PIXELFORGE_ACCEL_REDIRECT_URL and not re.fullmatch(r"/[\w/-]*/", PIXELFORGE_ACCEL_REDIRECT_URL):
    raise ImproperlyConfigured(
        "PIXELFORGE_ACCEL_REDIRECT_URL must be a path that starts and ends with /, such as "
        f"/internal-media/ (not {PIXELFORGE_ACCEL_REDIRECT_URL!r})"
    )
if PIXELFORGE_MEDIA_STORAGE == "local":
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif PIXELFORGE_MEDIA_STORAGE == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set for S3 media storage")
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "location": env_str("AWS_LOCATION", ""),  # a key prefix inside the bucket
            "default_acl": None,  # private objects; the site serves them through job codes
            "querystring_auth": True,
            "file_overwrite": True,  # job paths are unique; a rewrite replaces a file
            "max_memory_size": 1024 * 1024,  # a read larger than this spools to disk
        },
    }
else:
    raise ImproperlyConfigured(
        f"PIXELFORGE_MEDIA_STORAGE must be local or s3, not {PIXELFORGE_MEDIA_STORAGE!r}"
    )
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security. Debug-off defaults pass `manage.py check --deploy`.
SECURE_CONTENT_TYPE_NOSNIFF = True
PIXELFORGE_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes and scrapers use plain HTTP
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The default cache, shared by every process: by default a folder on this host; several hosts
# need a shared one (redis:// or memcached://). Rate limits and locks use it only when it counts
# atomically (Redis, memcached), else the database (tools/services/counters.py).
CACHES = {"default": cache_from_url(env_str("DJANGO_CACHE_URL", f"file://{BASE_DIR / '.cache'}"))}

# Background work (tools/tasks.py) through Django's Tasks API. "database": the jobs table in
# DATABASES, run by `manage.py worker` (nothing else to install). "rq": RQ on Redis
# (PIXELFORGE_REDIS_URL), for web and workers on separate hosts. "immediate": in the request
# (tests only).
PIXELFORGE_TASKS_BACKEND = env_str("PIXELFORGE_TASKS_BACKEND", "database")
PIXELFORGE_REDIS_URL = env_str("PIXELFORGE_REDIS_URL", "redis://127.0.0.1:6379/0")
if PIXELFORGE_TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif PIXELFORGE_TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # RQ has no priorities: what a visitor waits for (a refine, a background image) goes to
    # "urgent", which every worker empties before "default" (tools.services.queue.ahead).
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["urgent", "default"]}}
    RQ_QUEUES = {
        name: {"URL": PIXELFORGE_REDIS_URL, "DEFAULT_TIMEOUT": 600}
        for name in TASKS["default"]["QUEUES"]
    }
elif PIXELFORGE_TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured(
        "PIXELFORGE_TASKS_BACKEND must be database, rq or immediate, "
        f"not {PIXELFORGE_TASKS_BACKEND!r}"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}

# PixelForge.
SITE_NAME = "PixelForge"
PIXELFORGE_MODELS_DIR = env_path("PIXELFORGE_MODELS_DIR", BASE_DIR / "models")
PIXELFORGE_DEFAULT_MODEL = env_str("PIXELFORGE_DEFAULT_MODEL", "isnet-int8")
# Where visitors get this instance's source code (AGPL-3.0 section 13); shown on /licences/.
PIXELFORGE_SOURCE_URL = env_str("PIXELFORGE_SOURCE_URL", "")
PIXELFORGE_ONNX_THREADS = env_int("PIXELFORGE_ONNX_THREADS", 0, minimum=0)  # 0 = onnxruntime's
# Numba and OpenMP threads per `manage.py worker`: 1 suits one worker per core; 0 = the
# libraries'. Onnxruntime keeps one thread per core unless PIXELFORGE_ONNX_THREADS (its threads
# do not spin, so a lone job uses both cores; docs/benchmarks.md, "Speed (issue 18)").
PIXELFORGE_WORKER_THREADS = env_int("PIXELFORGE_WORKER_THREADS", 1, minimum=0)
PIXELFORGE_RESULT_RETENTION_MINUTES = env_int("PIXELFORGE_RESULT_RETENTION_MINUTES", 60, minimum=1)
# How often the worker sweeps: expired jobs, stale and failed jobs' files, folders without a row.
PIXELFORGE_PURGE_INTERVAL_SECONDS = env_int("PIXELFORGE_PURGE_INTERVAL_SECONDS", 20, minimum=1)
PIXELFORGE_MAX_UPLOAD_MB = env_int("PIXELFORGE_MAX_UPLOAD_MB", 25, minimum=1)
# Larger images are scaled down to fit these two; images declaring more than
# PIXELFORGE_MAX_INPUT_PIXELS are refused from their header (a JPEG is decoded at a reduced
# scale, so a 100-megapixel photo is never held at full size).
PIXELFORGE_MAX_PIXELS = env_int("PIXELFORGE_MAX_PIXELS", 40_000_000, minimum=1)
PIXELFORGE_MAX_SIDE = env_int("PIXELFORGE_MAX_SIDE", 12_000, minimum=1)
PIXELFORGE_MAX_INPUT_PIXELS = env_int("PIXELFORGE_MAX_INPUT_PIXELS", 120_000_000, minimum=1)
# Rate limits (tools/ratelimit.py): client address is REMOTE_ADDR, or the X-Forwarded-For entry
# this many hops from the right when that many trusted proxies sit in front.
PIXELFORGE_TRUSTED_PROXY_COUNT = env_int("PIXELFORGE_TRUSTED_PROXY_COUNT", 0, minimum=0)
PIXELFORGE_RATELIMIT_CACHE = env_str("PIXELFORGE_RATELIMIT_CACHE", "default")
# HTTP API (/api/): "COUNT/PERIOD" per client address, e.g. 30/min or 500/hour; 0 or "" = off.
PIXELFORGE_API_RATE_LIMIT = env_rate("PIXELFORGE_API_RATE_LIMIT", "30/min")
# Comma-separated keys; when set, the API requires X-API-Key or Authorization: Bearer.
PIXELFORGE_API_KEYS = env_list("PIXELFORGE_API_KEYS")
# Uploads to the web form: "COUNT/PERIOD" per client address, e.g. 20/min; 0 or "" = off.
PIXELFORGE_UPLOAD_RATE_LIMIT = env_rate("PIXELFORGE_UPLOAD_RATE_LIMIT", "20/min")
# Sign-in attempts on the admin login per client address; 0 or "" = off.
PIXELFORGE_ADMIN_LOGIN_RATE_LIMIT = env_rate("PIXELFORGE_ADMIN_LOGIN_RATE_LIMIT", "10/15min")
# Refine requests (brush strokes, undo) per client address; each costs up to about a second.
PIXELFORGE_REFINE_RATE_LIMIT = env_rate("PIXELFORGE_REFINE_RATE_LIMIT", "120/min")
# How long a refine request waits for its worker before telling the visitor to reload.
PIXELFORGE_REFINE_WAIT_SECONDS = env_int("PIXELFORGE_REFINE_WAIT_SECONDS", 30, minimum=1)
# Django's request limits, derived from the upload limit. Files are capped while they are read
# (tools/uploads.py); the other fields of a body may hold at most one upload's worth of bytes
# (the API's size check allows two files plus this). Uploads up to 2.5 MB stay in memory,
# larger ones go to a temp file, so a worker holds at most a few MB per request.
MAX_UPLOAD_BYTES = PIXELFORGE_MAX_UPLOAD_MB * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = min(MAX_UPLOAD_BYTES, 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100  # the busiest form (background choice) has about 20
# Several images at once (a batch, tools/services/batches.py): at most this many files and
# bytes in one upload; more gets a clear message (and nginx's client_max_body_size follows).
PIXELFORGE_BATCH_MAX_FILES = env_int("PIXELFORGE_BATCH_MAX_FILES", 20, minimum=1)
PIXELFORGE_BATCH_MAX_BYTES = env_int("PIXELFORGE_BATCH_MAX_BYTES", 200 * 1024 * 1024, minimum=1)
# The largest request body: a batch's total (or one file) plus room for the form's other
# fields. nginx's client_max_body_size on the upload form (`manage.py nginx_config`); the web
# process reads and drops what an early answer (429, 415) left unread, up to this.
PIXELFORGE_FORM_ROOM_MB = 2
PIXELFORGE_MAX_BODY_MB = (
    max(PIXELFORGE_MAX_UPLOAD_MB, -(-PIXELFORGE_BATCH_MAX_BYTES // 2**20)) + PIXELFORGE_FORM_ROOM_MB
)
# Django's own cap is a backstop: the upload handler counts and refuses files past the limit
# with a message; beyond twice the limit Django stops reading the body.
DATA_UPLOAD_MAX_NUMBER_FILES = max(4, 2 * PIXELFORGE_BATCH_MAX_FILES)

# Jobs (tools/services/jobs.py). Uploads wait in a queue of at most this many jobs; beyond it
# the form and the API answer 503 with Retry-After.
PIXELFORGE_MAX_QUEUE = env_int("PIXELFORGE_MAX_QUEUE", 50, minimum=1)
# Job files may use at most this much of the media folder (MB; 0 = no budget); a new upload
# that would pass it gets a 503.
PIXELFORGE_DISK_BUDGET_MB = env_int("PIXELFORGE_DISK_BUDGET_MB", 20_000, minimum=0)
# The API's synchronous call waits this long for its job, then answers 202 with a status URL.
PIXELFORGE_API_WAIT_SECONDS = env_int("PIXELFORGE_API_WAIT_SECONDS", 120, minimum=1)
# A job whose worker has not reported for this long is failed by the sweep (a killed worker).
PIXELFORGE_JOB_STALE_SECONDS = env_int("PIXELFORGE_JOB_STALE_SECONDS", 30, minimum=5)
# Background changes and downloads per client address ("COUNT/PERIOD"; 0 or "" = off).
PIXELFORGE_RENDER_RATE_LIMIT = env_rate("PIXELFORGE_RENDER_RATE_LIMIT", "60/min")
# /metrics (Prometheus): open to loopback addresses, or to `Authorization: Bearer <token>`.
PIXELFORGE_METRICS_TOKEN = env_str("PIXELFORGE_METRICS_TOKEN")
# onnxruntime execution providers, in order of preference (CUDAExecutionProvider needs
# onnxruntime-gpu); read by the workers only.
PIXELFORGE_ONNX_PROVIDERS = env_list("PIXELFORGE_ONNX_PROVIDERS") or ["CPUExecutionProvider"]

# pymatting compiles with numba; keep its cache in one known place so warm-up pays once.
os.environ.setdefault(
    "NUMBA_CACHE_DIR", str(env_path("NUMBA_CACHE_DIR", BASE_DIR / ".numba-cache"))
)
