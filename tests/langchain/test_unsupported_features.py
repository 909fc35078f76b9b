"""What HuggingChat does where langchain-tests' standard suite skips a test for a missing
feature (token usage, PDF and audio input, recorded-reply timing)."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from hfchat.errors import ConfigurationError
from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat

_PDF_B64 = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF").decode()
_WAV_B64 = base64.b64encode(b"RIFF\x24\x00\x00\x00WAVEfmt ").decode()


@pytest.fixture
def model() -> Iterator[ChatHuggingChat]:
    with FakeHuggingChat() as fake:
        yield ChatHuggingChat(base_url=fake.base_url, model="fake/tools")


def test_usage_metadata(model: ChatHuggingChat) -> None:
    """HuggingChat reports no token counts: none are invented."""
    result = model.invoke("Hello")
    assert result.usage_metadata is None
    assert not any("token" in key for key in result.response_metadata)


def test_usage_metadata_streaming(model: ChatHuggingChat) -> None:
    full = None
    for chunk in model.stream("Hello"):
        full = chunk if full is None else full + chunk
    assert full is not None and full.usage_metadata is None


def test_pdf_inputs(model: ChatHuggingChat) -> None:
    """A PDF goes only to a model that lists it; otherwise a clear typed error."""
    message = HumanMessage(
        content=[
            {"type": "text", "text": "Summarize this document:"},
            {"type": "file", "base64": _PDF_B64, "mime_type": "application/pdf"},
        ]
    )
    with pytest.raises(ConfigurationError, match="does not accept application/pdf"):
        model.invoke([message])


def test_audio_inputs(model: ChatHuggingChat) -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "Transcribe this:"},
            {"type": "audio", "base64": _WAV_B64, "mime_type": "audio/wav"},
        ]
    )
    with pytest.raises(ConfigurationError, match="does not accept audio/wav"):
        model.invoke([message])


def test_pdf_tool_message(model: ChatHuggingChat) -> None:
    history = [
        HumanMessage("Read the report."),
        AIMessage("", tool_calls=[{"name": "read", "args": {}, "id": "call_1"}]),
        ToolMessage(
            content=[{"type": "file", "base64": _PDF_B64, "mime_type": "application/pdf"}],
            tool_call_id="call_1",
        ),
    ]
    with pytest.raises(ConfigurationError, match="does not accept application/pdf"):
        model.invoke(history)


def test_stream_time() -> None:
    """Streaming is real: the first chunk arrives while the server is still generating the
    answer (the standard version times recorded HTTP replies, which need VCR cassettes of a
    real service; the timing itself: benchmarks/timings.py)."""
    with FakeHuggingChat() as fake:

        def generating() -> list[str]:
            with fake.store.lock:
                convs = fake.store.conversations.values()
                return [g.status for c in convs for g in c.generations]

        slow = ChatHuggingChat(base_url=fake.base_url, model="fake/slow")
        at_first: list[str] | None = None
        chunks = 0
        for chunk in slow.stream("Count slowly"):
            if chunk.content:
                chunks += 1
                if at_first is None:
                    at_first = generating()
        assert at_first == ["running"]  # the answer was still being generated
        assert chunks > 1
        assert generating() == ["completed"]
