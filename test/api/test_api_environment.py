"""The transport reads proxies and the CA bundle from the environment once, when it is created.

``requests`` would otherwise merge the environment into every request (a ``~/.netrc`` lookup and
``stat`` calls per request: issue 13's client cost per circuit).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from qiskit_nexus_provider.api.credentials import Credentials
from qiskit_nexus_provider.api.transport import Transport


def test_own_session_reads_the_environment_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    transport = Transport("https://nexus.example", Credentials(refresh_token="r"))
    try:
        assert transport.session.trust_env is False  # no per-request merge, no ~/.netrc
        assert transport._proxies == {"https": "http://proxy.example:3128"}
        assert transport._verify == str(bundle)
    finally:
        transport.close()


def test_loopback_http_ignores_proxies_and_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    transport = Transport("http://127.0.0.1:1", Credentials(refresh_token="r"))
    try:
        assert transport.session.trust_env is False
        assert transport._proxies is not None and transport._proxies["http"] is None
        assert transport._verify is True
    finally:
        transport.close()


def test_a_callers_session_is_used_as_given() -> None:
    session = requests.Session()
    transport = Transport("https://nexus.example", Credentials(refresh_token="r"), session=session)
    assert session.trust_env is True
    assert transport._verify is None  # requests decides, per request, as the caller set it up
