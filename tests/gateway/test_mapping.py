"""Units of the gateway: request mapping, stop sequences, JSON cleaning, SSE chunks, errors."""

from __future__ import annotations

import json

import pytest

from hfchat import errors as hf
from hfchat.events import RouterInfo, TurnResult
from hfchat.gateway import errors, mapping, sse
from hfchat.gateway.schemas import ChatCompletionRequest
from hfchat.stops import StopCutter
from hfchat.tools import ToolCall


def _req(**body: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"model": "m", **body})


def test_roles_tool_calls_and_results() -> None:
    req = _req(
        messages=[
            {"role": "developer", "content": "dev rules"},
            {
                "role": "user",
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"q": 1}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "found"},
        ]
    )
    turn = mapping.to_turn_request(req)
    system, user, assistant, tool = turn.messages
    assert (system.role, system.content) == ("system", "dev rules")
    assert user.content == "a\nb"
    assert assistant.tool_calls[0].name == "lookup"
    assert assistant.tool_calls[0].arguments == {"q": 1}
    assert assistant.tool_calls[0].id == "call_1"
    assert (tool.role, tool.name, tool.tool_call_id) == ("tool", "lookup", "call_1")
    assert tool.render().startswith("[tool result: lookup]")


def test_response_format_adds_the_json_instruction() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "integer"}}}
    turn = mapping.to_turn_request(
        _req(
            messages=[{"role": "user", "content": "q"}],
            response_format={"type": "json_schema", "json_schema": {"name": "p", "schema": schema}},
        )
    )
    assert turn.json_mode
    assert turn.messages[-1].role == "system"
    assert '"x"' in turn.messages[-1].content
    with pytest.raises(hf.ConfigurationError):
        mapping.to_turn_request(
            _req(
                messages=[{"role": "user", "content": "q"}],
                response_format={"type": "json_schema", "json_schema": {"name": "p"}},
            )
        )


def test_images_only_in_user_messages() -> None:
    part = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    turn = mapping.to_turn_request(_req(messages=[{"role": "user", "content": [part]}]))
    assert turn.messages[0].files[0].mime == "image/png"
    with pytest.raises(hf.ConfigurationError):
        mapping.to_turn_request(
            _req(messages=[{"role": "user", "content": "x"}, {"role": "system", "content": [part]}])
        )


def test_stop_cutter_across_chunks() -> None:
    cut = StopCutter(["END", "\n\n"])
    out = [cut.feed(t) for t in ["hello E", "N", "D more"]]
    assert "".join(out) == "hello "
    assert cut.done and cut.flush() == ""
    partial = StopCutter(["END"])
    assert partial.feed("an E") == "an "  # "E" could begin the stop sequence: held back
    assert partial.flush() == "E"
    assert StopCutter(["x"]).cut("abxcd") == ("ab", True)


def test_clean_json() -> None:
    assert mapping.clean_json('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert json.loads(mapping.clean_json('{"a": [1, 2,]')) == {"a": [1, 2]}
    assert mapping.clean_json('  {"b": 2} ') == '{"b": 2}'


def test_completion_shape() -> None:
    result = TurnResult(
        text="",
        reasoning="hmm",
        conversation_id="c1",
        title="T",
        sources=[{"url": "u", "title": "t"}],
        router=RouterInfo("r", "real/model", "p"),
        tool_calls=[ToolCall("f", {"k": "v"}, id="call_x")],
    )
    body = mapping.completion("id1", 1, "omni", result, "", mapping.finish_reason(result, False))
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    assert choice["message"]["reasoning_content"] == "hmm"
    call = choice["message"]["tool_calls"][0]
    assert call == {
        "id": "call_x",
        "type": "function",
        "function": {"name": "f", "arguments": '{"k": "v"}'},
    }
    assert body["hfchat"] == {
        "conversation_id": "c1",
        "title": "T",
        "sources": [{"url": "u", "title": "t"}],
        "model": "real/model",
    }


def test_chunk_writer_is_valid_json() -> None:
    w = sse.ChunkWriter("cid", 5, 'm"odel')
    raw = w.delta('he said "hi"\n', "why")
    assert raw.startswith(b"data: ") and raw.endswith(b"\n\n")
    chunk = json.loads(raw[6:])
    assert chunk["model"] == 'm"odel' and chunk["object"] == "chat.completion.chunk"
    assert chunk["choices"][0]["delta"] == {"content": 'he said "hi"\n', "reasoning_content": "why"}
    assert chunk["choices"][0]["finish_reason"] is None


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (hf.RateLimitError("slow down", retry_after=2.2), 429, "rate_limit_exceeded"),
        (hf.ModelNotFoundError("no"), 404, "model_not_found"),
        (hf.ConfigurationError("bad"), 400, "invalid_request"),
        (hf.AuthenticationError("login"), 403, "upstream_authentication"),
        (hf.StreamTimeoutError("idle"), 504, "timeout"),
        (hf.TransportError("refused"), 502, "upstream_unavailable"),
        (hf.StreamProtocolError("bad line"), 502, "stream_error"),
        (hf.ProtocolError("odd"), 502, "protocol_error"),
        (hf.HuggingChatError("boom", status_code=500), 502, "upstream_error"),
    ],
)
def test_error_mapping(exc: hf.HuggingChatError, status: int, code: str) -> None:
    err = errors.from_exception(exc)
    assert (err.status, err.code) == (status, code)
    if status == 429:
        assert err.headers == {"retry-after": "3"}


def test_sanitize_drops_markup_and_secrets() -> None:
    text = errors.sanitize("<html><b>oops</b> cookie=abcdef123 </html>", ["abcdef123"])
    assert "<" not in text and "abcdef123" not in text and "oops" in text


@pytest.mark.parametrize(
    "text", ["plain", 'quote " back \\ slash', "new\nline\ttab", "é ✓ \u2028 \x00"]
)
def test_content_delta_escapes_like_json(text: str) -> None:
    raw = sse.ChunkWriter("cid", 5, "m").delta(text)
    assert json.loads(raw[6:])["choices"][0]["delta"] == {"content": text}
