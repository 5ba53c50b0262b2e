"""Runs the channel store's synchronous functions off the event loop.

Every store call goes through one worker thread, in order, with webhook acknowledgements first.
One thread, also on PostgreSQL: with four, their Python work (SQLAlchemy) contended for the GIL
with the event loop and the acknowledgement p95 went from ~35 ms to ~130 ms in
bench/whatsapp_ack.py (2 CPUs); SQLite allows one writer at a time anyway. Acknowledgements that
arrive together are written in one transaction (`batch`): one commit, one disk sync, for all.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

T = TypeVar("T")
URGENT, NORMAL = 0, 1


class StoreRunner:
    """Call ``store`` functions with the engine, in worker threads, urgent calls first."""

    def __init__(self, engine: Engine, workers: int | None = None) -> None:
        """One worker unless told otherwise (see the module docstring)."""
        self.engine = engine
        self.workers = workers or 1
        self._queue: queue.PriorityQueue[tuple[int, int, Any]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._batches: dict[Callable[..., Any], list[tuple[Any, Future[Any]]]] = {}

    def _ensure_threads(self) -> None:
        while len(self._threads) < self.workers:
            thread = threading.Thread(target=self._work, name=f"channel-store-{len(self._threads)}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _work(self) -> None:
        while True:
            _priority, _order, job = self._queue.get()
            if job is None:
                return
            function, kwargs, future = job
            if future is None:
                self._flush(function)
                continue
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(self.engine, **kwargs))
            except BaseException as err:
                future.set_exception(err)

    async def __call__(self, function: Callable[..., T], /, *, priority: int = NORMAL, **kwargs: Any) -> T:
        """Run ``function(engine, **kwargs)`` in a worker and wait for its result."""
        self._ensure_threads()
        future: Future[T] = Future()
        self._queue.put((priority, next(self._order), (function, kwargs, future)))
        return await asyncio.wrap_future(future)

    async def batch(self, function: Callable[..., list[T]], item: Any) -> T:
        """Run ``function(engine, items=[...])`` once for every item queued meanwhile; return this item's result."""
        self._ensure_threads()
        future: Future[T] = Future()
        with self._lock:
            pending = self._batches.setdefault(function, [])
            pending.append((item, future))
            first = len(pending) == 1
        if first:
            self._queue.put((URGENT, next(self._order), (function, {}, None)))
        return await asyncio.wrap_future(future)

    def _flush(self, function: Callable[..., list[Any]]) -> None:
        with self._lock:
            taken = self._batches.pop(function, [])
        if not taken:
            return
        try:
            results = function(self.engine, items=[item for item, _ in taken])
        except BaseException as err:
            for _, future in taken:
                future.set_exception(err)
            return
        for (_, future), result in zip(taken, results, strict=True):
            future.set_result(result)

    def close(self) -> None:
        """Stop the workers once the queued calls are done."""
        for _ in self._threads:
            self._queue.put((NORMAL + 1, next(self._order), None))
        self._threads = []
