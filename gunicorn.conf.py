"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py pixelforge.wsgi`.

The web processes only serve pages and queue jobs; the model runs in `manage.py worker`
processes (see Procfile). gunicorn listens on loopback behind nginx (deploy/nginx.conf), which
buffers whole requests and responses, so a slow client never holds a gunicorn thread.
Every value can be overridden from the environment.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads: pages are short, but the API's synchronous call waits for its job; a waiting
# thread costs almost nothing, and the other threads keep serving pages meanwhile.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# With gthread this bounds a stuck worker, not a request (the API waits up to
# PIXELFORGE_API_WAIT_SECONDS).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # "" = none
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
