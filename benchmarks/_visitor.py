"""A visitor's browser for the load benchmarks (load, attack, refine_queue, latency's click):
a CSRF cookie and token from the form, uploads through it, status polls; and the percentile
every report prints."""

from __future__ import annotations

import http.client
import json
import re
import time
import uuid

from benchmarks._site import HOST, REPO

FORM = "/tools/remove-background/"
PHOTOS = sorted((REPO / "tests" / "fixtures").glob("*.jpg"))
TIMEOUT = 300.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Visitor:
    """One browser: a CSRF cookie and token from the form, then uploads and status polls."""

    def __init__(self, port: int, source: str | None = None) -> None:
        self.port = port
        self.source = (source, 0) if source else None  # a loopback address such as 127.0.1.7
        page, headers = self.get(FORM)
        self.cookie = headers.get("set-cookie", "").split(";", 1)[0]
        self.token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def _request(self, method: str, path: str, body: bytes | None = None, headers=None):
        connection = http.client.HTTPConnection(
            HOST, self.port, timeout=TIMEOUT, source_address=self.source
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return response.status, data, {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()

    def get(self, path: str) -> tuple[str, dict[str, str]]:
        status, data, headers = self._request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return data.decode(), headers

    def upload(self, name: str, data: bytes) -> str:
        """POST the photo; return its result page's path (the upload answers at once)."""
        boundary = uuid.uuid4().hex
        body = b"".join(
            [
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"'
                f"\r\n\r\n{self.token}\r\n".encode(),
                f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
                f'filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode(),
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": self.cookie,
            "Origin": f"http://{HOST}:{self.port}",
        }
        status, _data, answer = self._request("POST", FORM, body, headers)
        if status != 302:
            raise RuntimeError(f"upload: HTTP {status}")
        return answer["location"]

    def wait(self, result_path: str, states=("done", "failed"), deadline: float = TIMEOUT) -> dict:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            status, data, _ = self._request("GET", result_path + "status/")
            if status != 200:
                raise RuntimeError(f"status: HTTP {status}")
            document = json.loads(data)
            if document["state"] in states:
                return document
            time.sleep(0.5)
        raise TimeoutError(f"{result_path} not {states} after {deadline} s")
