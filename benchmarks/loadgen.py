"""The benchmarks' load: wrk (the C load generator the issue's reference figures were taken
with), so that the client does not take the servers' CPU on a 2-core machine the way Python
client threads do.

Each call's body may carry ``{n}``, replaced by a number unique to that call (a new caller per
registration, as in real traffic). wrk counts only its connections' answers; an answer whose
status is not the expected one is an error. Debian's ``wrk`` package is installed when missing
(the benchmarks run as root on these machines, as ``.ci/run`` does); without it the callers fall
back to Python client threads and say so.
"""

from __future__ import annotations

import http.client
import json
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# The Lua side: per-thread counters make the unique numbers; ``response`` counts the answers
# whose status differs from the expected one; ``done`` prints one JSON line the caller parses.
SCRIPT = r"""
local counter, threads = 0, {}
local method, path, expect = %(method)s, %(path)s, %(expect)d
local headers = %(headers)s
local parts = %(parts)s
local run = %(run)d

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  wrong = 0
end

function request()
  counter = counter + 1
  local body = nil
  if parts ~= nil then
    -- Every {n} of the body becomes this call's number: the run's, the thread's, the count.
    body = table.concat(parts, string.format("%%d%%d%%07d", run, id + 1, counter))
  end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  if status ~= expect then wrong = wrong + 1 end
end

function done(summary, latency, requests)
  local wrong_total = 0
  for _, t in ipairs(threads) do wrong_total = wrong_total + t:get("wrong") end
  io.write(string.format(
    '{"requests": %%d, "seconds": %%f, "wrong": %%d, "socket": %%d, ' ..
    '"p50": %%f, "p95": %%f, "p99": %%f}\n',
    summary.requests, summary.duration / 1e6, wrong_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3))
end
"""


@dataclass(frozen=True)
class Result:
    ok: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def available() -> bool:
    """wrk is on the machine, installed from Debian's packages here if it was not."""
    if shutil.which("wrk"):
        return True
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return shutil.which("wrk") is not None


def _run_number() -> int:
    """A number of this run: a later run (or round) does not repeat an earlier one's callers."""
    return secrets.randbelow(900_000) + 100_000


def _lua(text: str | None) -> str:
    return "nil" if text is None else json.dumps(text, ensure_ascii=False)


def run(
    port: int,
    *,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: str | None = None,
    expect: int = 200,
    seconds: float = 10.0,
    connections: int = 8,
    threads: int = 2,
) -> Result:
    """wrk against 127.0.0.1:``port`` for ``seconds``; ``{n}`` in the body becomes unique."""
    parts = "nil" if body is None else "{" + ", ".join(_lua(p) for p in body.split("{n}")) + "}"
    lua_headers = "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in (headers or {}).items())
    script = SCRIPT % {
        "method": _lua(method),
        "path": _lua(path),
        "expect": expect,
        "headers": lua_headers + "}",
        "parts": parts,
        "run": _run_number(),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                f.name,
                f"http://127.0.0.1:{port}{path}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        Path(f.name).unlink()
    figures = json.loads(out.strip().splitlines()[-1])
    errors = figures["wrong"] + figures["socket"]
    return Result(
        ok=figures["requests"] - figures["wrong"],
        errors=errors,
        seconds=figures["seconds"],
        p50_ms=figures["p50"],
        p95_ms=figures["p95"],
    )


@dataclass(frozen=True)
class Call:
    """One kind of call: ``{n}`` in the body becomes a number unique to each call."""

    path: str
    method: str = "GET"
    headers: dict[str, str] | None = None
    body: str | None = None
    expect: int = 200


def load(port: int, call: Call, *, seconds: float, connections: int = 8) -> Result:
    """``connections`` clients repeat ``call`` for ``seconds`` (wrk, else Python threads)."""
    if available():
        return run(
            port,
            path=call.path,
            method=call.method,
            headers=call.headers,
            body=call.body,
            expect=call.expect,
            seconds=seconds,
            connections=connections,
        )
    return _threads(port, call, seconds=seconds, connections=connections)


def client_name() -> str:
    return "wrk" if available() else "Python client threads (no wrk)"


def _threads(port: int, call: Call, *, seconds: float, connections: int) -> Result:
    latencies: list[float] = []
    counts = {"ok": 0, "err": 0}
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    run = _run_number()

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: list[float] = []
        ok = err = i = 0
        while time.perf_counter() < deadline:
            body = None if call.body is None else call.body.replace("{n}", f"{run}{n + 1}{i:07d}")
            t0 = time.perf_counter()
            try:
                conn.request(call.method, call.path, body=body, headers=call.headers or {})
                resp = conn.getresponse()
                resp.read()
                if resp.status == call.expect:
                    ok += 1
                    local.append(time.perf_counter() - t0)
                else:
                    err += 1
            except (OSError, http.client.HTTPException):
                err += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            i += 1
        with lock:
            latencies.extend(local)
            counts["ok"] += ok
            counts["err"] += err

    workers = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pick(q: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Result(
        ok=counts["ok"], errors=counts["err"], seconds=elapsed, p50_ms=pick(0.5), p95_ms=pick(0.95)
    )
