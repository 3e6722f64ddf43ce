"""Fake cells for testing the suite's orchestration in a fraction of a
second each: no Keras, no data. Loaded by worker processes through
SIMBENCH_PLUGINS=fake_cells:FakePlugin and
SIMBENCH_CELL_FUNCTION=fake_cells:run_fake_cell."""

import datetime
import os
import signal
import time

from simbench import results
from simbench.errors import PresetUnavailableError
from simbench.hookspecs import hookimpl
from simbench.presets import Preset

PRESETS = [f"fake_{i}" for i in range(8)] + ["fake_crash", "fake_raise",
                                             "fake_offline"]


def _never_loaded(num_classes):
    raise AssertionError("fake presets are never loaded")


class FakePlugin:
    @hookimpl
    def simbench_register_presets(self, register):
        for name in PRESETS:
            register(Preset(name=name, source="fake", architecture="none",
                            pretrained=False, load=_never_loaded))


def _log(event, cell):
    path = os.environ.get("FAKE_CELL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(f"{event} {cell.cell_id} {os.getpid()}\n")


def run_fake_cell(plugins, cell, splits, backend, run_id, model_dir=None,
                  verbose=0):
    _log("start", cell)
    print(f"fake training {cell.preset}", flush=True)
    time.sleep(float(os.environ.get("FAKE_CELL_SECONDS", "0.2")))
    if cell.preset == "fake_crash":
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does
    if cell.preset == "fake_raise":
        raise RuntimeError("fake cell blew up")
    if cell.preset == "fake_offline":
        raise PresetUnavailableError("Could not load KerasHub preset "
                                     "'fake_offline': no internet. Pass a local "
                                     "folder instead: --preset /path/to/folder")
    _log("end", cell)
    return {
        "schema_version": results.SCHEMA_VERSION, "run_id": run_id,
        "cell_id": cell.cell_id, "config_hash": cell.config_hash(),
        "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "status": "ok", "error": None, "config": cell.config(),
        "preset": {"name": cell.preset, "pretrained": False},
        "recipe": cell.recipe.to_dict(),
        "metrics": {"test_accuracy": 0.5, "val_accuracy": 0.5},
        "environment": {"pid": os.getpid()},
    }
