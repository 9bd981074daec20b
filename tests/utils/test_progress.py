"""quiet_tqdm: library progress bars disabled inside the block, and only there."""

from __future__ import annotations

import io

import pytest
from tqdm import tqdm

from embedlab.utils.progress import quiet_tqdm


def _drawn(**kw) -> str:
    out = io.StringIO()
    for _ in tqdm(range(3), file=out, desc="Batches", **kw):
        pass
    return out.getvalue()


def test_bars_are_silenced_only_inside_the_block():
    assert "Batches" in _drawn()
    with quiet_tqdm():
        assert _drawn() == "" and _drawn(disable=False) == ""  # even a bar that asks to be shown
    assert "Batches" in _drawn()  # the constructor is restored
    with quiet_tqdm(enabled=False):
        assert "Batches" in _drawn()


def _console(buffer: io.StringIO, terminal: bool):
    from rich.console import Console

    return Console(file=buffer, force_terminal=terminal, width=100)


def test_progress_in_a_log_is_periodic_lines():
    from embedlab.utils.progress import progress_display

    log = io.StringIO()
    with progress_display(console=_console(log, terminal=False), interval=0.0) as progress:
        task = progress.add_task("words eval", total=4, info="")
        for i in range(4):
            progress.update(task, advance=1, info=f"batch {i + 1}")
    lines = log.getvalue().splitlines()
    # One plain line per update here (interval 0), no carriage returns or escape codes, the last at 100%.
    assert len(lines) == 4 and all(line.startswith("words eval: ") for line in lines)
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()
    assert "4/4 (100%), batch 4" in lines[-1] and "1/4 (25%)" in lines[0]


def test_progress_lines_wait_for_the_interval():
    from embedlab.utils.progress import progress_display

    log = io.StringIO()
    with progress_display(console=_console(log, terminal=False), interval=3600) as progress:
        task = progress.add_task("preprocess", total=None, info="")
        for _ in range(1000):
            progress.advance(task)
    # Nothing until the interval passes, then one closing line for the unfinished task.
    assert log.getvalue().splitlines() == [next(iter(log.getvalue().splitlines()))]
    assert log.getvalue().startswith("preprocess: 1,000")


def test_disabled_and_terminal_displays():
    from rich.progress import Progress

    from embedlab.utils.progress import progress_display

    quiet = io.StringIO()
    with progress_display(False, console=_console(quiet, terminal=False)) as progress:
        progress.update(progress.add_task("x", total=1), advance=1)
    assert quiet.getvalue() == ""
    assert isinstance(progress_display(console=_console(io.StringIO(), terminal=True)), Progress)


def test_model_loading_draws_no_bar(minilm_path):
    import subprocess
    import sys

    code = f"from embedlab.models import load_sentence_model; load_sentence_model({minilm_path!r})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Loading weights" not in proc.stderr, proc.stderr[-300:]


@pytest.mark.slow
def test_superseded_task_warnings_are_silenced(caplog):
    import warnings

    mteb = pytest.importorskip("mteb")
    from embedlab.utils.progress import quiet_libraries

    task = mteb.get_task("JCrewBlockerLegalBenchClassification")  # superseded by its .v2
    assert task.superseded_by
    quiet_libraries()
    with warnings.catch_warnings(record=True) as caught:
        task.check_if_dataset_is_superseded()
    assert not [w for w in caught if "superseded" in str(w.message)]
    assert "superseded" not in caplog.text
