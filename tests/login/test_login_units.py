"""Login without a browser: finding the browser, flags, cookie picking, the store, logout, the
CLI's error paths, and the emulator's login pages driven over plain HTTP."""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import stat
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from curl_cffi import requests as curl

from hfchat import AuthenticationError, ConfigurationError, HuggingChatClient, store
from hfchat import browser as browser_mod
from hfchat.cli import main
from hfchat.login import alogin, login, logout, pick_session_cookies
from hfchat.testing import FakeHuggingChat, login_pages

from .conftest import EMAIL, PASSWORD, files_containing

# -- finding the browser --------------------------------------------------------------------------


@pytest.fixture
def no_browser_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(browser_mod, "_KNOWN_PATHS", ())
    monkeypatch.setattr(browser_mod, "_WINDOWS_DIRS", ())


def test_no_browser_gives_configuration_error_with_install_hint(no_browser_anywhere: None) -> None:
    with pytest.raises(ConfigurationError) as info:
        browser_mod.find_browser()
    assert "apt-get install chromium" in str(info.value)
    assert "HFCHAT_BROWSER" in str(info.value)


def test_login_without_browser_fails_before_anything_starts(
    no_browser_anywhere: None, config_dir: Path
) -> None:
    with pytest.raises(ConfigurationError, match="apt-get install chromium"):
        login("http://127.0.0.1:9", headless=True, timeout=5)
    assert store.load("http://127.0.0.1:9") is None


def test_cli_login_without_browser_exits_2_with_hint(
    no_browser_anywhere: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_EMAIL", EMAIL)  # --headless is refused earlier without them
    monkeypatch.setenv("HF_PASSWORD", PASSWORD)
    code = main(["--base-url", "http://127.0.0.1:9", "login", "--headless"], out=io.StringIO())
    assert code == 2
    assert "apt-get install chromium" in capsys.readouterr().err


def test_explicit_browser_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-chrome")
    with pytest.raises(ConfigurationError, match="does not exist"):
        browser_mod.find_browser(missing)
    monkeypatch.setenv("HFCHAT_BROWSER", missing)
    with pytest.raises(ConfigurationError, match="apt-get install chromium"):
        browser_mod.find_browser()


def test_browser_lookup_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("chromium", "my-chrome"):
        exe = bin_dir / name
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert browser_mod.find_browser() == str(bin_dir / "chromium")
    monkeypatch.setenv("HFCHAT_BROWSER", "my-chrome")
    assert browser_mod.find_browser() == str(bin_dir / "my-chrome")
    assert browser_mod.find_browser(bin_dir / "chromium") == str(bin_dir / "chromium")


def test_browser_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_mod, "_is_root", lambda: True)
    args = browser_mod.browser_args(tmp_path, headless=True)
    for flag in (
        "--headless=new",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--remote-debugging-port=0",
        f"--user-data-dir={tmp_path}",
    ):
        assert flag in args
    monkeypatch.setattr(browser_mod, "_is_root", lambda: False)
    visible = browser_mod.browser_args(tmp_path, headless=False)
    assert "--no-sandbox" not in visible
    assert not any(a.startswith("--headless") for a in visible)


def test_a_browser_that_dies_at_start_up_is_reported(tmp_path: Path) -> None:
    fake_browser = tmp_path / "broken-chrome"
    fake_browser.write_text("#!/bin/sh\necho 'Missing X server or $DISPLAY' >&2\nexit 1\n")
    fake_browser.chmod(0o755)
    proc = browser_mod.BrowserProcess.launch(str(fake_browser), headless=False)
    try:
        proc.proc.wait(10)
        with pytest.raises(ConfigurationError, match="--headless"):
            proc.read_port()
    finally:
        proc.close()
    assert not proc.workdir.exists()


# -- arguments ------------------------------------------------------------------------------------


