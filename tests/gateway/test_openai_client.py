"""The official ``openai`` client (sync and async) against the gateway on the emulator."""

from __future__ import annotations

import base64
import json

import openai
import pytest
from pydantic import BaseModel

from .conftest import API_KEY, RunningGateway

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()


def _client(gw: RunningGateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url, api_key=API_KEY, max_retries=0, timeout=30)


def _aclient(gw: RunningGateway) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=gw.url, api_key=API_KEY, max_retries=0, timeout=30)


def test_models_list(gateway: RunningGateway) -> None:
    models = _client(gateway).models.list()
    ids = [m.id for m in models.data]
    assert "fake/echo" in ids and "fake/reasoner" in ids
    first = models.data[0]
    assert first.object == "model" and isinstance(first.created, int) and first.owned_by


def test_sync_completion(gateway: RunningGateway) -> None:
    r = _client(gateway).chat.completions.create(
        model="fake/echo",
        messages=[{"role": "user", "content": "hello there"}],
        temperature=0.2,  # sampling parameters are accepted and ignored
        top_p=0.9,
        max_tokens=64,
        seed=1,
    )
    assert r.object == "chat.completion"
    assert r.model == "fake/echo"
    assert r.choices[0].message.content == "Echo: hello there"
    assert r.choices[0].finish_reason == "stop"
    extra = r.model_extra["hfchat"]  # type: ignore[index]
    assert extra["conversation_id"] in gateway.fake.conversations
    assert extra["model"] == "fake/echo"
    assert extra["title"]


async def test_async_completion(gateway: RunningGateway) -> None:
    async with _aclient(gateway) as client:
        r = await client.chat.completions.create(
            model="fake/echo",
            messages=[
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": [{"type": "text", "text": "from async"}]},
            ],
        )
    assert r.choices[0].message.content == "Echo: from async"
    conv = gateway.fake.conversations[r.model_extra["hfchat"]["conversation_id"]]  # type: ignore[index]
    assert "be brief" in json.dumps(conv, default=str)


def test_reasoning_kept_apart(gateway: RunningGateway) -> None:
    r = _client(gateway).chat.completions.create(
        model="fake/reasoner", messages=[{"role": "user", "content": "think"}]
    )
    msg = r.choices[0].message
    assert msg.content == "Echo: think"
    assert "Step one" in msg.model_extra["reasoning_content"]  # type: ignore[index]
    assert "Step one" not in (msg.content or "")


def test_sync_stream(gateway: RunningGateway) -> None:
    stream = _client(gateway).chat.completions.create(
        model="fake/reasoner", messages=[{"role": "user", "content": "stream it"}], stream=True
    )
    chunks = list(stream)
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    reasoning = "".join(
        (c.choices[0].delta.model_extra or {}).get("reasoning_content") or "" for c in chunks
    )
    assert content == "Echo: stream it"
    assert reasoning.startswith("Thinking about it.")
    assert chunks[0].choices[0].delta.role == "assistant"
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.model_extra["hfchat"]["model"] == "fake/reasoner"  # type: ignore[index]
    assert all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)


async def test_async_stream(gateway: RunningGateway) -> None:
    async with _aclient(gateway) as client:
        stream = await client.chat.completions.create(
            model="fake/slow", messages=[{"role": "user", "content": "go"}], stream=True
        )
        parts = [c.choices[0].delta.content or "" async for c in stream]
    text = "".join(parts)
    assert len([p for p in parts if p]) > 1  # really streamed, not one blob
    assert text  # the slow model's tokens


def test_stream_ends_with_done(gateway: RunningGateway) -> None:
    import httpx

    with httpx.stream(
        "POST",
        f"{gateway.url}/chat/completions",
        headers=gateway.headers,
        json={"model": "fake/echo", "messages": [{"role": "user", "content": "x"}], "stream": True},
        timeout=30,
    ) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in resp.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)
    last = json.loads(lines[-2][len("data: ") :])
    assert last["hfchat"]["conversation_id"]


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def test_tools_round_trip(gateway: RunningGateway) -> None:
    client = _client(gateway)
    messages: list[dict[str, object]] = [
        {"role": "user", "content": "What is the weather in 'Paris'?"}
    ]
    r = client.chat.completions.create(model="fake/tools", messages=messages, tools=[WEATHER])
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert call.type == "function" and call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert call.id
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21}'})
    r2 = client.chat.completions.create(model="fake/tools", messages=messages, tools=[WEATHER])
    assert r2.choices[0].finish_reason == "stop"
    assert r2.choices[0].message.content == 'The get_weather result is: {"temp": 21}'
    # the tool answer continued the same server conversation
    assert r2.model_extra["hfchat"]["conversation_id"] == r.model_extra["hfchat"]["conversation_id"]  # type: ignore[index]


def test_tools_stream(gateway: RunningGateway) -> None:
    stream = _client(gateway).chat.completions.create(
        model="fake/tools",
        messages=[{"role": "user", "content": "weather in 'Oslo'"}],
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        stream=True,
    )
    chunks = list(stream)
    calls = [tc for c in chunks for tc in c.choices[0].delta.tool_calls or []]
    assert len(calls) == 1 and calls[0].index == 0
    assert calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    assert json.loads(calls[0].function.arguments) == {"city": "Oslo"}  # type: ignore[union-attr, arg-type]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == ""


