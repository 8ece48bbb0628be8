"""Locust scenarios: each role's daily mix against a server set up by ``bench/load/prepare.py``.

Run by ``bench/load/run.py`` (``make load``, ``make load-ci``); by hand:

    .venv/bin/locust -f bench/load/locustfile.py --headless -u 50 -r 10 -t 60s \\
        --host http://127.0.0.1:8000

Each simulated person signs in as their own ``load.<role>.<n>`` account (sessions are limited to
one per account, S5) with the password and a TOTP code computed like an authenticator app, then
works through a weighted mix of the pages their role uses, pausing LOAD_WAIT seconds between
steps (default "0.5,2"). The baseline user fetches a static file and the sign-in notice once a
second, so their latency under the same load is in the same table.

Every response is checked: a status other than the expected one, a page that turned out to be
the sign-in notice (a lost session), or an intake refused is a failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
from html.parser import HTMLParser
from pathlib import Path

from locust import FastHttpUser, between, constant, task

PASSWORD = "example-county-demo-2026"  # noqa: S105  # the demo's published password (accord/demo.py)
WAIT = tuple(float(x) for x in os.environ.get("LOAD_WAIT", "0.5,2").split(","))
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
CASE_NUMBER = re.compile(r"\b(GEN-2020-\d{6,})\b")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def demo_totp_key(username: str) -> bytes:
    """The key accord.demo gives every demo (and load) user, so codes can be computed here."""
    return bytes.fromhex(hashlib.sha256(f"accord-demo-totp:{username}".encode()).hexdigest()[:40])


def totp(key: bytes, step: int) -> str:
    """RFC 6238 (HMAC-SHA1, 30 s steps, 6 digits), as django-otp and authenticator apps."""
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{code % 1_000_000:06d}"


class _FormFields(HTMLParser):
    """Every field of each POST form with its default value, as a browser would send it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = True
            self.fields = {}
            self.forms.append(self.fields)
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            kind = a.get("type", "text")
            if kind in {"radio", "checkbox"}:
                if "checked" in a or (kind == "radio" and name not in self.fields):
                    self.fields[name] = a.get("value", "on")
            else:
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.fields[self._select] = self._first_option
            if "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str) -> dict[str, str]:
    """The fields of the page's main form: the POST form with the most fields (not sign-out)."""
    parser = _FormFields()
    parser.feed(html)
    return max(parser.forms, key=len, default={})


#: The TOTP step each account last signed in with, kept beside the database under test: the
#: server refuses a step already used, and the next run (another configuration, the same
#: accounts) starts within the same minute.
STEPS_FILE = Path(os.environ.get("ACCORD_VAR_DIR", "var")) / "load-totp-steps.json"


