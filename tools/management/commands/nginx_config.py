"""python manage.py nginx_config: this deployment's nginx site, from deploy/nginx.conf.template.

Values come from the settings (upload limit, static folder, API wait), so the proxy and the site
agree. ``--standalone`` wraps it in a complete nginx.conf that runs unprivileged (the tests and
benchmarks/load.py start nginx on loopback ports with it).
"""

from __future__ import annotations

import os
from pathlib import Path
from string import Template
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx.conf.template"


def max_body_mb() -> int:
    """The largest body nginx lets through to the upload form (PIXELFORGE_MAX_BODY_MB: one
    upload or a batch's total, plus the form's other fields). The site explains anything
    larger up to this; beyond it nginx answers 413 by itself."""
    return settings.PIXELFORGE_MAX_BODY_MB


def single_body_mb() -> int:
    """Every other URL (the API, the result page's background image): one file at most."""
    return settings.PIXELFORGE_MAX_UPLOAD_MB + settings.PIXELFORGE_FORM_ROOM_MB


def site_config(
    *, listen: str, server_name: str, upstream: str, static_root: str | None = None
) -> str:
    values = {
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "UPSTREAM": upstream,
        "MAX_BODY": f"{single_body_mb()}m",
        "BATCH_BODY": f"{max_body_mb()}m",
        "UPLOAD_PATH": reverse("tools:remove_background"),
        "STATIC_URL": "/" + settings.STATIC_URL.strip("/") + "/",
        "STATIC_ROOT": static_root or str(settings.STATIC_ROOT),
        "READ_TIMEOUT": f"{settings.PIXELFORGE_API_WAIT_SECONDS + 30}s",
    }
    # $host, $scheme... are nginx's own variables: only our names are substituted.
    return Template(TEMPLATE.read_text()).safe_substitute(values)


def standalone(site: str, run_dir: Path) -> str:
    # Run as root (CI), nginx's workers would switch to "nobody" and lose the private folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""{user}daemon off;
worker_processes 1;
pid {run_dir}/nginx.pid;
error_log {run_dir}/error.log warn;
events {{ worker_connections 1024; }}
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
        parser.add_argument("--standalone", metavar="RUN_DIR", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        site = site_config(
            listen=options["listen"],
            server_name=options["server_name"],
            upstream=options["upstream"],
            static_root=options["static_root"],
        )
        if options["standalone"] is not None:
            site = standalone(site, options["standalone"].resolve())
        self.stdout.write(site)
