"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py pixelforge.wsgi`.

Background removal is CPU-bound: one worker per core, each running onnxruntime with a small
number of threads, is the sweet spot. Every value can be overridden from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "sync"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Above the slowest image we accept (40 MP with matting takes well under a minute).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a leak can never grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "500"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "50"))
# Load the app (and its model session) lazily per worker; onnxruntime sessions are not fork-safe.
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
