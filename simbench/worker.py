"""Run one cell in a process of its own: `python -m simbench.worker SPEC`.

The suite (`simbench.suite`) writes SPEC, a JSON file saying which cell to
run and how to rebuild the plugins, and starts this module. The worker
writes the cell's result itself, atomically, so a finished cell is kept even
if the suite dies a moment later. Exit status: 0 the result is written
(finished or failed), `USER_ERROR` the input is wrong for every cell (the
message is in SPEC.error), anything else the worker crashed.
"""

import ctypes
import json
import logging
import os
import signal
import sys
import traceback
from pathlib import Path

USER_ERROR = 3


def cell_spec(cell, plugins_spec: dict, result_path, data_dir, backend: str,
              model_dir, verbose: int, run_id: str) -> dict:
    return {
        "cell": {"preset": cell.preset, "recipe": cell.recipe.to_dict(),
                 "dataset": cell.dataset, "seed": cell.seed,
                 "data_source": cell.data_source, "limit": cell.limit},
        "plugins": plugins_spec,
        "result_path": str(result_path),
        "data_dir": data_dir,
        "backend": backend,
        "model_dir": str(model_dir) if model_dir else None,
        "verbose": verbose,
        "run_id": run_id,
    }


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this worker when the suite that started it dies,
    and exit now if it already has."""
    # Limitation: Linux only; elsewhere a worker outlives a SIGKILLed suite
    # (the cell's lock still keeps a rerun from running the same cell).
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:
        sys.exit("simbench worker: the suite that started it is gone")


def main(spec_path: str, parent_pid: int = None) -> int:
    if parent_pid is not None:
        die_with_parent(parent_pid)
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    os.environ["KERAS_BACKEND"] = spec["backend"]
    logging.basicConfig(level=os.environ.get("SIMBENCH_LOG_LEVEL", "INFO"),
                        stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("absl", "jax", "tensorflow", "h5py"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from simbench import results, runner
    from simbench.cell import Cell
    from simbench.errors import PresetUnavailableError, SimbenchError
    from simbench.plugins import from_spec
    from simbench.recipes import Recipe

    cell_fields = dict(spec["cell"], recipe=Recipe(**spec["cell"]["recipe"]))
    cell = Cell(**cell_fields)
    try:
        plugins = from_spec(spec["plugins"])
        splits = runner.SplitCache(plugins, spec["data_dir"])
        run = runner.cell_function()
        result = run(plugins, cell, splits, spec["backend"], spec["run_id"],
                     model_dir=spec["model_dir"] and Path(spec["model_dir"]),
                     verbose=spec["verbose"])
    except PresetUnavailableError as error:  # other presets may still load
        logging.getLogger(__name__).error("%s", error)
        result = runner.failed_result(cell, spec["run_id"], spec["backend"], error)
    except SimbenchError as error:
        Path(spec_path + ".error").write_text(str(error), encoding="utf-8")
        return USER_ERROR
    except Exception as error:  # recorded as a failed cell, with its traceback
        traceback.print_exc()
        result = runner.failed_result(cell, spec["run_id"], spec["backend"], error)
    # Straight into place (atomically): once written, the cell is finished
    # even if the suite is killed the next moment.
    path = Path(spec["result_path"])
    if path.exists():
        results.supersede(path)
    results.write_result(path, result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None))
