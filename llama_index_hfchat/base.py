"""``HuggingChatLLM``: HuggingChat (huggingface/chat-ui) as a LlamaIndex function-calling LLM."""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncGenerator, Generator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr, SecretStr, field_serializer
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

import hfchat
from hfchat.adapter_support import (
    CLIENT_KWARGS_ONLY,
    LazyClients,
    approximate_token_ids,
    check_client_kwargs,
    client_kwargs_option,
    client_options,
    redact_url,
    route_deprecated,
    warn_unsupported_once,
)

from ._messages import to_core_messages
from ._responses import TurnChunks, response_from_result
from ._structured import StructuredCall
from ._tools import resolve_tool_choice, to_tool_specs, tool_selections

if TYPE_CHECKING:
    from llama_index.core.program.utils import FlexibleModel
    from llama_index.core.prompts import PromptTemplate
    from llama_index.core.tools.types import BaseTool

Model = TypeVar("Model", bound=BaseModel)

__all__ = ["HuggingChatLLM"]

DEFAULT_CONTEXT_WINDOW = 32768
DEFAULT_NUM_OUTPUT = 4096
COOKIE_ENV = "HUGGINGCHAT_COOKIE"
BASE_URL_ENV = "HUGGINGCHAT_BASE_URL"


def _cookie_from_env() -> SecretStr | None:
    value = os.environ.get(COOKIE_ENV)
    return SecretStr(value) if value else None


