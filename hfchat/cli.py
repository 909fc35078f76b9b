"""``hfchat`` command line: models, chat (one question or an interactive session), emulator,
login, logout, whoami.

Exit codes: 0 ok, 1 other error, 2 usage or configuration, 3 authentication, 4 rate limit,
5 model or conversation not found, 6 network, 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import signal
import socket
import ssl
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import urlsplit

from . import __version__, errors
from .client import HuggingChatClient
from .conversations import ChatMessage
from .events import ReasoningDelta, TextDelta, TurnEnd, TurnResult
from .gateway.cli import add_parser as _add_serve_parser

__all__ = ["main"]

DIM, BOLD, RESET = "\x1b[2m", "\x1b[1m", "\x1b[0m"
CONNECT_TIMEOUT = 5.0  # seconds; the CLI's connect (and TLS handshake) limit
TLS_PROBE_TIMEOUT = 2.0
EXIT_CODES = """exit codes:
  0    success
  1    other error
  2    usage or configuration error (bad option, bad URL, busy port)
  3    authentication (not logged in, session expired): run `hfchat login`
  4    rate limited by the server
  5    model or conversation not found: see `hfchat models`
  6    network error (connection, TLS, timeout)
  130  interrupted (Ctrl-C)
"""
SESSION_HELP = """commands in the interactive session:
  /new           start a new conversation
  /model NAME    switch to model NAME (starts a new conversation)
  /exit          leave (Ctrl-D too); Ctrl-C stops the answer being written
"""


class UsageError(Exception):
    """A command-line mistake: one line on stderr, exit code 2."""


def _exit_code(exc: errors.HuggingChatError) -> int:
    if isinstance(exc, errors.AuthenticationError):
        return 3
    if isinstance(exc, errors.RateLimitError):
        return 4
    if isinstance(exc, (errors.ModelNotFoundError, errors.ConversationNotFoundError)):
        return 5
    if isinstance(exc, errors.TransportError):
        return 6
    if isinstance(exc, errors.ConfigurationError):
        return 2
    return 1


def _use_color(stream: TextIO) -> bool:
    """Color only on a terminal, and never when ``NO_COLOR`` is set."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def _effective_base_url(args: argparse.Namespace) -> str:
    from .login import _base_url

    return _base_url(args.base_url)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_tls(base_url: str) -> None:
    """An ``https`` URL of a loopback server must complete a TLS handshake within seconds.

    A local plain-http server (the emulator, a dev chat-ui) never answers a TLS hello the way
    a client expects; without this check the command would wait out every retry.
    """
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.scheme != "https" or not _is_loopback(host):
        return
    port = parts.port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=TLS_PROBE_TIMEOUT) as raw,
            context.wrap_socket(raw, server_hostname=host),
        ):
            return
    except (ssl.SSLError, TimeoutError, ConnectionError) as exc:
        if isinstance(exc, ConnectionRefusedError):
            return  # nothing listens: the client reports that itself
        plain = base_url.replace("https://", "http://", 1)
        raise errors.TransportError(
            f"{base_url} does not speak TLS (no handshake within {TLS_PROBE_TIMEOUT:g} s); "
            f"if it is a plain-http server, use {plain}"
        ) from None
    except OSError:
        return


def _client(args: argparse.Namespace) -> HuggingChatClient:
    read = args.timeout if args.timeout else 120.0
    kw: dict[str, Any] = {
        "base_url": args.base_url,
        "model": getattr(args, "model", None),
        "timeout": (min(CONNECT_TIMEOUT, read), read),
    }
    _check_tls(_effective_base_url(args))
    return HuggingChatClient(**kw)


def _explain(exc: errors.HuggingChatError, args: argparse.Namespace) -> str:
    """The one line printed for ``exc``, with what to do next where we know it."""
    message = str(exc)
    if isinstance(exc, errors.ModelNotFoundError):
        model = getattr(args, "model", None)
        named = f"model {model!r}: " if model else ""
        return f"{named}{message}; run `hfchat models` to list the server's models"
    if getattr(exc, "status_code", None) == 404 and getattr(args, "command", "") in (
        "models",
        "chat",
        "whoami",
    ):
        base = _effective_base_url(args)
        return (
            f"{base} has no chat-ui API here (HTTP 404); check the base path: HuggingChat is "
            "https://huggingface.co/chat and self-hosted chat-ui servers often serve under "
            "/chat (e.g. --base-url http://host:3000/chat)"
        )
    return message


# -- rendering one answer ---------------------------------------------------------------------


