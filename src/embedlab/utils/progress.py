"""Progress that says something useful on a terminal and in a log, and quiet libraries.

* :func:`progress_display` is the one progress helper of embedlab: on a terminal it draws rich bars; when stderr is
  a pipe or a file (a log, CI) it prints one plain line per task every ``interval`` seconds and when the task ends,
  instead of nothing (or a log full of carriage returns). It has rich's ``add_task``/``update``/``advance`` API, so
  code written for ``rich.progress.Progress`` works unchanged, and a disabled display accepts the same calls.
* :func:`quiet_libraries` silences, once and in one place, what libraries print unasked on every model load
  (transformers' "Loading weights" bar, Hub bars, mteb's superseded-task warnings).
* :func:`quiet_tqdm` disables every tqdm bar inside a block, for library calls that take no switch.

Example:
    >>> with progress_display() as progress:
    ...     task = progress.add_task("eval", total=len(batches))
    ...     for batch in batches:
    ...         score(batch)
    ...         progress.advance(task)
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")
# Seconds between two lines of a task when the output is not a terminal (EMBEDLAB_PROGRESS_INTERVAL overrides).
DEFAULT_INTERVAL = 10.0


@dataclass
class _Task:
    description: str
    total: float | None
    completed: float = 0.0
    fields: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    last_line: float = field(default_factory=time.perf_counter)
    finished: bool = False


class LineProgress:
    """rich's Progress API, printed as periodic plain lines (for logs and pipes).

    Args:
        console: where lines go (a rich Console; stderr by default).
        interval: seconds between two lines of the same task.
    """

    def __init__(self, console: Console | None = None, interval: float | None = None) -> None:
        from embedlab.utils.console import err_console

        self.console = console or err_console
        env = os.environ.get("EMBEDLAB_PROGRESS_INTERVAL")
        self.interval = interval if interval is not None else float(env) if env else DEFAULT_INTERVAL
        self.tasks: dict[int, _Task] = {}

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            for task in self.tasks.values():
                if not task.finished:
                    self._line(task)

    def add_task(self, description: str, total: float | None = None, **fields: Any) -> int:
        """Start a task; returns its id."""
        task_id = len(self.tasks)
        self.tasks[task_id] = _Task(description, total, fields=dict(fields))
        return task_id

    def update(
        self,
        task_id: int,
        *,
        completed: float | None = None,
        total: float | None = None,
        advance: float | None = None,
        description: str | None = None,
        **fields: Any,
    ) -> None:
        """Change a task; a line is printed when ``interval`` has passed or the task reaches its total."""
        task = self.tasks[task_id]
        if total is not None:
            task.total = total
        if completed is not None:
            task.completed = completed
        if advance is not None:
            task.completed += advance
        if description is not None:
            task.description = description
        task.fields.update(fields)
        now = time.perf_counter()
        done = task.total is not None and task.completed >= task.total
        if (done and not task.finished) or (not done and now - task.last_line >= self.interval):
            task.finished = done
            task.last_line = now
            self._line(task)

    def advance(self, task_id: int, advance: float = 1) -> None:
        self.update(task_id, advance=advance)

    def _line(self, task: _Task) -> None:
        elapsed = time.perf_counter() - task.started
        if task.total:
            where = f"{task.completed:,.0f}/{task.total:,.0f} ({100 * task.completed / task.total:.0f}%)"
            if 0 < task.completed < task.total:
                where += f", ~{elapsed * (task.total - task.completed) / task.completed:.0f} s left"
        else:
            where = f"{task.completed:,.0f}"
        info = task.fields.get("info")
        text = f"{task.description}: {where}" + (f", {info}" if info else "") + f" [{elapsed:.0f} s]"
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)


class _NoProgress(LineProgress):
    """Accepts every call and shows nothing (``enabled=False``)."""

    def _line(self, task: _Task) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def progress_display(
    enabled: bool = True, *, console: Console | None = None, interval: float | None = None
) -> contextlib.AbstractContextManager[Any]:
    """The progress display for a long step: bars on a terminal, periodic lines in a log, nothing when disabled.

    Use it as a context manager; the object has rich's ``add_task(description, total=None, **fields)``,
    ``update(task, completed=, total=, advance=, description=, **fields)`` and ``advance(task, n)``. A field named
    ``info`` is shown after the bar (or the line).

    Args:
        enabled: False gives a display that prints nothing (for ``--quiet``).
        console: where it goes (stderr by default).
        interval: seconds between lines when not on a terminal (``EMBEDLAB_PROGRESS_INTERVAL``, else 10).

    Example:
        >>> with progress_display() as progress:
        ...     task = progress.add_task("train", total=100, info="")
        ...     progress.update(task, advance=10, info="epoch 1")
    """
    from embedlab.utils.console import err_console

    console = console or err_console
    if not enabled:
        return _NoProgress(console)
    if not console.is_terminal:
        return LineProgress(console, interval)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def track(items: Iterable[T], description: str, *, total: float | None = None, enabled: bool = True) -> Iterator[T]:
    """Iterate over ``items`` with a :func:`progress_display` task that advances once per item.

    Example:
        >>> for batch in track(batches, "encode", total=len(batches)):
        ...     encode(batch)
    """
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress_display(enabled) as progress:
        task = progress.add_task(description, total=total, info="")
        for item in items:
            yield item
            progress.advance(task)


class _SupersededFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "is superseded by" not in record.getMessage()


_QUIETED = False


def quiet_libraries() -> None:
    """Silence what libraries print on every model load or task lookup; embedlab shows its own progress.

    transformers 5 draws a "Loading weights" tqdm bar for every model it loads and mteb warns (twice: a log line
    and a warning) that a task is superseded each time one is built. Both go to stderr on every command. This
    turns them off once per process: through huggingface_hub's switch (``HF_HUB_DISABLE_PROGRESS_BARS``, which
    transformers reads when imported) and transformers' own switch if it is already imported. Idempotent.
    """
    global _QUIETED
    # Warning filters can be reset by the host (pytest does it per test, warnings.catch_warnings on exit): set this
    # one on every call (filterwarnings replaces an identical filter rather than adding a second).
    warnings.filterwarnings("ignore", message=r"The task .* is superseded by")
    if _QUIETED:
        return
    _QUIETED = True
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "huggingface_hub" in sys.modules:
        sys.modules["huggingface_hub"].utils.disable_progress_bars()
    if "transformers" in sys.modules:
        import transformers

        transformers.utils.logging.disable_progress_bar()
    logging.getLogger("mteb.abstasks.abstask").addFilter(_SupersededFilter())


@contextlib.contextmanager
def quiet_tqdm(enabled: bool = True) -> Iterator[None]:
    """Within the block, tqdm bars are disabled (``enabled=False`` makes this a no-op, for a ``--progress`` flag).

    sentence-transformers draws tqdm bars in places that take no switch (``mine_hard_negatives`` encodes with
    ``show_progress_bar=True``; the trainer's "Computing widget examples"). tqdm itself only reads ``TQDM_DISABLE``
    when it is first imported, hence the patch of its constructor for the duration of the block.

    Example:
        >>> with quiet_tqdm():
        ...     mined = mine_hard_negatives(...)
    """
    if not enabled:
        yield
        return
    from tqdm import std

    original = std.tqdm.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["disable"] = True
        original(self, *args, **kwargs)

    std.tqdm.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        std.tqdm.__init__ = original  # type: ignore[method-assign]
