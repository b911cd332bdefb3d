"""Locust load test (run by hand, never part of the suite): visitors that speak Streamlit's websocket protocol.

Each Locust user is one protocol visitor (bench/stproto/client.py: ``/_stcore/stream``, BackMsg/ForwardMsg,
uploads through ``/_stcore/upload_file``, media fetched like a browser) running bench/load.py's workload
(bench/stproto/workload.py: the same light and heavy actions over the pages, the same weights). After each
action a visitor thinks 3–8 s (``--think``). An action's time runs from its first request until its last
script run has finished (``script_finished``) and the run's media are fetched. No browser is started, so one
client core drives many more visitors than bench/load.py's Chromium; the client's own CPU is measured
(process CPU seconds, in total, per visitor and per visitor-minute) and printed next to the action table.

    # a short check against a running app (1 visitor, 20 s)
    .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8501 -u 1 -r 1 -t 20s
    # a 60-s warm-up, phases of N visitors, then a soak (like bench/load.py --phases 1,8,16 --phase-s 300 --soak)
    .venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:8501 \\
        --phases 1,8,16 --phase-s 300 --soak --soak-visitors 8 --soak-s 600

Locust prints its own table (every request, sub-requests included: page GETs, ``WS rerun``, ``PUT`` uploads,
``GET /media``); this file prints one row per phase and action (``action`` rows), with the client CPU.
"""

from __future__ import annotations

import random
import resource
import time
from dataclasses import dataclass, field

import numpy as np
from locust import LoadTestShape, User, events
from locust.exception import StopUser
from stproto.client import Visitor
from stproto.workload import HEAVY, WORKLOAD, Action, Outcome, perform


@events.init_command_line_parser.add_listener
def _arguments(parser) -> None:
    parser.add_argument(
        "--phases",
        default="",
        help="visitors per phase, comma-separated (e.g. 1,8,16); default: one phase of -u visitors for -t",
    )
    parser.add_argument("--phase-s", type=float, default=300, help="seconds per phase (default 300)")
    parser.add_argument(
        "--warmup-s",
        type=float,
        default=60,
        help="with --phases: one visitor first, not reported (loads every model once; default 60, 0 = none)",
    )
    parser.add_argument("--think", default="3-8", help="think time range in seconds (default 3-8)")
    parser.add_argument("--soak", action="store_true", help="after the phases: --soak-visitors for --soak-s")
    parser.add_argument("--soak-visitors", type=int, default=8)
    parser.add_argument("--soak-s", type=float, default=600)
    parser.add_argument("--only", default="", help="comma-separated actions to draw from (default: all)")


