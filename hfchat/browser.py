"""Finding and launching Chrome or Chromium for ``hfchat login``.

The browser is looked up in this order: the ``browser_path`` argument (CLI ``--browser``), the
``HFCHAT_BROWSER`` environment variable, Chrome or Chromium on ``PATH`` (``google-chrome``,
``google-chrome-stable``, ``chromium``, ``chromium-browser``, ``chrome``), then the usual install
locations (the Debian ``chromium`` package path, the macOS applications, Windows program files).

:class:`BrowserProcess` starts it with a fresh temporary profile, in a process group of its own,
with remote debugging on a loopback port chosen by the browser itself (read back from the
profile's ``DevToolsActivePort`` file, so there is no race for a free port).
:meth:`BrowserProcess.close` always ends the whole process group and removes the profile; an
``atexit`` hook does the same for a browser a crashed program left behind.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .errors import ConfigurationError

__all__ = [
    "BROWSER_ENV",
    "INSTALL_HINT",
    "SCRUBBED_ENV",
    "BrowserProcess",
    "browser_args",
    "browser_env",
    "display_available",
    "find_browser",
]

log = logging.getLogger("hfchat.browser")

BROWSER_ENV = "HFCHAT_BROWSER"
INSTALL_HINT = (
    "install Google Chrome or Chromium (Debian/Ubuntu: `apt-get install chromium`), "
    f"or point {BROWSER_ENV} (CLI: --browser) at a Chrome or Chromium executable"
)
PROFILE_PREFIX = "hfchat-login-"
# credentials the browser (and whatever it starts) must not inherit
SCRUBBED_ENV = (
    "HF_PASSWORD",
    "HF_EMAIL",
    "HUGGINGCHAT_COOKIE",
    "HUGGINGCHAT_PROXY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
)

_NAMES = ("google-chrome", "google-chrome-stable", "chromium", "chromium-browser", "chrome")
_KNOWN_PATHS: tuple[str, ...] = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/snap/bin/chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
_WINDOWS_DIRS = ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")
_WINDOWS_SUFFIX = os.path.join("Google", "Chrome", "Application", "chrome.exe")

# a process group of its own (Windows: new process group; POSIX: start_new_session)
_CREATION_FLAGS = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0) if os.name == "nt" else 0
_TERM_GRACE = 3.0  # seconds between the polite and the forced end of the browser
_LIVE: set[BrowserProcess] = set()
_LIVE_LOCK = threading.Lock()


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _resolve(name: str) -> str | None:
    expanded = os.path.expanduser(name)
    if _is_executable(expanded):
        return os.path.abspath(expanded)
    return shutil.which(expanded)


def _candidates() -> list[str]:
    paths = list(_KNOWN_PATHS)
    if sys.platform == "win32":
        for var in _WINDOWS_DIRS:
            root = os.environ.get(var)
            if root:
                paths.append(os.path.join(root, _WINDOWS_SUFFIX))
    return paths


def find_browser(browser_path: str | os.PathLike[str] | None = None) -> str:
    """The Chrome/Chromium executable to use; :class:`ConfigurationError` with an install hint
    when there is none. An explicit choice (argument or ``HFCHAT_BROWSER``) must exist: it is
    never silently replaced by another browser."""
    chosen = os.fspath(browser_path) if browser_path else os.environ.get(BROWSER_ENV, "").strip()
    if chosen:
        found = _resolve(chosen)
        if found is None:
            raise ConfigurationError(
                f"the browser {chosen!r} does not exist or is not executable; {INSTALL_HINT}"
            )
        return found
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    for path in _candidates():
        if _is_executable(path):
            return path
    raise ConfigurationError(f"no Chrome or Chromium browser found for the login; {INSTALL_HINT}")


def browser_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The browser's environment: this process's, without the credentials in
    :data:`SCRUBBED_ENV`."""
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if k not in SCRUBBED_ENV}


