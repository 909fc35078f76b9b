"""The one error classifier: SvelteKit HTML error pages, JSON twins, the rule table, complete
errors with their request and scrubbed response, and retry attributes by class."""

from __future__ import annotations

import builtins
import pickle
import re

import pytest

from hfchat._core import ClientCore
from hfchat._transport import Response
from hfchat.errors import (
    AuthenticationError,
    ConfigurationError,
    ConversationNotFoundError,
    HuggingChatError,
    MessageTooLongError,
    ProtocolError,
    RateLimitError,
    RequestInfo,
    ServerError,
    StreamError,
    StreamTimeoutError,
    TimeoutError,
    TransportError,
)
from hfchat.protocol import routes
from hfchat.protocol.classify import (
    RULES,
    body_message,
    classify,
    classify_error,
    read_html_error,
)

from ..core.captures import ROOT, load

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")
SECRET = "0123456789abcdef-secret-cookie-value"


def _no_markup(err: HuggingChatError) -> None:
    for text in (str(err), repr(err), err.message, err.body or ""):
        assert not _TAG.search(text), text


# -- issue 12 §1: HTML error pages, and their JSON twins -------------------------------------

HTML_CASES = [
    ("70", "71", MessageTooLongError, "Message too long."),
    ("72", None, ConversationNotFoundError, "Conversation not found"),
    ("73", "74", RateLimitError, "You are sending too many messages. Try again later."),
]


@pytest.mark.parametrize(("html", "twin", "kind", "text"), HTML_CASES)
def test_sveltekit_html_error_pages_classify_with_clean_messages(
    html: str, twin: str | None, kind: type, text: str
) -> None:
    cap = load("head", html)
    assert cap.body.lstrip().startswith(b"<!doctype html>")
    err = classify_error(cap.status, cap.headers, cap.body, route="send")
    assert type(err) is kind
    assert err.status_code == cap.status
    assert err.message.startswith(text)
    _no_markup(err)
    if twin is not None:
        json_cap = load("head", twin)
        assert json_cap.status == cap.status
        assert "application/json" in json_cap.headers["content-type"]
        twin_err = classify_error(json_cap.status, json_cap.headers, json_cap.body, route="send")
        assert type(twin_err) is kind
        assert twin_err.message == err.message
        assert twin_err.status_code == err.status_code


def test_html_page_is_read_for_title_heading_and_status() -> None:
    page = read_html_error(load("head", "73").body)
    assert page.title == page.heading == "You are sending too many messages. Try again later."
    assert page.status == 429
    assert body_message(load("head", "70").body) == "Message too long."


def test_per_minute_rate_limit_from_html_says_how_long_to_wait() -> None:
    cap = load("head", "73")
    assert "retry-after" not in cap.headers  # chat-ui sends none
    err = classify_error(cap.status, cap.headers, cap.body, route="send")
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 60.0 and err.limit == "messagesPerMinute"
    assert "60 s" in str(err)


def test_html_page_without_a_heading_never_leaks_markup() -> None:
    body = b"<!doctype html><html><body><div><p>Bad gateway <b>now</b></p></div></body></html>"
    err = classify_error(502, {"content-type": "text/html"}, body, route="models")
    assert isinstance(err, ServerError)
    _no_markup(err)
    # markup in a text/plain body, or inside a JSON message, is read the same way
    err = classify_error(
        400, {"content-type": "text/plain"}, b"<html><title>Oops</title></html>", route="send"
    )
    assert err.message == "Oops"
    _no_markup(err)
    err = classify_error(
        500, {"content-type": "application/json"}, b'{"message": "<h1>boom</h1>"}', route="read"
    )
    assert err.message == "boom"
    _no_markup(err)


def test_huge_html_page_is_read_bounded() -> None:
    body = b"<html><head><title>Slow</title></head><body>" + b"<div>x</div>" * 200_000
    err = classify_error(503, {"content-type": "text/html"}, body, route="models")
    assert isinstance(err, ServerError) and err.message == "Slow"


