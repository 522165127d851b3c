"""One helper for the concurrency tests of every app: calls run in threads released at the same instant,
each on its own database connection."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

from dajiuzhu.core.errors import DomainError


def race(*calls: Callable[[], Any]) -> list[tuple[str, str]]:
    """Run the calls in threads released together; each thread closes its connection at the end.
    Per call, in order: ("ok", "") or (the error's stable code, its Chinese message); anything that is
    not a domain error is ("error", repr) and fails the caller's assertions."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, str]] = [("missing", "")] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[i] = ("ok", "")
        except DomainError as exc:
            outcomes[i] = (exc.code, exc.message)
        except Exception as exc:
            outcomes[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a call is still waiting: deadlock?"
    return outcomes


def hold_before_audit(monkeypatch: Any, services: Any, seconds: float = 0.3) -> None:
    """Hold every step of `services` open a moment before its last write (the audit entry), so that two
    racing calls certainly overlap: without the services' locks both would win."""
    real = services.audit_record

    def slow(**kw: Any) -> Any:
        time.sleep(seconds)
        return real(**kw)

    monkeypatch.setattr(services, "audit_record", slow)
