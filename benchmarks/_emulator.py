"""Run the emulator in a separate process, so a benchmark measures only the client."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: the process id of each running emulator, by base URL
PIDS: dict[str, int] = {}


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin_apart() -> str:
    """Put this process on CPU 0 and the emulators started afterwards on CPU 1 (Linux), so the
    server's work does not take the client's CPU (as a remote server would not); returns what
    was done, for the report."""
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        return "not pinned (needs Linux and 2 CPUs)"
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    _PIN["server"] = {cpus[1]}
    return f"client pinned to CPU {cpus[0]}, emulator to CPU {cpus[1]}"


_PIN: dict[str, set[int]] = {}


@contextlib.contextmanager
def emulator_process(**options: object) -> Iterator[str]:
    """Start ``serve_forever`` in a child process; yield its base URL; stop it afterwards."""
    port = free_port()
    args = ", ".join(f"{k}={v!r}" for k, v in options.items())
    code = (
        "from hfchat.testing import serve_forever; "
        f"serve_forever({port}, host='127.0.0.1'{', ' + args if args else ''})"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    if "server" in _PIN:
        os.sched_setaffinity(proc.pid, _PIN["server"])
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "died")
            time.sleep(0.05)
        else:
            raise RuntimeError("the emulator did not start within 15 s")
        base = f"http://127.0.0.1:{port}"
        PIDS[base] = proc.pid
        yield base
    finally:
        PIDS.pop(f"http://127.0.0.1:{port}", None)
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