@dataclass
class _Shown:
    """What one rendered answer produced."""

    result: TurnResult | None = None
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    stopped: bool = False


class _Interrupt:
    """Ctrl-C while an answer streams: the first one asks to stop (checked between two pieces
    of the answer, so the stream is closed cleanly and the server told to stop generating);
    a second one interrupts at once."""

    def __init__(self) -> None:
        self.hit = False

    def _handler(self, signum: int, frame: Any) -> None:
        if self.hit:
            raise KeyboardInterrupt
        self.hit = True

    @contextlib.contextmanager
    def armed(self) -> Iterator[_Interrupt]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGINT, self._handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)


def _render(
    events: Iterator[Any],
    out: TextIO,
    *,
    color: bool,
    quiet: bool,
    shown: _Shown,
    interrupt: _Interrupt | None = None,
) -> None:
    """Stream ``events`` to ``out``: reasoning dimmed and apart, then the answer, then sources
    and title (unless ``quiet``). ``shown`` collects the turn as it goes; a Ctrl-C noted by
    ``interrupt`` ends the loop with ``shown.stopped`` set."""
    in_reasoning = False
    for ev in events:
        if interrupt is not None and interrupt.hit:
            shown.stopped = True
            if color:
                out.write(RESET)
            return
        if isinstance(ev, ReasoningDelta):
            shown.reasoning.append(ev.text)
            if quiet:
                continue
            if not in_reasoning:
                out.write((DIM if color else "") + "[reasoning] ")
                in_reasoning = True
            out.write(ev.text)
        elif isinstance(ev, TextDelta):
            shown.text.append(ev.text)
            if in_reasoning:
                out.write((RESET if color else "") + "\n\n")
                in_reasoning = False
            out.write(ev.text)
        elif isinstance(ev, TurnEnd):
            shown.result = r = ev.result
            if in_reasoning and color:
                out.write(RESET)
            out.write("\n")
            if not quiet:
                _footer(r, out, color)
        out.flush()


def _footer(r: TurnResult, out: TextIO, color: bool) -> None:
    dim, reset = (DIM, RESET) if color else ("", "")
    if r.sources:
        out.write(f"\n{dim}Sources:\n")
        for i, s in enumerate(r.sources, 1):
            out.write(f"  [{i}] {s['title']} <{s['url']}>\n")
        out.write(reset)
    if r.title:
        out.write(f"\n{dim}Title: {r.title}{reset}\n")
    if r.interrupted:
        out.write("(interrupted)\n")


def _as_json(r: TurnResult) -> str:
    return json.dumps(
        {
            "text": r.text,
            "reasoning": r.reasoning,
            "title": r.title,
            "sources": [dict(s) for s in r.sources],
            "conversation_id": r.conversation_id,
            "model": r.model or r.requested_model,
        },
        ensure_ascii=False,
    )


# -- commands -------------------------------------------------------------------------------


def _cmd_models(args: argparse.Namespace, out: TextIO) -> int:
    with _client(args) as client:
        for m in client.list_models():
            flags = [
                name
                for name, on in (
                    ("router", m.is_router),
                    ("multimodal", m.multimodal),
                    ("tools", m.supports_tools),
                    ("reasoning", m.supports_reasoning),
                )
                if on
            ]
            extra = f"  [{', '.join(flags)}]" if flags else ""
            out.write(f"{m.id}{extra}\n")
    return 0


def _prompt_from(args: argparse.Namespace) -> str | None:
    """The one-shot prompt; None for an interactive session."""
    words = list(args.message)
    if words == ["-"]:
        text = sys.stdin.read().rstrip()
        if not text.strip():
            raise UsageError("standard input was empty: nothing to ask")
        return text
    if words:
        return " ".join(words)
    if sys.stdin.isatty():
        return None
    raise UsageError('no prompt: give one (hfchat chat "...") or pass - to read standard input')


def _cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    prompt = _prompt_from(args)
    if prompt is None:
        if args.json:
            raise UsageError("--json needs a prompt (or - for standard input)")
        return _interactive(args, out)
    messages = []
    if args.system:
        messages.append(ChatMessage("system", args.system))
    messages.append(ChatMessage("user", prompt))
    with _client(args) as client:
        events = client.stream_chat(messages, web_search=args.web_search or None)
        try:
            if args.json:
                result = next(e.result for e in events if isinstance(e, TurnEnd))
                out.write(_as_json(result) + "\n")
            else:
                color = _use_color(out)
                shown = _Shown()
                with _Interrupt().armed() as interrupt:
                    _render(
                        events, out, color=color, quiet=args.quiet, shown=shown, interrupt=interrupt
                    )
                if shown.stopped:
                    events.close()  # type: ignore[attr-defined]  # stops the server's generation
                    out.write("\n")
                    raise KeyboardInterrupt
        finally:
            events.close()  # type: ignore[attr-defined]
        if args.delete:
            client.delete_created_conversations()
    return 0


