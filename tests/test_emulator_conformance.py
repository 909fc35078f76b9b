"""The emulator against the byte-exact chat-ui captures in tests/fixtures/chat-ui.

For each captured scenario the same request goes to the emulator; status, content type, header
names, JSON key structure (ids and dates aside), and for streams the update lines themselves
(keepAlive aside) must match the capture.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from curl_cffi import CurlMime, requests

from hfchat.testing import FakeHuggingChat, ManualClock
from hfchat.testing.sveltekit import error_page

ROOT = Path(__file__).resolve().parent / "fixtures" / "chat-ui"
SPACES = b" " * 4096
COOKIE_RE = re.compile(
    r"^hf-chat=[0-9a-f-]{36}; Path=/; Expires=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT; "
    r"HttpOnly; SameSite=Lax$"
)
CURL = {"Accept": "*/*"}  # what curl, which made the captures, sends
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- capture access ----------------------------------------------------------------------------


@dataclass
class Capture:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def capture(folder: str, prefix: str) -> Capture:
    head = sorted((ROOT / folder).glob(f"{prefix}*.headers.txt"))[0]
    stem = head.name[: -len(".headers.txt")]
    bodies = [p for p in (ROOT / folder).glob(f"{stem}.*") if not p.name.endswith(".headers.txt")]
    lines = head.read_text(encoding="utf-8").splitlines()
    headers = {}
    for line in lines[2:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    return Capture(int(lines[1].split()[1]), headers, bodies[0].read_bytes() if bodies else b"")


def header_names(response: Any) -> set[str]:
    return {k.lower() for k in response.headers.keys()}


def assert_like(response: Any, cap: Capture, *, names: bool = True) -> None:
    """Same status and content type; same header names (values of ids and dates aside)."""
    assert response.status_code == cap.status
    assert response.headers.get("content-type") == cap.headers.get("content-type")
    if names:
        assert header_names(response) == set(cap.headers), response.headers


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every dict key path, list items merged: ``messages[].updates[].type``."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            out.add(prefix + key)
            out |= key_paths(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            out |= key_paths(item, prefix.rstrip(".") + "[].")
    return out


def stream_lines(body: bytes) -> list[bytes]:
    """The update lines of a message stream, keepAlive and the 4096 spaces left out."""
    lines = [line.lstrip(b" ") for line in body.split(b"\n")]
    return [line for line in lines if line and b'"keepAlive"' not in line]


def kinds(body: bytes) -> list[str]:
    out = []
    for line in stream_lines(body):
        update = json.loads(line)
        out.append(
            ":".join(str(update.get(k)) for k in ("type", "subtype", "status") if k in update)
        )
    return out


def assert_stream_like(body: bytes, cap: bytes, *, uuids: bool = False) -> None:
    """Lines equal up to and including finalAnswer; the tail after it equal as a set
    (title and routerMetadata order varies in chat-ui), ending the same way."""
    ours, theirs = stream_lines(body), stream_lines(cap)
    if uuids:
        uuid_bytes = re.compile(UUID_RE.pattern.encode())
        ours = [uuid_bytes.sub(b"<uuid>", x) for x in ours]
        theirs = [uuid_bytes.sub(b"<uuid>", x) for x in theirs]
    final = [i for i, line in enumerate(theirs) if b'"finalAnswer"' in line]
    cut = final[0] + 1 if final else len(theirs)
    assert ours[:cut] == theirs[:cut]
    assert sorted(ours[cut:]) == sorted(theirs[cut:])
    assert ours[-1] == theirs[-1]
    assert body.endswith(b"\n") == cap.endswith(b"\n")
    if final:
        assert b'"interrupted":' in body.split(SPACES)[0].rsplit(b"\n", 2)[-2]
        assert (SPACES in body) and (SPACES in cap)


def undevalue(data: list[Any]) -> Any:
    def hydrate(index: int) -> Any:
        if index < 0:
            return None
        value = data[index]
        if isinstance(value, list):
            if value and isinstance(value[0], str):
                return value[1]
            return [hydrate(i) for i in value]
        if isinstance(value, dict):
            return {k: hydrate(i) for k, i in value.items()}
        return value

    return hydrate(0)


# --- a small chat-ui client ------------------------------------------------------------------


class Chat:
    def __init__(self, fake: FakeHuggingChat, cookie: str | None = None) -> None:
        self.fake = fake
        # curl (which made the captures) sends ``Accept: */*``; curl_cffi sends none, and no
        # Accept makes SvelteKit answer errors with its HTML page
        self.s = requests.Session(headers=CURL)
        if cookie:
            self.s.cookies.set("hf-chat", cookie)
        self.url = fake.base_url

    def create(
        self, model: str = "fake/echo", preprompt: str | None = None
    ) -> tuple[Any, str, str]:
        body: dict[str, Any] = {"model": model}
        if preprompt is not None:
            body["preprompt"] = preprompt
        r = self.s.post(self.url + "/conversation", json=body)
        cid = r.json()["conversationId"]
        root = self.root(cid, r)
        return r, cid, root

    def root(self, cid: str, created: Any = None) -> str:
        if created is not None and "conversation" in created.json():
            return json.loads(created.json()["conversation"])["json"]["rootMessageId"]
        return self.s.get(f"{self.url}/api/conversation/{cid}").json()["messages"][0]["id"]

    def leaf(self, cid: str) -> str:
        return self.s.get(f"{self.url}/api/conversation/{cid}").json()["messages"][-1]["id"]

    def send(
        self,
        cid: str,
        data: Any,
        files: tuple[tuple[str, str, bytes], ...] = (),
        origin: str | None = "",
        headers: dict[str, str] | None = None,
        stream: bool = False,
    ) -> Any:
        mp = CurlMime()
        if data is not None:
            raw = data if isinstance(data, bytes) else json.dumps(data).encode()
            mp.addpart(name="data", data=raw)
        else:
            mp.addpart(name="other", data=b"1")
        for filename, mime, content in files:
            mp.addpart(name="files", filename=filename, content_type=mime, data=content)
        hdrs = dict(headers or {})
        if origin is not None:
            hdrs["Origin"] = origin or self.fake.origin
        return self.s.post(
            f"{self.url}/conversation/{cid}", multipart=mp, headers=hdrs, stream=stream
        )


TINY_PNG = (ROOT / "head" / "17-get-file-output.bin").read_bytes()


# === 2026 (chat-ui HEAD) ========================================================================


@pytest.fixture(scope="module")
def head_flow() -> Iterator[dict[str, Any]]:
    """The head/01..16 session run once against one emulator; tests check pieces of it."""
    with FakeHuggingChat(extensions=False) as fake:
        chat = Chat(fake)
        out: dict[str, Any] = {"fake": fake, "chat": chat}
        r, cid, root = chat.create()
        out.update({"01": r, "cid": cid, "root": root})
        out["02"] = chat.s.get(
            f"{fake.base_url}/conversation/{cid}/__data.json?x-sveltekit-invalidated=11"
        )
        out["03"] = chat.s.get(f"{fake.base_url}/api/v2/conversations/{cid}")
        out["04"] = chat.send(
            cid,
            {
                "inputs": "Hello there, how are you today?",
                "id": root,
                "is_retry": False,
                "is_continue": False,
            },
        )
        first_assistant = chat.leaf(cid)
        conv = fake.conversations[cid]
        first_user = conv["messages"][1]["id"]
        out["05"] = chat.s.get(f"{fake.base_url}/api/v2/conversations/{cid}")
        out["06b"] = chat.s.get(f"{fake.base_url}/__data.json?x-sveltekit-invalidated=11")
        out["06c"] = chat.s.get(
            f"{fake.base_url}/conversation/0123456789abcdef01234567/__data.json?x-sveltekit-invalidated=11"
        )
        out["07"] = chat.s.get(f"{fake.base_url}/conversation/{cid}/stream?fromSeq=0")
        out["08"] = chat.send(
            cid, {"inputs": "Second question", "id": first_assistant, "is_retry": False}
        )
        out["08b"] = chat.s.get(f"{fake.base_url}/conversation/0123456789abcdef01234567/stream")
        out["09"] = chat.send(cid, {"id": first_assistant, "is_retry": True})
        out["10"] = chat.send(
            cid, {"inputs": "Edited first question", "id": first_user, "is_retry": True}
        )
        out["11"] = chat.s.get(f"{fake.base_url}/api/v2/conversations/{cid}")
        out["42"] = chat.s.get(f"{fake.base_url}/api/conversation/{cid}")
        for model in ("broken", "limited", "reasoner"):
            r, mcid, mroot = chat.create(f"fake/{model}", "You are a test system prompt.")
            out[f"12-{model}"] = r
            prompt = "Think about this" if model == "reasoner" else "Trigger upstream error"
            out[f"13-{model}"] = chat.send(mcid, {"inputs": prompt, "id": mroot, "is_retry": False})
        r, fcid, froot = chat.create()
        out["14"] = r
        b64 = base64.b64encode(TINY_PNG)
        out["15"] = chat.send(
            fcid,
            {"inputs": "Describe this image", "id": froot, "is_retry": False},
            files=(("base64;tiny.png", "image/png", b64),),
        )
        out["16"] = chat.s.get(f"{fake.base_url}/api/v2/conversations/{fcid}")
        sha = out["16"].json()["json"]["messages"][1]["files"][0]["value"]
        out["17"] = chat.s.get(f"{fake.base_url}/conversation/{fcid}/output/{sha}")
        out["15b"] = chat.send(
            fcid,
            {"inputs": "Same image again", "id": chat.leaf(fcid), "is_retry": False},
            files=(("hash;tiny.png", "image/png", sha.encode()),),
        )
        out["30"] = chat.s.get(f"{fake.base_url}/api/conversations")
        out["30b"] = requests.get(f"{fake.base_url}/api/conversations", headers=CURL)
        out["31"] = chat.s.get(f"{fake.base_url}/api/v2/conversations")
        out["41"] = requests.get(f"{fake.base_url}/api/v2/conversations/{cid}", headers=CURL)
        out["27"] = Chat(fake).send(cid, {"inputs": "hi"})
        yield out


def test_head_01_create(head_flow: dict[str, Any]) -> None:
    r, cap = head_flow["01"], capture("head", "01-")
    assert_like(r, cap)
    assert COOKIE_RE.match(r.headers["set-cookie"])
    assert set(r.json()) == set(cap.json)
    ours, theirs = json.loads(r.json()["conversation"]), json.loads(cap.json["conversation"])
    assert key_paths(ours) == key_paths(theirs)
    assert ours["meta"] == theirs["meta"]
    assert ours["json"]["rootMessageId"] == ours["json"]["messages"][0]["id"]
    assert re.fullmatch(r"[0-9a-f]{24}", r.json()["conversationId"])


@pytest.mark.parametrize(("key", "prefix"), [("02", "02-"), ("06b", "06b"), ("06c", "06c")])
def test_head_02_06_data_json_is_empty(head_flow: dict[str, Any], key: str, prefix: str) -> None:
    r, cap = head_flow[key], capture("head", prefix)
    assert_like(r, cap)
    assert r.content == cap.body


@pytest.mark.parametrize("key", ["03", "05", "11", "16"])
def test_head_v2_conversation(head_flow: dict[str, Any], key: str) -> None:
    prefix = {"03": "03-", "05": "05-", "11": "11-", "16": "16-"}[key]
    r, cap = head_flow[key], capture("head", prefix)
    assert_like(r, cap)
    ours, theirs = r.json(), cap.json
    assert key_paths(ours) == key_paths(theirs)
    assert ours["meta"]["values"].keys() == theirs["meta"]["values"].keys()

    def topology(doc: dict[str, Any]) -> list[tuple[str, list[int], list[int]]]:
        ids = [m["id"] for m in doc["json"]["messages"]]
        return [
            (
                m["from"],
                [ids.index(a) for a in m["ancestors"]],
                [ids.index(c) for c in m["children"]],
            )
            for m in doc["json"]["messages"]
        ]

    assert topology(ours) == topology(theirs)
    for mine, real in zip(ours["json"]["messages"], theirs["json"]["messages"], strict=True):
        assert mine["content"] == real["content"]
        assert mine.get("files", []) == real.get("files", [])
        assert [u["type"] for u in mine.get("updates", [])] == [
            u["type"] for u in real.get("updates", []) if u.get("status") != "keepAlive"
        ] or key == "16"
    assert ours["json"]["title"] == theirs["json"]["title"]


@pytest.mark.parametrize(
    ("key", "prefix"),
    [
        ("04", "04-"),
        ("08", "08-"),
        ("09", "09-"),
        ("10", "10-"),
        ("13-broken", "13-post-broken"),
        ("13-limited", "13-post-limited"),
        ("13-reasoner", "13-post-reasoner"),
        ("15", "15-"),
        ("15b", "15b-"),
    ],
)
def test_head_streams(head_flow: dict[str, Any], key: str, prefix: str) -> None:
    r, cap = head_flow[key], capture("head", prefix)
    assert_like(r, cap)
    assert (
        r.headers["set-cookie"].split(";")[0] == head_flow["01"].headers["set-cookie"].split(";")[0]
    )
    assert_stream_like(r.content, cap.body)
    for line in stream_lines(r.content):
        update = json.loads(line)
        if update["type"] == "stream":
            token = update["token"]
            assert len(token) >= 16
            assert token.rstrip("\0") == token[: len(token.rstrip("\0"))]


def test_head_04_spaces_follow_final_answer(head_flow: dict[str, Any]) -> None:
    body = head_flow["04"].content
    assert b'"interrupted":false}\n' + SPACES + b'{"type":"title"' in body
    assert body.endswith(b'{"type":"status","status":"finished"}\n')
    assert b"\\u0000" in body and b"\x00" not in body


@pytest.mark.parametrize("model", ["broken", "limited", "reasoner"])
def test_head_12_create_with_preprompt(head_flow: dict[str, Any], model: str) -> None:
    r, cap = head_flow[f"12-{model}"], capture("head", f"12-create-{model}")
    assert_like(r, cap)
    ours, theirs = json.loads(r.json()["conversation"]), json.loads(cap.json["conversation"])
    assert key_paths(ours) == key_paths(theirs)
    assert ours["json"]["preprompt"] == theirs["json"]["preprompt"]
    assert ours["json"]["messages"][0]["content"] == theirs["json"]["messages"][0]["content"]


def test_head_07_replay_and_08b(head_flow: dict[str, Any]) -> None:
    r, cap = head_flow["07"], capture("head", "07-")
    assert_like(r, cap)

    def events(text: str) -> list[str]:
        out = []
        for block in text.strip().split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.splitlines())
            data = json.loads(fields["data"])
            out.append(f"{fields['event']}:{data.get('type', data.get('status'))}")
        return [e for i, e in enumerate(out) if i == 0 or e != out[i - 1]]

    assert events(r.text) == events(cap.body.decode())
    assert r.text.startswith("id: 1\nevent: update\ndata: ")
    r, cap = head_flow["08b"], capture("head", "08b")
    assert_like(r, cap)
    assert r.content == cap.body


def test_head_17_file_output(head_flow: dict[str, Any]) -> None:
    r, cap = head_flow["17"], capture("head", "17-")
    assert_like(r, cap)
    assert r.content == cap.body
    for name in ("content-disposition", "content-security-policy", "accept-range"):
        assert r.headers[name] == cap.headers[name]


def test_head_27_other_session_gets_404_and_a_new_cookie(head_flow: dict[str, Any]) -> None:
    r, cap = head_flow["27"], capture("head", "27-")
    assert_like(r, cap)
    assert r.content == cap.body
    assert r.headers["set-cookie"] != head_flow["01"].headers["set-cookie"]
    assert COOKIE_RE.match(r.headers["set-cookie"])


def test_head_30_31_lists(head_flow: dict[str, Any]) -> None:
    r, cap = head_flow["30"], capture("head", "30-")
    assert_like(r, cap)
    assert key_paths(r.json()) == key_paths(cap.json)
    assert len(r.json()) == 5
    titles = {c["title"] for c in r.json()}
    assert (
        'Thinking about it. Step one. Step two. Fake title for: User message: "Think about'
        in titles
    )
    r, cap = head_flow["30b"], capture("head", "30b")
    assert_like(r, cap)
    assert r.content == cap.body == b"[]"
    r, cap = head_flow["31"], capture("head", "31-")
    assert_like(r, cap)
    assert key_paths(r.json()["json"]) == key_paths(cap.json["json"])
    assert set(r.json()["meta"]) == set(cap.json["meta"])
    assert r.json()["meta"]["values"]["conversations.0._id"] == [["custom", "ObjectId"]]
    assert r.json()["meta"]["referentialEqualities"]["conversations.0._id"] == [
        "conversations.0.id"
    ]


def test_head_41_42_reads(head_flow: dict[str, Any]) -> None:
    r, cap = head_flow["41"], capture("head", "41-")
    assert_like(r, cap)
    assert r.content == cap.body
    r, cap = head_flow["42"], capture("head", "42-")
    assert_like(r, cap)
    assert key_paths(r.json()) == key_paths(cap.json)
    assert [m["content"] for m in r.json()["messages"]] == [
        m["content"] for m in cap.json["messages"]
    ]


def test_head_18_19_stop_generating() -> None:
    with FakeHuggingChat(token_delay=0.01) as fake:
        chat = Chat(fake)
        _, cid, root = chat.create()
        chat.send(cid, {"inputs": "warm up", "id": root})
        words = " ".join(f"word{i}" for i in range(120))
        gid = "11111111-2222-4333-8444-555555555555"
        r = chat.send(
            cid,
            {"inputs": words, "id": chat.leaf(cid), "is_retry": False, "generationId": gid},
            stream=True,
        )
        body = b""
        stopper = Chat(fake, cookie=chat.s.cookies.get("hf-chat"))
        stop = None
        for chunk in r.iter_content():
            body += chunk
            if stop is None and body.count(b'"type":"stream"') >= 30:
                stop = stopper.s.post(
                    f"{fake.base_url}/conversation/{cid}/stop-generating",
                    json={"generationId": gid, "seenContentLength": 40},
                    headers={"Origin": fake.origin},
                )
        r.close()
        assert stop is not None
        assert_like(stop, capture("head", "19-"))
        assert stop.content == b""
        cap = capture("head", "18-")
        assert kinds(body)[-3:] == kinds(cap.body)[-3:]
        assert stream_lines(body)[-2] == stream_lines(cap.body)[-2]  # the clamped finalAnswer
        assert stream_lines(body)[:20] == stream_lines(cap.body)[:20]
        assert fake.conversations[cid]["messages"][-1]["interrupted"] is True
        assert fake.conversations[cid]["messages"][-1]["content"] == (
            "Echo: word0 word1 word2 word3 word4 word"
        )
        assert fake.conversations[cid]["messages"][-1]["generationId"] == gid


def test_head_20_rate_limit_via_inject() -> None:
    with FakeHuggingChat() as fake:
        chat = Chat(fake)
        _, cid, root = chat.create()
        fake.inject("http", status=429)
        r, cap = chat.send(cid, {"inputs": "Think about this", "id": root}), capture("head", "20-")
        assert_like(r, cap)
        assert r.content == cap.body
        assert chat.send(cid, {"inputs": "again", "id": root}).status_code == 200


def test_head_20_messages_per_minute_option() -> None:
    with FakeHuggingChat(messages_per_minute=2) as fake:
        chat = Chat(fake)
        _, cid, root = chat.create()
        assert [chat.send(cid, {"inputs": "x", "id": root}).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]


@pytest.fixture
def head() -> Iterator[tuple[FakeHuggingChat, Chat, str, str]]:
    with FakeHuggingChat(extensions=False) as fake:  # chat-ui as captured: no OpenID
        chat = Chat(fake)
        _, cid, root = chat.create()
        yield fake, chat, cid, root


def test_head_21_22_create_errors(head: tuple[FakeHuggingChat, Chat, str, str]) -> None:
    fake, chat, _, _ = head
    r, cap = (
        chat.s.post(f"{fake.base_url}/conversation", json={"model": "no/such-model"}),
        capture("head", "21-"),
    )
    assert_like(r, cap)
    assert r.content == cap.body
    r = chat.s.post(
        f"{fake.base_url}/conversation",
        data=b"not json",
        headers={"Content-Type": "application/json"},
    )
    cap = capture("head", "22-")
    assert_like(r, cap)
    assert r.json()["message"] == "An error occurred" and UUID_RE.fullmatch(r.json()["errorId"])


@pytest.mark.parametrize(
    ("prefix", "origin", "accept"),
    [("23-", None, None), ("23b", None, "application/json"), ("24-", "http://evil.example", None)],
)
def test_head_23_24_origin_rule(
    head: tuple[FakeHuggingChat, Chat, str, str],
    prefix: str,
    origin: str | None,
    accept: str | None,
) -> None:
    _, chat, cid, _ = head
    headers = {"Accept": accept} if accept else {}
    r, cap = (
        chat.send(cid, {"inputs": "hi"}, origin=origin, headers=headers),
        capture("head", prefix),
    )
    assert_like(r, cap)
    assert r.content == cap.body
    assert "set-cookie" not in r.headers


@pytest.mark.parametrize(
    ("prefix", "path", "data"),
    [
        ("25-", "not-a-valid-id", {"inputs": "hi"}),
        ("26-", "0123456789abcdef01234567", {"inputs": "hi"}),
        ("50-", None, {"inputs": "x" * 2001, "id": None}),
        ("51-", None, None),
        ("52-", None, {"inputs": ""}),
        ("53-", None, b"not json"),
        ("54-", None, {"inputs": "hi", "id": "00000000-0000-4000-8000-000000000000"}),
        ("55-", None, {"id": "00000000-0000-4000-8000-000000000000", "is_retry": True}),
    ],
)
def test_head_send_errors(
    head: tuple[FakeHuggingChat, Chat, str, str], prefix: str, path: str | None, data: Any
) -> None:
    fake, chat, cid, root = head
    if isinstance(data, dict) and "id" in data and data["id"] is None:
        data = {**data, "id": root}
    r, cap = chat.send(path or cid, data), capture("head", prefix)
    assert_like(r, cap)
    assert COOKIE_RE.match(r.headers["set-cookie"])
    if b"errorId" in cap.body:
        assert (
            set(r.json()) == {"message", "errorId"} and r.json()["message"] == "An error occurred"
        )
    else:
        assert r.content == cap.body
    assert len(fake.conversations[cid]["messages"]) == 1


def test_head_56_json_body_instead_of_multipart(
    head: tuple[FakeHuggingChat, Chat, str, str],
) -> None:
    fake, chat, cid, _ = head
    r = chat.s.post(
        f"{fake.base_url}/conversation/{cid}",
        json={"inputs": "hi"},
        headers={"Origin": fake.origin},
    )
    cap = capture("head", "56-")
    assert_like(r, cap)
    assert r.json()["message"] == "An error occurred"


def test_head_50_limit_counts_utf16_units(head: tuple[FakeHuggingChat, Chat, str, str]) -> None:
    _, chat, cid, root = head
    assert chat.send(cid, {"inputs": "x" * 2000, "id": root}).status_code == 200
    assert chat.send(cid, {"inputs": "\U0001f600" * 1001, "id": root}).status_code == 400


@pytest.mark.parametrize(
    ("prefix", "path"),
    [
        ("32-", "/api/user"),
        ("33-", "/api/v2/user"),
        ("34-", "/api/v2/models"),
        ("35-", "/api/models"),
        ("36-", "/api/v2/public-config"),
        ("37-", "/api/v2/feature-flags"),
        ("38-", "/login"),
        ("39-", "/healthcheck"),
        ("40-", "/api/v2/conversations/zzz"),
    ],
)
def test_head_get_routes(
    head: tuple[FakeHuggingChat, Chat, str, str], prefix: str, path: str
) -> None:
    fake, chat, _, _ = head
    r, cap = chat.s.get(fake.base_url + path), capture("head", prefix)
    assert_like(r, cap)
    if prefix in ("32-", "33-", "37-", "39-", "40-"):
        assert r.content == cap.body
    elif prefix == "38-":
        assert COOKIE_RE.match(r.headers["set-cookie"])
        assert set(r.json()) == {"message", "errorId"}
    elif "json" in cap.json:
        assert key_paths(r.json()["json"]) == key_paths(cap.json["json"])
    else:
        assert key_paths(r.json()) == key_paths(cap.json)
    if prefix == "34-":
        models = {m["id"]: m for m in r.json()["json"]}
        real = cap.json["json"][0]
        for model in models.values():
            assert set(model) == set(real)
        assert next(iter(models)) == "omni" and models["omni"]["isRouter"] is True
        assert models["fake/echo"] == {**real, "supportsReasoning": False}
        undefined = {k for k, v in cap.json["meta"]["values"].items() if k.startswith("0.")}
        assert {k for k in r.json()["meta"]["values"] if k.startswith("1.")} == {
            "1." + k[2:] for k in undefined
        }
    if prefix == "35-":
        echo = next(m for m in r.json() if m["id"] == "fake/echo")
        assert echo == cap.json[0]
    if prefix == "36-":
        assert r.json()["json"]["PUBLIC_ORIGIN"] == fake.origin
        assert r.json()["json"]["PUBLIC_LLM_ROUTER_ALIAS_ID"] == "omni"


def test_head_60_61_62_63_64_65(head: tuple[FakeHuggingChat, Chat, str, str]) -> None:
    fake, chat, cid, _ = head
    _, other, _ = chat.create()
    origin = {"Origin": fake.origin}
    r = chat.s.patch(f"{fake.base_url}/api/v2/conversations/{other}", json={"title": "Renamed"})
    assert_like(r, capture("head", "62-"))
    assert r.content == capture("head", "62-").body
    assert fake.conversations[other]["title"] == "Renamed"
    r = chat.s.post(f"{fake.base_url}/conversation/{other}/share", json={}, headers=origin)
    assert_like(r, capture("head", "63-"))
    assert re.fullmatch(r"[A-Za-z0-9]{7}", r.json()["shareId"])
    r = chat.s.delete(f"{fake.base_url}/conversation/{cid}", headers=origin)
    assert_like(r, capture("head", "60-"))
    assert r.content == b""
    r = chat.s.delete(f"{fake.base_url}/conversation/{cid}", headers=origin)
    assert_like(r, capture("head", "61-"))
    assert r.content == capture("head", "61-").body
    r = chat.s.delete(f"{fake.base_url}/api/v2/conversations/0123456789abcdef01234567")
    assert_like(r, capture("head", "64-"))
    assert r.content == capture("head", "64-").body
    r = chat.s.post(f"{fake.base_url}/logout", headers=origin, allow_redirects=False)
    cap = capture("head", "65-")
    assert_like(r, cap)
    assert r.headers["location"] == "/"
    assert r.headers["set-cookie"] == "hf-chat=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"


# --- SvelteKit error negotiation and the per-minute limit (head/70-74) -------------------------

CLIENT_ACCEPT = "application/jsonl, text/event-stream"
JSON_TOO = "application/jsonl, application/json;q=0.9, text/event-stream;q=0.8"


def assert_error_like(response: Any, cap: Capture) -> None:
    """Status, content type, body byte for byte; header names as captured (this 2026 build
    sends no ``Vary`` on these answers, the emulator keeps the older build's)."""
    assert response.status_code == cap.status
    assert response.headers.get("content-type") == cap.headers["content-type"]
    assert response.content == cap.body
    assert response.headers["content-length"] == cap.headers["content-length"]
    assert header_names(response) - {"vary"} == set(cap.headers)
    assert COOKIE_RE.match(response.headers["set-cookie"])


@pytest.mark.parametrize(
    ("prefix", "accept", "nonexistent", "inputs"),
    [
        ("70-", CLIENT_ACCEPT, False, "x" * 2500),
        ("71-", JSON_TOO, False, "x" * 2500),
        ("72-", CLIENT_ACCEPT, True, "hi"),
    ],
)
def test_head_70_71_72_send_errors_negotiated(
    head: tuple[FakeHuggingChat, Chat, str, str],
    prefix: str,
    accept: str,
    nonexistent: bool,
    inputs: str,
) -> None:
    fake, chat, cid, root = head
    data: dict[str, Any] = {"inputs": inputs}
    if not nonexistent:
        data.update(id=root, is_retry=False)
    target = "0123456789abcdef01234567" if nonexistent else cid
    r = chat.send(target, data, headers={"Accept": accept})
    assert_error_like(r, capture("head", prefix))
    assert len(fake.conversations[cid]["messages"]) == 1  # refused before anything is stored


@pytest.mark.parametrize(("prefix", "accept"), [("73-", CLIENT_ACCEPT), ("74-", JSON_TOO)])
def test_head_73_74_per_minute_limit_negotiated(prefix: str, accept: str) -> None:
    with FakeHuggingChat(messages_per_minute=1, extensions=False) as fake:
        chat = Chat(fake)
        _, cid, root = chat.create()
        data = {"inputs": "rate probe", "id": root, "is_retry": False}
        assert chat.send(cid, data, headers={"Accept": accept}).status_code == 200
        r = chat.send(cid, data, headers={"Accept": accept})
        assert_error_like(r, capture("head", prefix))
        assert "retry-after" not in r.headers  # head/73 and 74: no Retry-After


@pytest.mark.parametrize(
    ("accept", "json_body"),
    [
        (None, False),  # no Accept counts as text/html
        ("", False),
        ("*/*", True),
        ("text/html", False),
        ("application/json", True),
        (CLIENT_ACCEPT, False),  # matches neither: the page
        (JSON_TOO, True),
        ("text/html;q=0.5, application/json;q=0.6", True),
        ("application/json;q=0.5, text/html;q=0.6", False),
        ("application/json;charset=utf-8;q=0.1, text/html;q=0.2", False),  # q after a param
        ("text/*, application/json", True),  # equal q: the specific range wins
        ("application/*;q=0.9, text/plain", True),
        ("text/html;q=0.8, */*;q=0.8", False),
    ],
)
def test_error_negotiation_follows_sveltekit(
    head: tuple[FakeHuggingChat, Chat, str, str], accept: str | None, json_body: bool
) -> None:
    fake, _, _, _ = head
    headers = {} if accept is None else {"Accept": accept}
    # a v2 read that raises error(400, ...) (head/40 with curl's */*)
    r = requests.get(f"{fake.base_url}/api/v2/conversations/zzz", headers=headers)
    assert r.status_code == 400
    if json_body:
        assert r.headers["content-type"] == "application/json"
        assert r.json() == {"message": "Invalid conversation ID format"}
    else:
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert r.content == error_page(400, "Invalid conversation ID format")
        assert b'<span class="status">400</span>' in r.content


def test_every_error_route_negotiates(head: tuple[FakeHuggingChat, Chat, str, str]) -> None:
    """Routes raising with error() (and unexpected 500s) answer HTML to a client that does not
    accept JSON; hooks' own answers (Origin rule) and data requests do not negotiate."""
    fake, chat, cid, root = head
    html = {"Accept": CLIENT_ACCEPT}
    base = fake.base_url
    pages = [
        chat.send("not-a-valid-id", {"inputs": "hi"}, headers=html),  # 500, head/25
        chat.send(cid, {"inputs": ""}, headers=html),  # 500, head/52
        chat.send(cid, None, headers=html),  # 400 Invalid request, head/51
        chat.send(
            cid, {"id": "00000000-0000-4000-8000-000000000000", "is_retry": True}, headers=html
        ),
        chat.s.delete(f"{base}/api/v2/conversations/0123456789abcdef01234567", headers=html),
        chat.s.post(f"{base}/conversation", json={"model": "no/such"}, headers=html),
        requests.get(
            f"{base}/conversation/0123456789abcdef01234567/stream",
            headers={"Accept": "text/event-stream"},
        ),
    ]
    for r in pages:
        assert r.headers["content-type"] == "text/html; charset=utf-8", r.content
        message = json.loads(json.dumps(r.text.split("<h1>")[1].split("</h1>")[0]))
        assert r.content == error_page(r.status_code, message)
    assert [r.status_code for r in pages] == [500, 500, 400, 404, 404, 400, 404]
    assert "An error occurred" in pages[0].text and "errorId" not in pages[0].text
    # hooks' own rule: ``accept.includes("application/json")``, which "application/jsonl" meets
    r = chat.send(cid, {"inputs": "hi"}, origin=None, headers=html)
    assert (r.status_code, r.json()) == (403, {"error": capture("head", "23-").body.decode()})
    r = chat.send(cid, {"inputs": "hi"}, origin=None, headers={"Accept": ""})
    assert (r.status_code, r.headers["content-type"]) == (403, "text/plain")
    fake.inject("http", status=429)  # injected server errors negotiate like the real ones
    r = chat.send(cid, {"inputs": "hi", "id": root}, headers=html)
    assert r.content == capture("head", "73-").body


def test_per_minute_limit_counts_refused_attempts() -> None:
    """chat-ui records the attempt before it counts (protocol.md §8): a retry inside the minute
    is refused *and* prolongs the block; 60 s after the last attempt the limit is free again."""
    clock = ManualClock()
    with FakeHuggingChat(messages_per_minute=1, clock=clock) as fake:
        chat = Chat(fake)
        _, cid, root = chat.create()

        def attempt() -> int:
            return int(chat.send(cid, {"inputs": "x", "id": root}).status_code)

        assert attempt() == 200  # t=0
        clock.advance(30)
        assert attempt() == 429  # t=30: refused, and recorded
        clock.advance(30)
        assert attempt() == 429  # t=60: the first send expired, the refused one still counts
        clock.advance(59.9)
        assert attempt() == 429  # t=119.9: the attempt at 60 still counts
        clock.advance(60)
        assert attempt() == 200  # t=179.9: a full minute after the last attempt
        assert attempt() == 429


def test_per_minute_limit_takes_the_larger_of_session_and_ip() -> None:
    """Two sessions on one client address share the address's count, as in chat-ui."""
    clock = ManualClock()
    with FakeHuggingChat(messages_per_minute=1, clock=clock) as fake:
        first, second = Chat(fake), Chat(fake)
        _, cid1, root1 = first.create()
        _, cid2, root2 = second.create()
        assert first.send(cid1, {"inputs": "x", "id": root1}).status_code == 200
        assert second.send(cid2, {"inputs": "x", "id": root2}).status_code == 429
        clock.advance(60)
        assert second.send(cid2, {"inputs": "x", "id": root2}).status_code == 200


def test_head_75_text_file_reaches_the_model_as_a_document() -> None:
    """A text file goes past ``messageLength`` (it checks ``inputs`` only) and reaches the model
    as ``<document name="<cid>-<sha256>" type="text/plain">`` before the text; fake/echo echoes
    what it saw, token for token as captured."""
    cap = capture("head", "75-")
    captured_cid = "6b12dafaf737b0979b60e95f"
    text = b"Context line. " * 400
    with FakeHuggingChat(message_length=2000, extensions=False) as fake:
        chat = Chat(fake)
        _, cid, root = chat.create("fake/echo")
        r = chat.send(
            cid,
            {"inputs": "Answer from the attached context.", "id": root, "is_retry": False},
            files=(("base64;context.txt", "text/plain", base64.b64encode(text)),),
            headers={"Accept": "application/jsonl, application/json;q=0.9"},
        )
        assert_like(r, cap, names=False)
        assert header_names(r) - {"vary"} == set(cap.headers)
        ours = r.content.replace(cid.encode(), captured_cid.encode())
        # the title comes from a summariser running beside the answer: in this long capture it
        # lands mid-stream, in the short ones after finalAnswer; compare it apart
        title = [x for x in stream_lines(cap.body) if b'"type":"title"' in x]
        assert [x for x in stream_lines(ours) if b'"type":"title"' in x] == title
        untitled = re.compile(rb'\{"type":"title","title":"[^\n]*"\}\n')
        assert_stream_like(untitled.sub(b"", ours), untitled.sub(b"", cap.body))
        user = fake.conversations[cid]["messages"][1]
        sha = hashlib.sha256(text).hexdigest()
        assert user["content"] == "Answer from the attached context."  # the file stays a file
        assert user["files"] == [
            {"type": "hash", "value": sha, "mime": "text/plain", "name": "context.txt"}
        ]
        assert fake.conversations[cid]["title"].endswith('"Answer from')
        # a retry of the answer sees the same document again
        assistant = fake.conversations[cid]["messages"][2]["id"]
        again = chat.send(cid, {"id": assistant, "is_retry": True})
        answer = json.loads(next(x for x in stream_lines(again.content) if b"finalAnswer" in x))
        assert answer["text"].startswith(f'Echo: <document name="{cid}-{sha}" type="text/plain">')


def test_text_files_render_in_order_and_images_do_not() -> None:
    with FakeHuggingChat(extensions=False) as fake:
        chat = Chat(fake)
        _, cid, root = chat.create("fake/echo")
        r = chat.send(
            cid,
            {"inputs": "Which?", "id": root},
            files=(
                ("base64;a.md", "text/markdown", base64.b64encode(b"alpha")),
                ("base64;tiny.png", "image/png", base64.b64encode(TINY_PNG)),
                ("base64;b.txt", "text/plain", base64.b64encode(b"beta")),
            ),
        )
        final = json.loads(next(x for x in stream_lines(r.content) if b"finalAnswer" in x))
        a, b = hashlib.sha256(b"alpha").hexdigest(), hashlib.sha256(b"beta").hexdigest()
        assert final["text"] == (
            f'Echo: <document name="{cid}-{a}" type="text/markdown">\nalpha\n</document>\n\n'
            f'<document name="{cid}-{b}" type="text/plain">\nbeta\n</document>\n\nWhich?'
        )


def test_messages_are_stored_before_the_stream_starts() -> None:
    """chat-ui's send handler stores the user message and the (empty) assistant message, stamped
    with the client's generationId, before it builds the stream: a tree read made as soon as the
    response head arrives finds both."""
    with FakeHuggingChat(extensions=False) as fake:
        chat = Chat(fake)
        _, cid, root = chat.create()
        reader = Chat(fake, cookie=chat.s.cookies.get("hf-chat"))
        gid = "5b0a6f43-5a0c-4c4c-9b8e-6f2a8d1c0e11"
        fake.inject("stall", after_tokens=0, seconds=30)  # nothing after the head until stopped
        data = {"inputs": "Stored first?", "id": root, "is_retry": False, "generationId": gid}
        r = chat.send(cid, data, stream=True)
        try:
            assert r.status_code == 200
            tree = reader.s.get(f"{fake.base_url}/api/v2/conversations/{cid}").json()["json"]
            user, assistant = tree["messages"][1], tree["messages"][2]
            assert (user["from"], user["content"]) == ("user", "Stored first?")
            assert assistant["from"] == "assistant" and assistant["generationId"] == gid
            assert assistant["ancestors"] == [root, user["id"]] and assistant["content"] == ""
        finally:
            reader.s.post(
                f"{fake.base_url}/conversation/{cid}/stop-generating",
                json={"generationId": gid},
                headers={"Origin": fake.origin},
            )
            r.close()


# === 2024 (chat-ui v0.9.4) ======================================================================


@pytest.fixture(scope="module")
def old_flow() -> Iterator[dict[str, Any]]:
    """The v0.9.4/01..15 session run once against a 2024 emulator."""
    with FakeHuggingChat(generation="2024", extensions=False) as fake:
        chat = Chat(fake)
        out: dict[str, Any] = {"fake": fake}
        r, cid, root = chat.create()
        out["01"] = r
        base = f"{fake.base_url}/conversation/{cid}/__data.json"
        out["02"] = chat.s.get(base + "?x-sveltekit-invalidated=11")
        legacy = {"is_retry": False, "is_continue": False, "web_search": False, "tools": []}
        out["03"] = chat.send(cid, {"inputs": "Hello there old server", "id": root, **legacy})
        out["04"] = chat.s.get(base + "?x-sveltekit-invalidated=01")
        websearch = {**legacy, "web_search": True}
        out["05"] = chat.send(
            cid, {"inputs": "Search the web for chat-ui", "id": chat.leaf(cid), **websearch}
        )
        calc = {**legacy, "tools": ["00000000000000000000000c"]}
        out["06"] = chat.send(cid, {"inputs": "Please calc 2+2", "id": chat.leaf(cid), **calc})
        out["07"] = chat.send(cid, {"id": chat.leaf(cid), **legacy, "is_continue": True})
        out["08"] = chat.s.get(f"{fake.base_url}/api/conversation/{cid}")
        out["09"] = chat.s.get(f"{fake.base_url}/api/conversations")
        out["10"] = chat.s.get(f"{fake.base_url}/api/models")
        out["11"] = chat.s.get(f"{fake.base_url}/api/user")
        r, bcid, broot = chat.create("fake/broken")
        out["12"] = r
        out["13"] = chat.send(bcid, {"inputs": "Trigger error", "id": broot, "is_retry": False})
        out["14"] = chat.send(
            cid,
            {"inputs": "Describe this image", "id": chat.leaf(cid), **legacy},
            files=(("base64;tiny.png", "image/png", base64.b64encode(TINY_PNG)),),
        )
        out["15"] = chat.s.get(base + "?x-sveltekit-invalidated=01")
        out["20"] = chat.s.post(f"{fake.base_url}/conversation", json={"model": "no/such-model"})
        out["21"] = chat.send(cid, {"inputs": "hi"}, origin=None)
        out["22"] = chat.send("not-a-valid-id", {"inputs": "hi"})
        out["23"] = chat.send("0123456789abcdef01234567", {"inputs": "hi"})
        out["24"] = chat.send(cid, None)
        out["25"] = requests.get(base + "?x-sveltekit-invalidated=01")
        out["26"] = chat.s.get(
            f"{fake.base_url}/conversation/0123456789abcdef01234567/__data.json"
            "?x-sveltekit-invalidated=01"
        )
        out["27"] = chat.s.post(f"{fake.base_url}/login", headers={"Origin": fake.origin})
        out["v2"] = chat.s.get(f"{fake.base_url}/api/v2/models")
        out["cid"] = cid
        yield out


@pytest.mark.parametrize("key", ["01", "12"])
def test_old_create(old_flow: dict[str, Any], key: str) -> None:
    r, cap = old_flow[key], capture("v0.9.4", f"{key}-")
    assert_like(r, cap)
    assert set(r.json()) == set(cap.json) == {"conversationId"}
    assert COOKIE_RE.match(r.headers["set-cookie"])


@pytest.mark.parametrize("key", ["03", "06", "07", "13", "14"])
def test_old_streams(old_flow: dict[str, Any], key: str) -> None:
    r, cap = old_flow[key], capture("v0.9.4", f"{key}-")
    assert_like(r, cap)
    assert_stream_like(r.content, cap.body, uuids=True)
    if key != "13":
        assert r.content.endswith(b'"interrupted":false}\n' + SPACES)
    else:
        assert r.content.endswith(b'"message":"500 fake upstream failure"}\n')


def test_old_05_web_search(old_flow: dict[str, Any]) -> None:
    r, cap = old_flow["05"], capture("v0.9.4", "05-")
    assert_like(r, cap)
    assert kinds(r.content) == kinds(cap.body)
    assert stream_lines(r.content)[2:4] == stream_lines(cap.body)[2:4]


@pytest.mark.parametrize("key", ["04", "15"])
def test_old_data_json_pages(old_flow: dict[str, Any], key: str) -> None:
    r, cap = old_flow[key], capture("v0.9.4", f"{key}-")
    assert_like(r, cap)
    ours, theirs = r.json(), cap.json
    assert ours["nodes"][0] == theirs["nodes"][0] == {"type": "skip"}
    assert ours["nodes"][1]["uses"]["params"] == ["id"]
    mine, real = undevalue(ours["nodes"][1]["data"]), undevalue(theirs["nodes"][1]["data"])
    assert key_paths(mine) == key_paths(real)
    assert [m["content"] for m in mine["messages"]] == [m["content"] for m in real["messages"]]
    assert mine["title"] == real["title"]
    assert r.content.endswith(b"}\n")


def test_old_02_layout_data_json(old_flow: dict[str, Any]) -> None:
    r, cap = old_flow["02"], capture("v0.9.4", "02-")
    assert_like(r, cap)
    first, *chunks = r.text.strip().split("\n")
    assert [json.loads(c)["type"] for c in chunks] == ["chunk", "chunk"]
    nodes = json.loads(first)["nodes"]
    assert [n["type"] for n in nodes] == ["data", "data"]
    assert undevalue(nodes[1]["data"])["rootMessageId"]


@pytest.mark.parametrize("key", ["08", "09", "10", "11"])
def test_old_flat_api(old_flow: dict[str, Any], key: str) -> None:
    r, cap = old_flow[key], capture("v0.9.4", f"{key}-")
    assert_like(r, cap)
    if key == "11":
        assert r.content == cap.body
    elif key == "10":
        assert {tuple(sorted(m)) for m in r.json()} == {tuple(sorted(m)) for m in cap.json}
    else:
        assert key_paths(r.json()) == key_paths(cap.json)
    if key == "08":
        calc = [m["content"] for m in r.json()["messages"]][6]
        assert calc == [m["content"] for m in cap.json["messages"]][6]


@pytest.mark.parametrize("key", ["20", "21", "22", "23", "24", "25", "26", "27"])
def test_old_errors(old_flow: dict[str, Any], key: str) -> None:
    r, cap = old_flow[key], capture("v0.9.4", f"{key}-")
    assert_like(r, cap)
    if key in ("22", "27"):
        assert key_paths(r.json()) == key_paths(cap.json)
    else:
        assert r.content == cap.body


def test_old_has_no_v2_api(old_flow: dict[str, Any]) -> None:
    r = old_flow["v2"]
    assert r.status_code == 404
    assert "json" not in r.json()


def test_old_07_continue_stores_old_plus_new(old_flow: dict[str, Any]) -> None:
    messages = old_flow["fake"].conversations[old_flow["cid"]]["messages"]
    calc = capture("v0.9.4", "08-").json["messages"][6]["content"]
    assert calc in [m["content"] for m in messages]


def test_stream_is_delivered_live() -> None:
    """Lines arrive as they are produced: the first token reaches the reader in an earlier read
    than the answer (0.25 s of pauses lie between them)."""
    with FakeHuggingChat(slow_delay=0.05, slow_tokens=6) as fake:
        chat = Chat(fake)
        _, cid, root = chat.create("fake/slow")
        r = chat.send(cid, {"inputs": "go", "id": root}, stream=True)
        reads = list(r.iter_content())
        first = next(i for i, chunk in enumerate(reads) if b'"type":"stream"' in chunk)
        answer = next(i for i, chunk in enumerate(reads) if b'"finalAnswer"' in chunk)
        assert first < answer


def test_old_errors_are_negotiated_too() -> None:
    """v0.9.4 runs on SvelteKit as well: the same error() negotiation (v0.9.4/23 is the JSON
    side, curl's ``*/*``)."""
    with FakeHuggingChat(generation="2024", extensions=False) as fake:
        chat = Chat(fake)
        chat.create()
        missing = "0123456789abcdef01234567"
        r = chat.send(missing, {"inputs": "hi"}, headers={"Accept": CLIENT_ACCEPT})
        assert (r.status_code, r.headers["content-type"]) == (404, "text/html; charset=utf-8")
        assert r.content == error_page(404, "Conversation not found")
        r, cap = chat.send(missing, {"inputs": "hi"}), capture("v0.9.4", "23-")
        assert_like(r, cap)
        assert r.content == cap.body