def _cpu_s() -> float:
    """This process's CPU time (user + system), seconds: the whole client (Locust runs visitors as greenlets)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


@dataclass
class Phase:
    name: str
    visitors: int
    started: float = field(default_factory=time.perf_counter)
    cpu0: float = field(default_factory=_cpu_s)
    ended: float | None = None
    cpu1: float | None = None

    def close(self) -> None:
        if self.ended is None:
            self.ended, self.cpu1 = time.perf_counter(), _cpu_s()


PHASES: list[Phase] = []
RECORDS: list[tuple[str, Outcome]] = []  # (phase, outcome)


def _enter(name: str, visitors: int) -> None:
    if PHASES and PHASES[-1].name == name:
        return
    if PHASES:
        PHASES[-1].close()
    PHASES.append(Phase(name, visitors))
    print(f"[{time.strftime('%H:%M:%S')}] phase {name}: {visitors} visitors", flush=True)


def _plan(opts) -> list[tuple[str, int, float]]:
    plan = [(f"{n}v", n, opts.phase_s) for n in (int(x) for x in opts.phases.split(",") if x)]
    if plan and opts.warmup_s > 0:
        plan.insert(0, ("warmup", 1, opts.warmup_s))
    if opts.soak:
        plan.append(("soak", opts.soak_visitors, opts.soak_s))
    return plan


class Phases(LoadTestShape):
    """``--phases``: N visitors for ``--phase-s`` each, then the soak; without it, ``-u`` visitors until ``-t``."""

    use_common_options = True

    def tick(self):
        opts = self.runner.environment.parsed_options
        plan = _plan(opts)
        t = self.get_run_time()
        if not plan:  # Locust leaves -t to a shape class: honoured here
            if opts.run_time and t >= opts.run_time:
                return None
            users = opts.num_users or 1
            _enter(f"{users}v", users)
            return users, opts.spawn_rate or users
        for name, users, seconds in plan:
            if t < seconds:
                _enter(name, users)
                return users, users  # all of a phase's visitors start together, as in bench/load.py
            t -= seconds
        # Report now, before Locust stops its users: Locust 2.47 sometimes never finishes stopping them ("a user
        # that didn't have proper args") and then never fires test_stop; bench/locust_run.py then kills it.
        _report(self.runner.environment)
        return None


class StreamlitVisitor(User):
    """One visitor: a protocol client, bench/load.py's weighted actions, a think time after each."""

    def wait_time(self) -> float:
        lo, hi = (float(x) for x in self.environment.parsed_options.think.split("-"))
        return self.rng.uniform(lo, hi)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.visitor = Visitor(self.host, on_request=self._request)
        only = {a for a in self.environment.parsed_options.only.split(",") if a}
        self.actions: list[Action] = [f for f, w, _ in WORKLOAD for _ in range(w) if not only or f.__name__ in only]
        if not self.actions:
            raise StopUser(f"--only names no action of {[f.__name__ for f, _, _ in WORKLOAD]}")

    def on_stop(self) -> None:
        self.visitor.close()

    def _request(self, kind: str, name: str, seconds: float, size: int, error: str | None) -> None:
        self.environment.events.request.fire(
            request_type=kind,
            name=name,
            response_time=seconds * 1000,
            response_length=size,
            exception=RuntimeError(error) if error else None,
            context={},
        )

    def _act(self) -> None:
        action = self.rng.choice(self.actions)
        phase = PHASES[-1].name if PHASES else "run"
        out = perform(action, self.visitor, self.rng)
        RECORDS.append((phase, out))
        self.environment.events.request.fire(
            request_type="action",
            name=out.action,
            response_time=out.wall_s * 1000,
            response_length=out.media_bytes,
            exception=RuntimeError(out.error) if out.error else None,
            context={},
        )
        if out.error:
            self.visitor.close()  # a broken tab is reloaded by the next action (which opens its page anew)

    tasks = [_act]


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


_REPORTED: list[bool] = []


@events.test_stop.add_listener
def _report(environment, **_kw) -> None:
    if _REPORTED:  # printed once: at the end of the plan (Phases.tick) or at test_stop, whichever comes first
        return
    _REPORTED.append(True)
    if PHASES:
        PHASES[-1].close()
    print(
        f"\n{'phase':<8}{'action':<16}{'kind':<7}{'n':>5}{'err':>5}{'p50 s':>8}{'p95 s':>8}{'max s':>8}"
        f"{'runs':>6}{'media':>7}"
    )
    for ph in [p for p in PHASES if p.name != "warmup"]:  # as in bench/load.py, the warm-up is not reported
        recs = [o for p, o in RECORDS if p == ph.name]
        for action in sorted({o.action for o in recs}):
            rs = [o for o in recs if o.action == action]
            ok = [o.wall_s for o in rs if not o.error]
            print(
                f"{ph.name:<8}{action:<16}{'heavy' if action in HEAVY else 'light':<7}{len(rs):>5}"
                f"{sum(1 for o in rs if o.error):>5}{_pct(ok, 50):>8.2f}{_pct(ok, 95):>8.2f}"
                f"{max(ok, default=float('nan')):>8.2f}{sum(o.runs for o in rs) / len(rs):>6.1f}"
                f"{sum(o.media for o in rs) / len(rs):>7.1f}"
            )
        wall = (ph.ended or time.perf_counter()) - ph.started
        cpu = (ph.cpu1 or _cpu_s()) - ph.cpu0
        print(
            f"{ph.name:<8}(client) CPU {cpu:.2f} s in {wall:.0f} s = {cpu / wall:.1%} of one core · "
            f"{cpu / ph.visitors:.2f} CPU s per visitor · "
            f"{cpu / ph.visitors / (wall / 60):.2f} CPU s per visitor-minute ({ph.visitors} visitors)"
        )
    for p, o in RECORDS:
        if o.error and p != "warmup":
            print(f"error {p} {o.action}: {o.error}")
    reported = [o for p, o in RECORDS if p != "warmup"]
    print(f"actions: {len(reported)}, failed: {sum(1 for o in reported if o.error)}", flush=True)
