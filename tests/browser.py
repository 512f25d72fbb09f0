"""What the browser tests share: `casekit serve` / `casekit lab` on a free port of
127.0.0.1, Debian's chromium through Playwright, axe-core, and waits on conditions.

Every wait here is on a condition (a port that answers, an element that appears, a
row in the store), with a generous deadline for a loaded machine; none sleeps for a
fixed time and hopes. Voila runs the whole notebook in a fresh kernel for every page
load, so a server is only ever polled on its port, never with a page load.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# A Voila page streams while its fresh kernel runs the notebook: on a loaded
# machine (two cores, several test runs) that takes far longer than Playwright's
# default 30 s. Every wait for a page to load gets this deadline.
LOAD_TIMEOUT_MS = 120_000
# A round trip through the kernel (a click, a Save and what it redraws).
KERNEL_TIMEOUT_MS = 30_000
AXE = Path(os.environ.get("AXE_CORE_JS", ROOT / "node_modules/axe-core/axe.min.js"))
SCREENSHOTS = Path("/tmp/casekit-form-screenshots")
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(port: int, server: subprocess.Popen, log: Path) -> bool:
    """Wait until the server started on ``port`` says it runs and the port answers.

    Its own log line is the condition, not a free port that some other program (a
    kernel of another test run, say) may have taken since it was found free: False
    when the server stopped because the port was taken, so that another can be tried.
    """
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            said = log.read_text()
            if "already in use" in said:
                return False
            pytest.fail(f"the casekit server stopped early:\n{said}")
        if "is running at" in log.read_text():
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return True
        time.sleep(0.2)
    pytest.fail(f"the casekit server did not run on port {port}:\n{log.read_text()}")


def wait_until(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Poll ``condition`` (e.g. a row in the store) until it holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:g} s for {what}")
        time.sleep(0.1)


@contextlib.contextmanager
def casekit_server(
    command: str, db: Path, cwd: Path, log: Path, env: dict | None = None
) -> Iterator[tuple[int, str]]:
    """`casekit COMMAND --db DB` on a free port of 127.0.0.1: yields (port, token)."""
    token = secrets.token_urlsafe(16)
    environment = {k: v for k, v in os.environ.items() if k != "CASEKIT_DB"}
    environment.update(env or {}, JUPYTER_TOKEN=token)
    for _attempt in range(3):  # a port found free may be taken before it is used
        port = free_port()
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "casekit", command, "--db", str(db)]
                + ["--port", str(port), "--no-browser"],
                cwd=cwd,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if wait_until_serving(port, server, log):
            break
    else:
        pytest.fail(f"no free port for casekit {command}:\n{log.read_text()}")
    try:
        assert db.exists(), f"casekit {command} should create the store"
        yield port, token
    finally:
        server.terminate()  # casekit became the server process itself
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # Voila gave up waiting for a cell's output (a page without its forms): say so
    # plainly rather than as an element that never appeared (see voila.json)
    assert "Timeout waiting for IOPub output" not in log.read_text(), log.read_text()


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), (
        f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does)"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Browser, viewport: dict) -> Page:
    """A page of its own context; en-US, so that a date field reads mm/dd/yyyy."""
    context = browser.new_context(viewport=viewport, locale="en-US")
    context.set_default_timeout(KERNEL_TIMEOUT_MS)
    expect.set_options(timeout=KERNEL_TIMEOUT_MS)
    return context.new_page()


def open_app(page: Page, url: str) -> None:
    """Load the served forms and wait until the page's helper has marked them up.

    Now and then (once in about seventy loads here, under load) Voila starts the
    page's kernel and the page never finishes loading: its log says the kernel
    started and nothing more, no error. A person reloads such a page; so does this,
    once, and says so in the test's output.
    """
    for attempt in (1, 2):
        try:
            response = page.goto(url, timeout=LOAD_TIMEOUT_MS)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            print(f"{url} did not finish loading in {LOAD_TIMEOUT_MS} ms: reloading")
    assert response is not None and response.ok
    # The page may load nothing from another host (Voila's template links a CDN).
    policy = response.headers.get("content-security-policy", "")
    assert policy.startswith("default-src 'self'"), policy
    page.locator(".casekit-save-case").wait_for(timeout=LOAD_TIMEOUT_MS)
    # the helper (assist.js) has run: the status line is a live region, in the
    # page before anything is said in it (else nothing would be announced)
    status = page.locator(".casekit-status-case")
    expect(status).to_have_attribute("role", "status", timeout=LOAD_TIMEOUT_MS)
    expect(status).to_be_visible()


def field(page: Page, form: str, code: str, element: str = "input"):
    return page.locator(f".casekit-form-{form} .casekit-field-{code} {element}")


def tab(page: Page, title: str) -> None:
    page.locator(".lm-TabBar-tab", has_text=title).click()


def choose_case(page: Page, form: str, case_id: str, shows: str = "") -> None:
    """Choose ``case_id`` in the case list of ``form`` (``card`` for the case
    card's tab) and wait for what it shows (the form, or ``shows``)."""
    page.locator(f".casekit-search-{form} input").fill(case_id)
    options = page.locator(f".casekit-chooser-{form} select option")
    expect(options).to_have_count(1)
    expect(options).to_contain_text(case_id)
    page.locator(f".casekit-chooser-{form} select").select_option(index=0)
    expect(page.locator(shows or f".casekit-form-{form}")).to_be_visible()


def open_every_section(page: Page, form: str = "case") -> None:
    for header in page.locator(f".casekit-form-{form} .casekit-fold-header").all():
        if header.get_attribute("aria-expanded") != "true":
            header.click()
            expect(header).to_have_attribute("aria-expanded", "true")


def axe_violations(page: Page) -> list[dict]:
    """axe-core's critical and serious violations on the page as it is now."""
    assert AXE.is_file(), (
        f"axe-core is missing ({AXE}): run `npm install --no-save axe-core@4` in the "
        "checkout (`make test` does), or set AXE_CORE_JS to its axe.min.js"
    )
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, "
        "help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))"
    )
    return [v for v in result if v["impact"] in ("critical", "serious")]


