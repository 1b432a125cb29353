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


def test_article_markdown_cannot_inject_script(client, db):
    from tests.blog_helpers import make_article

    hostile = (
        "Hello <script>alert(1)</script>\n\n"
        '<img src="x" onerror="alert(2)">\n\n'
        '[click](javascript:alert(3)) and <a href="JaVaScRiPt:alert(4)">this</a>\n\n'
        '<iframe src="https://evil.example"></iframe>'
    )
    article = make_article("Hostile markdown", body=hostile)
    body = client.get(article.get_absolute_url()).content.decode().lower()
    assert "<script>alert" not in body
    assert "onerror" not in body
    assert "javascript:" not in body
    assert "<iframe" not in body
    assert "hello" in body
