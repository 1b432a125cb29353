from __future__ import annotations


def test_pages_carry_a_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_templates_have_no_inline_script():
    from pathlib import Path

    from tests.conftest import REPO

    for template in (REPO / "templates").rglob("*.html"):
        text = template.read_text()
        for line in text.splitlines():
            if "<script" in line:
                assert "src=" in line or 'type="application/json"' in line, (template, line)
            assert " onclick=" not in line and " onload=" not in line, (template, line)
    assert Path(REPO / "templates" / "base.html").exists()
