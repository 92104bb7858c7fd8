"""Client CPU per request of the HTTP stack, on loopback (issue 13, part 1: where the time goes).

On 1000 small circuits the provider's client spends most of its CPU in the HTTP stack: two
requests per circuit (upload, result), as the Nexus API has no batch endpoint for either.  This
measures the client-side CPU (``time.process_time``, so the server's CPU is not counted: it runs
in its own process) of one JSON POST of about a circuit's size to a loopback server, through:

- the provider's own :class:`~qiskit_nexus_provider.api.transport.Transport` (its default
  ``urllib3`` sender, with the retry, token and logging layers),
- a bare ``requests.Session`` (``trust_env`` off, as the transport sets it),
- ``urllib3``'s connection pool, which ``requests`` is built on.

Run: ``python benchmarks/bench_http_client.py [--requests 2000]``.  The transport sent through
``requests`` until issue 13 (2.03 ms then, against 1.92 ms for bare ``requests`` and 1.08 ms for
``urllib3`` in one run); the ratio is what its layers cost on top of ``urllib3``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from common import machine, print_table

SERVER = r"""
import http.server, sys
BODY = b'{"data": {"id": "0b5a7b8e-0000-4000-8000-000000000000", "type": "circuit"}}'
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
"""


def _cpu_per_call(call: Callable[[], Any], n: int) -> float:
    """Client CPU per call in ms, after 50 warm-up calls."""
    for _ in range(50):
        call()
    start = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - start) / n * 1000


def measure(n: int = 2000) -> dict[str, float]:
    import requests
    import urllib3

    from qiskit_nexus_provider.api.credentials import Credentials
    from qiskit_nexus_provider.api.transport import Transport

    body = {"data": {"attributes": {"commands": [{"args": [["q", [i % 4]]]} for i in range(40)]}}}
    text = json.dumps(body)
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        url = f"http://127.0.0.1:{port}"
        transport = Transport(url, Credentials(access_token="bench", refresh_token=None))
        session = requests.Session()
        session.trust_env = False
        pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=4)
        headers = {"Content-Type": "application/json", "Cookie": "myqos_id=bench"}
        out = {
            "transport": _cpu_per_call(
                lambda: transport.request(
                    "POST", "/api/circuits/v1beta2", json=body, expected=(201,)
                ).json(),
                n,
            ),
            "requests": _cpu_per_call(
                lambda: session.post(
                    url + "/api/circuits/v1beta2", json=body, headers=headers, timeout=30
                ).json(),
                n,
            ),
            "urllib3": _cpu_per_call(
                lambda: json.loads(
                    pool.urlopen(
                        "POST", "/api/circuits/v1beta2", body=text, headers=headers, timeout=30
                    ).data
                ),
                n,
            ),
        }
        transport.close()
        return out
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per client")
    args = parser.parse_args()
    m = measure(args.requests)
    print_table(
        f"HTTP client CPU per request ({machine()})",
        [
            ("workload", "alternative", "provider", "ratio"),
            (
                "one JSON POST on loopback, client CPU",
                f"bare requests: {m['requests']:.2f} ms (urllib3 pool alone: "
                f"{m['urllib3']:.2f} ms)",
                f"transport: {m['transport']:.2f} ms",
                f"{m['requests'] / m['transport']:.2f}x less CPU than requests "
                f"({m['transport'] / m['urllib3']:.2f}x urllib3's)",
            ),
        ],
    )


if __name__ == "__main__":
    main()
