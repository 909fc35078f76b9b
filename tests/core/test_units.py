"""Pure pieces: think splitter, line decoder, sources, routes, cookies, tools, the index."""

from __future__ import annotations

import json
import os
import stat

import pytest

from hfchat import store
from hfchat.auth import SessionCookies, parse_cookie_input, resolve_cookies
from hfchat.conversations import ChatMessage, ConversationIndex, NodeRef, fold_turns
from hfchat.errors import (
    AuthenticationError,
    ConfigurationError,
    ConversationNotFoundError,
    StreamProtocolError,
)
from hfchat.protocol import routes
from hfchat.protocol.decoder import LineDecoder
from hfchat.protocol.sources import SourceList, sources_from_tool_outputs
from hfchat.protocol.think import ThinkSplitter, split_think, strip_think
from hfchat.protocol.turn import TurnAssembler
from hfchat.tools import ToolCallBuffer, ToolSpec, parse_tool_calls, tool_prompt


@pytest.mark.parametrize(
    "tokens",
    [
        ["<think>abc</think>Hi"],
        ["<th", "ink>a", "bc</th", "ink>", "Hi"],
        ["  <", "think>", "abc<", "/think", ">H", "i"],
        list("<think>abc</think>Hi"),
    ],
)
def test_think_tags_split_across_tokens(tokens: list[str]) -> None:
    s = ThinkSplitter()
    r, t = "", ""
    for tok in tokens:
        a, b = s.feed(tok)
        r, t = r + a, t + b
    a, b = s.flush()
    assert (r + a, t + b) == ("abc", "Hi")


def test_think_only_at_the_start_and_open_block_is_reasoning() -> None:
    assert split_think("Hi <think>x</think>") == ("", "Hi <think>x</think>")
    assert split_think("<think>never closed") == ("never closed", "")
    assert split_think("<thin") == ("", "<thin")
    assert strip_think("<think>a b</think> Title ") == "Title"


def test_line_decoder_handles_padding_and_split_lines() -> None:
    d = LineDecoder()
    assert d.feed(b'{"a":1}\n' + b" " * 4096) == [b'{"a":1}']
    assert d.feed(b'{"b"') == []
    assert d.feed(b":2}\n") == [b'{"b":2}']
    assert d.feed(b" " * 4096) == []
    assert d.close() is None


def test_line_decoder_bounds_a_huge_line() -> None:
    a = TurnAssembler(max_line_bytes=1000)
    a.feed(b'{"type":"stream","token":"ok"}\n')
    with pytest.raises(StreamProtocolError) as info:
        a.feed(b'{"type":"stream","token":"' + b"x" * 2000)
    assert info.value.partial_text == "ok"


def test_malformed_line_keeps_partial_text() -> None:
    a = TurnAssembler()
    a.feed(b'{"type":"stream","token":"Hello"}\n')
    with pytest.raises(StreamProtocolError) as info:
        a.feed(b'{"type":"stream","token":\n')
    assert info.value.partial_text == "Hello"


def test_eof_without_final_answer_is_a_stream_error_with_partial() -> None:
    a = TurnAssembler()
    a.feed(b'{"type":"stream","token":"Hel"}\n{"type":"finalAns')
    with pytest.raises(Exception) as info:
        a.close()
    assert type(info.value).__name__ == "StreamError"
    assert info.value.partial_text == "Hel"  # type: ignore[attr-defined]


def test_unknown_updates_are_ignored_and_typeless_line_raises() -> None:
    a = TurnAssembler()
    assert a.feed(b'{"type":"futureThing","x":1}\n') == []
    with pytest.raises(Exception, match="An error occurred"):
        a.feed(b'{"message":"An error occurred","errorId":"x"}\n')


def test_elicitation_without_final_answer() -> None:
    a = TurnAssembler()
    a.feed(b'{"type":"elicitation","subtype":"request","request":{"elicitationId":"e"}}\n')
    with pytest.raises(Exception, match="user input"):
        a.close()