class HuggingChatLLM(FunctionCallingLLM):
    """HuggingChat (huggingface/chat-ui) as a LlamaIndex LLM.

    Every call sends the history to a HuggingChat conversation (a new one, or the server-side
    conversation a previous call of this LLM left off, when the history extends it) and streams
    the answer back. System prompts become the conversation's preprompt; tool calling is
    emulated through the prompt (the model answers with a JSON tool-call object that the core
    parses), so agents and ``structured_predict`` work with every model.

    Responses: ``message.content`` is the answer; the model's reasoning is a ``ThinkingBlock``
    in ``message.blocks`` (streamed as ``additional_kwargs["thinking_delta"]``); tool calls are
    ``ToolCallBlock``s; both ``ChatResponse.additional_kwargs`` and
    ``ChatResponse.message.additional_kwargs`` hold ``sources``, ``title``,
    ``conversation_id``, ``message_id``, ``model_name`` (the routed model when known; also
    under ``model``) and ``finish_reason``; ``raw`` the final updates of the stream. Errors are
    hfchat's typed errors (:mod:`hfchat.errors`).

    Parameters HuggingChat does not let clients set (``temperature``, ``max_tokens``,
    ``top_p``, ``top_k``, ``seed``, ``frequency_penalty``, ``presence_penalty``,
    ``model_kwargs``) are accepted and warned about once; an unknown keyword warns and lands in
    ``model_kwargs`` (it never vanishes). ``api_key`` is an alias of ``hf_chat_cookie`` and
    ``model_name`` of ``model``, as in ``ChatHuggingChat``. Both adapters have the same
    first-class fields; other client options (``impersonate``, ``max_connections``,
    ``max_retry_wait``, ``conversation_cache_size``, ...) go through ``client_kwargs`` (as
    keywords of their own they still work, with a ``DeprecationWarning``).

    Examples:
        ```python
        from llama_index.core import Settings
        from llama_index_hfchat import HuggingChatLLM

        Settings.llm = HuggingChatLLM(model="omni")  # cookie from env HUGGINGCHAT_COOKIE
        print(Settings.llm.complete("Say hello"))
        ```

    No network I/O happens in the constructor; the HTTP clients are created on first use with
    the connection settings of that moment (``model`` and ``web_search`` are read per call).
    """

    model: str | None = Field(
        default=None,
        description="Model id (e.g. 'omni'); None = the first model the server lists.",
    )
    base_url: str | None = Field(
        default=None,
        description=(
            "chat-ui base URL; read from env HUGGINGCHAT_BASE_URL at construction; default "
            "huggingface.co/chat. Userinfo in it is masked in dumps."
        ),
    )
    hf_chat_cookie: SecretStr | None = Field(
        default_factory=_cookie_from_env,
        exclude=True,
        repr=False,
        description=(
            "The hf-chat session cookie (value, cookie string, JSON export or cookies.txt "
            "path); default env HUGGINGCHAT_COOKIE, then the `hfchat login` store. Secret: "
            "never serialized or printed."
        ),
    )
    timeout: float | tuple[float, float] | None = Field(
        default=None,
        description="Seconds, or (connect, read); read is also the stream's idle limit.",
    )
    max_retries: int = Field(default=2, ge=0, description="Retries before any output.")
    proxy: str | None = Field(
        default=None,
        repr=False,
        exclude=True,  # a proxy URL may carry credentials: never printed or serialized
        description="Proxy URL; env HUGGINGCHAT_PROXY.",
    )
    web_search: bool = Field(default=False, description="Turn the server's web search on.")
    allow_insecure_http: bool = Field(
        default=False, description="Allow the session cookie over plain http to other hosts."
    )
    cleanup_on_close: bool = Field(
        default=False, description="Delete the conversations this LLM created on close()."
    )
    resolve_message_ids: bool = Field(
        default=False,
        description=(
            "2024 servers: read the conversation after each turn so additional_kwargs has "
            "message_id (2026 servers always fill it from a read beside the stream)."
        ),
    )
    conversation_id: str | None = Field(
        default=None, description="Send every call into this existing server conversation."
    )
    client_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Further hfchat.HuggingChatClient keyword arguments."
    )
    temperature: float | None = Field(default=None, description="Not supported (warns).")
    max_tokens: int | None = Field(default=None, description="Not supported (warns).")
    top_p: float | None = Field(default=None, description="Not supported (warns).")
    top_k: int | None = Field(default=None, description="Not supported (warns).")
    seed: int | None = Field(default=None, description="Not supported (warns).")
    frequency_penalty: float | None = Field(default=None, description="Not supported (warns).")
    presence_penalty: float | None = Field(default=None, description="Not supported (warns).")
    model_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Other model parameters (unknown keywords land here); none applied (warns).",
    )
    context_window: int = Field(
        default=DEFAULT_CONTEXT_WINDOW, gt=0, description="Context window assumed, in tokens."
    )
    num_output: int = Field(
        default=DEFAULT_NUM_OUTPUT, gt=0, description="Answer length assumed, in tokens."
    )
    structured_output_retries: int = Field(
        default=1,
        ge=0,
        description=(
            "Corrective follow-ups (same conversation) after a reply that is not valid "
            "structured output, before structured_predict raises StructuredOutputError."
        ),
    )

    _lazy: LazyClients = PrivateAttr(default_factory=LazyClients)
    _warned_unsupported: bool = PrivateAttr(default=False)

    def __init__(
        self,
        model: str | None = None,
        *,
        base_url: str | None = None,
        hf_chat_cookie: str | SecretStr | None = None,
        timeout: float | tuple[float, float] | None = None,
        max_retries: int = 2,
        proxy: str | None = None,
        web_search: bool = False,
        allow_insecure_http: bool = False,
        cleanup_on_close: bool = False,
        resolve_message_ids: bool = False,
        conversation_id: str | None = None,
        client_kwargs: dict[str, Any] | None = None,
        context_window: int = DEFAULT_CONTEXT_WINDOW,
        num_output: int = DEFAULT_NUM_OUTPUT,
        api_key: str | SecretStr | None = None,
        model_name: str | None = None,
        model_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Arguments are the fields above (``api_key`` is an alias of ``hf_chat_cookie``,
        ``model_name`` of ``model``); ``impersonate``, ``max_connections``,
        ``max_retry_wait`` and ``conversation_cache_size`` are deprecated keywords that land in
        ``client_kwargs``; other known ``kwargs`` go to LlamaIndex's ``LLM``
        (``system_prompt``, ``callback_manager``, ...); unknown ones warn and go to
        ``model_kwargs``."""
        legacy = {n: kwargs.pop(n) for n in CLIENT_KWARGS_ONLY if n in kwargs}
        if legacy:
            client_kwargs = route_deprecated("HuggingChatLLM", legacy, client_kwargs)
        check_client_kwargs(client_kwargs or {})
        extra = dict(model_kwargs or {})
        known = set(type(self).model_fields)
        for name in list(kwargs):
            if name not in known:
                warnings.warn(
                    f"{name} is not a parameter of HuggingChatLLM; it was transferred to "
                    f"model_kwargs. Please confirm that {name} is what you intended.",
                    UserWarning,
                    stacklevel=2,
                )
                extra[name] = kwargs.pop(name)
        cookie = hf_chat_cookie if hf_chat_cookie is not None else api_key
        super().__init__(
            model=model if model is not None else model_name,
            base_url=base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or None,
            hf_chat_cookie=cookie if cookie is not None else _cookie_from_env(),
            timeout=timeout,
            max_retries=max_retries,
            proxy=proxy,
            web_search=web_search,
            allow_insecure_http=allow_insecure_http,
            cleanup_on_close=cleanup_on_close,
            resolve_message_ids=resolve_message_ids,
            conversation_id=conversation_id,
            client_kwargs=dict(client_kwargs or {}),
            context_window=context_window,
            num_output=num_output,
            model_kwargs=extra,
            **kwargs,
        )
        self._warn_unsupported({})

    @field_serializer("base_url")
    def _masked_base_url(self, value: str | None) -> str | None:
        return redact_url(value)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "base_url" else value

    def _warn_unsupported(self, call_kwargs: dict[str, Any]) -> None:
        warn_unsupported_once(self, call_kwargs)

    # -- deprecated attributes (these options moved to client_kwargs, as in ChatHuggingChat) ----
    @property
    def impersonate(self) -> str:
        """Deprecated: ``client_kwargs["impersonate"]`` (default ``"chrome"``)."""
        return client_kwargs_option("HuggingChatLLM", self.client_kwargs, "impersonate")  # type: ignore[no-any-return]

    @property
    def max_connections(self) -> int:
        """Deprecated: ``client_kwargs["max_connections"]``."""
        return client_kwargs_option("HuggingChatLLM", self.client_kwargs, "max_connections")  # type: ignore[no-any-return]

    @property
    def max_retry_wait(self) -> float:
        """Deprecated: ``client_kwargs["max_retry_wait"]``."""
        return client_kwargs_option("HuggingChatLLM", self.client_kwargs, "max_retry_wait")  # type: ignore[no-any-return]

    @property
    def conversation_cache_size(self) -> int:
        """Deprecated: ``client_kwargs["conversation_cache_size"]``."""
        return client_kwargs_option(  # type: ignore[no-any-return]
            "HuggingChatLLM", self.client_kwargs, "conversation_cache_size"
        )

    def get_num_tokens(self, text: str) -> int:
        """An approximate token count, offline (see :mod:`hfchat.adapter_support`)."""
        return len(approximate_token_ids(text))

    @classmethod
    def class_name(cls) -> str:
        """The name LlamaIndex serializes this LLM under."""
        return "HuggingChatLLM"

    @property
    def metadata(self) -> LLMMetadata:
        """Context window, output size and capabilities (chat model, function calling) as
        LlamaIndex reads them.
        """
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.num_output,
            is_chat_model=True,
            is_function_calling_model=True,
            model_name=self.model or "huggingchat",
            system_role=MessageRole.SYSTEM,
        )

    # -- clients ----------------------------------------------------------------------------------
    def _client_kwargs(self) -> dict[str, Any]:
        cookie = self.hf_chat_cookie.get_secret_value() if self.hf_chat_cookie else None
        fields = {
            "base_url": self.base_url,
            "hf_chat_cookie": cookie,
            "model": self.model,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "proxy": self.proxy,
            "web_search": self.web_search,
            "allow_insecure_http": self.allow_insecure_http,
            "cleanup_on_close": self.cleanup_on_close,
            "resolve_message_ids": self.resolve_message_ids,
        }
        return client_options(fields, self.client_kwargs)

    def _clients(self) -> tuple[hfchat.HuggingChatClient, hfchat.AsyncHuggingChatClient]:
        return self._lazy.get(self._client_kwargs)

    @property
    def client(self) -> hfchat.HuggingChatClient:
        """The synchronous hfchat client (created on first use)."""
        return self._clients()[0]

    @property
    def async_client(self) -> hfchat.AsyncHuggingChatClient:
        """The asynchronous hfchat client (created on first use; shares the sync one's state)."""
        return self._clients()[1]

    def close(self) -> None:
        """Close the connections (and delete created conversations if ``cleanup_on_close``);
        the next call opens new ones."""
        self._lazy.close()

    async def aclose(self) -> None:
        """Close the connections from async code (the async client's too)."""
        await self._lazy.aclose()

    # -- one turn ---------------------------------------------------------------------------------
    def _turn(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
    ) -> tuple[list[hfchat.ChatMessage], dict[str, Any]]:
        """The core's messages and ``stream_chat`` arguments for one call."""
        self._warn_unsupported(kwargs)
        core_messages = to_core_messages(messages, self.system_prompt)
        web_search = kwargs.get("web_search")
        turn: dict[str, Any] = {
            "model": kwargs.get("model") or self.model,
            "web_search": self.web_search if web_search is None else bool(web_search),
            "conversation_id": kwargs.get("conversation_id", self.conversation_id),
        }
        tools = kwargs.get("tools")
        if tools:
            turn["tools"] = to_tool_specs(tools)
            turn["tool_choice"] = resolve_tool_choice(
                kwargs.get("tool_choice"), bool(kwargs.get("tool_required"))
            )
        return core_messages, turn

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """One turn through :meth:`hfchat.HuggingChatClient.chat`; the answer with its tool
        calls and turn metadata. Raises the client's :class:`~hfchat.errors.HuggingChatError`.
        """
        core_messages, turn = self._turn(messages, kwargs)
        result = self.client.chat(core_messages, **turn)
        return response_from_result(result)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async :meth:`chat`, through :class:`hfchat.AsyncHuggingChatClient`."""
        core_messages, turn = self._turn(messages, kwargs)
        result = await self.async_client.chat(core_messages, **turn)
        return response_from_result(result)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """One turn as a generator of :class:`ChatResponse` chunks (``delta`` the new text;
        the last carries the metadata and tool calls).
        """
        core_messages, turn = self._turn(messages, kwargs)
        client = self.client

        def gen() -> ChatResponseGen:
            chunks = TurnChunks()
            for event in client.stream_chat(core_messages, **turn):
                response = chunks.feed(event)
                if response is not None:
                    yield response

        return gen()

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        """Async :meth:`stream_chat`."""
        core_messages, turn = self._turn(messages, kwargs)
        client = self.async_client

        async def gen() -> ChatResponseAsyncGen:
            chunks = TurnChunks()
            async for event in client.stream_chat(core_messages, **turn):
                response = chunks.feed(event)
                if response is not None:
                    yield response

        return gen()

    # -- completion (through chat) ----------------------------------------------------------------
    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """``prompt`` as one user message through :meth:`chat`."""
        return chat_to_completion_decorator(self.chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Async :meth:`complete`."""
        return await achat_to_completion_decorator(self.achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        """``prompt`` as one user message through :meth:`stream_chat`."""
        return stream_chat_to_completion_decorator(self.stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Async :meth:`stream_complete`."""
        return await astream_chat_to_completion_decorator(self.astream_chat)(prompt, **kwargs)

    # -- function calling -------------------------------------------------------------------------
    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        messages = list(chat_history or [])
        if isinstance(user_msg, str):
            messages.append(ChatMessage(role=MessageRole.USER, content=user_msg))
        elif user_msg is not None:
            messages.append(user_msg)
        return {
            "messages": messages,
            "tools": to_tool_specs(tools) or None,
            "tool_choice": resolve_tool_choice(tool_choice, tool_required),
            **kwargs,
        }

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        if not allow_parallel_tool_calls:
            _keep_first_tool_call(response)
        return response

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        """The tool calls of ``response`` as LlamaIndex ``ToolSelection`` objects; raises
        ``ValueError`` when there is none and ``error_on_no_tool_call`` is set.
        """
        selections = tool_selections(response)
        if not selections and error_on_no_tool_call:
            raise ValueError("Expected at least one tool call, but got 0 tool calls.")
        return selections

    # -- structured output -------------------------------------------------------------------------
    def _structured(self, output_cls: type[Model], prompt: Any, prompt_args: Any) -> Any:
        """A :class:`StructuredCall` when the adapter reads the output itself (the default and
        function program modes), else None (LlamaIndex's own program runs)."""
        if self.pydantic_program_mode not in (
            PydanticProgramMode.DEFAULT,
            PydanticProgramMode.FUNCTION,
        ):
            return None
        messages = self._get_messages(prompt, **prompt_args)
        return StructuredCall(output_cls, messages, self.structured_output_retries)

    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """``output_cls`` from the model: the class is offered as a forced tool, the reply read
        tolerantly (tool call in any known shape, or the JSON itself, fenced, in prose or almost
        JSON); ``structured_output_retries`` corrective follow-ups, then
        :class:`hfchat.tools.StructuredOutputError` (a ``ValueError``)."""
        call = self._structured(output_cls, prompt, prompt_args)
        if call is None:
            return super().structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
        return call.run(self.chat, llm_kwargs)  # type: ignore[no-any-return]

    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async :meth:`structured_predict`."""
        call = self._structured(output_cls, prompt, prompt_args)
        if call is None:
            return await super().astructured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
        return await call.arun(self.achat, llm_kwargs)  # type: ignore[no-any-return]

    def stream_structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | FlexibleModel, None, None]:
        """:meth:`structured_predict` as a stream: the checked object, once."""
        call = self._structured(output_cls, prompt, prompt_args)
        if call is None:
            return super().stream_structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)

        def gen() -> Generator[Model | FlexibleModel, None, None]:
            yield call.run(self.chat, llm_kwargs)

        return gen()

    async def astream_structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | FlexibleModel, None]:
        """Async :meth:`stream_structured_predict`."""
        call = self._structured(output_cls, prompt, prompt_args)
        if call is None:
            return await super().astream_structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )

        async def gen() -> AsyncGenerator[Model | FlexibleModel, None]:
            yield await call.arun(self.achat, llm_kwargs)

        return gen()


def _keep_first_tool_call(response: ChatResponse) -> None:
    message = response.message
    seen = False
    blocks = []
    for block in message.blocks:
        if isinstance(block, ToolCallBlock):
            if seen:
                continue
            seen = True
        blocks.append(block)
    message.blocks = blocks
    calls = message.additional_kwargs.get("tool_calls")
    if isinstance(calls, list) and len(calls) > 1:
        message.additional_kwargs["tool_calls"] = calls[:1]
