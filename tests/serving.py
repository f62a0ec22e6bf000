"""The served-app layer: the app under gunicorn on 127.0.0.1, driven by a real browser.

In-process tests prove rules; these prove pages. `ServedApp` runs `gunicorn` in a subprocess
against the same test database as the in-process tests (a SQLite file or PostgreSQL), with the
testing configuration but served as in production: no debug, exceptions become 500 pages, CSRF on.
Tests seed through the app's own services and factories in the test process and commit; the served
app then reads what they wrote.

    served_app.url("/people/")          # absolute URL
    served_app.posted("people.create")  # True once the access log shows a POST to that endpoint
    storage = sign_in_state(browser, served_app, "member@example.org")
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import free_port, wait_until

ROOT = Path(__file__).resolve().parents[1]
BASE_URL_ENV = "SERVED_BASE_URL"
# Gunicorn's access log line: `"<METHOD> <path>?<query> HTTP/1.1" <status>`.
ACCESS_RE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP/[\d.]+" (\d{3})')


def served_app_factory():
    """Gunicorn's app factory (`tests.serving:served_app_factory()`): the testing configuration
    served like production (no TESTING, no debug, real CSRF), links pointing at this server."""
    from crm import create_app

    url = os.environ["CRM_DATABASE_URL"]
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c synchronous_commit=off"}
    return create_app(
        "testing",
        TESTING=False,
        DEBUG=False,
        PROPAGATE_EXCEPTIONS=False,
        WTF_CSRF_ENABLED=True,
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS=options,
        BASE_URL=os.environ[BASE_URL_ENV],
    )


class ServedApp:
    """One gunicorn process (2 sync workers) on a free port; stopped by its own handle."""

    def __init__(
        self, database_url: str, logs: Path, workers: int = 2, jobs_mode: str = "inline", **env: str
    ):
        self.database_url = database_url
        # Jobs run in the request by default; "celery" hands them to a queue (CRM_REDIS_URL).
        self.jobs_mode = jobs_mode
        self.log_path = logs / "gunicorn.log"
        self.workers = workers
        self.extra_env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self._log = None

    def url(self, path: str = "/") -> str:
        return self.base + path

    def start(self, timeout: float = 60) -> ServedApp:
        env = dict(
            os.environ,
            PYTHONUNBUFFERED="1",
            CRM_ENV="testing",
            CRM_DATABASE_URL=self.database_url,
            CRM_JOBS_MODE=self.jobs_mode,
            **{BASE_URL_ENV: self.base},
            **self.extra_env,
        )
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "-",
                "--error-logfile",
                "-",
                "--access-logformat",
                '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
                "tests.serving:served_app_factory()",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        end = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > end:
                self.stop()
                raise TimeoutError(f"gunicorn did not answer /healthz:\n{self.log()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # graceful: workers finish their request
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._log:
            self._log.close()
            self._log = None

    def log(self, tail: int = 20000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def mark(self) -> int:
        """The log's current length: pass it to `requests(since=...)` for what came after."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def requests(self, since: int = 0) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request the access log shows after `since`."""
        with open(self.log_path, "rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
        return [(m, p, int(s)) for m, p, s in ACCESS_RE.findall(text)]

    def requests_until(self, since: int, keep, what: str, timeout: float = 10) -> list:
        """The requests after `since` that keep(method, path, status) accepts, waited for until
        there is one (else []): a worker writes its access log line after the answer has gone
        out, so on a busy machine the browser can have loaded the next page, from the other
        worker, before the line of the request it is waiting for is in the log."""

        def found():
            return [r for r in self.requests(since) if keep(*r)]

        try:
            return wait_until(found, timeout, what, every=0.05)
        except TimeoutError:
            return []

    def errors(self, since: int = 0) -> list[str]:
        """Tracebacks and 5xx lines logged after `since`."""
        with open(self.log_path, "rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
        return [
            line
            for line in text.splitlines()
            if "Traceback" in line or "Error" in line or re.search(r'" 5\d\d ', line)
        ]


def endpoint_of(app, method: str, path: str) -> str | None:
    """The url_map endpoint a (method, path) request went to."""
    from werkzeug.exceptions import HTTPException

    adapter = app.url_map.bind("127.0.0.1")
    try:
        endpoint, _ = adapter.match(path.split("?", 1)[0], method=method)
    except HTTPException:
        return None
    return endpoint


def sign_in_state(browser, served: ServedApp, email: str, password: str | None = None) -> dict:
    """Sign in through the real login form once; returns the context's storage state (cookies),
    to open any number of signed-in contexts from."""
    from tests.factories import PASSWORD

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(served.url("/login"))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password or PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login" not in u)
        return context.storage_state()
    finally:
        context.close()


# Assertions every served page must pass.

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
AXE_RUN = """async (scope) => {
  const r = await axe.run(scope ? {include: [scope]} : document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' +
                  (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 200))}));
}"""


def axe_violations(page, scope: str | None = None) -> list[dict]:
    """axe-core's serious and critical violations on the page, or inside the elements the CSS
    selector `scope` picks (AXE_JS must be set)."""
    page.add_script_tag(path=os.environ["AXE_JS"])
    return page.evaluate(AXE_RUN, scope)


def sideways_overflow(page) -> str | None:
    """None when the page does not scroll sideways; else the widest offenders, for the message."""
    if page.evaluate(NO_SIDEWAYS_SCROLL):
        return None
    return page.evaluate(
        """() => {
      const w = window.innerWidth, out = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > w + 1 && r.width > 0) out.push(
          el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (el.className && typeof el.className === 'string' ? '.' + el.className.trim()
            .split(/\\s+/).join('.') : '') + ' right=' + Math.round(r.right));
      }
      return `scrollWidth ${document.documentElement.scrollWidth} > ${w}: ` +
        out.slice(0, 8).join(', ');
    }"""
    )


def clipped_regions(page) -> list[str]:
    """Scrolling boxes (a wide table in .table-responsive) whose content is wider than the box:
    on a phone a table must fit (become cards, or drop secondary columns), not hide its key
    column or its action off to the side."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('body *')).filter(el => {
        const s = getComputedStyle(el);
        return (s.overflowX === 'auto' || s.overflowX === 'scroll') &&
               el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0;
      }).map(el => (el.querySelector('table[id]') || el).id || el.className || el.tagName)
        .map(name => String(name).slice(0, 60))"""
    )


def small_targets(page, minimum: int = 24) -> list[str]:
    """Targets under minimum × minimum CSS px (WCAG 2.2 target size), with its exceptions: an
    undersized link or button passes when a 24 px circle on its centre touches no other target;
    links inside running text are exempt. Checkboxes and radios must be 24 px themselves."""
    return page.evaluate(
        """(min) => {
      const sel = 'a[href], button, input:not([type=hidden]), select, textarea, ' +
                  '[role=button], summary';
      const all = Array.from(document.querySelectorAll(sel))
        .map(el => ({el, r: el.getBoundingClientRect()}))
        .filter(t => t.r.width > 1 && t.r.height > 1 &&
                     getComputedStyle(t.el).visibility !== 'hidden');
      const small = t => t.r.width < min - 0.5 || t.r.height < min - 0.5;
      const centre = r => [r.left + r.width / 2, r.top + r.height / 2];
      const distToRect = ([x, y], r) => Math.hypot(Math.max(r.left - x, 0, x - r.right),
                                                   Math.max(r.top - y, 0, y - r.bottom));
      const out = [];
      for (const t of all) {
        if (!small(t)) continue;
        const el = t.el, style = getComputedStyle(el);
        if (el.tagName === 'A' && style.display === 'inline' &&
            el.closest('p, .form-text')) continue;
        // Map and chart shapes link to the same place as the table beside them (the
        // "equivalent control" exception).
        if (el.closest('svg')) continue;
        const box = el.type === 'checkbox' || el.type === 'radio';
        let crowded = box;
        if (!box) {
          const c = centre(t.r);
          crowded = all.some(o => o !== t && !o.el.contains(el) && !el.contains(o.el) &&
            (small(o) ? Math.hypot(c[0] - centre(o.r)[0], c[1] - centre(o.r)[1]) < min
                      : distToRect(c, o.r) < min / 2));
        }
        if (crowded) {
          const label = (el.innerText || el.getAttribute('aria-label') || el.name || el.type || '')
            .trim().slice(0, 30);
          const size = `${Math.round(t.r.width)}x${Math.round(t.r.height)}`;
          out.push(`${el.tagName.toLowerCase()} "${label}" ${size}`);
        }
      }
      return out;
    }""",
        minimum,
    )