def test_sources_from_all_three_shapes_deduplicated() -> None:
    a = TurnAssembler()
    a.feed(
        b'{"type":"webSearch","subtype":"sources","message":"sources","sources":'
        b'[{"link":"https://a.example/x","title":"A"},{"link":"https://b.example"}]}\n'
    )
    a.feed(
        b'{"type":"tool","subtype":"result","uuid":"u","result":{"status":"success",'
        b'"call":{"name":"web_search_exa","parameters":{}},"outputs":[{"text":'
        b'"Title: C\\nURL: https://c.example\\n\\nTitle: A again\\nURL: https://a.example/x"}]}}\n'
    )
    a.feed(
        b'{"type":"finalAnswer","text":"ok","interrupted":false,'
        b'"webSources":[{"uri":"https://d.example","title":"D"}]}\n'
    )
    result = a.close()[-1].result  # type: ignore[attr-defined]
    assert result.sources == [
        {"url": "https://a.example/x", "title": "A"},
        {"url": "https://b.example", "title": "https://b.example"},
        {"url": "https://c.example", "title": "C"},
        {"url": "https://d.example", "title": "D"},
    ]


def test_tool_outputs_prefer_structured_then_urls() -> None:
    assert sources_from_tool_outputs(
        [{"structured": {"results": [{"url": "https://s.example", "title": "S"}]}, "text": "x"}]
    ) == [("https://s.example", "S")]
    assert sources_from_tool_outputs([{"text": "see https://u.example/a."}]) == [
        ("https://u.example/a", None)
    ]
    sl = SourceList()
    assert not sl.add("ftp://no")


def test_send_message_bodies_per_generation() -> None:
    req, gid = routes.send_message(
        "a" * 24,
        parent_id="p",
        inputs="hi",
        generation="2026",
        web_search=True,
        generation_id="g-1",
        boundary="b1",
    )
    assert gid == "g-1"
    assert req.method == "POST" and req.path == "/conversation/" + "a" * 24 and req.stream
    assert req.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = req.body or b""
    data = json.loads(body.split(b"\r\n\r\n", 1)[1].split(b"\r\n--", 1)[0])
    assert data == {
        "id": "p",
        "is_retry": False,
        "inputs": "hi",
        "generationId": gid,
        "selectedMcpServerNames": ["Web Search (Exa)"],
    }
    req, gid = routes.send_message(
        "a" * 24, parent_id="p", inputs="hi", generation="2024", generation_id="g", boundary="b"
    )
    body = req.body or b""
    data = json.loads(body.split(b"\r\n\r\n", 1)[1].split(b"\r\n--", 1)[0])
    assert gid is None
    assert data["web_search"] is False and data["tools"] == [] and data["is_continue"] is False


def test_send_message_with_files_and_validation() -> None:
    f = routes.FileUpload("tiny.png", "image/png", data=b"\x89PNG")
    ids = {"generation_id": "g", "boundary": "b"}
    req, _ = routes.send_message(
        "a" * 24, parent_id="p", inputs="x", generation="2026", files=[f], **ids
    )
    assert b'filename="base64;tiny.png"' in (req.body or b"")
    assert b"iVBORw==" in (req.body or b"")
    with pytest.raises(ConfigurationError):
        routes.send_message("a" * 24, parent_id="p", inputs="", generation="2026", **ids)
    with pytest.raises(ConversationNotFoundError):
        routes.send_message("not-an-id", parent_id="p", inputs="x", generation="2026", **ids)


def test_cookie_inputs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert parse_cookie_input("abc-123") == {"hf-chat": "abc-123"}
    assert parse_cookie_input("hf-chat=v; token=t; other=o") == {"hf-chat": "v", "token": "t"}
    assert parse_cookie_input({"hf-chat": "v", "x": "y"}) == {"hf-chat": "v"}
    export = tmp_path / "c.json"
    export.write_text(json.dumps([{"name": "hf-chat", "value": "j", "domain": "huggingface.co"}]))
    assert parse_cookie_input(str(export)) == {"hf-chat": "j"}
    txt = tmp_path / "cookies.txt"
    txt.write_text(
        "# Netscape HTTP Cookie File\n#HttpOnly_.huggingface.co\tTRUE\t/\tTRUE\t0\thf-chat\tn\n"
    )
    assert parse_cookie_input(txt) == {"hf-chat": "n"}
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(ConfigurationError):
        parse_cookie_input(empty)