def test_tool_choice_none_answers_in_text(gateway: RunningGateway) -> None:
    r = _client(gateway).chat.completions.create(
        model="fake/tools",
        messages=[{"role": "user", "content": "weather in 'Rome'"}],
        tools=[WEATHER],
        tool_choice="none",
    )
    assert r.choices[0].finish_reason == "stop"
    assert r.choices[0].message.tool_calls is None
    assert r.choices[0].message.content == "Echo: weather in 'Rome'"


class Point(BaseModel):
    x: int
    y: int
    label: str


def test_structured_output_parse(gateway: RunningGateway) -> None:
    client = _client(gateway)
    parse = getattr(client.chat.completions, "parse", None) or client.beta.chat.completions.parse
    r = parse(
        model="fake/tools",
        messages=[{"role": "user", "content": "the point 3 and 4 called 'home'"}],
        response_format=Point,
    )
    assert r.choices[0].message.parsed == Point(x=3, y=4, label="home")


async def test_structured_output_async_stream(gateway: RunningGateway) -> None:
    async with _aclient(gateway) as client:
        stream = await client.chat.completions.create(
            model="fake/tools",
            messages=[{"role": "user", "content": "point 7 and 8 named 'a'"}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "p", "schema": Point.model_json_schema()},
            },
            stream=True,
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream])
    assert Point.model_validate_json(text) == Point(x=7, y=8, label="a")


def test_json_object_mode(gateway: RunningGateway) -> None:
    r = _client(gateway).chat.completions.create(
        model="fake/tools",
        messages=[{"role": "user", "content": "give 'answer' as JSON"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(r.choices[0].message.content or "") == {
        "answer": "Echo: give 'answer' as JSON"
    }


def test_json_mode_repairs_fenced_answer(gateway: RunningGateway) -> None:
    gateway.fake.script('```json\n{"a": 1,}\n```')
    r = _client(gateway).chat.completions.create(
        model="fake/echo",
        messages=[{"role": "user", "content": "json please"}],
        response_format={"type": "json_object"},
    )
    assert json.loads(r.choices[0].message.content or "") == {"a": 1}


@pytest.mark.parametrize("stream", [False, True])
def test_stop_sequences(gateway: RunningGateway, stream: bool) -> None:
    gateway.fake.script("alpha beta STOP gamma delta")
    kwargs = {
        "model": "fake/echo",
        "messages": [{"role": "user", "content": "x"}],
        "stop": ["STOP", "never"],
    }
    client = _client(gateway)
    if stream:
        chunks = list(client.chat.completions.create(stream=True, **kwargs))  # type: ignore[call-overload]
        text = "".join(c.choices[0].delta.content or "" for c in chunks)
        reason = chunks[-1].choices[0].finish_reason
    else:
        r = client.chat.completions.create(**kwargs)  # type: ignore[call-overload]
        text, reason = r.choices[0].message.content, r.choices[0].finish_reason
    assert text == "alpha beta "
    assert reason == "stop"


def test_image_parts_reach_the_model(gateway: RunningGateway) -> None:
    r = _client(gateway).chat.completions.create(
        model="fake/vision",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "how many?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                ],
            }
        ],
    )
    assert r.choices[0].message.content.endswith("[files: 2]")  # type: ignore[union-attr]


def test_web_sources_in_hfchat_field(gateway: RunningGateway) -> None:
    r = _client(gateway).chat.completions.create(
        model="fake/websearch",
        messages=[{"role": "user", "content": "search examples"}],
        extra_body={"web_search": True},
    )
    sources = r.model_extra["hfchat"]["sources"]  # type: ignore[index]
    assert {"url": "https://example.com/a", "title": "Example A"} in sources


def test_2024_server(huggingchat_emulator_2024: object) -> None:
    from .conftest import run_gateway

    with run_gateway(huggingchat_emulator_2024, api_key=API_KEY) as gw:  # type: ignore[arg-type]
        client = _client(gw)
        r = client.chat.completions.create(
            model="fake/echo", messages=[{"role": "user", "content": "old server"}]
        )
        assert r.choices[0].message.content == "Echo: old server"
        chunks = list(
            client.chat.completions.create(
                model="fake/reasoner",
                messages=[{"role": "user", "content": "old stream"}],
                stream=True,
            )
        )
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Echo: old stream"


def test_default_model_for_requests_naming_none(huggingchat_emulator: object) -> None:
    import httpx

    from .conftest import run_gateway

    with run_gateway(huggingchat_emulator, model="fake/reasoner") as gw:  # type: ignore[arg-type]
        body = {"model": "", "messages": [{"role": "user", "content": "which"}]}
        r = httpx.post(f"{gw.url}/chat/completions", json=body, timeout=30).json()
        assert r["hfchat"]["model"] == "fake/reasoner"
        assert r["choices"][0]["message"]["reasoning_content"]
        r = httpx.post(f"{gw.url}/chat/completions", json={**body, "model": "fake/echo"}).json()
        assert r["hfchat"]["model"] == "fake/echo"  # a named model wins
