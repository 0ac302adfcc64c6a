"""A local OpenAI-compatible /chat/completions server: the one fake for the LLM API, a service the
tests cannot run. It answers with scripted text and records every request.

``replies`` are used in turn, then ``default``; ``status`` other than 200 answers with an error
body instead. ``requests`` holds each request's JSON body and ``paths`` the path it was sent to.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeOpenAI:
    def __init__(self, *, default: str = "") -> None:
        self.replies: list[str] = []
        self.default = default
        self.status = 200
        self.requests: list[dict] = []
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                outer.paths.append(self.path)
                reply = outer.replies.pop(0) if outer.replies else outer.default
                if outer.status != 200:
                    payload = json.dumps({"error": {"message": "overloaded"}}).encode()
                else:
                    payload = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                                          "model": body.get("model"),
                                          "choices": [{"index": 0, "finish_reason": "stop",
                                                       "message": {"role": "assistant", "content": reply}}]}).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def prompt_text(self) -> str:
        return "\n".join(m["content"] for r in self.requests for m in r["messages"])

    def __enter__(self) -> "FakeOpenAI":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
