"""``hfchat serve``: the command-line wiring of the gateway.

``hfchat serve [--host H] [--port P] [--api-key K] [--base-url URL] [--model M]``. The socket is
bound first; then one line holding ``http://H:P/v1`` is printed (``--port 0`` picks a free
port). A host that is not loopback needs an API key (``--api-key`` or env ``HFCHAT_API_KEY``).

Importing this module imports neither Starlette nor uvicorn.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import socket
import sys
from typing import Any, TextIO

__all__ = ["add_parser", "is_loopback", "serve"]

DEFAULT_PORT = 8000
_INSTALL_HINT = 'hfchat serve needs the "serve" extra: pip install "hfchat[serve]"'


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``serve`` subcommand to ``hfchat``'s subparsers."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve", help="serve an OpenAI-compatible API (/v1/chat/completions) on HuggingChat"
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help="port; 0 picks a free one")
    p.add_argument(
        "--api-key",
        default=None,
        help="require Authorization: Bearer <key> (env HFCHAT_API_KEY); "
        "needed on a host that is not loopback",
    )
    p.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        help="chat-ui base URL (env HUGGINGCHAT_BASE_URL)",
    )
    p.add_argument("--model", "-m", default=None, help="model for requests that name none")
    p.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="request log level (default info; the log never holds a key or cookie)",
    )
    p.set_defaults(fn=serve)
    return p


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    host = host.strip().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    h = host.strip("[]")
    return f"http://[{h}]:{port}/v1" if ":" in h else f"http://{h}:{port}/v1"


def _setup_logging(level: str) -> None:
    logger = logging.getLogger("hfchat.gateway")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)


def serve(args: argparse.Namespace, out: TextIO) -> int:
    """Run the gateway until interrupted; the exit code."""
    api_key = args.api_key or os.environ.get("HFCHAT_API_KEY") or None
    if not is_loopback(args.host) and not api_key:
        sys.stderr.write(
            f"hfchat serve: refusing to listen on {args.host} without an API key; "
            "pass --api-key or set HFCHAT_API_KEY (or listen on 127.0.0.1)\n"
        )
        return 2
    if not 0 <= args.port <= 65535:
        sys.stderr.write("hfchat serve: --port must be between 0 and 65535\n")
        return 2
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        sys.stderr.write(_INSTALL_HINT + "\n")
        return 1
    from .app import GatewaySettings, create_app

    settings = GatewaySettings(
        base_url=getattr(args, "base_url", None),
        model=args.model,
        api_key=api_key,
        timeout=getattr(args, "timeout", None),
    )
    app = create_app(settings)  # the client is built in the lifespan (no I/O here)
    gateway = app.state.gateway
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        sys.stderr.write(f"hfchat serve: cannot listen on {args.host}:{args.port}: {exc}\n")
        return 1
    _setup_logging(args.log_level)
    port = sock.getsockname()[1]
    line = f"hfchat serve: OpenAI-compatible API on {_url(args.host, port)}"

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started and not self.should_exit:
                out.write(line + "\n")
                out.flush()

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            # stop the generations in flight (and the server's) before waiting on connections
            await gateway.stop_generations()
            await super().shutdown(sockets)

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.shutdown_grace) + 5,
        server_header=False,
    )
    try:
        Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0
