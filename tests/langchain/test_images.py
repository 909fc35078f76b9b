"""Images in LangChain messages are uploaded as files to multimodal models."""

from __future__ import annotations

import base64

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from hfchat.testing import FakeHuggingChat

from .conftest import MakeLLM

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
B64 = base64.b64encode(PNG).decode()


def _uploaded(fake: FakeHuggingChat) -> list[dict[str, str]]:
    return [f for r in fake.requests if r.route == "post" for f in r.files]


async def test_images_reach_a_multimodal_model(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    message = HumanMessage(
        [
            {"type": "text", "text": "How many pictures?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{B64}"}},
            {"type": "image", "base64": B64, "mime_type": "image/png"},
        ]
    )
    answer = await make_llm(model="fake/vision").ainvoke([message])
    assert answer.content == "Echo: How many pictures? [files: 2]"
    files = _uploaded(fake)
    assert [f["mime"] for f in files] == ["image/png", "image/png"]


def test_image_in_a_tool_result(fake: FakeHuggingChat, make_llm: MakeLLM) -> None:
    history = [
        HumanMessage("take a screenshot"),
        AIMessage("", tool_calls=[{"name": "shot", "args": {}, "id": "1"}]),
        ToolMessage(
            [{"type": "image", "base64": B64, "mime_type": "image/png"}],
            tool_call_id="1",
            name="shot",
        ),
    ]
    answer = make_llm(model="fake/vision").invoke(history)
    assert answer.content.endswith("[files: 1]")
    assert [f["mime"] for f in _uploaded(fake)] == ["image/png"]
