"""python manage.py nginx_config: this deployment's nginx site, from deploy/nginx.conf.template.

Values come from the settings (upload limit, static folder, API wait), so the proxy and the site
agree. ``--standalone`` wraps it in a complete nginx.conf that runs unprivileged (the tests and
benchmarks/load.py start nginx on loopback ports with it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from string import Template
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

from tools.api.errors import ApiError

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx.conf.template"
CONNECTIONS_PER_ADDRESS = 32  # requests in progress per client address (limit_conn)
WORKER_CONNECTIONS = 8192  # --standalone's; docs/deployment.md says how to size the host's


def max_body_mb() -> int:
    """The largest body nginx lets through to the upload form (PIXELFORGE_MAX_BODY_MB: one
    upload or a batch's total, plus the form's other fields). The site explains anything
    larger up to this; beyond it nginx answers 413 by itself."""
    return settings.PIXELFORGE_MAX_BODY_MB


def single_body_mb() -> int:
    """Every other URL (the API, the result page's background image): one file at most."""
    return settings.PIXELFORGE_MAX_UPLOAD_MB + settings.PIXELFORGE_FORM_ROOM_MB


def api_error_body(code: str, detail: str) -> str:
    """An API error in tools/api/errors.py's shape, as an nginx string literal's contents."""
    body = json.dumps({"errors": [ApiError(code, detail).as_dict()]}, separators=(",", ":"))
    return body.replace("\\", "\\\\").replace("'", "\\'").replace("$", "")


def tls_lines(listen: str | None, certificate: str | None, key: str | None) -> str:
    """nginx terminating TLS itself: a `listen ... ssl` beside the plain one (the site sends
    plain HTTP visitors to HTTPS; load balancers probe /healthz over plain HTTP)."""
    if not (listen and certificate and key):
        return ""
    return (
        f"    listen {listen} ssl;\n"
        f"    ssl_certificate {certificate};\n"
        f"    ssl_certificate_key {key};\n"
        "    ssl_protocols TLSv1.2 TLSv1.3;\n"
        "    ssl_session_cache shared:pixelforge_tls:10m;\n"
    )


# A job's pictures (view/...) read by everyone together: a result page loads about 4, a
# visitor changing the background a few more a second; beyond, 429 from nginx.
JOB_VIEW_RATE = "20r/s"
JOB_VIEW_BURST = 40

# nginx passes on only a few of the site's headers with X-Accel-Redirect (Content-Type,
# Content-Disposition, Cache-Control...): the others are copied from the site's answer.
ACCEL_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
    "Strict-Transport-Security",
)


def media_location(media_root: str) -> str:
    """The internal location nginx sends stored job files from, after the site has looked the
    job up and answered X-Accel-Redirect (PIXELFORGE_ACCEL_REDIRECT_URL); none without it."""
    url = settings.PIXELFORGE_ACCEL_REDIRECT_URL
    if not url:
        return ""
    headers = "".join(
        f"        add_header {name} $upstream_http_{name.lower().replace('-', '_')} always;\n"
        for name in ACCEL_HEADERS
    )
    return (
        "    # Stored job files (previews, downloads), sent by nginx once the site has found the\n"
        "    # job (X-Accel-Redirect): no gunicorn thread is held sending them. Never reachable\n"
        "    # from outside (internal), and only jobs/ of the media folder.\n"
        f"    location {url}jobs/ {{\n"
        "        internal;\n"
        f"        alias {media_root}/jobs/;\n"
        "        access_log off;\n"
        f"{headers}"
        "    }\n\n"
    )


def site_config(
    *,
    listen: str,
    server_name: str,
    upstream: str,
    static_root: str | None = None,
    connections_per_address: int = CONNECTIONS_PER_ADDRESS,
    tls: str = "",
) -> str:
    behind_terminator = settings.PIXELFORGE_TRUSTED_PROXY_COUNT > 1
    values = {
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "UPSTREAM": upstream,
        "TLS": tls,
        "MAX_BODY": f"{single_body_mb()}m",
        "BATCH_BODY": f"{max_body_mb()}m",
        "UPLOAD_PATH": reverse("tools:remove_background"),
        "API_PATH": reverse("api:docs"),
        "STATIC_URL": "/" + settings.STATIC_URL.strip("/") + "/",
        "STATIC_ROOT": static_root or str(settings.STATIC_ROOT),
        "MEDIA_LOCATION": media_location(str(settings.MEDIA_ROOT)),
        "READ_TIMEOUT": f"{settings.PIXELFORGE_API_WAIT_SECONDS + 30}s",
        "CLIENT": "$pixelforge_front_client" if behind_terminator else "$binary_remote_addr",
        "PROTO": "$pixelforge_front_proto" if behind_terminator else "$scheme",
        "CONNECTIONS_PER_ADDRESS": str(connections_per_address),
        "JOB_VIEW_RATE": JOB_VIEW_RATE,
        "JOB_VIEW_BURST": str(JOB_VIEW_BURST),
        "API_413": api_error_body(
            "file_too_large",
            f"This request is over {single_body_mb()} MB; the API takes one image of at most "
            f"{settings.PIXELFORGE_MAX_UPLOAD_MB} MB.",
        ),
        "API_429": api_error_body(
            "rate_limited", "Too many requests at once from this address; retry in 10 seconds."
        ),
        "API_503": api_error_body(
            "service_unavailable", "The site is restarting or overloaded; retry in 30 seconds."
        ),
    }
    # $host, $scheme... are nginx's own variables: only our names are substituted.
    return Template(TEMPLATE.read_text()).safe_substitute(values)


def standalone(site: str, run_dir: Path, worker_connections: int = WORKER_CONNECTIONS) -> str:
    # Run as root (CI), nginx's workers would switch to "nobody" and lose the private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;
worker_rlimit_nofile {2 * worker_connections};
events {{ worker_connections {worker_connections}; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {run_dir}/body;
    proxy_temp_path {run_dir}/proxy;
    fastcgi_temp_path {run_dir}/fastcgi;
    uwsgi_temp_path {run_dir}/uwsgi;
    scgi_temp_path {run_dir}/scgi;
{site}
}}
"""


class Command(BaseCommand):
    help = "Print the nginx configuration for this deployment (see docs/deployment.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--listen", default="80")
        parser.add_argument("--server-name", default="_")
        parser.add_argument("--upstream", default="127.0.0.1:8000")
        parser.add_argument("--static-root", default=None, help="Default: DJANGO_STATIC_ROOT.")
        parser.add_argument("--connections-per-address", type=int, default=CONNECTIONS_PER_ADDRESS)
        parser.add_argument("--tls-listen", default="443", help="With the two below.")
        parser.add_argument("--tls-certificate", default=None, help="nginx terminates TLS.")
        parser.add_argument("--tls-key", default=None)
        parser.add_argument("--standalone", metavar="RUN_DIR", type=Path, default=None)
        parser.add_argument("--worker-connections", type=int, default=WORKER_CONNECTIONS)

    def handle(self, *args: Any, **options: Any) -> None:
        site = site_config(
            listen=options["listen"],
            server_name=options["server_name"],
            upstream=options["upstream"],
            static_root=options["static_root"],
            connections_per_address=options["connections_per_address"],
            tls=tls_lines(options["tls_listen"], options["tls_certificate"], options["tls_key"]),
        )
        if options["standalone"] is not None:
            site = standalone(site, options["standalone"].resolve(), options["worker_connections"])
        self.stdout.write(site)