def test_every_request_accepts_json_for_its_errors() -> None:
    req, _ = routes.send_message(
        "0123456789abcdef01234567",
        parent_id="p",
        inputs="hi",
        generation="2026",
        generation_id="g",
        boundary="b",
    )
    # exactly the Accept of the recorded requests that got JSON errors
    for prefix in ("71", "74"):
        assert f"Accept: {req.headers['accept']} " in load("head", prefix).request
    replay = routes.replay_stream("0123456789abcdef01234567", "g")
    assert "application/json" in replay.headers["accept"]
    core = ClientCore(base_url="http://127.0.0.1:1")
    for r in (
        req,
        replay,
        routes.list_models(),
        routes.get_conversation("0123456789abcdef01234567", "devalue"),
        routes.delete_conversation("0123456789abcdef01234567"),
        routes.user(),
    ):
        assert "application/json" in core.headers(r)["accept"], r.route


# -- the rule table ---------------------------------------------------------------------------


def test_every_rule_names_existing_captures_or_the_spec() -> None:
    named = 0
    for rule in RULES:
        assert rule.capture, rule.name
        for item in rule.capture.split(", "):
            if item.startswith("protocol.md"):
                continue
            folder, stem = item.split("/", 1)
            assert (ROOT / folder / f"{stem}.headers.txt").is_file(), (rule.name, item)
            named += 1
    assert named >= 30


def test_every_stage_ends_in_a_catch_all() -> None:
    for stage in ("http", "html", "stream", "devalue"):
        err = classify(stage, status=None, message="odd")
        assert isinstance(err, HuggingChatError)
        assert type(err) is not HuggingChatError or stage in ("http", "devalue")


def test_stream_stage_keeps_partial_output() -> None:
    err = classify("stream", status=429, message="429 limit", partial_text="abc")
    assert isinstance(err, RateLimitError) and err.limit == "upstream"
    assert err.partial_text == "abc"
    err = classify("stream", status=500, message="boom", partial_text="x", partial_reasoning="r")
    assert isinstance(err, StreamError)
    assert (err.partial_text, err.partial_reasoning) == ("x", "r")


# -- complete errors with request and scrubbed response ---------------------------------------


def _core() -> ClientCore:
    return ClientCore(base_url="http://user:pw@127.0.0.1:1/chat", hf_chat_cookie=SECRET)


def test_error_carries_request_without_credentials_and_scrubbed_headers() -> None:
    core = _core()
    req = routes.list_models()
    headers = {
        "content-type": "application/json",
        "set-cookie": f"hf-chat={SECRET}; Path=/",
        "x-echo": f"you sent hf-chat={SECRET}",
        "authorization": "Bearer hf_abcdefgh",
    }
    resp = Response(503, headers, [], f'{{"message": "down {SECRET}"}}'.encode(), core.url(req))
    err = core.error_from(req, resp)
    assert isinstance(err, ServerError) and err.retryable
    assert err.request == RequestInfo("GET", "models", "http://127.0.0.1:1/chat/api/v2/models")
    dump = pickle.dumps(err)
    assert SECRET.encode() not in dump and b"pw@" not in dump and b"hf_abcdefgh" not in dump
    kept = pickle.loads(dump).response.headers
    assert "set-cookie" not in kept and "authorization" not in kept
    assert kept["x-echo"] == "you sent hf-chat=***"
    assert SECRET not in repr(err) + str(err) + (err.body or "")


def test_authentication_error_names_the_session_at_construction() -> None:
    core = _core()
    req = routes.create_conversation("m", None)
    resp = Response(401, {}, [], b"You have to be logged in.", core.url(req))
    err = core.error_from(req, resp)
    assert isinstance(err, AuthenticationError)
    assert err.message.startswith("the session from the hf_chat_cookie argument was refused")
    assert err.args == (err.message,)


def test_welcome_modal_is_a_constructor_fact() -> None:
    err = classify_error(405, {}, b"You need to accept the welcome modal first", route="send")
    assert isinstance(err, AuthenticationError) and err.welcome_modal
    assert AuthenticationError("x").welcome_modal is False
    assert TransportError("x", nothing_sent=True).nothing_sent


