"""Run a suite of cells so that no finished result is ever lost.

- Each cell runs in a worker process of its own (`simbench.worker`): a crash,
  an out-of-memory kill or an exception there becomes a failed result with
  the reason and the end of the worker's log, and the suite goes on.
- Results are written atomically as each cell ends; a rerun skips them.
- A lock per cell (filelock) keeps two `simbench run` processes on the same
  folder from running a cell twice: the second one moves on to other cells
  and comes back to wait for the locked ones at the end.
- Workers die with the suite (Linux: parent-death signal, see
  `simbench.worker`), so a suite killed with SIGKILL leaves no orphan
  computing a cell that a rerun computes too.
"""

import collections
import dataclasses
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import filelock

from simbench import results
from simbench.cell import Cell
from simbench.errors import SimbenchError

logger = logging.getLogger(__name__)

LOCK_DIR = ".locks"
LOG_TAIL_CHARS = 4000
TERMINATE_GRACE_S = 10.0


@dataclasses.dataclass
class Outcome:
    """What happened to one cell of a suite."""

    cell: Cell
    status: str  # "ok", "failed" or "skipped"
    path: Optional[Path]
    result: Optional[dict]
    seconds: float = 0.0


class Interrupted(Exception):
    """The suite was stopped by SIGINT or SIGTERM; finished cells are kept."""


def _read(path: Path) -> Optional[dict]:
    """The result at `path`; None if there is none or it cannot be read."""
    if not path.exists():
        return None
    try:
        return results.load_result(path)
    except SimbenchError as error:
        logger.warning("Will redo the cell: %s", error)
        return None


def _finished(path: Path) -> Optional[dict]:
    previous = _read(path)
    return previous if previous and previous.get("status") == "ok" else None


def check_writable(output_dir: Path) -> None:
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        probe = output_dir / f".write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as error:
        raise SimbenchError(
            f"Cannot write results to '{output_dir}' ({error.strerror}). Pass "
            "--output with a folder you can write to."
        ) from None


