"""Token and base-URL resolution, and the refusal of plain http to remote hosts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from nexus_api_fakes import REFRESH_TOKEN

from qiskit_nexus_provider.api import (
    DEFAULT_BASE_URL,
    NexusClient,
    check_secure_url,
    is_loopback_host,
    resolve_base_url,
    resolve_credentials,
    token_directory,
)


def write_qnexus_tokens(directory: Path, refresh: str | None, access: str | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if refresh is not None:
        (directory / "token.json").write_text(
            json.dumps({"data": {"delete_version_after": None, "refresh_token": refresh}})
        )
    if access is not None:
        (directory / "id.json").write_text(json.dumps({"data": {"access_token": access}}))


@pytest.fixture
def home() -> Path:
    return Path.home()  # the isolated HOME of conftest


def test_argument_beats_environment_and_files(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("QISKIT_NEXUS_TOKEN", "from-env")
    write_qnexus_tokens(home / ".qnx" / "auth", "from-file", "access-file")
    credentials = resolve_credentials("from-arg")
    assert credentials.refresh_token == "from-arg"
    assert credentials.access_token is None
    assert credentials.source == "argument"


def test_environment_beats_files_and_ignores_their_access_token(
    monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setenv("QISKIT_NEXUS_TOKEN", "  from-env\n")
    write_qnexus_tokens(home / ".qnx" / "auth", "from-file", "access-file")
    credentials = resolve_credentials()
    assert (credentials.refresh_token, credentials.access_token) == ("from-env", None)
    assert credentials.source == "environment"


def test_qnexus_files_in_default_directory(home: Path) -> None:
    write_qnexus_tokens(home / ".qnx" / "auth", "from-file", "access-file")
    credentials = resolve_credentials()
    assert credentials.refresh_token == "from-file"
    assert credentials.access_token == "access-file"
    assert credentials.source == "qnexus files"


def test_nexus_token_path_relative_to_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("NEXUS_TOKEN_PATH", "custom/tokens")
    write_qnexus_tokens(home / ".qnx" / "auth", "default-dir", None)
    write_qnexus_tokens(home / "custom" / "tokens", "custom-dir", None)
    assert token_directory() == home / "custom" / "tokens"
    assert resolve_credentials().refresh_token == "custom-dir"


def test_nexus_token_path_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    directory = tmp_path / "elsewhere"
    monkeypatch.setenv("NEXUS_TOKEN_PATH", str(directory))
    write_qnexus_tokens(directory, "absolute-dir", None)
    assert resolve_credentials().refresh_token == "absolute-dir"


def test_missing_or_malformed_files_give_no_credentials(home: Path) -> None:
    assert resolve_credentials().refresh_token is None
    assert resolve_credentials().source == "none"
    directory = home / ".qnx" / "auth"
    directory.mkdir(parents=True)
    (directory / "token.json").write_text("{not json")
    (directory / "id.json").write_text(json.dumps({"data": {"access_token": 5}}))
    assert resolve_credentials().source == "none"


def test_access_token_file_alone_is_used(home: Path) -> None:
    write_qnexus_tokens(home / ".qnx" / "auth", None, "only-access")
    credentials = resolve_credentials()
    assert (credentials.refresh_token, credentials.access_token) == (None, "only-access")


def test_empty_explicit_token_is_rejected() -> None:
    with pytest.raises(ValueError, match="empty"):
        resolve_credentials("   ")


def test_credentials_repr_masks_tokens() -> None:
    credentials = resolve_credentials(REFRESH_TOKEN)
    assert REFRESH_TOKEN not in repr(credentials)
    assert REFRESH_TOKEN not in str(credentials)
    assert "***" in repr(credentials)


# ------------------------------------------------------------------------------------------------
# Base URL


def test_base_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_base_url() == DEFAULT_BASE_URL == "https://nexus.quantinuum.com"
    monkeypatch.setenv("NEXUS_PROTOCOL", "http")
    monkeypatch.setenv("NEXUS_DOMAIN", "127.0.0.1")
    monkeypatch.setenv("NEXUS_PORT", "8123")
    assert resolve_base_url() == "http://127.0.0.1:8123"
    assert resolve_base_url("https://other.example/") == "https://other.example"


def test_nexus_domain_beats_nexus_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEXUS_HOST", "host.example")
    assert resolve_base_url() == "https://host.example:443"
    monkeypatch.setenv("NEXUS_DOMAIN", "domain.example")
    assert resolve_base_url() == "https://domain.example:443"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://nexus.example",
        "nexus.example",
        "https://",
        "https://h:notaport",
        "http://[::1",
        "https://h:70000",
        "http://127.0.0.1:8000/api",
        "https://nexus.example/x?y",
        "http://127.0.0.1:8000?",  # an empty query: requests would go to "/"
        "http://127.0.0.1:8000#",
        "http://\uff4cocalhost:1",
        "https://b\u00fccher.example",
    ],
)
def test_invalid_base_urls_are_refused_naming_the_url(url: str) -> None:
    """Before: ``http://[::1`` gave a bare "Invalid IPv6 URL", a path was accepted (then a 404
    at the token refresh), and a non-ASCII host failed inside urllib3."""
    with pytest.raises(ValueError, match="Invalid Nexus base URL") as info:
        resolve_base_url(url)
    assert repr(url.strip().rstrip("/")) in str(info.value)


def test_non_ascii_host_names_its_ascii_form() -> None:
    with pytest.raises(ValueError, match=r"xn--bcher-kva\.example"):
        resolve_base_url("https://b\u00fccher.example")


def test_non_ascii_or_unparsable_url_is_refused_by_the_security_check() -> None:
    with pytest.raises(ValueError, match="must be ASCII"):
        check_secure_url("http://\uff4cocalhost:1")
    with pytest.raises(ValueError, match="cannot be parsed"):
        check_secure_url("http://[::1")


@pytest.mark.parametrize("token", [123, b"token", ["token"]])
def test_token_of_another_type_is_a_type_error_naming_the_argument(token: object) -> None:
    with pytest.raises(TypeError, match="token argument must be a str"):
        resolve_credentials(token)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# Plain http


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "nexus.quantinuum.com", "localhost.evil.com", ""])
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback_host(host)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost:9", "http://[::1]:80", "https://nexus.example"],
)
def test_secure_or_loopback_urls_are_accepted(url: str) -> None:
    check_secure_url(url)
    NexusClient(url, token=REFRESH_TOKEN).close()


@pytest.mark.parametrize("url", ["http://nexus.example", "http://192.168.1.5:8000"])
def test_plain_http_to_remote_host_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="plain http"):
        check_secure_url(url)
    with pytest.raises(ValueError, match="plain http"):
        NexusClient(url, token=REFRESH_TOKEN)


def test_plain_http_from_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEXUS_PROTOCOL", "http")
    monkeypatch.setenv("NEXUS_DOMAIN", "nexus.example")
    with pytest.raises(ValueError, match="plain http"):
        NexusClient(token=REFRESH_TOKEN)


@pytest.mark.parametrize(
    "url",
    [
        # urllib.parse reads host 127.0.0.1; urllib3, which connects, reads attacker.example.
        "http://attacker.example:80\\@127.0.0.1:1",
        "http://user:pass@127.0.0.1:1",
        "https://token@nexus.quantinuum.com",
        "http://127.0.0.1\t.evil:1",
        "https://nexus quantinuum.com",
        "https://nexus.quantinuum.com\x7f",
    ],
)
def test_urls_parsers_read_differently_are_refused(url: str) -> None:
    """Before: the backslash URL passed the loopback check and the refresh token went, in
    clear text, to attacker.example."""
    with pytest.raises(ValueError, match="must not contain"):
        NexusClient(url, token=REFRESH_TOKEN)
