"""Browser fixtures: the app served on 127.0.0.1 by a real server thread, and Debian's Chromium
driven by Playwright (Playwright's own browser download is not available on these machines)."""

import fcntl
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # the machine has no network: don't try
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_server(app):
    """The app on a free local port for the duration of the test; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is not installed: run `make test`, which installs the Debian package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL_PATH = "/__tests__/axe.min.js"


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's browser build from the npm package that package-lock.json pins (`make test` runs `npm ci`;
    a checkout where it has not run gets it here, once, under a lock shared by the test workers)."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: run `make test`, which installs the Debian package and axe-core")
        with open(AXE.parents[2] / "package-lock.json") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not AXE.exists():
                subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=AXE.parents[2], check=True)
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, axe_source: str) -> list[str]:
    """Run axe-core on the page as it is (served from the page's own origin, which its content security
    policy allows) and return its serious and critical violations, one line each."""
    origin = "/".join(page.url.split("/")[:3])
    page.route(f"{origin}{AXE_URL_PATH}", lambda route: route.fulfill(body=axe_source, content_type="text/javascript"))
    page.add_script_tag(url=f"{origin}{AXE_URL_PATH}")
    results = page.evaluate("() => axe.run(document, {iframes: false, resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
