"""The heavy-job pool (models/serving/job_pool.py): FIFO slots, place in the queue, withdrawal, its one setting."""

from __future__ import annotations

import threading
import time

import pytest

from models.serving.job_pool import WORKERS_ENV, JobPool, default_size


def test_place_in_queue_and_fifo_admission():
    pool = JobPool(1)
    a, b, c = pool.enter("a"), pool.enter("b"), pool.enter("c")
    assert (a.state, b.state, c.state) == ("running", "waiting", "waiting")
    assert (pool.ahead(a), pool.ahead(b), pool.ahead(c)) == (0, 1, 2)
    assert not pool.wait(b, 0.05)
    pool.leave(a)
    assert pool.wait(b, 0) and b.state == "running" and pool.ahead(c) == 1
    assert pool.counts() == (1, 1)


def test_withdrawn_waiter_gives_its_place_back():
    pool = JobPool(1)
    a, b, c = pool.enter(), pool.enter(), pool.enter()
    pool.leave(b)  # Cancel while waiting
    assert b.state == "left" and pool.ahead(c) == 1
    pool.leave(b)  # idempotent
    pool.leave(a)
    assert c.state == "running" and pool.counts() == (1, 0)


def test_two_slots_run_two_jobs_at_once_and_wake_a_waiting_thread():
    pool = JobPool(2)
    a, b, c = pool.enter(), pool.enter(), pool.enter()
    assert (a.state, b.state, c.state) == ("running", "running", "waiting") and pool.ahead(c) == 1
    started = threading.Event()

    def waiter():
        if pool.wait(c, 5):
            started.set()

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.1)
    assert not started.is_set()
    pool.leave(b)
    t.join(5)
    assert started.is_set() and c.waited_s >= 0.1


def test_size_setting(monkeypatch):
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert default_size() == 3
    for bad in ("0", "two"):
        monkeypatch.setenv(WORKERS_ENV, bad)
        with pytest.raises(ValueError, match=WORKERS_ENV):
            default_size()
    monkeypatch.delenv(WORKERS_ENV)
    assert default_size() >= 1
    with pytest.raises(ValueError):
        JobPool(0)
