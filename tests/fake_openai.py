"""A scriptable OpenAI-compatible server on loopback, for driving the real openai + instructor client.

Each test queues steps; each POST /v1/chat/completions consumes one:
  Step(content="...")                  a normal reply
  Step(status=429) / Step(status=500)  an HTTP error
  Step(delay=5)                        answer late (the client's timeout fires first)
  Step(content="...", finish="length") a reply that was cut off
  Step(trickle=2)                      headers, then one byte every 2 s of a body that never ends
  Step(silent=True)                    reads the request and never answers
When the queue is empty the server answers 500 "script exhausted", so a test never hangs.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Step:
    content: str | None = None
    status: int = 200
    delay: float = 0.0
    finish: str = "stop"
    body: str | None = None
    trickle: float = 0.0
    silent: bool = False


@dataclass
class FakeOpenAI:
    steps: list[Step] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    default: Step | None = None  # answers every request once the script is used up
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                fake.requests.append(json.loads(self.rfile.read(length) or b"{}"))
                exhausted = fake.default or Step(status=500, body='{"error": "script exhausted"}')
                step = fake.steps.pop(0) if fake.steps else exhausted
                if step.delay:
                    time.sleep(step.delay)
                if step.silent:
                    fake.stopping.wait(600)
                    return
                if step.trickle:
                    self._trickle(step.trickle)
                    return
                if step.status != 200:
                    self._send(step.status, step.body or json.dumps({"error": {"message": f"HTTP {step.status}"}}))
                    return
                self._send(200, json.dumps({
                    "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": "fake",
                    "choices": [{"index": 0, "finish_reason": step.finish,
                                 "message": {"role": "assistant", "content": step.content}}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                }))

            def _trickle(self, every: float) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    self.wfile.write(b"{")
                    while not fake.stopping.wait(every):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, status: int, body: str) -> None:
                data = body.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
