"""``hfchat`` command line: models, chat, emulator, login, logout, whoami.

Exit codes: 0 ok, 1 other error, 2 usage, 3 authentication, 4 rate limit, 5 model or
conversation not found, 6 network, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from . import errors
from .client import HuggingChatClient
from .events import ReasoningDelta, Sources, TextDelta, Title, TurnEnd
from .gateway.cli import add_parser as _add_serve_parser

__all__ = ["main"]

DIM, RESET = "\x1b[2m", "\x1b[0m"


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


def _client(args: argparse.Namespace) -> HuggingChatClient:
    kw: dict[str, Any] = {"base_url": args.base_url, "model": getattr(args, "model", None)}
    if getattr(args, "timeout", None):
        kw["timeout"] = args.timeout
    return HuggingChatClient(**kw)


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


def _cmd_chat(args: argparse.Namespace, out: TextIO) -> int:
    from .conversations import ChatMessage

    color = out.isatty() and not os.environ.get("NO_COLOR")
    messages = []
    if args.system:
        messages.append(ChatMessage("system", args.system))
    messages.append(ChatMessage("user", " ".join(args.message)))
    in_reasoning = False
    with _client(args) as client:
        for ev in client.stream_chat(messages, web_search=args.web_search or None):
            if isinstance(ev, ReasoningDelta):
                if not in_reasoning:
                    out.write((DIM if color else "") + "[reasoning] ")
                    in_reasoning = True
                out.write(ev.text)
            elif isinstance(ev, TextDelta):
                if in_reasoning:
                    out.write((RESET if color else "") + "\n\n")
                    in_reasoning = False
                out.write(ev.text)
            elif isinstance(ev, (Title, Sources)):
                pass  # listed after the answer
            elif isinstance(ev, TurnEnd):
                r = ev.result
                if in_reasoning and color:
                    out.write(RESET)
                out.write("\n")
                if r.sources:
                    out.write("\nSources:\n")
                    for i, s in enumerate(r.sources, 1):
                        out.write(f"  [{i}] {s['title']} <{s['url']}>\n")
                if r.title:
                    out.write(f"\nTitle: {r.title}\n")
                if r.interrupted:
                    out.write("(interrupted)\n")
            out.flush()
        if args.delete:
            client.delete_created_conversations()
    return 0


def _cmd_emulator(args: argparse.Namespace, out: TextIO) -> int:
    from .testing import serve_forever

    out.write(f"HuggingChat emulator on http://{args.host}:{args.port}{args.base_path}\n")
    out.flush()
    serve_forever(
        args.port,
        host=args.host,
        generation=args.generation,
        base_path=args.base_path,
        require_login=args.require_login,
    )
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
    p = argparse.ArgumentParser(prog="hfchat", description="HuggingChat from the command line")
    p.add_argument("--base-url", default=None, help="chat-ui base URL (env HUGGINGCHAT_BASE_URL)")
    p.add_argument("--timeout", type=float, default=None, help="timeout in seconds")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("models", help="list the server's models").set_defaults(fn=_cmd_models)

    chat = sub.add_parser("chat", help="ask one question, stream the answer")
    chat.add_argument("message", nargs="+")
    chat.add_argument("--model", "-m", default=None)
    chat.add_argument("--system", "-s", default=None, help="system prompt")
    chat.add_argument("--web-search", action="store_true", help="let the server search the web")
    chat.add_argument("--delete", action="store_true", help="delete the conversation afterwards")
    chat.set_defaults(fn=_cmd_chat)

    emu = sub.add_parser("emulator", help="serve the HuggingChat emulator on loopback")
    emu.add_argument("--port", type=int, default=8787)
    emu.add_argument("--host", default="127.0.0.1")
    emu.add_argument("--generation", choices=["2026", "2024"], default="2026")
    emu.add_argument("--base-path", default="", help='e.g. "/chat"')
    emu.add_argument("--require-login", action="store_true")
    emu.set_defaults(fn=_cmd_emulator)

    login = sub.add_parser("login", help="sign in through a browser and store the session")
    login.add_argument("--headless", action="store_true")
    login.add_argument("--timeout-login", type=float, default=300.0, dest="login_timeout")
    login.add_argument("--browser", default=None, help="browser executable (env HFCHAT_BROWSER)")
    login.set_defaults(fn=_cmd_login)
    sub.add_parser("logout", help="log out and forget the stored session").set_defaults(
        fn=_cmd_logout
    )
    sub.add_parser("whoami", help="who the session belongs to").set_defaults(fn=_cmd_whoami)
    _add_serve_parser(sub)
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        return int(args.fn(args, out))
    except errors.HuggingChatError as exc:
        sys.stderr.write(f"hfchat: {type(exc).__name__}: {exc}\n")
        return _exit_code(exc)
    except KeyboardInterrupt:
        sys.stderr.write("hfchat: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
