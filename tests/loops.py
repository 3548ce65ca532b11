"""Running a coroutine from a sync test, whatever ran in the session before it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` in a fresh event loop on a thread of its own, in this context.

    Playwright's sync API keeps a loop running on the main thread once E2E
    tests ran in this session, and asyncio.run refuses to nest in it; Reflex
    keeps its registrations in context variables, hence the copied context.
    """
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="test-loop") as runner:
        return runner.submit(context.run, asyncio.run, coroutine).result()