class Suite:
    """Runs cells into `output_dir`. See the module docstring.

    Args:
        plugins: `simbench.plugins.Plugins`.
        output_dir: folder for result files.
        data_dir, backend, save_models, verbose: as for `simbench run`.
        force: redo cells that already have a finished result.
        isolate: run each cell in its own process (the default). False runs
            them in this process, which is faster to start but lets one
            crashing cell take the suite down.
        echo: receives the workers' output (progress, logs) as text.
    """

    def __init__(self, plugins, output_dir, data_dir=None, backend="jax",
                 force=False, save_models=False, verbose=2, isolate=True,
                 echo: Optional[Callable[[str], None]] = None):
        self.plugins = plugins
        self.output_dir = Path(output_dir)
        self.data_dir = data_dir
        self.backend = backend
        self.force = force
        self.model_dir = self.output_dir / "models" if save_models else None
        self.verbose = verbose
        self.echo = echo or (lambda text: logger.debug("%s", text.rstrip()))
        self.run_id = results.new_run_id()
        self.plugin_spec = plugins.spec() if isolate else None
        if isolate and self.plugin_spec is None:
            logger.warning("A plugin cannot be imported by name in a worker "
                           "process; running cells in this process instead.")
        self._splits = None
        self.started = time.time()

    def run(self, cells: List[Cell]) -> Iterator[Outcome]:
        check_writable(self.output_dir)
        from simbench import environment

        environment.git_info()  # the code this process loaded, read up front
        (self.output_dir / LOCK_DIR).mkdir(exist_ok=True)
        waiting = []
        for cell in cells:
            lock = self._lock(cell)
            try:
                lock.acquire(timeout=0)
            except filelock.Timeout:
                logger.info("%s is being run by another simbench process; "
                            "coming back to it later.", cell.cell_id)
                waiting.append((cell, lock))
                continue
            try:
                yield self._run_locked(cell)
            finally:
                lock.release()
        for cell, lock in waiting:
            logger.info("Waiting for another simbench process to finish %s.",
                        cell.cell_id)
            with lock:
                yield self._run_locked(cell, waited=True)

    def _lock(self, cell: Cell) -> filelock.FileLock:
        return filelock.FileLock(
            self.output_dir / LOCK_DIR / f"{cell.cell_id}.lock")

    def _run_locked(self, cell: Cell, waited: bool = False) -> Outcome:
        path = results.result_path(self.output_dir, cell.cell_id)
        if path.exists() and path.stat().st_mtime >= self.started:
            # Written since this suite began: another simbench process ran
            # the cell while we held no lock on it.
            recent = _read(path)
            if recent is not None:
                return Outcome(cell, "skipped", path, recent)
        previous = _finished(path)
        if previous is not None and not (self.force and not waited):
            self._check_same_inputs(previous, path)
            return Outcome(cell, "skipped", path, previous)
        start = time.perf_counter()
        if self.plugin_spec is None:
            result = self._install(path, result=self._in_process(cell))
        else:
            result = self._in_worker(cell, path)
        return Outcome(cell, result["status"], path, result,
                       time.perf_counter() - start)

    def _check_same_inputs(self, previous: dict, path: Path) -> None:
        """Refuse to reuse a finished cell made with another backend or
        another data folder.

        Limitation: the cell's identity (its hash) names the data source kind
        ("local" or "tfds") but not the folder or its contents, nor the
        backend, so that results made before either mattered keep their
        names; this check stands in for them when a cell would be skipped.
        """
        used = previous.get("environment", {}).get("backend")
        if used and used != self.backend:
            raise SimbenchError(
                f"{path} was made with the {used} backend, not {self.backend}. "
                "Pass another --output for this backend (or --force to "
                "replace it).")
        source = (previous.get("dataset", {}).get("splits", {})
                  .get("train", {}).get("source"))
        if source and self.data_dir and not source.startswith("tfds:"):
            folder = os.path.realpath(self.data_dir)
            if not os.path.realpath(source).startswith(folder + os.sep):
                raise SimbenchError(
                    f"{path} was made from {os.path.dirname(source)}, not "
                    f"{self.data_dir}. Pass another --output for this data "
                    "(or --force to replace it).")

    def _install(self, path: Path, result: dict) -> dict:
        """Put a cell's result in place, moving any earlier one aside."""
        if path.exists():
            results.supersede(path)
        results.write_result(path, result)
        return result

    def _in_process(self, cell: Cell) -> dict:
        from simbench import runner
        from simbench.errors import PresetUnavailableError

        if self._splits is None:
            self._splits = runner.SplitCache(self.plugins, self.data_dir)
        try:
            return runner.cell_function()(
                self.plugins, cell, self._splits, self.backend, self.run_id,
                model_dir=self.model_dir, verbose=self.verbose)
        except PresetUnavailableError as error:
            logger.error("Cell %s failed: %s", cell.cell_id, error)
            return runner.failed_result(cell, self.run_id, self.backend, error)
        except SimbenchError:
            raise
        except Exception as error:  # one broken cell must not stop the suite
            logger.exception("Cell %s failed", cell.cell_id)
            return runner.failed_result(cell, self.run_id, self.backend, error)

    def _in_worker(self, cell: Cell, path: Path) -> dict:
        """Run `cell` in a worker process and install its result; if the
        worker dies without one, install a failed result saying why."""
        from simbench import runner, worker

        spec = worker.cell_spec(cell, self.plugin_spec, path, self.data_dir,
                                self.backend, self.model_dir, self.verbose,
                                self.run_id)
        handle, spec_path = tempfile.mkstemp(
            prefix=f"{cell.cell_id}.", suffix=".spec.json",
            dir=self.output_dir / LOCK_DIR)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(spec, file)
        env = dict(os.environ, KERAS_BACKEND=self.backend,
                   PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        tail = collections.deque(maxlen=200)
        try:
            # Its own session: a Ctrl-C reaches only the suite, which then
            # stops the worker itself.
            process = subprocess.Popen(
                [sys.executable, "-m", "simbench.worker", spec_path,
                 str(os.getpid())],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,
            )
            try:
                self._follow(process, tail)
            except BaseException:
                _stop(process)
                raise
            code = process.wait()
            if code == worker.USER_ERROR:
                raise SimbenchError(Path(spec_path + ".error").read_text())
            if code == 0 and path.exists():
                return results.load_result(path)
            reason = _exit_reason(code)
            logger.error("Cell %s failed: %s", cell.cell_id, reason)
            log_tail = "".join(tail)[-LOG_TAIL_CHARS:]
            return self._install(path, result=runner.failed_result(
                cell, self.run_id, self.backend, reason, failure="crashed",
                log_tail=log_tail))
        finally:
            for leftover in (spec_path, spec_path + ".error"):
                if os.path.exists(leftover):
                    os.unlink(leftover)

    def _follow(self, process, tail) -> None:
        """Pass the worker's output on as it comes, keeping its end."""
        while True:
            chunk = process.stdout.read1(4096) if hasattr(
                process.stdout, "read1") else process.stdout.read(4096)
            if not chunk:
                return
            text = chunk.decode("utf-8", errors="replace")
            tail.append(text)
            self.echo(text)


def _stop(process) -> None:
    """Stop a worker: SIGTERM, then SIGKILL if it does not go quietly."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(TERMINATE_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _exit_reason(code: int) -> str:
    if code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"worker killed by {name}{hint}"
    return f"worker exited with status {code} without writing a result"


def run_suite(plugins, cells: List[Cell], output_dir, **options) -> Iterator[Outcome]:
    """Run `cells` into `output_dir`; yields one `Outcome` per cell as it
    ends. Options are those of `Suite`."""
    return Suite(plugins, output_dir, **options).run(cells)
