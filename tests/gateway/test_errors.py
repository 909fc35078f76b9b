"""Error mapping: OpenAI error objects with the right status, never HTML, never a credential."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from hfchat.testing import FakeHuggingChat

from .conftest import API_KEY, RunningGateway, run_gateway

COOKIE = "session-secret-cookie-9d1e7b"


def _post(gw: RunningGateway, body: Any, *, raw: bytes | None = None, **kw: Any) -> httpx.Response:
    headers = {**gw.headers, **kw.pop("headers", {})}
    if raw is not None:
        headers["content-type"] = "application/json"
        return httpx.post(
            f"{gw.url}/chat/completions", content=raw, headers=headers, timeout=30, **kw
        )
    return httpx.post(f"{gw.url}/chat/completions", json=body, headers=headers, timeout=30, **kw)


def _assert_error(resp: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    text = resp.text
    assert "<html" not in text.lower() and "<!doctype" not in text.lower()
    assert API_KEY not in text and COOKIE not in text
    err = resp.json()["error"]
    assert set(err) >= {"message", "type", "code"}
    assert err["message"]
    if code is not None:
        assert err["code"] == code
    return err  # type: ignore[no-any-return]


@pytest.fixture
def gw(huggingchat_emulator: FakeHuggingChat) -> Iterator[RunningGateway]:
    """A gateway whose HuggingChat session cookie is a known secret (it must never leak)."""
    with run_gateway(huggingchat_emulator, api_key=API_KEY, hf_chat_cookie=COOKIE) as g:
        yield g


USER = [{"role": "user", "content": "hi"}]


def test_missing_key_is_401(gw: RunningGateway) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": API_KEY}):
        resp = httpx.get(f"{gw.url}/models", headers=headers, timeout=30)
        _assert_error(resp, 401, "invalid_api_key")
        resp = httpx.post(
            f"{gw.url}/chat/completions",
            json={"model": "fake/echo", "messages": USER},
            headers=headers,
            timeout=30,
        )
        _assert_error(resp, 401, "invalid_api_key")
    # nothing reached HuggingChat
    assert not [r for r in gw.fake.requests if r.route == "post"]


def test_right_key_passes(gw: RunningGateway) -> None:
    resp = httpx.get(f"{gw.url}/models", headers={"authorization": f"bearer {API_KEY}"})
    assert resp.status_code == 200
    assert resp.json()["object"] == "list"


def test_openai_client_raises_authentication_error(gw: RunningGateway) -> None:
    client = openai.OpenAI(base_url=gw.url, api_key="not-the-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        client.chat.completions.create(model="fake/echo", messages=USER)  # type: ignore[arg-type]
    assert "not-the-key" not in str(info.value)


def test_health_needs_no_key(gw: RunningGateway) -> None:
    resp = httpx.get(f"{gw.origin}/health", timeout=30)
    assert resp.status_code == 200 and resp.json()["status"] == "ok"


def test_unknown_model_is_404(gw: RunningGateway) -> None:
    err = _assert_error(_post(gw, {"model": "gpt-9", "messages": USER}), 404, "model_not_found")
    assert "gpt-9" in err["message"]
    client = openai.OpenAI(base_url=gw.url, api_key=API_KEY, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="gpt-9", messages=USER)  # type: ignore[arg-type]


def test_rate_limit_is_429_with_retry_after(gw: RunningGateway) -> None:
    gw.fake.inject("http", times=None, route="post", status=429, retry_after=120)
    resp = _post(gw, {"model": "fake/echo", "messages": USER})
    _assert_error(resp, 429, "rate_limit_exceeded")
    assert resp.headers["retry-after"] == "120"


def test_upstream_rate_limit_model_is_429(gw: RunningGateway) -> None:
    resp = _post(gw, {"model": "fake/limited", "messages": USER})
    err = _assert_error(resp, 429, "rate_limit_exceeded")
    assert err["type"] == "rate_limit_error"


@pytest.mark.parametrize("stream", [False, True])
def test_upstream_failure_is_5xx(gw: RunningGateway, stream: bool) -> None:
    resp = _post(gw, {"model": "fake/broken", "messages": USER, "stream": stream})
    err = _assert_error(resp, 502)
    assert err["type"] == "upstream_error"


def test_upstream_html_error_page_is_not_passed_on(gw: RunningGateway) -> None:
    gw.fake.inject(
        "http",
        times=None,
        route="post",
        status=500,
        body=f"<html><body><h1>Internal Error</h1>{COOKIE}</body></html>",
        content_type="text/html",
    )
    err = _assert_error(_post(gw, {"model": "fake/echo", "messages": USER}), 502)
    assert "<" not in err["message"]


def test_mid_stream_failure_is_an_sse_error_event(gw: RunningGateway) -> None:
    gw.fake.script("one two three four five six")
    gw.fake.inject("stream_error", after_tokens=3)
    client = openai.OpenAI(base_url=gw.url, api_key=API_KEY, max_retries=0)
    stream = client.chat.completions.create(model="fake/echo", messages=USER, stream=True)  # type: ignore[arg-type]
    got: list[str] = []
    with pytest.raises(openai.APIError) as info:
        for chunk in stream:
            got.append(chunk.choices[0].delta.content or "")
    assert "".join(got)  # the partial answer was streamed before the error
    assert COOKIE not in str(info.value)


def test_login_page_upstream_is_not_a_key_error(gw: RunningGateway) -> None:
    gw.fake.inject("html_login", times=None)
    resp = _post(gw, {"model": "fake/echo", "messages": USER})
    err = _assert_error(resp, 403, "upstream_authentication")
    assert "hfchat login" in err["message"]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "invalid"),
        (b"[]", "invalid"),
        (json.dumps({"model": "fake/echo"}).encode(), "messages"),
        (json.dumps({"model": "fake/echo", "messages": []}).encode(), "messages"),
        (
            json.dumps(
                {"model": "fake/echo", "messages": [{"role": "wizard", "content": "x"}]}
            ).encode(),
            "role",
        ),
        (
            json.dumps({"model": "fake/echo", "messages": USER, "n": 3}).encode(),
            "n",
        ),
        (
            json.dumps(
                {"model": "fake/echo", "messages": USER, "response_format": {"type": "yaml"}}
            ).encode(),
            "response_format",
        ),
    ],
)
def test_bad_bodies_are_400(gw: RunningGateway, raw: bytes, fragment: str) -> None:
    err = _assert_error(_post(gw, None, raw=raw), 400, "invalid_request")
    assert err["type"] == "invalid_request_error"
    assert fragment in err["message"]


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
        [
            {"role": "user", "content": "x"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "1"},
        ],
        [
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}],
            }
        ],
        [{"role": "system", "content": "only a system message"}],
    ],
)
def test_unusable_messages_are_400(gw: RunningGateway, messages: list[Any]) -> None:
    _assert_error(_post(gw, {"model": "fake/echo", "messages": messages}), 400)
    assert not [r for r in gw.fake.requests if r.route == "post"]


def test_image_for_text_only_model_is_400(gw: RunningGateway) -> None:
    content = [
        {"type": "text", "text": "what is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    err = _assert_error(
        _post(gw, {"model": "fake/reasoner", "messages": [{"role": "user", "content": content}]}),
        400,
    )
    assert "image/png" in err["message"]


def test_tool_choice_must_name_a_tool(gw: RunningGateway) -> None:
    body = {
        "model": "fake/tools",
        "messages": USER,
        "tools": [{"type": "function", "function": {"name": "a"}}],
        "tool_choice": {"type": "function", "function": {"name": "b"}},
    }
    _assert_error(_post(gw, body), 400)


def test_too_large_body_is_413(gw: RunningGateway) -> None:
    from hfchat.gateway import app

    filler = b"a" * (app.MAX_BODY_BYTES + 10)
    big = b'{"model":"fake/echo","messages":[{"role":"user","content":"' + filler + b'"}]}'
    _assert_error(_post(gw, None, raw=big), 413, "request_too_large")


def test_unknown_route_and_method_are_json(gw: RunningGateway) -> None:
    _assert_error(httpx.get(f"{gw.url}/embeddings", headers=gw.headers), 404, "not_found")
    _assert_error(
        httpx.get(f"{gw.url}/chat/completions", headers=gw.headers), 405, "method_not_allowed"
    )


def test_unreachable_upstream_is_502(huggingchat_emulator: FakeHuggingChat) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    with run_gateway(huggingchat_emulator, base_url=dead, api_key=API_KEY) as g:
        assert httpx.get(f"{g.origin}/health", timeout=30).status_code == 200
        _assert_error(httpx.get(f"{g.url}/models", headers=g.headers, timeout=60), 502)
        err = _assert_error(_post(g, {"model": "fake/echo", "messages": USER}), 502)
        assert err["code"] == "upstream_unavailable"
