"""The Huey instance and task registry.

Tasks are declared with `@task` / `@periodic` next to the domain they serve and bound to a Huey
instance only when the queue is built from settings, so importing a module never opens a queue.
The database is the source of truth: tasks carry ids, re-read their rows and claim work with a
conditional update, so running one twice does nothing the second time.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

from shortops.config import Settings, get_settings
from shortops.errors import QueueUnavailable

F = TypeVar("F", bound=Callable[..., Any])

# Modules that declare tasks; imported before the queue is built so every task is registered.
TASK_MODULES = (
    "shortops.system.tasks",
    "shortops.media.tasks",
    "shortops.publishing.tasks",
    "shortops.accounts.tasks",
    "shortops.notifications.tasks",
    "shortops.metrics.tasks",
    "shortops.reports.tasks",
    "shortops.workspaces.tasks",
)


@dataclass(frozen=True)
class TaskSpec:
    name: str
    func: Callable[..., Any]
    schedule: Callable[[datetime], bool] | None = None


_SPECS: dict[str, TaskSpec] = {}
_lock = threading.Lock()
_queue: Queue | None = None


def task(func: F) -> F:
    """Declare a background task (the function stays callable directly)."""
    _SPECS[_name(func)] = TaskSpec(_name(func), func)
    return func


def periodic(**cron: str) -> Callable[[F], F]:
    """Declare a periodic task, e.g. `@periodic(minute="*")`."""

    def decorate(func: F) -> F:
        _SPECS[_name(func)] = TaskSpec(_name(func), func, crontab(**cron))
        return func

    return decorate


def _name(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


class Queue:
    """A Huey instance with every declared task bound to it."""

    def __init__(self, huey: Huey) -> None:
        self.huey = huey
        self.tasks: dict[str, TaskWrapper] = {}
        for module in TASK_MODULES:
            importlib.import_module(module)
        for spec in _SPECS.values():
            # Huey prefixes the module itself, so it gets the qualified name without it.
            if spec.schedule is not None:
                wrapper = huey.periodic_task(spec.schedule, name=spec.func.__qualname__)(spec.func)
            else:
                wrapper = huey.task(name=spec.func.__qualname__)(spec.func)
            self.tasks[spec.name] = wrapper

    def enqueue(
        self, func: Callable[..., Any], *args: Any, eta: datetime | None = None, **kwargs: Any
    ) -> Any:
        """Send `func(*args, **kwargs)` to the queue, at `eta` when given."""
        return self.enqueue_named(_name(func), *args, eta=eta, **kwargs)

    def enqueue_named(
        self, name: str, *args: Any, eta: datetime | None = None, **kwargs: Any
    ) -> Any:
        """Send the task called `name` (dotted: `shortops.media.tasks.render_rendition`)."""
        try:
            wrapper = self.tasks[name]
        except KeyError:
            raise LookupError(f"no task is called {name!r}") from None
        try:
            if eta is not None:
                return wrapper.schedule(args=args, kwargs=kwargs, eta=eta)
            return wrapper(*args, **kwargs)
        except Exception as exc:  # the backends raise their own connection errors
            raise QueueUnavailable(detail=str(exc)) from exc

    def pending_count(self) -> int:
        return int(self.huey.pending_count())

    def scheduled_count(self) -> int:
        return int(self.huey.scheduled_count())

    def drain(self, *, limit: int = 1000) -> int:
        """Run queued tasks in this thread until the queue is empty; returns how many ran."""
        ran = 0
        while ran < limit:
            message = self.huey.dequeue()
            if message is None:
                break
            self.huey.execute(message)
            ran += 1
        return ran


def build_huey(settings: Settings, *, immediate: bool = False) -> Huey:
    """SqliteHuey on a file in home by default; RedisHuey for redis:// queue URLs."""
    if settings.queue_backend == "redis":
        return RedisHuey("shortops", url=settings.resolved_queue_url, immediate=immediate)
    path = settings.resolved_queue_url.removeprefix("sqlite:///")
    if not immediate:
        settings.ensure_home()
    return SqliteHuey("shortops", filename=path, immediate=immediate)


def get_queue() -> Queue:
    """The process-wide queue for `get_settings()`."""
    global _queue
    with _lock:
        if _queue is None:
            _queue = Queue(build_huey(get_settings()))
        return _queue


def set_queue(queue: Queue | None) -> None:
    """Replace the process-wide queue (tests, and `serve`/`worker` after loading settings)."""
    global _queue
    with _lock:
        _queue = queue
