"""Locust users driven by run.py (not on their own): the expert flow and the ceiling route.

run.py writes the experts to replay to the JSON file named by LOAD_EXPERTS and the think time to
LOAD_THINK ("min,max" seconds; "0,0" for none). Each ExpertUser takes the next expert, with a fresh
cookie jar, and goes through the flow once per expert; the last to finish stops the run.
"""

import json
import os
import re
from pathlib import Path

import gevent
from locust import FastHttpUser, between, constant, task
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["LOAD_EXPERTS"]).read_text()) if os.environ.get("LOAD_EXPERTS") else {}
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0,0").split(","))
QUEUE = iter(sorted(PLAN.get("sheets", {}).items()))
FINISHED = {"flows": 0}


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)


class ExpertUser(FastHttpUser):
    """One expert after another: login page, login, open the sheet, save a complete draft, submit."""

    wait_time = between(*THINK) if THINK[1] else constant(0)

    def step(self, method: str, path: str, name: str, expected: int, data: dict | None = None):
        with self.client.request(
            method, path, name=name, data=data, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != expected:
                response.failure(f"HTTP {response.status_code}, expected {expected}")
                return None
            return response

    @task
    def flow(self) -> None:
        username, sheet = next(QUEUE, (None, None))
        if username is None:
            raise StopUser()
        try:
            self.replay(username, f"/expert/sheets/{sheet}")
        finally:
            FINISHED["flows"] += 1
            if FINISHED["flows"] == len(PLAN["sheets"]):
                # Not from this greenlet: quitting stops every user, this one included, before it is done.
                gevent.spawn(self.environment.runner.quit)

    def replay(self, username: str, sheet: str) -> None:
        self.client.cookiejar.clear()  # a new browser for each expert
        page = self.step("GET", "/auth/login", "login page", 200)
        if page is None:
            return
        login = {"username": username, "password": PLAN["password"], "csrf_token": hidden(page.text, "csrf_token")}
        self.wait()
        if self.step("POST", "/auth/login", "login", 302, login) is None:
            return
        self.wait()
        page = self.step("GET", sheet, "open sheet", 200)
        if page is None:
            return
        csrf, version = hidden(page.text, "csrf_token"), int(hidden(page.text, "version"))
        draft = {"version": version, "comment": PLAN["comment"], "recommend": "yes", "csrf_token": csrf}
        self.wait()
        if self.step("POST", sheet, "save draft", 302, {**draft, **PLAN["points"]}) is None:
            return
        self.wait()
        self.step("POST", f"{sheet}/submit", "submit", 302, {"version": version + 1, "csrf_token": csrf})


class CeilingUser(FastHttpUser):
    """GET /healthz without pauses: one SELECT 1, no session, no template."""

    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="healthz")
