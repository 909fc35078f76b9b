"""langchain-tests' standard integration suite, run against the HuggingChat emulator.

The emulator's ``fake/tools`` model (multimodal) answers deterministically: it echoes plain
questions, answers the core's tool prompt with a tool call whose arguments it fills from the schema
and the numbers and quoted strings of the question, answers a tool result in plain text, and
answers a JSON instruction with a JSON object. No standard test is marked xfail. Six standard
tests skip themselves because HuggingChat lacks the feature (token usage, PDF and audio input,
recorded-reply timing); ``test_unsupported_features.py`` asserts what happens instead.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests

from hfchat.testing import FakeHuggingChat
from langchain_hfchat import ChatHuggingChat

# a 1x1 PNG: the image tests download a picture; here they get this one instead
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


class _Downloaded:
    content = PNG_1X1
    status_code = 200


@pytest.fixture(autouse=True)
def _offline_images(monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard image tests fetch a PNG over the internet; serve a local one instead."""
    from langchain_tests.integration_tests import chat_models as standard

    monkeypatch.setattr(standard.httpx, "get", lambda *a, **k: _Downloaded())


class TestChatHuggingChatIntegration(ChatModelIntegrationTests):
    fake: FakeHuggingChat

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _emulator(cls) -> Iterator[None]:
        with FakeHuggingChat() as fake:
            cls.fake = fake
            yield

    @property
    def chat_model_class(self) -> type[ChatHuggingChat]:
        return ChatHuggingChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "fake/tools", "base_url": self.fake.base_url}

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_tool_message(self) -> bool:
        return True

    @property
    def supports_anthropic_inputs(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return False  # HuggingChat reports no token counts

    @property
    def model_override_value(self) -> str:
        return "fake/echo"
