"""moto as an HTTP server in this process, so boto3 goes over the wire like it does to AWS.

moto's Lambda still runs inside this process in server mode, so the
in-process runtime keeps working; handlers reach the server through
AWS_ENDPOINT_URL, which the runtime sets while they run.
"""
from __future__ import annotations

import logging

import requests
from moto.server import ThreadedMotoServer


class LocalServer:
    def __init__(self) -> None:
        # Port 0 lets the OS pick a free port, so parallel kernels never collide.
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> str:
        # werkzeug logs every request; in a notebook that buries the lab's own output.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server.start()
        return self.url

    @property
    def url(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def reset(self) -> None:
        requests.post(f"{self.url}/moto-api/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        self.reset()
        self._server.stop()
