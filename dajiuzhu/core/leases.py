"""Leases of long jobs (an assessment run, an Excel import): who runs a job, and whether it is still alive.

A job that is RUNNING records the process running it (``host:pid``) and a heartbeat refreshed every
few seconds by a background thread. The job is orphaned (its process was killed, crashed, or lost its
machine) when its process is on this host and no longer exists, or when its heartbeat is older than
``settings.DAJIUZHU_LEASE_STALE_SECONDS`` (any host). A live process is never declared gone: a pid
reused by another program only delays recovery until the heartbeat is stale.

Recovery runs when a background worker starts (``dajiuzhu db_worker`` sends ``worker_starting``) and
when a new job of the same kind is requested; see assessment.services.runs_recover and
registry.importing.imports_recover.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from types import TracebackType

from django.conf import settings
from django.db import DatabaseError, connection
from django.dispatch import Signal

from dajiuzhu.core import clock

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
DEFAULT_STALE_SECONDS = 60

# Sent by `dajiuzhu db_worker` before it takes its first task; receivers recover orphaned jobs.
worker_starting = Signal()


def holder() -> str:
    """This process, as recorded on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def stale_seconds() -> int:
    return int(getattr(settings, "DAJIUZHU_LEASE_STALE_SECONDS", DEFAULT_STALE_SECONDS))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def holder_gone(worker: str, heartbeat_at: dt.datetime | None, *, now: dt.datetime | None = None) -> bool:
    """Whether the process recorded as `worker` (last heartbeat `heartbeat_at`) is gone."""
    now = now or clock.now()
    if heartbeat_at is None or (now - heartbeat_at).total_seconds() > stale_seconds():
        return True
    host, _, pid = worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return int(pid) != os.getpid() and not _pid_alive(int(pid))
    return False


class Heartbeat:
    """While the block runs, `beat()` is called every `interval` seconds in a thread of its own (with its
    own database connection, so that it is seen while the job's own transaction is still open). Enter
    it outside the job's transaction: the thread is joined on exit and may be waiting for that row."""

    def __init__(self, beat: Callable[[], object], interval: float = HEARTBEAT_SECONDS) -> None:
        self._beat = beat
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._interval):
                try:
                    self._beat()
                except DatabaseError as exc:  # e.g. SQLite busy during the job's big write: try again later
                    log.info("heartbeat skipped: %s", exc)
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        # Inside a transaction (a test, a caller's atomic block) the job's row is not seen by anyone else
        # until that commits: nothing to beat for, and a beat would only wait on the caller's locks.
        if not connection.in_atomic_block:
            self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