def _interactive(args: argparse.Namespace, out: TextIO) -> int:
    """A multi-turn session in one conversation (line editing and history via readline)."""
    try:
        import readline  # noqa: F401  (line editing and in-session history for input())
    except ImportError:  # pragma: no cover - Windows without pyreadline
        pass
    color = _use_color(out)
    bold, dim, reset = (BOLD, DIM, RESET) if color else ("", "", "")
    history: list[ChatMessage] = []
    if args.system:
        history.append(ChatMessage("system", args.system))
    base = list(history)
    model = args.model
    with _client(args) as client:
        out.write(
            f"{dim}hfchat {__version__} — {client.base_url} — model {model or '(server default)'}"
            f"\n/new, /model NAME, /exit; Ctrl-D ends, Ctrl-C stops an answer{reset}\n"
        )
        out.flush()
        while True:
            try:
                line = input(f"{bold}>>> {reset}" if color else ">>> ")
            except EOFError:
                out.write("\n")
                break
            except KeyboardInterrupt:
                out.write("\n(Ctrl-D or /exit to leave)\n")
                continue
            text = line.strip()
            if not text:
                continue
            if text.startswith("/"):
                command, _, rest = text.partition(" ")
                if command in ("/exit", "/quit", "/bye"):
                    break
                if command == "/new":
                    history = list(base)
                    out.write(f"{dim}(new conversation){reset}\n")
                    continue
                if command == "/model":
                    if not rest.strip():
                        out.write(f"model: {model or '(server default)'}; usage: /model NAME\n")
                        continue
                    model = args.model = rest.strip()
                    history = list(base)
                    out.write(f"{dim}(model {model}; new conversation){reset}\n")
                    continue
                out.write(f"unknown command {command}\n{SESSION_HELP}")
                continue
            history.append(ChatMessage("user", line))
            shown = _Shown()
            events = client.stream_chat(history, model=model, web_search=args.web_search or None)
            try:
                with _Interrupt().armed() as interrupt:
                    _render(
                        events, out, color=color, quiet=args.quiet, shown=shown, interrupt=interrupt
                    )
            except KeyboardInterrupt:
                shown.stopped = True
            except errors.HuggingChatError as exc:
                history.pop()
                out.flush()
                sys.stderr.write(f"hfchat: {type(exc).__name__}: {_explain(exc, args)}\n")
                continue
            finally:
                events.close()  # type: ignore[attr-defined]  # stops the server's generation
            if shown.stopped:
                out.write(f"{reset}\n(stopped)\n")
            answer = shown.result.text if shown.result else "".join(shown.text)
            history.append(ChatMessage("assistant", answer))
            out.flush()
        if args.delete:
            client.delete_created_conversations()
    return 0


