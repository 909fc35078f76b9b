"""Non-stream bodies and error classification over the recorded captures."""

from __future__ import annotations

import json

import pytest

from hfchat.errors import (
    AuthenticationError,
    ConversationNotFoundError,
    HuggingChatError,
    MessageTooLongError,
    ModelNotFoundError,
    ProtocolError,
    RateLimitError,
)
from hfchat.protocol import bodies
from hfchat.protocol.classify import classify_error, parse_retry_after

from .captures import load


def test_create_2026_embeds_the_conversation_with_root_id() -> None:
    cap = load("head", "01")
    cid, conv = bodies.parse_create(json.loads(cap.body))
    assert cid == "6b053789ce6476dd4f79b7f4"
    assert conv is not None
    assert conv.root_id == "6e9e6926-3efe-4c77-9664-2600c4bc8d36"
    assert conv.messages[0].role == "system"


def test_create_2024_has_only_the_id() -> None:
    cid, conv = bodies.parse_create(json.loads(load("v0.9.4", "01").body))
    assert cid == "6b0538a0b1f13adedd786170" and conv is None


@pytest.mark.parametrize("prefix", ["03", "05", "11", "16"])
def test_v2_conversation_trees(prefix: str) -> None:
    cap = load("head", prefix)
    conv = bodies.parse_conversation(bodies.unwrap_superjson(json.loads(cap.body)))
    assert conv.root_id == conv.messages[0].id
    assert all(m.role in ("system", "user", "assistant") for m in conv.messages)
    for m in conv.messages[1:]:
        assert m.ancestors and m.ancestors[0] == conv.root_id


def test_v2_tree_after_a_turn_has_generation_id_and_router_metadata() -> None:
    conv = bodies.parse_conversation(bodies.unwrap_superjson(json.loads(load("head", "05").body)))
    last = conv.messages[-1]
    assert last.role == "assistant" and last.id == conv.last_message_id
    assert last.generation_id == "fa0af96c-9053-41d4-81cb-54f8e2c900d3"
    assert last.router_metadata == {"route": "", "model": "", "provider": "fake-provider"}


def test_v2_tree_with_retry_and_edit_branches() -> None:
    conv = bodies.parse_conversation(bodies.unwrap_superjson(json.loads(load("head", "11").body)))
    root = conv.message(conv.root_id or "")
    assert root is not None and len(root.children) == 2  # the edit added a sibling user turn


def test_file_message_keeps_its_file_reference() -> None:
    conv = bodies.parse_conversation(bodies.unwrap_superjson(json.loads(load("head", "16").body)))
    files = [f for m in conv.messages for f in m.files]
    assert files and files[0]["type"] == "hash" and files[0]["mime"] == "image/png"


def test_flat_conversations() -> None:
    for folder, prefix in (("head", "42"), ("v0.9.4", "08")):
        conv = bodies.parse_conversation(json.loads(load(folder, prefix).body))
        assert conv.messages[0].role == "system"
        assert conv.last_message_id == conv.messages[-1].id


@pytest.mark.parametrize("prefix", ["04", "15"])
def test_devalue_trees_2024(prefix: str) -> None:
    page = json.loads(load("v0.9.4", prefix).body.split(b"\n")[0])
    value = bodies.decode_devalue(page["nodes"][1]["data"])
    conv = bodies.parse_conversation(value, "6b0538a0b1f13adedd786170")
    assert conv.root_message_id == "3c866578-7bf0-4806-b915-21f0357782c3"
    assert conv.messages[-1].role == "assistant"
    assert conv.model == "fake/echo"


def test_devalue_first_line_of_chunked_page() -> None:
    body = load("v0.9.4", "02").body
    page = json.loads(body.split(b"\n")[0])
    conv = bodies.parse_conversation(bodies.decode_devalue(page["nodes"][1]["data"]), "x")
    assert [m.role for m in conv.messages] == ["system"]


def test_devalue_sentinels_and_shared_indexes() -> None:
    data = [{"a": 1, "b": 1, "c": -1, "d": 2}, "same", ["Date", "2026-01-01T00:00:00Z"]]
    assert bodies.decode_devalue(data) == {
        "a": "same",
        "b": "same",
        "c": None,
        "d": "2026-01-01T00:00:00Z",
    }


def test_models_v2_and_flat() -> None:
    v2 = bodies.parse_models(json.loads(load("head", "34").body))
    flat = bodies.parse_models(json.loads(load("head", "35").body))
    old = bodies.parse_models(json.loads(load("v0.9.4", "10").body))
    assert v2 and flat and old
    assert any(m.is_router for m in v2) or all(m.is_router is not None for m in v2)
    assert {m.id for m in v2} >= {"fake/echo"}
    assert all(m.is_router is None for m in old)