def test_cookie_precedence(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HFCHAT_CONFIG_DIR", str(tmp_path))
    base = "https://huggingface.co/chat"
    assert resolve_cookies(None, base) == ({}, "anonymous")
    path = store.save(base, {"hf-chat": "stored"})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert resolve_cookies(None, base) == ({"hf-chat": "stored"}, "store")
    monkeypatch.setenv("HUGGINGCHAT_COOKIE", "fromenv")
    assert resolve_cookies(None, base) == ({"hf-chat": "fromenv"}, "env")
    assert resolve_cookies("arg", base) == ({"hf-chat": "arg"}, "argument")


def test_session_cookie_change_means_a_dropped_session() -> None:
    anon = SessionCookies({}, "anonymous")
    anon.absorb(["hf-chat=new1; Path=/; HttpOnly"])
    anon.absorb(["hf-chat=new1; Path=/; HttpOnly"])
    assert anon.header() == "hf-chat=new1"
    given = SessionCookies({"hf-chat": "mine"}, "argument")
    given.absorb(["hf-chat=mine; Path=/"])
    with pytest.raises(AuthenticationError, match="dropped"):
        given.absorb(["hf-chat=other; Path=/"])
    assert "mine" not in repr(given) and "other" not in repr(given)
    given.absorb(["hf-chat=; Max-Age=0; Path=/"])
    assert given.header() is None


def test_tool_prompt_and_parser() -> None:
    spec = ToolSpec("get_weather", "Weather", {"type": "object", "properties": {"city": {}}})
    prompt = tool_prompt([spec], "required")
    assert "get_weather" in prompt and "MUST" in prompt
    assert tool_prompt([spec], "none") == ""
    calls = parse_tool_calls(
        '```json\n{"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]}\n```'
    )
    assert calls and calls[0].name == "get_weather" and calls[0].arguments == {"city": "Paris"}
    assert calls[0].id.startswith("call_")
    bare = parse_tool_calls('{"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}')
    assert bare and bare[0].arguments == {"city": "Oslo"}
    assert parse_tool_calls("The weather is fine.") is None
    assert parse_tool_calls('{"name":"other","arguments":{}}', {"get_weather"}) is None


def test_tool_buffer_passes_plain_text_at_once_and_holds_json() -> None:
    b = ToolCallBuffer({"f"})
    assert b.feed("  ") == ""
    assert b.feed("Hello") == "  Hello"
    assert b.feed(" world") == " world"
    assert b.finish("  Hello world") == ([], "  Hello world")
    j = ToolCallBuffer({"f"})
    assert j.feed('{"tool_calls": [') == ""
    calls, text = j.finish('{"tool_calls": [{"name": "f", "arguments": {}}]}')
    assert [c.name for c in calls] == ["f"] and text == ""


def test_index_continues_known_histories_and_branches() -> None:
    idx = ConversationIndex(max_entries=3)
    u1 = ChatMessage("user", "one")
    sys = ChatMessage("system", "be brief")
    plan = idx.plan([sys, u1], "m")
    assert plan.conversation_id is None and plan.inputs == "one"
    assert plan.system_prompt == "be brief"
    idx.record(plan, ChatMessage("assistant", "A1"), NodeRef("c" * 24, "a1", "root", "g1"))
    follow = idx.plan([sys, u1, ChatMessage("assistant", "A1"), ChatMessage("user", "two")], "m")
    assert follow.conversation_id == "c" * 24 and follow.parent_id == "a1"
    assert follow.inputs == "two"
    # an edited assistant turn is not what the server said: a new conversation
    other = idx.plan([sys, u1, ChatMessage("assistant", "edited"), ChatMessage("user", "two")], "m")
    assert other.conversation_id is None
    assert other.inputs.startswith("[user]\none\n\n[assistant]\nedited")
    # another model or system prompt never matches
    assert (
        idx.plan(
            [u1, ChatMessage("assistant", "A1"), ChatMessage("user", "x")], "m"
        ).conversation_id
        is None
    )
    with pytest.raises(ConfigurationError):
        idx.plan([sys], "m")
    with pytest.raises(ConfigurationError):
        idx.plan([u1, ChatMessage("assistant", "x")], "m")


def test_index_is_bounded() -> None:
    idx = ConversationIndex(max_entries=2)
    for i in range(5):
        plan = idx.plan([ChatMessage("user", f"q{i}")], "m")
        idx.record(plan, ChatMessage("assistant", "a"), NodeRef("c" * 24, str(i), None, None))
    assert len(idx) == 2


def test_fold_renders_tool_turns_readably() -> None:
    from hfchat.tools import ToolCall

    text = fold_turns(
        [
            ChatMessage("user", "weather?"),
            ChatMessage("assistant", "", tool_calls=[ToolCall("w", {"c": "P"}, "id1")]),
            ChatMessage("tool", "21C", name="w", tool_call_id="id1"),
        ]
    )
    assert '[assistant]\n{"tool_calls": [{"name": "w", "arguments": {"c": "P"}}]}' in text
    assert text.endswith("[tool result: w]\n21C")
