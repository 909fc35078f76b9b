"""What HuggingChat does where langchain-tests' standard suite skips a test for a missing
feature (token usage, PDF and audio input, recorded-reply timing)."""

from __future__ import annotations

import base64
import time
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


def test_stream_time(model: ChatHuggingChat) -> None:
    """Streaming is real: the first chunk arrives long before the answer ends (the standard
    version times recorded HTTP replies, which need VCR cassettes of a real service)."""
    slow = model.model_copy(update={"model_name": "fake/slow"})
    start = time.monotonic()
    first = None
    for chunk in slow.stream("Count slowly"):
        if first is None and chunk.content:
            first = time.monotonic() - start
    total = time.monotonic() - start
    assert first is not None and first < total / 3