def test_conversation_lists() -> None:
    flat, more = bodies.parse_conversation_list(json.loads(load("head", "30").body))
    v2, has_more = bodies.parse_conversation_list(json.loads(load("head", "31").body))
    old, _ = bodies.parse_conversation_list(json.loads(load("v0.9.4", "09").body))
    assert more is None and has_more is not None
    assert [c.id for c in flat] == [c.id for c in v2]
    assert flat[0].model == "fake/limited"
    assert old and old[0].id


def test_superjson_refuses_plain_json() -> None:
    with pytest.raises(ProtocolError):
        bodies.unwrap_superjson({"messages": []})
    with pytest.raises(ProtocolError):
        bodies.parse_create({"nope": 1})


CASES = [
    ("head", "20", "send", RateLimitError),
    ("head", "21", "create", ModelNotFoundError),
    ("head", "22", "create", ProtocolError),
    ("head", "23-post-no-origin", "send", ProtocolError),
    ("head", "23b", "send", ProtocolError),
    ("head", "24", "send", ProtocolError),
    ("head", "25", "send", ProtocolError),
    ("head", "26", "send", ConversationNotFoundError),
    ("head", "27", "send", ConversationNotFoundError),
    ("head", "32", "user", AuthenticationError),
    ("head", "40", "read", ConversationNotFoundError),
    ("head", "41", "read", ConversationNotFoundError),
    ("head", "50", "send", MessageTooLongError),
    ("head", "51", "send", ProtocolError),
    ("head", "52", "send", ProtocolError),
    ("head", "53", "send", ProtocolError),
    ("head", "54", "send", ProtocolError),
    ("head", "55", "send", HuggingChatError),
    ("head", "56", "send", ProtocolError),
    ("head", "61", "delete", ConversationNotFoundError),
    ("head", "64", "delete", ConversationNotFoundError),
    ("head", "08b", "read", ConversationNotFoundError),
    ("v0.9.4", "11", "user", AuthenticationError),
    ("v0.9.4", "20", "create", ModelNotFoundError),
    ("v0.9.4", "21", "send", ProtocolError),
    ("v0.9.4", "22", "send", ProtocolError),
    ("v0.9.4", "23", "send", ConversationNotFoundError),
    ("v0.9.4", "24", "send", ProtocolError),
]


@pytest.mark.parametrize(("folder", "prefix", "route", "kind"), CASES)
def test_error_captures_classify(folder: str, prefix: str, route: str, kind: type) -> None:
    cap = load(folder, prefix)
    assert cap.status >= 400
    err = classify_error(cap.status, cap.headers, cap.body, route=route)
    assert type(err) is kind, (cap.name, err)
    assert err.status_code == cap.status
    assert err.body is not None and len(err.body) <= 301


def test_message_rate_limit_has_retry_after_and_limit() -> None:
    cap = load("head", "20")
    err = classify_error(cap.status, cap.headers, cap.body, route="send")
    assert isinstance(err, RateLimitError)
    assert err.limit == "messagesPerMinute" and err.retry_after == 60.0
    err2 = classify_error(429, {"retry-after": "7"}, b"{}", route="send")
    assert isinstance(err2, RateLimitError) and err2.retry_after == 7.0


def test_retry_after_http_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("junk") is None


def test_login_redirect_and_page() -> None:
    err = classify_error(
        302, {"location": "https://huggingface.co/oauth/authorize?x"}, b"", route="send"
    )
    assert isinstance(err, AuthenticationError) and "hfchat login" in str(err)
    err = classify_error(
        401, {"content-type": "text/plain"}, b"You have to be logged in.", route="create"
    )
    assert isinstance(err, AuthenticationError) and "hfchat login" in str(err)
    err = classify_error(410, {}, b"Model not available anymore", route="send")
    assert isinstance(err, ModelNotFoundError)


@pytest.mark.parametrize(("prefix", "status"), [("25", 403), ("26", 404)])
def test_devalue_error_nodes_2024(prefix: str, status: int) -> None:
    from hfchat._core import ClientCore
    from hfchat._transport import Response

    cap = load("v0.9.4", prefix)
    core = ClientCore(base_url="http://127.0.0.1:1")
    resp = Response(cap.status, cap.headers, [], cap.body, "http://127.0.0.1:1/x")
    with pytest.raises(ConversationNotFoundError) as info:
        core._read_devalue(resp, "6b0538a0b1f13adedd786170")
    assert info.value.status_code == status