def display_available() -> bool:
    """Whether a browser window can be shown (on Linux and BSD: ``DISPLAY`` or
    ``WAYLAND_DISPLAY`` is set; elsewhere always)."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _is_root() -> bool:
    getuid = getattr(os, "geteuid", None)
    return bool(getuid is not None and getuid() == 0)


def browser_args(profile: str | os.PathLike[str], *, headless: bool) -> list[str]:
    """Command-line flags: a throwaway profile, remote debugging on a loopback port the browser
    picks, no first-run UI, no background traffic (component updates, sync, QUIC)."""
    args = [
        f"--user-data-dir={os.fspath(profile)}",
        "--remote-debugging-port=0",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--password-store=basic",
    ]
    if sys.platform == "darwin":
        args.append("--use-mock-keychain")
    if headless:
        args += ["--headless=new", "--disable-gpu"]
    if _is_root():
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    args.append("about:blank")
    return args


class BrowserProcess:
    """One running browser: its process (group), its temporary profile, its debugging port.

    Use :meth:`start`, then :meth:`close` (idempotent, synchronous, safe in ``finally``).
    """

    def __init__(self, proc: subprocess.Popen[bytes], workdir: Path) -> None:
        self.proc = proc
        self.workdir = workdir
        self.port: int | None = None

    def __repr__(self) -> str:
        return f"BrowserProcess(pid={self.proc.pid}, port={self.port})"

    @property
    def profile(self) -> Path:
        """The browser's throw-away profile folder (inside its work folder)."""
        return self.workdir / "profile"

    @property
    def running(self) -> bool:
        """True while the browser process has not exited."""
        return self.proc.poll() is None

    @classmethod
    def launch(cls, executable: str, *, headless: bool) -> BrowserProcess:
        """Start the browser (does not wait for it; see :meth:`wait_for_port`)."""
        workdir = Path(tempfile.mkdtemp(prefix=PROFILE_PREFIX))
        try:
            (workdir / "profile").mkdir(mode=0o700)
            with open(workdir / "stderr.log", "wb") as err:
                proc = subprocess.Popen(
                    [executable, *browser_args(workdir / "profile", headless=headless)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    env=browser_env(),
                    start_new_session=os.name == "posix",
                    creationflags=_CREATION_FLAGS,
                )
        except OSError as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            raise ConfigurationError(
                f"cannot start the browser {executable!r}: {exc.strerror or exc}; {INSTALL_HINT}"
            ) from None
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        browser = cls(proc, workdir)
        with _LIVE_LOCK:
            _LIVE.add(browser)
        log.debug("started the browser (pid %d)", proc.pid)
        return browser

    def read_port(self) -> int | None:
        """The debugging port once the browser wrote it, else ``None``; raises
        :class:`ConfigurationError` when the browser already exited."""
        if self.port is not None:
            return self.port
        if not self.running:
            raise ConfigurationError(
                f"the browser exited during start-up (exit code {self.proc.returncode})"
                f"{self._stderr_tail()}"
            )
        try:
            first = (self.profile / "DevToolsActivePort").read_text().splitlines()[0]
            self.port = int(first)
        except (OSError, IndexError, ValueError):
            return None
        return self.port

    def _stderr_tail(self) -> str:
        try:
            lines = (self.workdir / "stderr.log").read_text(errors="replace").splitlines()
        except OSError:
            return ""
        tail = [ln for ln in lines if ln.strip()][-3:]
        hint = ""
        if any("DISPLAY" in ln or "X server" in ln for ln in tail):
            hint = "; no display is available: use headless mode (--headless)"
        return (": " + " | ".join(tail)[:400] if tail else "") + hint

    def close(self) -> None:
        """End the browser and every process it started, and delete the profile."""
        try:
            self._stop()
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(self)
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _stop(self) -> None:
        proc = self.proc
        if proc.poll() is None:
            # the main process first: Chromium then ends (and reaps) its helpers itself
            with contextlib.suppress(OSError):
                proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(_TERM_GRACE)
        _kill_group(proc.pid)  # stragglers (or everything, when the polite end timed out)
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(_TERM_GRACE)
        log.debug("stopped the browser (pid %d)", proc.pid)


def _kill_group(pgid: int) -> None:
    killpg = getattr(os, "killpg", None)
    if killpg is None:
        return
    with contextlib.suppress(OSError):
        killpg(pgid, getattr(signal, "SIGKILL", signal.SIGTERM))


@atexit.register
def _close_leftovers() -> None:
    with _LIVE_LOCK:
        leftovers = list(_LIVE)
    for browser in leftovers:
        browser.close()