def _cmd_emulator(args: argparse.Namespace, out: TextIO) -> int:
    from .testing import FakeHuggingChat

    if not 0 <= args.port <= 65535:
        raise UsageError(f"invalid port {args.port}: use 0-65535 (0 picks a free one)")
    fake = FakeHuggingChat(
        generation=args.generation,
        base_path=args.base_path,
        require_login=args.require_login,
        port=args.port,
        host=args.host,
    )
    try:
        fake.start()  # bind first, then print the banner
    except (OSError, OverflowError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    try:
        color = _use_color(out)
        dim, reset = (DIM, RESET) if color else ("", "")
        out.write(
            f"HuggingChat emulator ({args.generation} chat-ui API) on {fake.base_url}\n"
            f"{dim}Replies come from scripted fake models (fake/echo, fake/reasoner, "
            f"fake/websearch, omni, ...), not a real model.{reset}\n"
            f"Point clients at it:\n  export HUGGINGCHAT_BASE_URL={fake.base_url}\n"
            "Ctrl-C stops it.\n"
        )
        out.flush()
        import threading

        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


def _cmd_whoami(args: argparse.Namespace, out: TextIO) -> int:
    with _client(args) as client:
        user = client.whoami()
    if not user:
        out.write("anonymous (not logged in); run `hfchat login`\n")
        return 3
    name = user.get("username") or user.get("name") or "?"
    email = f" <{user['email']}>" if user.get("email") else ""
    out.write(f"{name}{email}\n")
    return 0


def _cmd_login(args: argparse.Namespace, out: TextIO) -> int:
    from .login import login_cli

    return login_cli(args, out)


def _cmd_logout(args: argparse.Namespace, out: TextIO) -> int:
    from .login import logout_cli

    return logout_cli(args, out)


def _parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="hfchat",
        description="HuggingChat (huggingface.co/chat or any chat-ui server) from the command line",
        epilog=EXIT_CODES,
        formatter_class=fmt,
    )
    p.add_argument("--version", action="version", version=f"hfchat {__version__}")
    p.add_argument(
        "--base-url",
        default=None,
        help="chat-ui base URL (env HUGGINGCHAT_BASE_URL; default https://huggingface.co/chat)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="read timeout in seconds, also the longest silence within an answer (default 120)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    models = sub.add_parser("models", help="list the server's models", epilog=EXIT_CODES)
    models.formatter_class = fmt
    models.set_defaults(fn=_cmd_models)

    chat = sub.add_parser(
        "chat",
        help="ask one question, or chat interactively when no prompt is given",
        description=(
            "Ask one question and stream the answer; without a prompt on a terminal, start an "
            "interactive session in one conversation.\n\n" + SESSION_HELP
        ),
        epilog=EXIT_CODES,
        formatter_class=fmt,
    )
    chat.add_argument(
        "message",
        nargs="*",
        help="the prompt (words are joined); - reads it from standard input; none: interactive",
    )
    chat.add_argument("--model", "-m", default=None, help="model id (see `hfchat models`)")
    chat.add_argument("--system", "-s", default=None, help="system prompt")
    chat.add_argument("--web-search", action="store_true", help="let the server search the web")
    chat.add_argument("--delete", action="store_true", help="delete the conversation(s) afterwards")
    shape = chat.add_mutually_exclusive_group()
    shape.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: text, reasoning, title, sources, conversation_id, model",
    )
    shape.add_argument(
        "--quiet", "-q", action="store_true", help="print the answer only (no reasoning/sources)"
    )
    chat.set_defaults(fn=_cmd_chat)

    emu = sub.add_parser(
        "emulator",
        help="serve the HuggingChat emulator (scripted fake models) on loopback",
        epilog=EXIT_CODES,
        formatter_class=fmt,
    )
    emu.add_argument("--port", type=int, default=8787, help="port (default 8787; 0: any free)")
    emu.add_argument("--host", default="127.0.0.1", help="interface to bind (default loopback)")
    emu.add_argument(
        "--generation",
        choices=["2026", "2024"],
        default="2026",
        help="which chat-ui API to speak: 2026 (current) or 2024 (v0.9.4)",
    )
    emu.add_argument("--base-path", default="", help='URL path prefix, e.g. "/chat"')
    emu.add_argument("--require-login", action="store_true", help="refuse anonymous sessions (401)")
    emu.set_defaults(fn=_cmd_emulator)

    login = sub.add_parser(
        "login",
        help="sign in through a browser and store the session",
        description=(
            "Open Chrome/Chromium, let you sign in, and store the session cookie. Without a "
            "display, use --headless with HF_EMAIL and HF_PASSWORD, or set HUGGINGCHAT_COOKIE "
            "by hand (see the README)."
        ),
        epilog=EXIT_CODES,
        formatter_class=fmt,
    )
    login.add_argument(
        "--headless",
        action="store_true",
        help="no window: fill the sign-in form from HF_EMAIL and HF_PASSWORD",
    )
    login.add_argument(
        "--timeout-login",
        type=float,
        default=300.0,
        dest="login_timeout",
        help="seconds to wait for the sign-in (default 300)",
    )
    login.add_argument("--browser", default=None, help="browser executable (env HFCHAT_BROWSER)")
    login.set_defaults(fn=_cmd_login)
    sub.add_parser(
        "logout", help="log out and forget the stored session", epilog=EXIT_CODES
    ).set_defaults(fn=_cmd_logout)
    sub.add_parser("whoami", help="who the session belongs to", epilog=EXIT_CODES).set_defaults(
        fn=_cmd_whoami
    )
    serve = _add_serve_parser(sub)
    serve.epilog, serve.formatter_class = EXIT_CODES, fmt
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (see ``hfchat --help``)."""
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        return int(args.fn(args, out))
    except UsageError as exc:
        sys.stderr.write(f"hfchat: {exc}\n")
        return 2
    except errors.HuggingChatError as exc:
        sys.stderr.write(f"hfchat: {type(exc).__name__}: {_explain(exc, args)}\n")
        return _exit_code(exc)
    except KeyboardInterrupt:
        sys.stderr.write("hfchat: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
