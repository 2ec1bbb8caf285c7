"""The people of benchmarks/load.py, for locust: applicants, operators, specialists, supervisors.

Run by benchmarks/load.py, which starts the servers, signs every account in once and writes the
plan (the session cookies, the escalations each specialist may answer) to the JSON file named by
STROYDESK_LOAD_PLAN. Each simulated person waits 1–3 s between steps, as a person reading a page
does. A step that answers slower than STROYDESK_LOAD_SLOW_MS counts as a failure: the load a
server "holds" is the one its people do not give up on.

This file lives in its own folder because locust puts the locustfile's folder on sys.path, and
benchmarks/queue.py would shadow the standard library's ``queue`` there.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections import deque
from typing import Any

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(open(os.environ["STROYDESK_LOAD_PLAN"]).read())  # noqa: SIM115
SLOW_S = float(os.environ.get("STROYDESK_LOAD_SLOW_MS", "2000")) / 1000
CARD_LINK = re.compile(r'href="/desk/requests/(\d+)/"')
SUBJECTS = [
    ("Шум от стройки ночью", "После 23:00 на площадке работает техника, просим проверить."),
    ("Разрешение на пристройку", "Нужно ли разрешение на пристройку веранды к частному дому?"),
    ("Сроки реконструкции дороги", "Когда закончат ремонт дороги у дома и уберут ограждение?"),
]
# Each escalation is answered once: the specialists share one pool per account (locust runs
# its users as greenlets of one process, so popping from a deque needs no lock).
POOLS: dict[str, deque[int]] = {
    account["username"]: deque(account["escalations"]) for account in PLAN["specialists"]
}
_accounts = {
    role: itertools.cycle(PLAN[role])
    for role in ("applicants", "operators", "specialists", "supervisors")
}


class Person(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    role = ""

    def on_start(self) -> None:
        self.account = next(_accounts[self.role])
        for name, value in self.account["cookies"].items():
            self.client.cookies.set(name, value)

    def step(self, method: str, path: str, name: str, expect: int = 200, **kwargs: Any) -> Any:
        """One request; a wrong status or an answer slower than the limit is a failure."""
        headers = kwargs.pop("headers", {})
        if method == "POST":
            # The token of the sign-in (the server sets no new one before the next sign-in).
            headers["X-CSRFToken"] = self.account["cookies"]["csrftoken"]
        started = time.perf_counter()
        with self.client.request(
            method,
            path,
            name=name,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            elapsed = time.perf_counter() - started
            if response.status_code != expect:
                response.failure(f"status {response.status_code}, expected {expect}")
            elif elapsed > SLOW_S:
                response.failure(f"slower than {SLOW_S * 1000:.0f} ms")
            else:
                response.success()
            return response


class Applicant(Person):
    """Asks a question on the portal: opens the form, sends it, sees the confirmation."""

    role = "applicants"
    weight = 4

    @task
    def ask(self) -> None:
        self.step("GET", "/ask/", "portal: question form")
        subject, text = SUBJECTS[int(time.time() * 1000) % len(SUBJECTS)]
        sent = self.step(
            "POST",
            "/ask/",
            "portal: submit question",
            expect=302,
            # The consent to processing the form asks with each question (the wording's version
            # is the form's own).
            data={
                "subject": subject,
                "text": text,
                "address": "ул. Тверская, 1",
                "consent": "on",
            },
        )
        if sent.status_code == 302:
            self.step("GET", sent.headers["Location"], "portal: confirmation")


class Operator(Person):
    """Works the queue: opens it and then one of the requests on it."""

    role = "operators"
    weight = 3

    @task
    def queue_and_card(self) -> None:
        page = self.step("GET", "/desk/", "desk: queue")
        found = CARD_LINK.findall(page.text or "")
        if found:
            pk = found[int(time.time() * 1000) % len(found)]
            self.step("GET", f"/desk/requests/{pk}/", "desk: request card")


class Specialist(Person):
    """Answers their authority's escalations: inbox, the request, the answer."""

    role = "specialists"
    weight = 2

    @task
    def answer(self) -> None:
        self.step("GET", "/authority/", "authority: inbox")
        pool = POOLS[self.account["username"]]
        if not pool:
            return
        pk = pool.popleft()
        self.step("GET", f"/authority/requests/{pk}/", "authority: request card")
        self.step(
            "POST",
            f"/authority/requests/{pk}/answer/",
            "authority: send answer",
            expect=302,
            data={"text": "Разрешение не требуется: работы относятся к капитальному ремонту."},
        )


class Supervisor(Person):
    """Looks at the statistics."""

    role = "supervisors"
    weight = 1

    @task
    def statistics(self) -> None:
        self.step("GET", "/stats/", "stats: dashboard")
