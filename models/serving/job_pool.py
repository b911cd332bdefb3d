"""A bounded, first-come-first-served pool of slots for heavy jobs (plain Python, no Streamlit).

Every browser session runs its script in its own thread; a heavy job (Gatys optimisation, DCGAN restore,
video analysis, large style tiles, face clustering) takes a slot of this pool for as long as it runs, in the
session's own thread. When all slots are taken, later jobs wait in arrival order and can see how many jobs
must end before theirs starts. Light actions do not use the pool, so they never wait behind heavy ones.

    pool = JobPool(2)
    ticket = pool.enter()            # queued (or running at once)
    while not pool.wait(ticket, 0.5):
        print(pool.ahead(ticket), "ahead of you")
    try: ...                          # the heavy work
    finally: pool.leave(ticket)       # also removes a ticket that is still waiting (cancel)

Size: :func:`default_size` = ``$VISION_HEAVY_WORKERS`` when set, else the GPU count when TensorFlow (already
imported) sees GPUs, else the CPUs this process may use.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field

WORKERS_ENV = "VISION_HEAVY_WORKERS"


def default_size() -> int:
    """Pool size: ``$VISION_HEAVY_WORKERS`` (an integer ≥ 1) if set; else GPUs (if any) else usable CPUs.

    Raises ValueError for a setting that is not a positive integer (a typo must not silently serialise the site).
    """
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError:
            raise ValueError(f"{WORKERS_ENV} must be a whole number of jobs, got {raw!r}") from None
        if n < 1:
            raise ValueError(f"{WORKERS_ENV} must be at least 1, got {n}")
        return n
    tf = sys.modules.get("tensorflow")  # never imported here just to count GPUs
    if tf is not None:
        try:
            gpus = len(tf.config.list_physical_devices("GPU"))
        except Exception:
            gpus = 0
        if gpus:
            return gpus
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


_ids = itertools.count(1)


@dataclass(eq=False)
class Ticket:
    """One job's place in the pool. ``state``: "waiting", "running" or "left"."""

    label: str
    id: int = field(default_factory=lambda: next(_ids))
    state: str = "waiting"
    queued_at: float = field(default_factory=time.monotonic)
    started_at: float | None = None

    @property
    def waited_s(self) -> float:
        """Seconds spent waiting for a slot (so far, if still waiting)."""
        return (self.started_at or time.monotonic()) - self.queued_at


class JobPool:
    """``size`` slots, FIFO admission; thread-safe."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a pool needs at least one slot, got {size}")
        self.size = size
        self._cond = threading.Condition()
        self._waiting: deque[Ticket] = deque()
        self._running: set[Ticket] = set()

    def enter(self, label: str = "job") -> Ticket:
        """Queue a job; it may be running already when this returns (free slot)."""
        ticket = Ticket(label)
        with self._cond:
            self._waiting.append(ticket)
            self._admit()
        return ticket

    def _admit(self) -> None:  # caller holds the lock
        while self._waiting and len(self._running) < self.size:
            t = self._waiting.popleft()
            t.state, t.started_at = "running", time.monotonic()
            self._running.add(t)
        self._cond.notify_all()

    def wait(self, ticket: Ticket, timeout: float | None = None) -> bool:
        """Block until ``ticket`` runs (True) or ``timeout`` seconds pass (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: ticket.state != "waiting", timeout)

    def ahead(self, ticket: Ticket) -> int:
        """How many jobs must end before this one starts: 0 once it runs (or has left)."""
        with self._cond:
            if ticket.state != "waiting":
                return 0
            before = self._waiting.index(ticket)
            return before + len(self._running) - self.size + 1

    def leave(self, ticket: Ticket) -> None:
        """End a running job or withdraw a waiting one (idempotent); the next in line starts."""
        with self._cond:
            if ticket.state == "waiting":
                self._waiting.remove(ticket)
            elif ticket.state == "running":
                self._running.discard(ticket)
            ticket.state = "left"
            self._admit()

    def counts(self) -> tuple[int, int]:
        """(running, waiting) now."""
        with self._cond:
            return len(self._running), len(self._waiting)


_pool: JobPool | None = None
_pool_lock = threading.Lock()


def heavy_pool() -> JobPool:
    """The process's one heavy-job pool, created on first use with :func:`default_size`."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = JobPool(default_size())
        return _pool


class BackgroundJob:
    """A heavy job run in a thread of its own once ``pool`` has a slot (a page polls it; no Streamlit here).

    For jobs a visitor watches for minutes (in-browser training): the session's script stays free, so the page
    can redraw progress and take a Stop click. ``fn(job)`` does the work and may read :meth:`stopping`.
    ``state``: "waiting", "running", "done", "failed" (``error`` holds the exception) or "cancelled".
    """

    def __init__(self, pool: JobPool, label: str, fn) -> None:
        self.pool, self.label, self._fn = pool, label, fn
        self.ticket = pool.enter(label)
        self.result: object = None
        self.error: BaseException | None = None
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._done = threading.Event()
        self.thread = threading.Thread(target=self._main, name=f"heavy-{self.ticket.id}", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        try:
            while not self.pool.wait(self.ticket, 0.2):
                if self._cancel.is_set():
                    return
            if self._cancel.is_set():
                return
            self.result = self._fn(self)
        except BaseException as exc:  # reported to the page through ``state``/``error``
            self.error = exc
        finally:
            self.pool.leave(self.ticket)
            self._done.set()

    @property
    def state(self) -> str:
        """The job's state: "waiting", "running", "done", "failed" or "cancelled"."""
        if self._done.is_set():
            if self._cancel.is_set() and self.ticket.started_at is None:
                return "cancelled"
            return "failed" if self.error is not None else "done"
        return "waiting" if self.ticket.state == "waiting" else "running"

    def ahead(self) -> int:
        """Jobs that must end before this one starts (0 once it runs)."""
        return self.pool.ahead(self.ticket)

    def cancel(self) -> None:
        """Leave the queue (a waiting job never starts); a running job is asked to stop."""
        self._cancel.set()
        self._stop.set()

    def stop(self) -> None:
        """Ask a running job to end early (``fn`` reads :meth:`stopping`)."""
        self._stop.set()

    def stopping(self) -> bool:
        """Whether the job was asked to stop (``fn`` checks it between steps)."""
        return self._stop.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the job has ended (True) or ``timeout`` seconds pass (False)."""
        return self._done.wait(timeout)
