"""The machine and software a result was measured on."""

import datetime
import functools
import os
import platform
import socket
import subprocess
from importlib import metadata
from typing import Optional

PACKAGES = ("simbench", "keras", "keras-hub", "jax", "jaxlib", "tensorflow",
            "tensorflow-text", "tensorflow-datasets", "torch", "numpy")


def _version(package: str) -> Optional[str]:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> Optional[float]:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


@functools.lru_cache(maxsize=None)
def git_info(path: Optional[str] = None) -> dict:
    """Commit and dirty flag of the checkout simbench runs from, or the
    error that stopped us finding them. Read once per process, so a commit
    made while a suite runs is not credited with its results."""
    path = path or os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=path, capture_output=True,
            text=True, check=True, timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=path,
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout
        return {"commit": commit, "dirty": bool(status.strip()), "error": None}
    except (OSError, subprocess.SubprocessError) as error:
        return {"commit": None, "dirty": None, "error": str(error)[:200]}


def load_average() -> Optional[float]:
    """The 1-minute load average; other work on the machine skews timings."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def machine() -> dict:
    return {
        "hostname": socket.gethostname(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": memory_gib(),
        "load_average_1m": load_average(),
        "platform": platform.platform(),
    }


def devices(backend: str) -> list:
    """Names of the devices the Keras backend computes on."""
    try:
        if backend == "jax":
            import jax

            return [f"{d.platform}:{d.device_kind}" for d in jax.devices()]
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_logical_devices("GPU")
            return [d.name for d in gpus] or ["cpu"]
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return [torch.cuda.get_device_name(i)
                        for i in range(torch.cuda.device_count())]
            return ["cpu"]
    except Exception as error:  # a broken backend should not lose the result
        return [f"unknown ({type(error).__name__})"]
    return ["unknown"]


# Variables that change how the backends compute, by exact name or prefix.
# An allowlist: results get committed, and other tools keep secrets in
# variables that look alike (Terraform's TF_VAR_*, TF_TOKEN_*).
RECORDED_ENV = ("KERAS_BACKEND", "KERAS_HOME", "XLA_FLAGS", "XLA_PYTHON_CLIENT_",
                "JAX_PLATFORMS", "JAX_ENABLE_X64", "CUDA_VISIBLE_DEVICES",
                "OMP_NUM_THREADS", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS",
                "TF_FORCE_GPU_ALLOW_GROWTH", "TF_XLA_FLAGS",
                "SIMBENCH_LOAD_PLUGINS", "SIMBENCH_PLUGINS", "SIMBENCH_LOG_LEVEL",
                "SIMBENCH_CACHE_DIR", "SIMBENCH_DATA_DIR")


def recorded_env() -> dict:
    """The environment variables a result records (see RECORDED_ENV)."""
    return {k: os.environ[k] for k in sorted(os.environ)
            if any(k == name or (name.endswith("_") and k.startswith(name))
                   for name in RECORDED_ENV)}


def capture(backend: str) -> dict:
    """Everything needed to tell whether two results are comparable."""
    device_names = devices(backend)
    return {
        "captured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "backend": backend,
        "devices": device_names,
        "accelerator": next(
            (d for d in device_names if not d.lower().startswith("cpu")), None
        ),
        "machine": machine(),
        "git": dict(git_info()),
        "env": recorded_env(),
    }
