"""``ChatHuggingChat``: HuggingChat (huggingface/chat-ui) as a LangChain chat model."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import aclosing, closing
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils import from_env, get_pydantic_field_names, secret_from_env
from langchain_core.utils.utils import _build_model_kwargs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_serializer,
    model_validator,
)

import hfchat
from hfchat.adapter_support import (
    CLIENT_KWARGS_ONLY,
    LazyClients,
    approximate_token_ids,
    check_client_kwargs,
    client_options,
    redact_url,
    route_deprecated,
    warn_unsupported_once,
)

from . import _blocks
from ._messages import PROVIDER, StopCutter, result_to_message
from ._messages import event_to_generation as _generation
from ._messages import to_core_messages as _to_core_messages
from ._tools import (
    StructuredMethod,
    format_tools,
    normalize_tool_choice,
    response_format_instruction,
    structured_chain,
    tool_specs,
)

__all__ = ["ChatHuggingChat"]

_blocks.register()


class ChatHuggingChat(BaseChatModel):
    """HuggingChat chat model (huggingface/chat-ui, the hosted service or a self-hosted one).

    Setup:
        ``pip install -e ".[langchain]"`` from a checkout (``pip install "hfchat[langchain]"``
        once published); log in with ``hfchat login`` or pass the ``hf-chat``
        session cookie (``hf_chat_cookie=`` / ``api_key=``, or env ``HUGGINGCHAT_COOKIE``).

    Key init args:
        model: model id (alias ``model_name``); None lets the server pick its first model.
        base_url: chat-ui base URL; default ``https://huggingface.co/chat``
            (env ``HUGGINGCHAT_BASE_URL``).
        hf_chat_cookie: the session cookie (``SecretStr``; alias ``api_key``).
        timeout: seconds; also the idle limit between two pieces of a stream.
        max_retries: retries before any output (429, 502-504, connection failures).
        proxy: proxy URL (env ``HUGGINGCHAT_PROXY``).
        web_search: turn the server's web search on (per call: ``web_search=``).
        conversation_id: pin every call to this server conversation (per call too).
        stop: stop sequences, applied client-side (the answer is cut before the first one).
        temperature, max_tokens, top_p, top_k, seed, frequency_penalty, presence_penalty,
            model_kwargs: accepted for compatibility but **not supported by HuggingChat** (the
            server decides them per model): a warning once per instance, and they are not
            reported to tracing as applied. An unknown keyword (``temprature=0.5``) warns and
            lands in ``model_kwargs``, as with ``ChatOpenAI``.
        resolve_message_ids: 2024 servers only: read the conversation after each answer so
            that ``response_metadata["message_id"]`` is set (2026 servers always fill it from
            a read beside the answer stream, at no extra wait).
        cleanup_on_close: delete the conversations this model created on :meth:`close`.
        client_kwargs: further :class:`hfchat.HuggingChatClient` options (``impersonate``,
            ``max_connections``, ``max_retry_wait``, ``conversation_cache_size``, ...); the
            same in ``HuggingChatLLM``. Those four as keywords of their own still work, with
            a ``DeprecationWarning``, and land here.

    Token counts (``get_num_tokens``, ``trim_messages(token_counter=llm)``) are approximate and
    offline: no tokenizer download, no request (see :mod:`hfchat.adapter_support`).

    Instantiate::

        from langchain_hfchat import ChatHuggingChat

        llm = ChatHuggingChat(model="omni")
        llm.invoke("Hello!").content

    Stream (answer, reasoning and, at the end, the metadata)::

        for chunk in llm.stream("Why is the sky blue?"):
            print(chunk.additional_kwargs.get("reasoning_content", ""), chunk.text, sep="", end="")

    Tool calling (emulated through the prompt; tool calls come back as ``AIMessage.tool_calls``)::

        llm.bind_tools([get_weather], tool_choice="any").invoke("Weather in Paris?").tool_calls

    Structured output::

        llm.with_structured_output(Joke).invoke("Tell me a joke")

    Response metadata: ``model_name`` (the routed model when the server names it),
    ``model_provider="huggingchat"``, ``finish_reason`` (``"stop"`` or ``"interrupted"``),
    ``conversation_id``, ``message_id``, ``title``, ``sources`` (``[{"url", "title"}]``),
    ``files`` (URLs of generated files) and ``router`` when the server routed the message.
    Reasoning is in ``additional_kwargs["reasoning_content"]``; server-side tool activity (web
    search) in ``additional_kwargs["tool_activity"]``; both appear as standard content blocks
    in ``content_blocks`` and with ``output_version="v1"``.
    """

    model_name: str | None = Field(default=None, alias="model")
    """Model id; None lets the server choose (its first listed model)."""
    base_url: str | None = Field(default_factory=from_env("HUGGINGCHAT_BASE_URL", default=None))
    """chat-ui base URL, read from env ``HUGGINGCHAT_BASE_URL`` at construction; None:
    ``https://huggingface.co/chat``. Userinfo in it is masked in tracing and dumps."""
    hf_chat_cookie: SecretStr | None = Field(
        alias="api_key", default_factory=secret_from_env("HUGGINGCHAT_COOKIE", default=None)
    )
    """The ``hf-chat`` session cookie; None: env ``HUGGINGCHAT_COOKIE``, the login store, or
    an anonymous session."""
    timeout: float | tuple[float, float] | None = None
    """Seconds, or ``(connect, read)``; read is also the idle limit within a stream."""
    max_retries: int = Field(default=2, ge=0)
    """Retries of failed requests before any output."""
    proxy: str | None = Field(default=None, repr=False, exclude=True)
    """Proxy URL; None: env ``HUGGINGCHAT_PROXY``."""
    web_search: bool = False
    """Turn on the server's web search for every call."""
    temperature: float | None = None
    """Accepted for compatibility; HuggingChat does not let clients set it (warns)."""
    max_tokens: int | None = None
    """Accepted for compatibility; HuggingChat does not let clients set it (warns)."""
    top_p: float | None = None
    """Accepted for compatibility; HuggingChat does not let clients set it (warns)."""
    top_k: int | None = None
    """Accepted for compatibility; HuggingChat does not let clients set it (warns)."""
    seed: int | None = None
    """Accepted for compatibility; HuggingChat does not let clients set it (warns)."""
    frequency_penalty: float | None = None
    """Accepted for compatibility; HuggingChat does not let clients set it (warns)."""
    presence_penalty: float | None = None
    """Accepted for compatibility; HuggingChat does not let clients set it (warns)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other model parameters (unknown constructor keywords land here, with a warning, as with
    ``ChatOpenAI``); HuggingChat applies none of them (warns)."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences, applied client-side."""
    streaming: bool = False
    """Use the streaming path for ``invoke`` too (callbacks get every token)."""
    conversation_id: str | None = None
    """Send every call into this existing server conversation."""
    resolve_message_ids: bool = False
    """2024 servers: read the conversation once after each answer so that
    ``response_metadata["message_id"]`` is set. 2026 servers always fill it (a read beside the
    answer stream)."""
    cleanup_on_close: bool = False
    """Delete the conversations created by this model when it is closed."""
    allow_insecure_http: bool = False
    """Allow sending the cookie over plain http to a host that is not loopback."""
    client_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Further keyword arguments for :func:`hfchat.client_pair`."""
    structured_output_retries: int = Field(default=1, ge=0)
    """Corrective follow-ups (in the same conversation) after a reply that is not valid
    structured output, before ``with_structured_output`` raises ``OutputParserException``."""

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=())

    _lazy: LazyClients = PrivateAttr(default_factory=LazyClients)
    _warned_unsupported: bool = PrivateAttr(default=False)

    @model_validator(mode="before")
    @classmethod
    def _collect_extra_kwargs(cls, values: Any) -> Any:
        """Client options given as keywords of their own go to ``client_kwargs`` (with a
        ``DeprecationWarning``, as in ``HuggingChatLLM``); other unknown keywords go to
        ``model_kwargs`` with a warning (what ``ChatOpenAI`` does)."""
        if not isinstance(values, dict):
            return values
        values = dict(values)
        legacy = {n: values.pop(n) for n in CLIENT_KWARGS_ONLY if n in values}
        if legacy:
            values["client_kwargs"] = route_deprecated(
                "ChatHuggingChat", legacy, values.get("client_kwargs")
            )
        return _build_model_kwargs(values, get_pydantic_field_names(cls))

    @field_serializer("base_url")
    def _masked_base_url(self, value: str | None) -> str | None:
        return redact_url(value)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "base_url" else value

    def to_json(self) -> Any:
        """LangChain's serialized form, with credentials in ``base_url`` masked."""
        data = super().to_json()
        kwargs = data.get("kwargs")
        if isinstance(kwargs, dict) and isinstance(kwargs.get("base_url"), str):
            kwargs["base_url"] = redact_url(kwargs["base_url"])
        return data

    def model_post_init(self, context: Any, /) -> None:
        """Warn once if parameters HuggingChat ignores were set."""
        super().model_post_init(context)
        self._warn_unsupported({})

    if not TYPE_CHECKING:  # type checkers keep pydantic's keyword signature

        def __init__(self, **kwargs: Any) -> None:
            """The fields above as keywords; ``client_kwargs`` are validated now (no I/O): a
            bad or unknown option is a :class:`~hfchat.errors.ConfigurationError` here."""
            super().__init__(**kwargs)
            check_client_kwargs(self.client_kwargs)

    def _warn_unsupported(self, call_kwargs: dict[str, Any]) -> None:
        warn_unsupported_once(self, call_kwargs)

    # -- LangChain identity ---------------------------------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "huggingchat"

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The fields LangChain's serializer replaces by environment variable names."""
        # a proxy URL may carry credentials too
        return {"hf_chat_cookie": "HUGGINGCHAT_COOKIE", "proxy": "HUGGINGCHAT_PROXY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """True: the model serializes with ``langchain_core.load.dumpd`` (secrets left out)."""
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """The import path LangChain's loader uses for this class."""
        return ["langchain_hfchat", "chat_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_name": self.model_name,
            "base_url": redact_url(self.base_url),
            "web_search": self.web_search,
            "conversation_id": self.conversation_id,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "stop": self.stop,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=kwargs.get("model") or self.model_name or "default",
            ls_model_type="chat",
        )
        # temperature and max_tokens are never reported: HuggingChat does not apply them
        ls_stop = stop if stop is not None else self.stop
        if ls_stop:
            params["ls_stop"] = ls_stop
        return params

    def get_token_ids(self, text: str) -> list[int]:
        """Approximate token ids, computed offline (no tokenizer download, no request)."""
        return approximate_token_ids(text)

    # -- clients (created on first use; never in __init__) -----------------------------------------
    def _client_options(self) -> dict[str, Any]:
        cookie = self.hf_chat_cookie
        fields: dict[str, Any] = {
            "base_url": self.base_url,
            "hf_chat_cookie": cookie.get_secret_value() if cookie else None,
            "model": self.model_name,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "proxy": self.proxy,
            "web_search": self.web_search,
            "allow_insecure_http": self.allow_insecure_http,
            "resolve_message_ids": self.resolve_message_ids,
            "cleanup_on_close": self.cleanup_on_close,
        }
        return client_options(fields, self.client_kwargs)

    def _pair(self) -> tuple[hfchat.HuggingChatClient, hfchat.AsyncHuggingChatClient]:
        return self._lazy.get(self._client_options)

    @property
    def client(self) -> hfchat.HuggingChatClient:
        """The sync :class:`hfchat.HuggingChatClient` (shares its state with the async one)."""
        return self._pair()[0]

    @property
    def async_client(self) -> hfchat.AsyncHuggingChatClient:
        """The async :class:`hfchat.AsyncHuggingChatClient`."""
        return self._pair()[1]

    @property
    def created_conversations(self) -> list[str]:
        """Ids of the server conversations this model created (and has not deleted)."""
        return self.client.created_conversations if self._lazy.created else []

    def delete_created_conversations(self) -> int:
        """Delete every conversation this model created; the number deleted."""
        return self.client.delete_created_conversations() if self._lazy.created else 0

    async def adelete_created_conversations(self) -> int:
        """Async :meth:`delete_created_conversations`."""
        if not self._lazy.created:
            return 0
        return await self.async_client.delete_created_conversations()

    def close(self) -> None:
        """Close connections (deleting created conversations if ``cleanup_on_close``); the
        next call opens new ones."""
        self._lazy.close()

    async def aclose(self) -> None:
        """Async :meth:`close` (also closes the async connections)."""
        await self._lazy.aclose()

    def __enter__(self) -> ChatHuggingChat:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> ChatHuggingChat:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- one call -------------------------------------------------------------------------------
    def _prepare(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> tuple[list[hfchat.ChatMessage], dict[str, Any], StopCutter | None]:
        self._warn_unsupported(kwargs)
        history = _to_core_messages(messages)
        instruction = response_format_instruction(kwargs.get("response_format"))
        if instruction:
            history.append(hfchat.ChatMessage("system", instruction))
        tools = format_tools(kwargs["tools"]) if kwargs.get("tools") else None
        choice = None
        if tools:
            names = [t["function"]["name"] for t in tools]
            choice = normalize_tool_choice(kwargs.get("tool_choice"), names)
        options = {
            "model": kwargs.get("model") or self.model_name,
            "tools": tool_specs(tools),
            "tool_choice": choice,
            "web_search": kwargs.get("web_search"),
            "conversation_id": kwargs.get("conversation_id", self.conversation_id),
        }
        stops = stop if stop is not None else self.stop
        return history, options, StopCutter(stops) if stops else None

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        history, options, cutter = self._prepare(messages, stop, kwargs)
        result = self.client.chat(history, **options)
        return ChatResult(generations=[ChatGeneration(message=result_to_message(result, cutter))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        history, options, cutter = self._prepare(messages, stop, kwargs)
        result = await self.async_client.chat(history, **options)
        return ChatResult(generations=[ChatGeneration(message=result_to_message(result, cutter))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        history, options, cutter = self._prepare(messages, stop, kwargs)
        with closing(self.client.stream_chat(history, **options)) as events:  # type: ignore[type-var]
            for event in events:
                generation = _generation(event, cutter)
                if generation is None:
                    continue
                if run_manager:
                    run_manager.on_llm_new_token(generation.text, chunk=generation)
                yield generation

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        history, options, cutter = self._prepare(messages, stop, kwargs)
        stream = self.async_client.stream_chat(history, **options)
        async with aclosing(stream) as events:  # type: ignore[type-var]
            async for event in events:
                generation = _generation(event, cutter)
                if generation is None:
                    continue
                if run_manager:
                    await run_manager.on_llm_new_token(generation.text, chunk=generation)
                yield generation

    # -- tools and structured output ------------------------------------------------------------
    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` to the model (emulated through the system prompt).

        ``tool_choice``: ``"auto"`` (default), ``"any"``/``"required"``/``True`` (must call a
        tool), ``"none"``, a tool name, or the OpenAI/Anthropic dict forms.
        """
        formatted = format_tools(tools)
        choice = normalize_tool_choice(tool_choice, [t["function"]["name"] for t in formatted])
        if choice is not None:
            kwargs["tool_choice"] = choice
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        method: StructuredMethod = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """A runnable that returns ``schema``-shaped output.

        ``schema``: a pydantic class, a TypedDict or a JSON schema / OpenAI tool dict.
        ``method``: ``"function_calling"`` (a forced tool call, the default), ``"json_schema"``
        (the schema goes into the system prompt) or ``"json_mode"`` (any JSON object; describe
        the shape in the prompt). Replies are read tolerantly (a tool call in any shape the
        core knows, JSON bare, fenced, in prose or almost JSON); a reply that still does not fit
        gets ``structured_output_retries`` corrective follow-ups in the same conversation, then
        raises ``OutputParserException``. ``include_raw``: return ``{"raw", "parsed",
        "parsing_error"}`` instead of raising. ``strict`` is accepted and ignored (the server
        cannot enforce a schema).
        """
        if kwargs:
            raise ValueError(f"unsupported arguments: {sorted(kwargs)}")
        return structured_chain(self, schema, method=method, include_raw=include_raw, strict=strict)