def _read_steps() -> dict[str, int]:
    try:
        return {str(k): int(v) for k, v in json.loads(STEPS_FILE.read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


class _Accounts:
    """Hands out load.<role>.<n> accounts, one per simulated person, and their TOTP steps."""

    counters: dict[str, itertools.count[int]] = {}
    last_step: dict[str, int] = _read_steps()

    @classmethod
    def take(cls, role: str) -> str:
        counter = cls.counters.setdefault(role, itertools.count(1))
        return f"load.{role}.{next(counter)}"

    @classmethod
    def code(cls, username: str) -> str:
        """A code the server has not seen for this account (django-otp refuses replays)."""
        # never a step already used (the server refuses a replay), and at most one step ahead
        # of the clock (the server's tolerance): a third sign-in within 30 s waits for the next
        # step. (This waited 30 s and then used the step of the clock, which the second sign-in
        # had already used: refused, and the person's later pages went to the code form.)
        step = max(int(time.time()) // 30, cls.last_step.get(username, 0) + 1)
        while step > int(time.time()) // 30 + 1:
            time.sleep(1)
        cls.last_step[username] = step
        with contextlib.suppress(OSError):
            STEPS_FILE.write_text(json.dumps(cls.last_step))
        return totp(demo_totp_key(username), step)


class Person(FastHttpUser):
    """A signed-in user of one role; subclasses give the role and its pages."""

    abstract = True
    role = ""
    wait_time = between(*WAIT) if len(WAIT) == 2 else constant(WAIT[0])

    def on_start(self) -> None:
        self.username = _Accounts.take(self.role)
        self.case_ids: list[int] = []
        self.numbers: list[str] = []
        self.sign_in()

    # --- requests with their checks ------------------------------------------------------------

    def page(self, path: str, name: str, *, params: dict[str, str] | None = None) -> str:
        """GET a page; anything but 200 fails (a redirect to sign in means the session was lost)."""
        with self.client.get(
            path, params=params, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"status {response.status_code} {where}".strip())
            return response.text or ""

    def post(self, path: str, data: dict[str, str], name: str, *, to: str) -> str:
        """POST a form; success is a redirect whose target contains ``to``."""
        with self.client.post(
            path, data=data, name=name, catch_response=True, allow_redirects=False
        ) as response:
            where = response.headers.get("Location", "") if response.headers else ""
            if response.status_code != 302 or to not in where:
                detail = re.search(r'class="errorlist[^"]*">(.*?)</ul>', response.text or "", re.S)
                response.failure(
                    f"status {response.status_code} to {where or '(no redirect)'}"
                    + (
                        f": {re.sub(r'<[^>]+>', ' ', detail.group(1)).strip()[:120]}"
                        if detail
                        else ""
                    )
                )
            return where

    def csrf(self, html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else ""

    # --- sign-in ---------------------------------------------------------------------------------

    def sign_in(self) -> None:
        notice = self.page("/accounts/notice/", "sign-in: notice")
        self.post(
            "/accounts/notice/",
            {"csrfmiddlewaretoken": self.csrf(notice)},
            "sign-in: notice accepted",
            to="/accounts/login/",
        )
        login = self.page("/accounts/login/", "sign-in: password form")
        self.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": self.csrf(login),
                "username": self.username,
                "password": PASSWORD,
            },
            "sign-in: password",
            to="/accounts/mfa/",
        )
        mfa = self.page("/accounts/mfa/", "sign-in: code form")
        self.post(
            "/accounts/mfa/",
            {"csrfmiddlewaretoken": self.csrf(mfa), "code": _Accounts.code(self.username)},
            "sign-in: code",
            to="/",
        )

    @task(1)
    def sign_out_and_in(self) -> None:
        home = self.page("/", "dashboard")
        self.post(
            "/accounts/logout/",
            {"csrfmiddlewaretoken": self.csrf(home)},
            "sign out",
            to="/accounts/",
        )
        self.client.cookiejar.clear()
        self.sign_in()

    # --- the pages every role uses ----------------------------------------------------------------

    @task(10)
    def dashboard(self) -> None:
        self.page("/", "dashboard")

    @task(2)
    def notifications(self) -> None:
        self.page("/cases/notifications/", "notifications")


class CaseWorker(Person):
    """A role that works on cases: the case list, case pages and search."""

    abstract = True

    @task(6)
    def case_list(self) -> None:
        html = self.page("/cases/", "case list")
        self.case_ids = [int(i) for i in CASE_LINK.findall(html)] or self.case_ids
        self.numbers = CASE_NUMBER.findall(html) or self.numbers

    @task(8)
    def case_page(self) -> None:
        if not self.case_ids:
            self.case_list()
        if self.case_ids:
            self.page(f"/cases/{random.choice(self.case_ids)}/", "case page")

    @task(3)
    def search(self) -> None:
        if not self.numbers:
            self.case_list()
        query = random.choice(self.numbers) if self.numbers else "GEN-2020"
        self.page("/cases/", "case list: search", params={"q": query})


class Investigator(CaseWorker):
    role = "investigator"
    weight = 35

    @task(4)
    def my_tasks(self) -> None:
        self.page("/cases/tasks/mine/", "my tasks")

    @task(2)
    def agency_tasks(self) -> None:
        self.page("/cases/tasks/agency/", "agency tasks")

    @task(3)
    def intake(self) -> None:
        html = self.page("/cases/new/", "intake form")
        data = form_fields(html)
        data.update(
            {
                "title": f"Load intake {random.randrange(10**9)}",
                "victims-0-pseudonym": "V-1",
                "victims-0-age": str(random.randint(14, 50)),
            }
        )
        data.pop("add_victim", None)
        where = self.post("/cases/new/", data, "intake: open a case", to="/cases/")
        opened = re.search(r"/cases/(\d+)/", where)
        if opened:
            self.page(where, "case page (just opened)")
            self.case_ids.append(int(opened.group(1)))


class Advocate(CaseWorker):
    role = "advocate"
    weight = 25

    @task(4)
    def referral_inbox(self) -> None:
        self.page("/cases/referrals/inbox/", "referral inbox")


class Coordinator(CaseWorker):
    role = "coordinator"
    weight = 15

    @task(3)
    def reports(self) -> None:
        self.page("/reports/", "reports dashboard")

    @task(1)
    def funder_report(self) -> None:
        self.page("/reports/funder/", "funder report (last quarter)")

    @task(2)
    def users(self) -> None:
        self.page("/accounts/users/", "user list")

    @task(2)
    def unanswered(self) -> None:
        self.page("/cases/unanswered/", "unanswered questions")


class Prosecutor(CaseWorker):
    role = "prosecutor"
    weight = 15

    @task(3)
    def my_tasks(self) -> None:
        self.page("/cases/tasks/mine/", "my tasks")


class Auditor(Person):
    role = "auditor"
    weight = 5

    @task(6)
    def audit_trail(self) -> None:
        self.page("/audit/", "audit trail")


class Baseline(FastHttpUser):
    """What the server does with no database work: the reference for every other figure."""

    fixed_count = 1
    wait_time = constant(0.5)

    @task
    def static_file(self) -> None:
        with self.client.get(
            "/static/accord/accord.css", name="baseline: static file", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    @task
    def sign_in_page(self) -> None:
        with self.client.get(
            "/accounts/notice/", name="baseline: sign-in page", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
