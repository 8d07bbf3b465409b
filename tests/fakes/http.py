"""A threaded HTTP server on 127.0.0.1 with a request log and injectable failures.

Each fake API subclasses `FakeAPI` and answers `route()`; this module owns the socket, the log
tests assert on, and the 429/5xx injection every source's tests share.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class Response:
    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json; charset=utf-8"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return self.body, "application/octet-stream"


@dataclass
class Fault:
    method: str | None
    pattern: re.Pattern[str]
    response: Response
    times: int
    after: int = 0
    query: re.Pattern[str] | None = None


class FakeAPI:
    """Subclasses implement `route(request) -> Response`."""

    def __init__(self) -> None:
        self.requests: list[tuple[Request, int]] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> str:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # header and body go out as two writes: no 40 ms delayed-ACK stall

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                                  {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                response = api._answer(request)
                data, content_type = response.encoded()
                self.send_response(response.status)
                headers = {"Content-Type": content_type, **response.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- faults and log ------------------------------------------------------------------------
    def fail(self, pattern: str, status: int, *, times: int = 1, after: int = 0, method: str | None = None,
             headers: dict[str, str] | None = None, body: Any = None, query: str | None = None) -> None:
        """Answer `times` requests whose path matches `pattern` with `status`, once `after` have passed;
        with `query`, only requests whose decoded query string (`name=value&...`) matches it too."""
        response = Response(status, body if body is not None else self.error_body(status), headers or {})
        self._faults.append(Fault(method, re.compile(pattern), response, times, after,
                                  re.compile(query) if query else None))

    def heal(self) -> None:
        """Drop every pending fault: the source recovers."""
        self._faults.clear()

    def error_body(self, status: int) -> Any:
        return {"error": status}

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def paths(self, status: int | None = None) -> list[str]:
        with self._lock:
            return [f"{r.method} {r.path}" for r, code in self.requests if status is None or code == status]

    def _answer(self, request: Request) -> Response:
        with self._lock:
            fault = next((f for f in self._faults if f.times > 0 and f.pattern.search(request.path)
                          and (f.method is None or f.method == request.method)
                          and (f.query is None or f.query.search("&".join(f"{k}={v}" for k, v in request.query.items())))),
                         None)
            if fault is not None and fault.after > 0:
                fault.after -= 1
                fault = None
            if fault is not None:
                fault.times -= 1
                response = fault.response
            else:
                try:
                    response = self.route(request)
                except (KeyError, StopIteration):
                    response = Response(404, self.error_body(404))
            self.requests.append((request, response.status))
            return response

    def route(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError
