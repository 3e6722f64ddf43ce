"""Process isolation, interruption, SIGKILL resumption and concurrent runs,
with fake cells (tests/fake_cells.py) so that each takes a moment."""

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_cells import PRESETS
from simbench import results

TESTS = Path(__file__).parent
SIMBENCH = [sys.executable, "-c", "from simbench.cli import main; main()"]
GOOD = [p for p in PRESETS if p.split("_")[1].isdigit()]


def _env(tmp_path, seconds="0.2"):
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        SIMBENCH_PLUGINS="fake_cells:FakePlugin",
        SIMBENCH_CELL_FUNCTION="fake_cells:run_fake_cell",
        FAKE_CELL_LOG=str(tmp_path / "cells.log"),
        FAKE_CELL_SECONDS=seconds,
    )


def _args(out, presets):
    args = ["run", "--output", str(out), "--recipe", "adam_5e-5"]
    for preset in presets:
        args += ["--preset", preset]
    return args


def _default_sigint():
    # A test run started in the background (`pytest &`) inherits SIGINT
    # ignored, and Python then keeps ignoring it; a user's Ctrl-C does not.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(tmp_path, out, presets, seconds="0.2"):
    return subprocess.Popen(SIMBENCH + _args(out, presets), env=_env(tmp_path, seconds),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)


def _run(tmp_path, out, presets, seconds="0.2"):
    return subprocess.run(SIMBENCH + _args(out, presets), env=_env(tmp_path, seconds),
                          capture_output=True, text=True, timeout=300)


def _finished_ids(out):
    found = [results.load_result(p) for p in results.result_files(out)]
    return collections.Counter(r["cell_id"] for r in found if r["status"] == "ok")


def _events(tmp_path, event):
    log = tmp_path / "cells.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return collections.Counter(l.split()[1] for l in lines if l.startswith(event))


def _assert_no_torn_files(out):
    for path in out.rglob("*.json"):
        if path.name.startswith(".") or ".locks" in path.parts:
            continue
        results.load_result(path)  # raises on a torn or foreign file


def _assert_workers_died_with_the_suite(tmp_path):
    log = tmp_path / "cells.log"
    pids = {int(l.split()[2]) for l in log.read_text().splitlines()} \
        if log.exists() else set()
    deadline = time.time() + 10
    for pid in pids:
        while _alive(pid):
            assert time.time() < deadline, f"worker {pid} outlived its suite"
            time.sleep(0.05)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_crashing_and_raising_cells_are_recorded_and_the_suite_goes_on(tmp_path):
    out = tmp_path / "out"
    done = _run(tmp_path, out, ["fake_0", "fake_crash", "fake_raise",
                                "fake_offline", "fake_1"])
    assert done.returncode == 1, done.stderr
    assert "2 ok, 3 failed" in done.stdout
    found = {r["preset"]["name"]: r for r in
             (results.load_result(p) for p in results.result_files(out))}
    crash, raised = found["fake_crash"], found["fake_raise"]
    assert crash["status"] == "failed" and crash["failure"] == "crashed"
    assert "SIGKILL" in crash["error"] and "out of memory" in crash["error"]
    assert "fake training fake_crash" in crash["log_tail"]
    assert raised["failure"] == "exception"
    assert "fake cell blew up" in raised["error"]
    assert "Traceback" in raised["log_tail"]
    offline = found["fake_offline"]
    assert "--preset /path/to/folder" in offline["error"]
    pids = {found[name]["environment"]["pid"] for name in ("fake_0", "fake_1")}
    assert len(pids) == 2  # a process per cell


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM],
                         ids=["SIGINT", "SIGTERM"])
def test_interrupt_abandons_the_cell_and_keeps_finished_ones(tmp_path, sig):
    out = tmp_path / "out"
    process = _start(tmp_path, out, GOOD[:4], seconds="1.5")
    deadline = time.time() + 60
    while not _finished_ids(out) if out.exists() else True:
        assert time.time() < deadline, "no cell finished"
        time.sleep(0.1)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Run the same command again" in stderr
    kept = _finished_ids(out)
    assert 1 <= len(kept) < 4
    _assert_no_torn_files(out)
    rerun = _run(tmp_path, out, GOOD[:4], seconds="0.1")
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(kept)} skipped" in rerun.stdout
    assert set(_finished_ids(out).values()) == {1} and len(_finished_ids(out)) == 4


def test_sigkill_at_random_moments_then_rerun_completes_each_cell_once(tmp_path):
    out = tmp_path / "out"
    presets = GOOD[:6]
    rng = random.Random(7)
    for _ in range(4):
        process = _start(tmp_path, out, presets, seconds="0.4")
        time.sleep(rng.uniform(0.5, 2.5))
        process.kill()
        process.communicate()
        _assert_no_torn_files(out)
        _assert_workers_died_with_the_suite(tmp_path)
    kept = _finished_ids(out)
    starts_before = _events(tmp_path, "start")
    rerun = _run(tmp_path, out, presets, seconds="0.1")
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(kept)} skipped" in rerun.stdout
    finished = _finished_ids(out)
    assert len(finished) == 6 and set(finished.values()) == {1}
    assert not list(out.glob("superseded/*"))
    # The rerun started exactly the cells that had no result yet.
    started = _events(tmp_path, "start") - starts_before
    assert set(started) == set(finished) - set(kept)
    assert set(started.values()) <= {1}


def test_two_concurrent_runs_never_run_a_cell_twice(tmp_path):
    out = tmp_path / "out"
    first = _start(tmp_path, out, GOOD, seconds="0.4")
    second = _start(tmp_path, out, GOOD, seconds="0.4")
    for process in (first, second):
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    starts = _events(tmp_path, "start")
    assert len(starts) == len(GOOD) and set(starts.values()) == {1}
    finished = _finished_ids(out)
    assert len(finished) == len(GOOD) and set(finished.values()) == {1}
    _assert_no_torn_files(out)
