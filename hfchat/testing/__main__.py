"""Command line: serve the emulator until Ctrl-C.

``python -m hfchat.testing --port N [--generation 2024] [--base-path /chat] [--require-login]
[--token-delay S] [--message-length N] [--messages-per-minute N]``
"""

from __future__ import annotations

import argparse

from .emulator import serve_forever

__all__ = ["main", "serve_forever"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m hfchat.testing", description="Serve a HuggingChat (chat-ui) emulator."
    )
    parser.add_argument("--port", type=int, default=3000, help="TCP port (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--generation", choices=("2026", "2024"), default="2026")
    parser.add_argument("--base-path", default="", help='e.g. "/chat" like huggingface.co/chat')
    parser.add_argument("--require-login", action="store_true", help="writes need a login")
    parser.add_argument("--token-delay", type=float, default=0.0, help="seconds between tokens")
    parser.add_argument(
        "--message-length", type=int, default=2000, help="messageLength: most UTF-16 units"
    )
    parser.add_argument(
        "--messages-per-minute", type=int, default=None, help="messagesPerMinute (none: no limit)"
    )
    args = parser.parse_args(argv)
    serve_forever(
        args.port,
        args.host,
        generation=args.generation,
        base_path=args.base_path,
        require_login=args.require_login,
        token_delay=args.token_delay,
        message_length=args.message_length,
        messages_per_minute=args.messages_per_minute,
        ready=lambda fake: print(
            f"HuggingChat emulator ({fake.generation}) serving at {fake.base_url}", flush=True
        ),
    )


if __name__ == "__main__":
    main()