async def test_argument_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="both an email and a password"):
        await alogin("http://127.0.0.1:9", email="someone@example.com")
    monkeypatch.setenv("HF_PASSWORD", "only-the-password")
    with pytest.raises(ConfigurationError, match="both an email and a password"):
        await alogin("http://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match="positive"):
        await alogin("http://127.0.0.1:9", timeout=0)
    with pytest.raises(ConfigurationError, match="http"):
        await alogin("ftp://example.com")


def test_picking_session_cookies() -> None:
    def c(name: str, value: str, domain: str, path: str = "/") -> SimpleNamespace:
        return SimpleNamespace(name=name, value=value, domain=domain, path=path)

    jar = [
        c("hf-chat", "root", "huggingface.co"),
        c("hf-chat", "chat", "huggingface.co", "/chat"),
        c("hf-chat", "other-app", "huggingface.co", "/other"),
        c("token", "hub", ".huggingface.co"),
        c("hf-chat", "elsewhere", "example.com"),
        c("token", "sub", "api.huggingface.co"),
        c("session", "x", "huggingface.co"),
    ]
    assert pick_session_cookies(jar, "https://huggingface.co/chat") == {
        "hf-chat": "chat",
        "token": "hub",
    }
    assert pick_session_cookies(jar, "https://huggingface.co") == {
        "hf-chat": "root",
        "token": "hub",
    }
    loopback = [c("hf-chat", "a", "127.0.0.1"), c("token", "t", "127.0.0.1")]
    assert pick_session_cookies(loopback, "http://127.0.0.1:8080") == {"hf-chat": "a", "token": "t"}
    assert pick_session_cookies(loopback, "http://localhost:8080") == {}


# -- the store ------------------------------------------------------------------------------------


def test_store_is_private_atomic_and_per_base_url(
    config_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    base = "https://huggingface.co/chat"
    path = store.save(base + "/", {"hf-chat": "secret-session", "token": "secret-token"}, user="u")
    assert path == store.path_for(base)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    assert store.load(base) == {"hf-chat": "secret-session", "token": "secret-token"}
    assert store.load("https://other.example/chat") is None
    record = store.load_record(base)
    assert record is not None and record["user"] == "u" and record["base_url"] == base
    store.save(base, {"hf-chat": "second"})
    assert store.load(base) == {"hf-chat": "second"}
    path.chmod(0o644)
    store.load(base)
    assert "readable by other users" in caplog.text
    assert "second" not in caplog.text and "secret" not in caplog.text
    assert store.delete(base) is True
    assert store.delete(base) is False
    assert store.load(base) is None


def test_store_ignores_a_damaged_file(config_dir: Path) -> None:
    base = "https://huggingface.co/chat"
    path = store.path_for(base)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert store.load(base) is None
    path.write_text('{"cookies": ["hf-chat"]}')
    assert store.load(base) is None


def test_clients_pick_up_the_stored_session(config_dir: Path) -> None:
    with FakeHuggingChat(require_login=True) as fake:
        store.save(fake.base_url, {"hf-chat": fake.new_logged_in_cookie()})
        with HuggingChatClient(base_url=fake.base_url) as client:
            assert client.whoami()["username"] == "emulator-user"  # type: ignore[index]
            assert "session='store'" in repr(client)


# -- logout ---------------------------------------------------------------------------------------


def test_logout_calls_the_server_then_forgets(config_dir: Path, workdir: Path) -> None:
    with FakeHuggingChat(require_login=True) as fake:
        cookie = fake.new_logged_in_cookie()
        store.save(fake.base_url, {"hf-chat": cookie})
        out = io.StringIO()
        assert main(["--base-url", fake.base_url, "logout"], out=out) == 0
        assert "Logged out" in out.getvalue() and cookie not in out.getvalue()
        posts = [r for r in fake.requests if r.method == "POST" and r.path == "/logout"]
        assert len(posts) == 1
        assert posts[0].headers["origin"] == fake.origin
        assert posts[0].cookies == {"hf-chat": cookie}
        assert cookie not in fake.store.sessions
    assert store.load(fake.base_url) is None
    assert files_containing(config_dir, cookie) == []
    assert files_containing(workdir, cookie) == []
    again = io.StringIO()
    assert main(["--base-url", fake.base_url, "logout"], out=again) == 0
    assert "No stored session" in again.getvalue()


def test_logout_tolerates_an_unreachable_server(config_dir: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    store.save(base, {"hf-chat": "x" * 36})
    assert logout(base, timeout=2) is True
    assert store.load(base) is None
    assert logout(base) is False


def test_logout_never_sends_the_cookie_over_plain_http(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(curl, "post", lambda *a, **k: calls.append((a, k)))
    store.save("http://chat.example.com", {"hf-chat": "y" * 36})
    assert logout("http://chat.example.com") is True
    assert calls == []


# -- the emulator's login pages -------------------------------------------------------------------


def _get(url: str, cookies: dict[str, str] | None = None) -> curl.Response:
    return curl.get(url, allow_redirects=False, cookies=cookies, timeout=5)


def _set_cookies(resp: curl.Response) -> dict[str, str]:
    out = {}
    for header in resp.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        out[name] = rest.split(";")[0]
    return out


def _start(fake: FakeHuggingChat) -> tuple[str, str, dict[str, str]]:
    """GET /login → (authorize URL, state, cookies)."""
    first = _get(f"{fake.base_url}/login")
    assert first.status_code == 302
    cookies = _set_cookies(first)
    location = first.headers["location"]
    assert location.startswith(f"{fake.base_path}/login/oauth/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["redirect_uri"] == [f"{fake.base_url}/login/callback"]
    return fake.origin + location, query["state"][0], cookies


def _submit(fake: FakeHuggingChat, url: str, cookies: dict[str, str], **form: str) -> curl.Response:
    return curl.post(
        url,
        data=form,
        cookies=cookies,
        headers={"origin": fake.origin},
        allow_redirects=False,
        timeout=5,
    )


@pytest.mark.parametrize(("generation", "base_path"), [("2026", ""), ("2024", "/chat")])
def test_emulator_login_flow_over_http(generation: str, base_path: str) -> None:
    with FakeHuggingChat(generation=generation, base_path=base_path, require_login=True) as fake:
        authorize, state, cookies = _start(fake)
        session = cookies["hf-chat"]
        create = curl.post(
            f"{fake.base_url}/conversation",
            json={"model": "fake/echo", "preprompt": ""},
            cookies=cookies,
            headers={"origin": fake.origin},
            timeout=5,
        )
        assert create.status_code == 401 and "You have to be logged in." in create.text

        form = _get(authorize, cookies)
        assert form.status_code == 200 and "text/html" in form.headers["content-type"]
        for field in ('name="username"', 'name="password"', 'type="submit"'):
            assert field in form.text
        action = re.search(r'action="([^"]+)"', form.text)
        assert action is not None

        done = _submit(fake, authorize, cookies, username="anyone", password="anything")
        assert done.status_code == 302
        token = _set_cookies(done)["token"]
        callback = done.headers["location"]
        assert callback.startswith(f"{fake.base_url}/login/callback?")
        assert parse_qs(urlsplit(callback).query)["state"] == [state]

        home = _get(callback, {**cookies, "token": token})
        assert home.status_code == 302 and home.headers["location"] == f"{fake.base_path}/"
        assert fake.store.sessions[session].user is not None
        page = _get(fake.base_url + "/", cookies)
        assert page.status_code == 200 and "Signed in as emulator-user" in page.text
        create = curl.post(
            f"{fake.base_url}/conversation",
            json={"model": "fake/echo", "preprompt": ""},
            cookies=cookies,
            headers={"origin": fake.origin},
            timeout=5,
        )
        assert create.status_code == 200


def test_emulator_login_pages_can_require_credentials() -> None:
    with FakeHuggingChat(require_login=True) as fake:
        login_pages(fake).require("alice", PASSWORD)
        authorize, _, cookies = _start(fake)
        wrong = _submit(fake, authorize, cookies, username="alice", password="nope")
        assert wrong.status_code == 200 and "Invalid username or password." in wrong.text
        assert "token" not in _set_cookies(wrong)
        empty = _submit(fake, authorize, cookies, username="", password="")
        assert "Invalid username or password." in empty.text
        by_email = _submit(fake, authorize, cookies, username=EMAIL, password=PASSWORD)
        assert by_email.status_code == 302
        login_pages(fake).accept_any()
        authorize2, _, cookies2 = _start(fake)
        assert _submit(fake, authorize2, cookies2, username="x", password="y").status_code == 302


def test_emulator_login_rejects_bad_requests() -> None:
    with FakeHuggingChat(require_login=True) as fake:
        authorize, state, cookies = _start(fake)
        assert _get(authorize.replace(state, "forged"), cookies).status_code == 400
        assert _get(f"{fake.base_url}/login/callback?error=access_denied").status_code == 400
        bad = _get(f"{fake.base_url}/login/callback?code=guess&state={state}", cookies)
        assert bad.status_code == 400
        no_origin = curl.post(
            authorize, data={"username": "a", "password": "b"}, allow_redirects=False, timeout=5
        )
        assert no_origin.status_code == 403
        assert all(s.user is None for s in fake.store.sessions.values())


def test_emulator_skips_the_form_for_a_signed_in_hub_session() -> None:
    with FakeHuggingChat(require_login=True) as fake:
        authorize, _, cookies = _start(fake)
        done = _submit(fake, authorize, cookies, username="a", password="b")
        token = _set_cookies(done)["token"]
        authorize2, _, cookies2 = _start(fake)
        again = _get(authorize2, {**cookies2, "token": token})
        assert again.status_code == 302
        assert again.headers["location"].startswith(f"{fake.base_url}/login/callback?")


def test_emulator_post_login_2024_style() -> None:
    with FakeHuggingChat(generation="2024", require_login=True) as fake:
        resp = curl.post(
            f"{fake.base_url}/login",
            headers={"origin": fake.origin},
            allow_redirects=False,
            timeout=5,
        )
        assert resp.status_code == 303
        assert "/login/oauth/authorize?" in resp.headers["location"]


def test_no_secret_in_error_messages(config_dir: Path) -> None:
    with FakeHuggingChat(require_login=True) as fake:
        cookie = fake.new_logged_in_cookie()
        store.save(fake.base_url, {"hf-chat": cookie})
        fake.store.logout(cookie)  # the stored session expired on the server
        with HuggingChatClient(base_url=fake.base_url) as client:
            with pytest.raises(AuthenticationError) as info:
                client.chat("hi", model="fake/echo")
            text = f"{info.value} {info.value!r} {info.value.body} {client!r}"
    assert "hfchat login" in str(info.value)
    assert cookie not in text
    assert os.environ.get("HUGGINGCHAT_COOKIE") is None


def test_reprs_hide_credentials_and_cookies() -> None:
    from hfchat.login import _Watch

    watch = _Watch(base="http://127.0.0.1:1", credentials=("someone@example.com", PASSWORD))
    watch.due(("session-cookie-value", "token-cookie-value", "http://127.0.0.1:1/"), 0.0)
    assert PASSWORD not in repr(watch)
    assert "session-cookie-value" not in repr(watch) and "token-cookie-value" not in repr(watch)
    with FakeHuggingChat() as fake:
        login_pages(fake).require("alice", PASSWORD)
        assert PASSWORD not in repr(login_pages(fake))
