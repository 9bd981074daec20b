"""One progress bar for a training run, drawn with rich, in place of the trainer's bars and printed log dicts.

Example:
    >>> trainer.add_callback(progress_callback(err_console))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def quiet_libraries() -> None:
    """Silence the libraries' own progress bars and info logs (embedlab draws its own progress)."""
    import logging

    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    with contextlib.suppress(Exception):
        import huggingface_hub

        huggingface_hub.utils.disable_progress_bars()
    with contextlib.suppress(Exception):
        import datasets

        datasets.disable_progress_bars()


def only_our_progress(trainer: Any) -> None:
    """Remove the trainer's own progress bar and log printer (which prints raw ``{'loss': ...}`` dicts)."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)


def progress_callback(console: Console, label: str = "training") -> Any:
    """A ``TrainerCallback`` drawing one rich progress bar (steps, loss, the selection metric, ETA) instead of the
    trainer's tqdm bar and its printed log dicts."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from transformers import TrainerCallback

    class RichProgressCallback(TrainerCallback):
        def __init__(self) -> None:
            self.progress: Progress | None = None
            self.task: Any = None
            self.loss = float("nan")

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.progress = Progress(
                TextColumn(f"[bold]{label}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]}"),
                TextColumn("{task.fields[metric]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self.progress.start()
            self.task = self.progress.add_task(
                "train", total=state.max_steps, completed=state.global_step, loss="-", metric=""
            )

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.progress is not None:
                self.progress.update(self.task, completed=state.global_step)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if self.progress is None or not logs:
                return
            if "loss" in logs:
                self.progress.update(self.task, loss=f"{logs['loss']:.4f}")
            if args.metric_for_best_model and args.metric_for_best_model in logs:
                name = args.metric_for_best_model.removeprefix("eval_")
                self.progress.update(self.task, metric=f"{name} {logs[args.metric_for_best_model]:.4f}")
            if not console.is_terminal:  # piped to a log: a live bar draws nothing, so write a line per log event
                shown = {k: v for k, v in logs.items() if k == "loss" or k == args.metric_for_best_model}
                if shown:
                    values = ", ".join(f"{k.removeprefix('eval_')} {v:.4f}" for k, v in shown.items())
                    console.print(f"{label} step {state.global_step}/{state.max_steps}: {values}", highlight=False)

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.progress is not None:
                self.progress.stop()
                self.progress = None

    return RichProgressCallback()
