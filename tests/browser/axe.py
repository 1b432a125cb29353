"""axe-core for the accessibility tests, and a helper that runs it on a Playwright page.

axe-core comes from the npm registry through ``npm pack`` (never installed: no node_modules,
no package.json); the tarball is checked against a pinned sha256 and only ``axe.min.js`` is
kept, in ``.cache/axe-core/<version>/`` (git-ignored). ``make axe`` (a prerequisite of
``make test``) runs this module once per machine:

    python -m tests.browser.axe

To move to a new axe-core version, change AXE_VERSION, run ``npm pack axe-core@<version>``,
and pin the tarball's ``sha256sum`` (it must match the registry's ``dist.integrity``, see
``npm view axe-core@<version> dist.integrity``) and that of its ``package/axe.min.js``.
"""

from __future__ import annotations

import os
import sys
import tarfile
import tempfile
from pathlib import Path

from tools.pipeline.provision import ProvisionError, npm_pack, sha256_of

AXE_VERSION = "4.14.1"
AXE_TARBALL_SHA256 = "e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745"
AXE_JS_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_MEMBER = "package/axe.min.js"

REPO = Path(__file__).resolve().parents[2]
AXE_JS = REPO / ".cache" / "axe-core" / AXE_VERSION / "axe.min.js"

FETCH_HINT = "Run `make axe` (or `python -m tests.browser.axe`) once; it needs npm."


def ensure_axe(path: Path = AXE_JS) -> bool:
    """Make sure a verified axe.min.js is at ``path``. True when it was downloaded."""
    if path.exists() and sha256_of(path) == AXE_JS_SHA256:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pixelforge-axe-") as work:
        package = f"axe-core@{AXE_VERSION}"
        tarball = npm_pack(package, Path(work), purpose="the accessibility tests")
        actual = sha256_of(tarball)
        if actual != AXE_TARBALL_SHA256:
            raise ProvisionError(
                f"Checksum mismatch for {tarball.name} from the npm registry: expected "
                f"{AXE_TARBALL_SHA256}, got {actual}. Do not use this package."
            )
        with tarfile.open(tarball, "r:gz") as archive:
            member = archive.extractfile(AXE_MEMBER)
            if member is None:
                raise ProvisionError(f"{tarball.name} has no {AXE_MEMBER}")
            fd, name = tempfile.mkstemp(prefix=".axe.min.js.", dir=path.parent)
            tmp = Path(name)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(member.read())
                if sha256_of(tmp) != AXE_JS_SHA256:
                    raise ProvisionError(f"{AXE_MEMBER} in {tarball.name} is not the pinned file")
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
    return True


def axe_source(path: Path = AXE_JS) -> str:
    """The verified axe.min.js, or an error that says how to fetch it."""
    if not path.exists():
        raise FileNotFoundError(f"axe-core {AXE_VERSION} is missing ({path}). {FETCH_HINT}")
    if sha256_of(path) != AXE_JS_SHA256:
        raise ProvisionError(f"{path} does not match its pinned sha256. {FETCH_HINT}")
    return path.read_text(encoding="utf-8")


RUN = """async () => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations;
}"""


def axe_violations(page, source: str) -> list[dict]:
    """Run axe-core with its default rules (WCAG 2 A and AA, and best practices) on the page
    as it is now. The script goes in through the DevTools protocol, so the site's Content
    Security Policy (no inline scripts) does not block it and needs no exception."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    return page.evaluate(RUN)


def describe_violations(violations: list[dict]) -> str:
    """One paragraph per violated rule: id, impact, help, then each element's selector."""
    lines = [f"{len(violations)} axe-core rule(s) violated:"]
    for rule in violations:
        lines.append(f"- {rule['id']} ({rule['impact']}): {rule['help']} <{rule['helpUrl']}>")
        for node in rule["nodes"]:
            target = " ".join(" >>> ".join(t) if isinstance(t, list) else t for t in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}  [{summary}]")
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        fetched = ensure_axe()
    except ProvisionError as exc:
        sys.exit(f"axe-core: {exc}")
    print(f"axe-core {AXE_VERSION}: {'fetched' if fetched else 'present and verified'} {AXE_JS}")