def frames_drawn(page: Page, frames: int = 3) -> None:
    """Wait until the browser has drawn ``frames`` more frames (layout done)."""
    page.evaluate(
        "n => new Promise(done => { const next = k => k ? "
        "requestAnimationFrame(() => next(k - 1)) : done(); next(n); })",
        frames,
    )


def content_height(page: Page) -> int:
    """The height of the page's content: Voila scrolls a panel, not the page."""
    return page.evaluate(
        "Math.max(document.documentElement.scrollHeight, ...Array.from("
        "document.querySelectorAll('.lm-BoxPanel-child, .jp-WindowedPanel-outer'),"
        " e => e.scrollHeight))"
    )


def screenshot(page: Page, folder: Path, name: str) -> Path:
    """The whole form at the page's width (the viewport made as tall as the
    content), written under ``folder`` and copied to SCREENSHOTS; the path printed."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": content_height(page)})
    try:
        frames_drawn(page)  # Lumino lays the page out again after a resize
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)
        frames_drawn(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SCREENSHOTS / path.name)
    print(f"screenshot {name}: {path} (copied to {SCREENSHOTS / path.name})")
    return path


# -- shared by the accessibility tests of the forms and of removal ----------------


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focus is on ``selector`` (it must be reachable)."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {selector}")


# Controls off the screen, or cut off by a box that hides what overflows.
OFF_SCREEN = """() => Array.from(document.querySelectorAll(
  '.casekit-app input, .casekit-app select, .casekit-app textarea, .casekit-app button'
)).filter(e => e.getClientRects().length).flatMap(e => {
  const r = e.getBoundingClientRect();
  const out = [];
  if (r.left < -0.5 || r.right > innerWidth + 0.5) out.push('the screen');
  // nor cut off by a box around it that hides what overflows
  for (let a = e.parentElement; a; a = a.parentElement) {
    if (getComputedStyle(a).overflowX === 'visible') continue;
    const q = a.getBoundingClientRect();
    if (r.left < q.left - 0.5 || r.right > q.right + 0.5) out.push(a.className);
    break;
  }
  return out.map(where => `${e.tagName} ${e.className} ${e.textContent.trim()}`
    + ` (${Math.round(r.left)} to ${Math.round(r.right)}) runs off ${where}`);
})"""


# Words cut short: a tab's title or a button's words wider than the box that shows
# them (a clipped "New cas", an ellipsis "Start a new entry in...").
CUT_SHORT = """() => Array.from(document.querySelectorAll(
  '.casekit-app .lm-TabBar-tabLabel, .casekit-app button'
)).filter(e => e.getClientRects().length)
  .filter(e => e.scrollWidth > e.clientWidth + 0.5)
  .map(e => `${e.textContent.trim()} (${e.scrollWidth} > ${e.clientWidth})`)"""