def test_html_page_where_data_was_expected() -> None:
    core = _core()
    req = routes.list_models()
    page = load("head", "70").body
    resp = Response(200, {"content-type": "text/html"}, [], page, core.url(req))
    with pytest.raises(ProtocolError) as info:
        core.check(req, resp)
    _no_markup(info.value)


def test_deep_or_huge_json_bodies_are_typed() -> None:
    core = _core()
    req = routes.list_models()
    for body in (b"[" * 200_000, b"1" * 100_000, b'{"a": 1} x'):
        resp = Response(200, {"content-type": "application/json"}, [], body, core.url(req))
        with pytest.raises(ProtocolError):
            core._json(resp, req)


def test_deep_devalue_page_is_typed() -> None:
    core = _core()
    body = b'{"type":"data","nodes":[null,{"type":"data","data":' + b"[" * 200_000 + b"}]}"
    with pytest.raises(ProtocolError):
        core._read_devalue(Response(200, {}, [], body, "http://127.0.0.1:1/x"), "c")
    # a chain of indexes deeper than the interpreter's stack
    chain = ",".join(f"[{i + 1}]" for i in range(50_000)) + ",1"
    body = ('{"type":"data","nodes":[null,{"type":"data","data":[' + chain + "]}]}").encode()
    with pytest.raises(ProtocolError):
        core._read_devalue(Response(200, {}, [], body, "http://127.0.0.1:1/x"), "c")


# -- retry attributes and the timeout error ----------------------------------------------------


def test_retry_attributes_by_class() -> None:
    assert RateLimitError("x").retryable and RateLimitError("x").may_retry_send
    assert ServerError("x").retryable and not ServerError("x").may_retry_send
    assert TransportError("x").retryable and not TransportError("x").may_retry_send
    assert TransportError("x", nothing_sent=True).may_retry_send
    assert not StreamTimeoutError("x").retryable
    assert not MessageTooLongError("x").retryable
    assert not HuggingChatError("x").retryable and not HuggingChatError("x").may_retry_send


class _MyServerError(ServerError):
    pass


def test_core_retries_server_errors_by_class() -> None:
    core = ClientCore(base_url="http://127.0.0.1:1", max_retries=2)
    get = routes.list_models()
    assert core.retry_delay(get, 0, _MyServerError("x", status_code=500)) is not None
    assert core.retry_delay(get, 0, HuggingChatError("x", status_code=500)) is None


def test_timeout_error_is_also_the_builtin() -> None:
    err = TimeoutError("slow", nothing_sent=True)
    assert isinstance(err, builtins.TimeoutError) and isinstance(err, TransportError)
    assert isinstance(StreamTimeoutError("idle"), builtins.TimeoutError)
    try:
        raise StreamTimeoutError("idle", partial_text="ab")
    except builtins.TimeoutError as caught:
        assert isinstance(caught, StreamTimeoutError) and caught.partial_text == "ab"
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is TimeoutError and again.nothing_sent and str(again) == "slow"
    assert issubclass(ConfigurationError, ValueError)


def test_message_too_long_error_has_a_limit() -> None:
    err = classify_error(400, {}, b'{"message": "Message too long."}', route="send")
    assert isinstance(err, MessageTooLongError) and err.limit is None
    err = classify_error(
        413, {}, b'{"message": "Message too long. The limit is 2000 characters."}', route="send"
    )
    assert isinstance(err, MessageTooLongError) and err.limit == 2000


def test_no_error_message_holds_markup_wherever_it_is_built() -> None:
    page = "<!doctype html><html><head><style>x{}</style></head><body><h1>Boom</h1></body></html>"
    for err in (
        HuggingChatError(page),
        ProtocolError(f"unexpected redirect to {page!r}"),
        RateLimitError("<html>", retry_after=1.0),
    ):
        _no_markup(err)
    assert HuggingChatError(page).message == "Boom"
    assert HuggingChatError("a < b, <3").message == "a < b, <3"  # text, not markup
