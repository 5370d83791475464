"""What every browser test shares: Debian's Chromium under Playwright, one per test module;
signing in and moving by keyboard; axe-core's serious and critical findings.

    from tests.browser import BROWSER_TESTS, log_in

    pytestmark = BROWSER_TESTS

    def test_something(live_server, browser): ...

The root conftest.py loads this module as a plugin, so the `browser` fixture needs no import.

Rows are written before Playwright starts (in fixtures): code running under Playwright's
sync API sits in another greenlet, where Django would open a second database connection
that nothing closes (PostgreSQL then refuses to drop the test database).
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "js" / "node_modules" / "axe-core" / "axe.min.js"

BROWSER_TESTS = [
    pytest.mark.browser,
    # A developer without Chromium may skip; CI must have it, so there a missing browser fails.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason="needs Debian's chromium at /usr/bin/chromium",
    ),
]

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the test module; each test opens its own contexts in it."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
    # the database calls made around it. Set only while the browser runs (not at import,
    # which would leak into every later test and subprocess, e.g. `check --deploy`).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
            )
            yield browser
            browser.close()


def log_in(page, url: str, username: str, password: str = "pw") -> None:
    """Open `url` (a login page, usually with its ?next=) and sign in there."""
    page.goto(url)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.keyboard.press("Enter")


def tab_to(page, name: str, limit: int = 300) -> None:
    """Press Tab until the focused element is the one named `name`: keyboard only."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e.innerText || e.getAttribute('aria-label')"
            " || (e.tagName === 'INPUT' && e.type === 'submit' ? e.value : '') || '').trim(); }"
        )
        if " ".join(focused.split()) == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def axe_problems(
    page, *, rules: list[str] | None = None, whatever_impact: tuple[str, ...] = ()
) -> list[str]:
    """Serious and critical axe violations of the page, one line each; `rules` limits the
    check to those axe rules (e.g. ["color-contrast"] for a second colour scheme), and
    the rules in `whatever_impact` are reported at any impact (e.g. "landmark-unique").

    The page's Content-Security-Policy refuses the injected script: open the context with
    `bypass_csp=True` (the pages keep their policy in the CSP tests, which check that).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {"resultTypes": ["violations"]}
    if rules is not None:
        options["runOnly"] = {"type": "rule", "values": rules}
    return page.evaluate(
        "async ([options, always]) => (await axe.run(document, options)).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact) || always.includes(v.id))"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')"
        " + (v.id === 'color-contrast' ? ` (${n.any[0].message})` : '')).join(', '))",
        [options, list(whatever_impact)],
    )


# Installed before any page script runs (Playwright injects it, outside the page's policy):
# every violation the browser reports is kept for the test to read.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile}`
  );
});
"""
