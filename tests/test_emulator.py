"""Behaviour of the HuggingChat emulator: lifecycle, sessions, login, scripts, faults, models,
message trees, replay, concurrency."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from curl_cffi import CurlMime, requests
from curl_cffi.requests import AsyncSession

from hfchat.testing import FakeHuggingChat, model_ids
from hfchat.testing.handlers import HandlerRequest, text_response
from hfchat.testing.server import WireResponse
from tests.test_emulator_conformance import SPACES, Chat, stream_lines

ECHO_HELLO = "Echo: Hello there"


def updates(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream_lines(body)]


def texts(body: bytes) -> str:
    return "".join(u["token"].rstrip("\0") for u in updates(body) if u["type"] == "stream")


def final(body: bytes) -> dict[str, Any]:
    return next(u for u in updates(body) if u["type"] == "finalAnswer")


def multipart(data: dict[str, Any]) -> tuple[str, bytes]:
    boundary = "----hfchat-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n\r\n'
        f"{json.dumps(data)}\r\n--{boundary}--\r\n"
    ).encode()
    return f"multipart/form-data; boundary={boundary}", body


def raw_post(
    fake: FakeHuggingChat, path: str, data: dict[str, Any], cookie: str
) -> tuple[int, list[bytes], bool]:
    """POST over a bare socket; return status, the HTTP chunks, and whether the body ended with
    the terminating zero-size chunk."""
    content_type, body = multipart(data)
    head = (
        f"POST {fake.base_path}{path} HTTP/1.1\r\nHost: {fake.host}:{fake.port}\r\n"
        f"Origin: {fake.origin}\r\nCookie: hf-chat={cookie}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((fake.host, fake.port), timeout=5) as sock:
        sock.sendall(head.encode() + body)
        reader = sock.makefile("rb")
        status = int(reader.readline().split()[1])
        while reader.readline() not in (b"\r\n", b""):
            pass
        chunks: list[bytes] = []
        while True:
            size_line = reader.readline()
            if not size_line:
                return status, chunks, False
            size = int(size_line.strip(), 16)
            if size == 0:
                return status, chunks, True
            chunks.append(reader.read(size))
            reader.read(2)


@pytest.fixture
def fake() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat() as emulator:
        yield emulator


@pytest.fixture
def old() -> Iterator[FakeHuggingChat]:
    with FakeHuggingChat(generation="2024") as emulator:
        yield emulator


def new_chat(fake: FakeHuggingChat, model: str = "fake/echo") -> tuple[Chat, str, str]:
    chat = Chat(fake)
    _, cid, root = chat.create(model)
    return chat, cid, root


# --- lifecycle ---------------------------------------------------------------------------------


def test_start_serves_at_once_and_stop_is_idempotent() -> None:
    emulator = FakeHuggingChat().start()  # start-up time: benchmarks/emulator.py
    assert requests.get(emulator.base_url + "/healthcheck").text == "OK"
    port = emulator.port
    emulator.stop()
    emulator.stop()
    assert not emulator.running
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_stop_ends_stalled_streams_promptly() -> None:
    emulator = FakeHuggingChat().start()
    chat, cid, root = new_chat(emulator)
    emulator.inject("stall", seconds=30, after_tokens=1)
    got_token = threading.Event()
    outcome: list[Any] = []

    def reader() -> None:
        try:
            r = chat.send(cid, {"inputs": "hello there", "id": root}, stream=True)
            for chunk in r.iter_content():
                if b'"type":"stream"' in chunk:
                    got_token.set()
            outcome.append("eof")
        except Exception as exc:  # the connection is dropped under the reader
            outcome.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    assert got_token.wait(5)
    other = requests.get(emulator.base_url + "/healthcheck", timeout=2)  # not blocked by the stall
    assert other.status_code == 200
    emulator.stop()
    thread.join(5)  # the stall had 30 s to go: the reader ends because stop dropped it
    assert outcome and not thread.is_alive()


def test_base_path_and_ports() -> None:
    with FakeHuggingChat(base_path="/chat/") as emulator:
        assert emulator.base_url == f"http://127.0.0.1:{emulator.port}/chat"
        assert emulator.origin == f"http://127.0.0.1:{emulator.port}"
        assert requests.get(emulator.base_url + "/healthcheck").status_code == 200
        assert requests.get(emulator.origin + "/healthcheck").status_code == 404
        chat, cid, root = new_chat(emulator)
        assert final(chat.send(cid, {"inputs": "hi", "id": root}).content)["text"] == "Echo: hi"
        assert emulator.requests[-1].path == f"/conversation/{cid}"
        r = chat.s.post(
            emulator.base_url + "/logout",
            headers={"Origin": emulator.origin},
            allow_redirects=False,
        )
        assert r.headers["location"] == "/chat/"


async def test_fixture_from_asyncio(huggingchat_emulator: FakeHuggingChat) -> None:
    fake = huggingchat_emulator
    async with AsyncSession() as s:
        r = await s.post(fake.base_url + "/conversation", json={"model": "omni"})
        cid = r.json()["conversationId"]
        root = json.loads(r.json()["conversation"])["json"]["rootMessageId"]
        mp = CurlMime()
        mp.addpart(name="data", data=json.dumps({"inputs": "async hi", "id": root}).encode())
        r = await s.post(
            f"{fake.base_url}/conversation/{cid}", multipart=mp, headers={"Origin": fake.origin}
        )
    assert final(r.content)["text"] == "Echo: async hi"


def test_fixture_2024(huggingchat_emulator_2024: FakeHuggingChat) -> None:
    r = requests.post(
        huggingchat_emulator_2024.base_url + "/conversation", json={"model": "fake/echo"}
    )
    assert set(r.json()) == {"conversationId"}
    assert "omni" not in model_ids("2024") and "omni" in model_ids("2026")


def test_command_line_serves_until_interrupted() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hfchat.testing", "--port", str(port), "--generation", "2024"],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in line and "2024" in line
        assert requests.get(f"http://127.0.0.1:{port}/healthcheck").text == "OK"
        assert requests.get(f"http://127.0.0.1:{port}/api/v2/models").status_code == 404
    finally:
        proc.send_signal(2)
        assert proc.wait(5) == 0


def test_command_line_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    import hfchat.testing.__main__ as command

    seen: dict[str, Any] = {}
    monkeypatch.setattr(command, "serve_forever", lambda *a, **kw: seen.update(kw))
    command.main(["--port", "0", "--message-length", "50", "--messages-per-minute", "3"])
    assert (seen["message_length"], seen["messages_per_minute"]) == (50, 3)
    command.main(["--port", "0"])
    assert (seen["message_length"], seen["messages_per_minute"]) == (2000, None)


# --- sessions, origin, login -------------------------------------------------------------------


def test_sessions_and_cookies(fake: FakeHuggingChat) -> None:
    s = requests.Session()
    r = s.get(fake.base_url + "/api/conversations")
    assert r.json() == [] and "set-cookie" not in r.headers
    first = s.post(fake.base_url + "/conversation", json={"model": "fake/echo"})
    cookie = first.headers["set-cookie"].split(";")[0]
    second = s.post(fake.base_url + "/conversation", json={"model": "fake/echo"})
    assert second.headers["set-cookie"].split(";")[0] == cookie
    assert len(s.get(fake.base_url + "/api/conversations").json()) == 2
    stranger = requests.Session()
    cid = first.json()["conversationId"]
    assert stranger.get(f"{fake.base_url}/api/v2/conversations/{cid}").status_code == 403
    assert stranger.get(f"{fake.base_url}/api/conversation/{cid}").status_code == 404
    assert stranger.get(fake.base_url + "/api/conversations").json() == []
    assert fake.conversations[cid]["owner"].startswith("session:")


def test_login_required() -> None:
    with FakeHuggingChat(require_login=True) as fake:
        anon = requests.Session()
        r = anon.post(fake.base_url + "/conversation", data=b'{"model":"fake/echo"}')
        assert (r.status_code, r.text) == (401, "You have to be logged in.")
        assert "set-cookie" not in r.headers
        r = anon.post(fake.base_url + "/conversation", json={"model": "fake/echo"})
        assert r.status_code == 401 and r.json() == {"error": "You have to be logged in."}
        r = anon.post(
            fake.base_url + "/conversation", data=b"{}", headers={"Accept": "application/json"}
        )
        assert r.json() == {"error": "You have to be logged in."}
        chat = Chat(fake)
        no_origin = chat.send("0123456789abcdef01234567", {"inputs": "hi"}, origin=None)
        assert no_origin.status_code == 403  # the Origin rule runs before the login rule
        assert anon.get(fake.base_url + "/api/v2/models").status_code == 200
        assert anon.get(fake.base_url + "/api/v2/feature-flags").json()["json"]["loginEnabled"]
        assert anon.get(fake.base_url + "/api/user").status_code == 401
        assert anon.get(fake.base_url + "/api/v2/user").json() == {"json": None}

        cookie = fake.new_logged_in_cookie()
        logged = Chat(fake, cookie=cookie)
        _, cid, root = logged.create()
        assert logged.send(cid, {"inputs": "hi", "id": root}).status_code == 200
        assert logged.s.get(fake.base_url + "/api/user").json()["username"] == "emulator-user"
        user = logged.s.get(fake.base_url + "/api/v2/user").json()["json"]
        assert set(user) == {"id", "username", "name", "email", "avatarUrl", "hfUserId"}

        anon.post(fake.base_url + "/logout", allow_redirects=False)  # exempt from the rule
        key = anon.cookies.get("hf-chat") or "cookie-from-a-browser"
        anon.cookies.set("hf-chat", key)
        fake.login_session(key)
        assert anon.post(fake.base_url + "/conversation", json={"model": "fake/echo"}).ok
        logged.s.post(fake.base_url + "/logout", headers={"Origin": fake.origin})
        assert logged.s.get(fake.base_url + "/api/user").status_code == 401


# --- scripted replies --------------------------------------------------------------------------


def test_script_and_title(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake, "fake/slow")
    fake.script("reply one", "<think>why not</think>reply two")
    fake.script_title("My scripted title")
    first = chat.send(cid, {"inputs": "q1", "id": root}).content
    assert final(first)["text"] == "reply one"
    assert [u["title"] for u in updates(first) if u["type"] == "title"] == ["My scripted title"]
    second = chat.send(cid, {"inputs": "q2", "id": chat.leaf(cid)}).content
    tokens = [u["token"].rstrip("\0") for u in updates(second) if u["type"] == "stream"]
    assert tokens == ["<think>why ", "not", "</think>reply ", "two"]
    assert final(second)["text"] == "<think>why not</think>reply two"
    third = chat.send(cid, {"inputs": "q3", "id": chat.leaf(cid)}).content
    assert texts(third).startswith("tok0 tok1 ")
    assert fake.conversations[cid]["title"] == "My scripted title"


def test_script_think_on_2024_becomes_reasoning(old: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(old)
    old.script("<think>pondering</think>the answer")
    body = chat.send(cid, {"inputs": "q", "id": root}).content
    kinds = [(u["type"], u.get("subtype")) for u in updates(body)]
    assert ("reasoning", "stream") in kinds and ("reasoning", "status") in kinds
    assert final(body)["text"] == "the answer" and texts(body) == "the answer"


# --- recorded requests -------------------------------------------------------------------------


def test_requests_are_recorded(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    fake.clear_requests()
    png = base64.b64encode(b"\x89PNG fake")
    chat.send(cid, {"inputs": "look", "id": root}, files=(("base64;a.png", "image/png", png),))
    chat.send(cid, {"inputs": "no origin"}, origin=None)
    chat.s.get(f"{fake.base_url}/api/v2/conversations?p=2")
    sent, rejected, listed = fake.requests
    assert (sent.method, sent.path, sent.route, sent.status) == (
        "POST",
        f"/conversation/{cid}",
        "post",
        200,
    )
    assert sent.data == {"inputs": "look", "id": root}
    assert sent.files == [
        {"name": "a.png", "mime": "image/png", "kind": "base64", "value": png.decode()}
    ]
    assert sent.cookies["hf-chat"] and sent.headers["origin"] == fake.origin
    assert rejected.status == 403 and rejected.data == {"inputs": "no origin"}
    assert listed.query == {"p": "2"} and listed.body == b""
    fake.clear_requests()
    assert fake.requests == []


# --- faults ------------------------------------------------------------------------------------


def test_fault_http(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    fake.inject("http", status=503, route="models", retry_after=7, times=2)
    for _ in range(2):
        r = chat.s.get(fake.base_url + "/api/v2/models")
        assert r.status_code == 503 and r.headers["retry-after"] == "7"
        assert r.json()["message"] == "An error occurred"
    assert chat.s.get(fake.base_url + "/api/v2/models").status_code == 200
    fake.inject("http", status=410)
    r = chat.send(cid, {"inputs": "hi", "id": root})
    assert (r.status_code, r.json()) == (410, {"message": "Model not available anymore"})
    fake.inject("http", status=401, route="any")
    r = chat.s.get(fake.base_url + "/api/models")
    assert (r.status_code, r.text) == (401, "You have to be logged in.")
    fake.inject("http", status=502, body="<html>bad gateway</html>", content_type="text/html")
    r = chat.send(cid, {"inputs": "hi", "id": root})
    assert r.status_code == 502 and r.headers["content-type"] == "text/html"
    fake.inject("http", status=500, times=None, route="create")
    assert [
        chat.s.post(fake.base_url + "/conversation", json={"model": "fake/echo"}).status_code
        for _ in range(3)
    ] == [500] * 3
    fake.clear_faults()
    assert chat.s.post(fake.base_url + "/conversation", json={"model": "fake/echo"}).ok
    with pytest.raises(ValueError):
        fake.inject("no-such-fault")
    with pytest.raises(TypeError):
        fake.inject("cut", after_token=1)


def test_fault_http_processed(fake: FakeHuggingChat) -> None:
    """``processed=True``: the send stores its messages, then the gateway answers 504; the
    generation runs on unread and completes in the tree."""
    chat, cid, root = new_chat(fake)
    fake.inject("http", status=504, processed=True)
    gid = "0f7c1f40-6a55-4b0e-8b8a-3c1d2e4f5a60"
    r = chat.send(cid, {"inputs": "Hello there", "id": root, "generationId": gid})
    assert r.status_code == 504 and r.json()["message"] == "An error occurred"
    deadline = time.monotonic() + 5
    while fake.conversations[cid]["messages"][-1]["content"] != ECHO_HELLO:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    user, assistant = fake.conversations[cid]["messages"][1:]
    assert user["content"] == "Hello there" and assistant["generationId"] == gid
    # an answer refused before anything is stored stays a plain refusal
    fake.inject("http", status=504, processed=True)
    r = chat.send(cid, {"inputs": "x" * 2001, "id": root})
    assert r.status_code == 400
    assert len(fake.conversations[cid]["messages"]) == 3
    # without the option nothing is stored
    fake.inject("http", status=504)
    assert chat.send(cid, {"inputs": "again", "id": root}).status_code == 504
    assert len(fake.conversations[cid]["messages"]) == 3
    # any route: a create that went through, its answer lost
    fake.inject("http", status=502, route="create", processed=True)
    r = chat.s.post(fake.base_url + "/conversation", json={"model": "fake/echo"})
    assert r.status_code == 502 and len(fake.conversations) == 2


@pytest.mark.parametrize("generation", ["2026", "2024"])
def test_fault_stream_error(generation: str) -> None:
    with FakeHuggingChat(generation=generation) as fake:
        chat, cid, root = new_chat(fake)
        fake.inject("stream_error", status_code=429, after_tokens=2)
        body = chat.send(cid, {"inputs": "one two three four", "id": root}).content
        kinds = [u["type"] for u in updates(body)]
        assert kinds.count("stream") == 2 and "finalAnswer" not in kinds
        error = updates(body)[-1]
        assert error["status"] == "error" and error["message"] == "429 fake rate limit reached"
        assert error.get("statusCode") == (429 if generation == "2026" else None)
        assert body.endswith(b"}\n") and SPACES not in body


def test_fault_cut_aborts_mid_stream(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    cookie = chat.s.cookies.get("hf-chat")
    fake.inject("cut", after_tokens=2)
    status, chunks, complete = raw_post(
        fake, f"/conversation/{cid}", {"inputs": "a b c d", "id": root}, cookie
    )
    body = b"".join(chunks)
    assert status == 200 and not complete
    assert body.count(b'"type":"stream"') == 2 and b"finalAnswer" not in body
    with pytest.raises(Exception):  # noqa: B017 - curl reports the broken chunked body
        fake.inject("cut", after_tokens=0)
        chat.send(cid, {"inputs": "again", "id": chat.leaf(cid)})


def test_fault_truncated_final_malformed_huge(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    fake.inject("truncated_final")
    body = chat.send(cid, {"inputs": "hello there", "id": root}).content
    last = body.split(b"\n")[-1]
    assert last.startswith(b'{"type":"finalAnswer"') and not last.endswith(b"}")
    fake.inject("malformed_line", after_tokens=1)
    body = chat.send(cid, {"inputs": "hello there", "id": root}).content
    lines = body.split(b"\n")
    assert lines[2] == b'{"type":"stream","token":' and b'"finalAnswer"' in body
    fake.inject("huge_line", size=300_000, after_tokens=1)
    body = chat.send(cid, {"inputs": "hello there", "id": root}).content
    huge = max(body.split(b"\n"), key=len)
    assert len(huge) + 1 == 300_000 and json.loads(huge)["type"] == "stream"


def between(lines: list[bytes], first: bytes, second: bytes) -> list[bytes]:
    start = next(i for i, line in enumerate(lines) if first in line)
    end = next(i for i, line in enumerate(lines) if second in line)
    return lines[start + 1 : end]


def test_fault_stall_sends_nothing() -> None:
    """A stall is silence (no keepAlive for 0.5 s, five keepAlive intervals); with
    ``keep_alive=True`` it is a slow upstream that keeps the stream alive."""
    with FakeHuggingChat(slow_delay=0.0, slow_tokens=4) as slow:
        chat, cid, root = new_chat(slow, "fake/slow")
        slow.inject("stall", after_tokens=2, seconds=0.5)
        lines = chat.send(cid, {"inputs": "go", "id": root}).content.split(b"\n")
        assert between(lines, b'"tok1', b'"tok2') == []
        slow.inject("stall", after_tokens=1, seconds=0.5, keep_alive=True)
        lines = chat.send(cid, {"inputs": "go", "id": chat.leaf(cid)}).content.split(b"\n")
        assert between(lines, b'"tok0', b'"tok1')
        assert all(b'"keepAlive"' in line for line in between(lines, b'"tok0', b'"tok1'))
    with FakeHuggingChat(slow_delay=0.25, slow_tokens=2) as slow:  # normal pauses keep alive
        chat, cid, root = new_chat(slow, "fake/slow")
        lines = chat.send(cid, {"inputs": "go", "id": root}).content.split(b"\n")
        assert any(b'"keepAlive"' in line for line in between(lines, b'"tok0', b'"tok1'))


def test_fault_html_login(fake: FakeHuggingChat) -> None:
    s = requests.Session()
    fake.inject("html_login")
    r = s.get(fake.base_url + "/api/v2/models")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<form" in r.text
    fake.inject("html_login", mode="redirect", route="create")
    assert s.get(fake.base_url + "/api/v2/models").status_code == 200
    r = s.post(fake.base_url + "/conversation", json={"model": "fake/echo"}, allow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (302, "/login")
    fake.inject("html_login", mode="oauth")
    r = s.get(fake.base_url + "/api/user", allow_redirects=False)
    assert r.headers["location"].startswith("https://huggingface.co/oauth/authorize?")


def test_fault_unknown_update_and_elicitation(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    fake.inject("unknown_update")
    body = chat.send(cid, {"inputs": "a b c", "id": root}).content
    kinds = [u["type"] for u in updates(body)]
    assert kinds.count("futureThing") == 5 and kinds[-1] == "status"  # after start + 4 tokens
    fake.inject("elicitation")
    body = chat.send(cid, {"inputs": "search please", "id": chat.leaf(cid)}).content
    last = updates(body)
    assert [u["type"] for u in last] == ["status", "tool", "elicitation"]
    assert last[2]["subtype"] == "request" and last[2]["request"]["elicitationId"]
    assert body.endswith(b"\n")


def test_fault_chunking_splits_everywhere(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    cookie = chat.s.cookies.get("hf-chat")
    data = {"inputs": "héllo wörld 😀 done", "id": root}
    raw_post(fake, f"/conversation/{cid}", data, cookie)  # the first turn also carries a title
    _, plain, _ = raw_post(fake, f"/conversation/{cid}", data, cookie)
    fake.inject("chunking", seed=3)
    status, chunks, complete = raw_post(fake, f"/conversation/{cid}", data, cookie)
    assert status == 200 and complete
    assert all(1 <= len(c) <= 7 for c in chunks)
    body = b"".join(chunks)
    assert stream_lines(body) == stream_lines(b"".join(plain))
    split_utf8 = [c for c in chunks if c and (c[0] & 0xC0) == 0x80]
    assert split_utf8 and SPACES in body
    fake.inject("chunking", seed=3)
    _, again, _ = raw_post(fake, f"/conversation/{cid}", data, cookie)
    assert [len(c) for c in again] == [len(c) for c in chunks]


# --- models ------------------------------------------------------------------------------------


def test_omni_routes_and_reports(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake, "omni")
    body = chat.send(cid, {"inputs": "hi", "id": root}).content
    kinds = [u["type"] for u in updates(body)]
    router = next(u for u in updates(body) if u["type"] == "routerMetadata")
    assert router == {
        "type": "routerMetadata",
        "route": "casual_conversation",
        "model": "fake/echo",
        "provider": "fake-provider",
    }
    assert kinds.index("routerMetadata") < kinds.index("finalAnswer")
    assert fake.conversations[cid]["messages"][-1]["routerMetadata"]["model"] == "fake/echo"


def test_websearch_mcp(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake, "fake/websearch")
    on = chat.send(
        cid, {"inputs": "news", "id": root, "selectedMcpServerNames": ["Web Search (Exa)"]}
    )
    tools = [u for u in updates(on.content) if u["type"] == "tool"]
    assert [t["subtype"] for t in tools] == ["call", "result"]
    assert tools[0]["call"]["name"] == "web_search_exa" and tools[0]["uuid"] == tools[1]["uuid"]
    output = tools[1]["result"]["outputs"][0]
    assert output["structured"]["results"][0] == {
        "url": "https://example.com/a",
        "title": "Example A",
    }
    assert "URL: https://example.org/b" in output["text"]
    assert "(https://example.com/a)" in final(on.content)["text"]
    off = chat.send(cid, {"inputs": "news", "id": root, "selectedMcpServerNames": []})
    assert "tool" not in [u["type"] for u in updates(off.content)]
    absent = chat.send(cid, {"inputs": "news", "id": root})
    assert "tool" in [u["type"] for u in updates(absent.content)]
    omni, ocid, oroot = new_chat(fake, "omni")
    body = omni.send(
        ocid, {"inputs": "x", "id": oroot, "selectedMcpServerNames": ["Web Search (Exa)"]}
    ).content
    assert "tool" in [u["type"] for u in updates(body)]


def test_websearch_2024_sources(old: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(old, "fake/websearch")
    body = chat.send(cid, {"inputs": "news", "id": root, "web_search": True, "tools": []}).content
    sources = next(u for u in updates(body) if u.get("subtype") == "sources")
    assert sources["message"] == "sources"
    assert sources["sources"][1] == {"link": "https://example.org/b", "title": "Example B"}


def test_reasoner(fake: FakeHuggingChat, old: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake, "fake/reasoner")
    body = chat.send(cid, {"inputs": "Think about this", "id": root}).content
    assert texts(body).startswith("<think>Thinking about it.")
    chat, cid, root = new_chat(old, "fake/reasoner")
    body = chat.send(cid, {"inputs": "Think about this", "id": root}).content
    reasoning = [u for u in updates(body) if u["type"] == "reasoning"]
    assert reasoning[-1] == {"type": "reasoning", "subtype": "status", "status": "Done in 1s."}
    assert "".join(u.get("token", "") for u in reasoning).startswith("Thinking about it.")
    assert final(body)["text"] == "Echo: Think about this"


def test_file_model_and_download(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake, "fake/file")
    body = chat.send(cid, {"inputs": "make a file", "id": root}).content
    made = next(u for u in updates(body) if u["type"] == "file")
    assert (made["name"], made["mime"]) == ("out.txt", "text/plain")
    r = chat.s.get(f"{fake.base_url}/conversation/{cid}/output/{made['sha']}")
    assert r.status_code == 200 and r.headers["content-type"] == "text/plain"
    assert r.text == "File generated by fake/file for: make a file\n"
    assert r.headers["content-disposition"] == f'attachment; filename="{made["sha"][:8]}.txt"'
    assert (
        requests.get(f"{fake.base_url}/conversation/{cid}/output/{made['sha']}").status_code == 404
    )


def test_vision_counts_files_and_upload_limits(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake, "fake/vision")
    png = base64.b64encode(b"\x89PNG image bytes")
    two = (("base64;a.png", "image/png", png), ("base64;b.png", "image/png", png))
    body = chat.send(cid, {"inputs": "what is this", "id": root}, files=two).content
    assert final(body)["text"] == "Echo: what is this [files: 2]"
    unknown = (("hash;x.png", "image/png", b"0" * 64),)
    assert chat.send(cid, {"inputs": "x", "id": root}, files=unknown).status_code == 500
    big = (
        (
            "base64;big.bin",
            "application/octet-stream",
            base64.b64encode(b"\0" * (10 * 1024 * 1024 + 1)),
        ),
    )
    r = chat.send(cid, {"inputs": "x", "id": root}, files=big)
    assert (r.status_code, r.json()) == (413, {"message": "File too large, should be <10MB"})
    text_only, tcid, troot = new_chat(fake, "fake/reasoner")
    assert text_only.send(tcid, {"inputs": "x", "id": troot}, files=two[:1]).status_code == 200


def test_tools_model_plays_the_client_tool_protocol(fake: FakeHuggingChat) -> None:
    from hfchat.tools import ToolSpec, json_prompt, tool_prompt

    schema = {"type": "object", "properties": {"input": {"type": "integer"}}}
    system = tool_prompt([ToolSpec("magic_function", "", schema)], "any")
    chat = Chat(fake)
    _, cid, root = chat.create("fake/tools", system)
    body = chat.send(cid, {"inputs": "What is magic_function(3)?", "id": root}).content
    call = {"tool_calls": [{"name": "magic_function", "arguments": {"input": 3}}]}
    assert json.loads(final(body)["text"]) == call
    folded = f"[user]\nWhat is magic_function(3)?\n\n[assistant]\n{json.dumps(call)}"
    folded += "\n\n[tool result: magic_function]\n5"
    body = chat.send(cid, {"inputs": folded, "id": chat.leaf(cid)}).content
    assert final(body)["text"] == "The magic_function result is: 5"
    person = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    }
    _, cid, root = chat.create("fake/tools", json_prompt(person))
    body = chat.send(cid, {"inputs": "It is 'Ada', 36 years old", "id": root}).content
    assert json.loads(final(body)["text"]) == {"name": "Ada", "age": 36}


def test_fast_and_slow_models() -> None:
    with FakeHuggingChat(fast_tokens=500, slow_tokens=3, slow_delay=0.0) as fake:
        chat, cid, root = new_chat(fake, "fake/fast")
        body = chat.send(cid, {"inputs": "go", "id": root}).content
        assert [u["type"] for u in updates(body)].count("stream") == 500
        assert final(body)["text"] == "tok " * 500
        chat, cid, root = new_chat(fake, "fake/slow")
        assert texts(chat.send(cid, {"inputs": "go", "id": root}).content) == "tok0 tok1 tok2 "


def test_non_ascii_and_padding(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    body = chat.send(cid, {"inputs": "naïve 😀😀😀😀😀😀 \r\nx", "id": root}).content
    assert "naïve ".encode() in body and b"\\u00" not in body.replace(b"\\u0000", b"")
    tokens = [u["token"] for u in updates(body) if u["type"] == "stream"]
    emoji = next(t for t in tokens if "😀" in t)
    assert len(emoji.encode("utf-16-le")) // 2 == 16 and emoji.endswith("\0")
    assert fake.conversations[cid]["messages"][1]["content"] == "naïve 😀😀😀😀😀😀 \nx"


def test_custom_routes(fake: FakeHuggingChat) -> None:
    async def hello(request: HandlerRequest) -> WireResponse:
        return text_response(200, f"hello {request.session.key[:4]} {request.param('name')}")

    async def login_page(request: HandlerRequest) -> WireResponse:
        return text_response(200, "<form>login</form>", "text/html")

    fake.register_route("GET", r"/hello/(?P<name>\w+)", hello)
    fake.register_route("GET", r"/login", login_page)
    s = requests.Session()
    s.cookies.set("hf-chat", "abcd-session")
    assert s.get(fake.base_url + "/hello/world").text == "hello abcd world"
    assert s.get(fake.base_url + "/login").text == "<form>login</form>"
    assert s.post(fake.base_url + "/hello/world", json={}).status_code == 405


def test_unknown_routes_and_2024_v2(old: FakeHuggingChat) -> None:
    r = requests.get(old.base_url + "/api/v2/models", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"] == "text/html"
    assert requests.get(old.base_url + "/api/v2/conversations").json() == {"message": "Not Found"}
    assert (
        requests.get(old.base_url + "/conversation/0123456789abcdef01234567/stream").status_code
        == 404
    )


# --- conversation tree, stop, replay -----------------------------------------------------------


def test_tree_retry_edit_and_continue(fake: FakeHuggingChat, old: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    chat.send(cid, {"inputs": "first", "id": root})
    conv = fake.conversations[cid]
    user, assistant = conv["messages"][1], conv["messages"][2]
    chat.send(cid, {"id": assistant["id"], "is_retry": True})
    chat.send(cid, {"id": user["id"], "is_retry": True, "inputs": "edited"})
    messages = fake.conversations[cid]["messages"]
    assert [m["from"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "assistant",
        "user",
        "assistant",
    ]
    assert messages[0]["children"] == [user["id"], messages[4]["id"]]
    assert messages[1]["children"] == [assistant["id"], messages[3]["id"]]
    assert messages[5]["ancestors"] == [root, messages[4]["id"]]
    assert messages[5]["content"] == "Echo: edited"
    r = chat.send(cid, {"id": user["id"], "is_retry": True})
    assert r.status_code == 500
    r = chat.send(cid, {"id": assistant["id"], "is_continue": True})
    assert r.status_code == 500  # 2026 ignores is_continue: a send without inputs

    chat, cid, root = new_chat(old)
    chat.send(cid, {"inputs": "first", "id": root})
    leaf = chat.leaf(cid)
    body = chat.send(cid, {"id": leaf, "is_continue": True}).content
    assert final(body)["text"] == "Echo: first"
    assert fake.conversations != old.conversations
    assert old.conversations[cid]["messages"][-1]["content"] == "Echo: firstEcho: first"
    chat.send(cid, {"inputs": "second", "id": leaf})
    r = chat.send(cid, {"id": leaf, "is_continue": True})
    assert (r.status_code, r.json()) == (400, {"message": "Can only continue the last message"})


def test_stop_without_generation_id_and_replay() -> None:
    with FakeHuggingChat(slow_tokens=200, slow_delay=0.01) as fake:
        chat, cid, root = new_chat(fake, "fake/slow")
        r = chat.send(cid, {"inputs": "go", "id": root}, stream=True)
        watcher = Chat(fake, cookie=chat.s.cookies.get("hf-chat"))
        live = watcher.s.get(f"{fake.base_url}/conversation/{cid}/stream?fromSeq=0", stream=True)
        body = b""
        for chunk in r.iter_content():
            body += chunk
            if body.count(b'"type":"stream"') == 5:
                stop = watcher.s.post(
                    f"{fake.base_url}/conversation/{cid}/stop-generating",
                    headers={"Origin": fake.origin},
                )
                assert stop.status_code == 200
        replay = b"".join(live.iter_content()).decode()
        answer = final(body)
        assert answer["interrupted"] is True and answer["text"] == texts(body)
        assert replay.endswith('event: end\ndata: {"status":"interrupted"}\n\n')
        replayed = "".join(
            json.loads(line[6:]).get("token", "")
            for line in replay.splitlines()
            if line.startswith("data: ") and '"stream"' in line
        )
        assert replayed == answer["text"]
        idle = watcher.s.post(f"{fake.base_url}/conversation/{cid}/stop-generating", json={})
        assert idle.status_code == 200


def test_lists_patch_delete(fake: FakeHuggingChat) -> None:
    chat = Chat(fake)
    cids = [chat.create()[1] for _ in range(31)]
    first = chat.s.get(fake.base_url + "/api/v2/conversations").json()["json"]
    second = chat.s.get(fake.base_url + "/api/v2/conversations?p=1").json()["json"]
    assert (len(first["conversations"]), first["hasMore"]) == (30, True)
    assert (len(second["conversations"]), second["hasMore"]) == (1, False)
    assert second["conversations"][0]["id"] == cids[0]
    assert len(chat.s.get(fake.base_url + "/api/conversations?p=1").json()) == 1
    v2 = f"{fake.base_url}/api/v2/conversations/{cids[0]}"
    for bad in ("", "x" * 101):
        r = chat.s.patch(v2, json={"title": bad})
        assert r.json() == {"message": "Title must be a string between 1 and 100 characters"}
    r = chat.s.patch(f"{fake.base_url}/conversation/{cids[0]}", json={"title": " "})
    assert r.status_code == 500
    r = chat.s.patch(
        f"{fake.base_url}/conversation/{cids[0]}", json={"title": "<think>x</think>Named"}
    )
    assert r.status_code == 200 and fake.conversations[cids[0]]["title"] == "xNamed"
    assert chat.s.delete(v2).json() == {"json": {"success": True}}
    assert chat.s.delete(v2).status_code == 404
    assert chat.s.delete(fake.base_url + "/api/conversations").status_code == 200
    assert chat.s.get(fake.base_url + "/api/conversations").json() == []


def test_share_2024_and_v2_share_read(fake: FakeHuggingChat, old: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(old)
    r = chat.s.post(f"{old.base_url}/conversation/{cid}/share", headers={"Origin": old.origin})
    assert r.json()["url"].startswith(old.base_url + "/r/")
    chat, cid, root = new_chat(fake)
    share = chat.s.post(f"{fake.base_url}/conversation/{cid}/share", json={}).json()["shareId"]
    shared = requests.get(f"{fake.base_url}/api/v2/conversations/{share}").json()["json"]
    assert shared["shared"] is True and shared["rootMessageId"] == root


# --- concurrency -------------------------------------------------------------------------------


async def test_concurrent_streams_run_together() -> None:
    """100 streams at once all complete, and they run side by side: every stream has its first
    token before any stream has its answer (each takes 1.5 s of pauses), in the order the
    chunks arrived (a shared counter, no clock). Wall-time ratios: benchmarks/emulator.py and
    benchmarks/concurrency.py."""
    order = itertools.count(1)
    with FakeHuggingChat(slow_tokens=4, slow_delay=0.5) as fake:
        async with AsyncSession(max_clients=100) as s:

            async def one() -> tuple[bytes, int, int]:
                r = await s.post(fake.base_url + "/conversation", json={"model": "fake/slow"})
                cid = r.json()["conversationId"]
                root = json.loads(r.json()["conversation"])["json"]["rootMessageId"]
                mp = CurlMime()
                mp.addpart(name="data", data=json.dumps({"inputs": "go", "id": root}).encode())
                r = await s.post(
                    f"{fake.base_url}/conversation/{cid}",
                    multipart=mp,
                    headers={"Origin": fake.origin},
                    stream=True,
                )
                body, first, done = b"", 0, 0
                async for chunk in r.aiter_content():
                    body += chunk
                    if not first and b'"type":"stream"' in body:
                        first = next(order)
                    if not done and b'"finalAnswer"' in body:
                        done = next(order)
                await r.aclose()
                return body, first, done

            results = await asyncio.gather(*(one() for _ in range(100)))
    bodies = [body for body, _, _ in results]
    assert all(final(b)["text"] == texts(b) == "tok0 tok1 tok2 tok3 " for b in bodies)
    assert all(first and done for _, first, done in results)
    assert max(first for _, first, _ in results) < min(done for _, _, done in results)


# --- the HTTP/1.1 layer ------------------------------------------------------------------------


def exchange(
    fake: FakeHuggingChat, raw: bytes, responses: int = 1, head: bool = False
) -> tuple[list[Any], bytes]:
    """Send ``raw`` bytes on one connection; read ``responses`` answers. Returns
    ``[(status, headers, body)]`` and what followed (b"" when the server closed the connection,
    b"(open)" when it kept it open)."""
    out: list[Any] = []
    with socket.create_connection((fake.host, fake.port), timeout=5) as sock:
        sock.sendall(raw)
        reader = sock.makefile("rb")
        while len(out) < responses:
            line = reader.readline()
            if not line:
                break
            status = int(line.split()[1])
            headers: dict[str, str] = {}
            while (field := reader.readline()) not in (b"\r\n", b""):
                key, _, value = field.decode().partition(":")
                headers[key.strip().lower()] = value.strip()
            body = b""
            if status >= 200 and not head:
                if headers.get("transfer-encoding") == "chunked":
                    while (size := int(reader.readline().strip(), 16)) > 0:
                        body += reader.read(size)
                        reader.read(2)
                    reader.readline()
                else:
                    body = reader.read(int(headers.get("content-length", "0")))
            out.append((status, headers, body))
        sock.settimeout(0.5)
        try:
            rest = reader.read1(65536)
        except TimeoutError:
            rest = b"(open)"
    return out, rest


def test_keep_alive_and_pipelining(fake: FakeHuggingChat) -> None:
    one = f"GET /healthcheck HTTP/1.1\r\nHost: {fake.host}\r\n\r\n".encode()
    answers, rest = exchange(fake, one * 3, responses=3)
    assert [(s, b) for s, _, b in answers] == [(200, b"OK")] * 3
    assert answers[0][1]["connection"] == "keep-alive"
    assert answers[0][1]["keep-alive"] == "timeout=5"
    assert rest == b"(open)"  # kept alive
    close = f"GET /healthcheck HTTP/1.1\r\nHost: {fake.host}\r\nConnection: close\r\n\r\n"
    answers, rest = exchange(fake, close.encode())
    assert answers[0][1]["connection"] == "close" and rest == b""


def test_chunked_request_body_and_100_continue(fake: FakeHuggingChat) -> None:
    body = json.dumps({"model": "fake/echo"}).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:5], body[5:])) + b"0\r\n\r\n"
    head = (
        f"POST /conversation HTTP/1.1\r\nHost: {fake.host}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
    ).encode()
    answers, _ = exchange(fake, head + chunked, responses=2)
    assert answers[0][0] == 100
    status, _, payload = answers[1]
    assert status == 200 and json.loads(payload)["conversationId"] in fake.conversations
    assert fake.requests[-1].data == {"model": "fake/echo"}


def test_head_requests_and_bad_requests(
    fake: FakeHuggingChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers, rest = exchange(
        fake, f"HEAD /api/models HTTP/1.1\r\nHost: {fake.host}\r\n\r\n".encode(), head=True
    )
    status, headers, _ = answers[0]
    assert status == 200 and headers["content-type"] == "application/json"
    assert rest == b"(open)"  # no body followed the head, and the connection stays usable
    answers, rest = exchange(fake, b"NOT A REQUEST\r\n\r\n")
    assert answers[0][0] == 400 and rest == b""
    monkeypatch.setattr("hfchat.testing.server.MAX_BODY", 10)
    raw = (
        f"POST /conversation HTTP/1.1\r\nHost: {fake.host}\r\nContent-Type: application/json\r\n"
        "Content-Length: 30\r\n\r\n" + "x" * 30
    ).encode()
    answers, rest = exchange(fake, raw)
    assert answers[0][0] == 413 and rest == b""


def test_cut_drops_the_connection_mid_body(fake: FakeHuggingChat) -> None:
    """``cut``: the TCP connection ends inside a chunk stream (no terminating chunk), which an
    HTTP client sees as an incomplete body."""
    chat, cid, root = new_chat(fake)
    fake.inject("cut", after_tokens=2)
    status, chunks, complete = raw_post(
        fake,
        f"/conversation/{cid}",
        {"inputs": "a b c d e", "id": root},
        chat.s.cookies.get("hf-chat"),
    )
    assert status == 200 and not complete
    assert b"".join(chunks).count(b'"type":"stream"') == 2


def test_slow_model_keeps_its_pace_for_scripted_replies() -> None:
    from hfchat.testing.models import ReplyRequest, plan_reply

    for scripted in (None, "a scripted reply"):
        request = ReplyRequest(
            generation="2026", model="fake/slow", prompt="go", scripted=scripted, slow_delay=0.5
        )
        assert plan_reply(request).token_delay == 0.5
    echo = ReplyRequest(generation="2026", model="fake/echo", prompt="go", slow_delay=0.5)
    assert plan_reply(echo).token_delay == 0.0


def test_error_page_escapes_the_message_as_sveltekit_does() -> None:
    from hfchat.testing.sveltekit import error_page

    page = error_page(418, "a <b> & 'c'").decode()
    assert "<title>a &lt;b> &amp; 'c'</title>" in page
    assert "<h1>a &lt;b> &amp; 'c'</h1>" in page
    assert '<span class="status">418</span>' in page


def test_tools_model_reads_a_history_sent_as_an_attachment() -> None:
    from hfchat.testing.models import document_prompt, tools_text

    history = "[user]\nHi\n\n[assistant]\nHello\n\n[tool result: lookup]\n42"
    prompt = document_prompt([("cid-sha", "text/plain", history)], "Go on from the history.")
    assert prompt.startswith('<document name="cid-sha" type="text/plain">\n[user]')
    assert tools_text("", prompt) == tools_text("", history + "\n\nGo on from the history.")
    assert tools_text("", prompt).startswith("The lookup result is: 42")


def test_http_10_peer_gets_a_close_delimited_stream(fake: FakeHuggingChat) -> None:
    chat, cid, root = new_chat(fake)
    content_type, body = multipart({"inputs": "Hello there", "id": root})
    head = (
        f"POST /conversation/{cid} HTTP/1.0\r\nHost: {fake.host}\r\nOrigin: {fake.origin}\r\n"
        f"Cookie: hf-chat={chat.s.cookies.get('hf-chat')}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection((fake.host, fake.port), timeout=5) as sock:
        sock.sendall(head.encode() + body)
        raw = b""
        while data := sock.recv(65536):
            raw += data
    headers, _, payload = raw.partition(b"\r\n\r\n")
    assert b"transfer-encoding" not in headers.lower()
    assert final(payload)["text"] == ECHO_HELLO  # plain lines, no chunk sizes among them
