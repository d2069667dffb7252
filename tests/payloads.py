"""Attack payloads shared by the HTML, PDF and export tests, kept in one module.

Each payload is short enough for every field it is typed into (a town name holds 100
characters), and each is text a user could type: none needs a crafted request.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Markup that runs script if a page or a PDF template leaves it unescaped.
XSS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}${7*7}{%raw%}",
)
# Text a spreadsheet would run as a formula (OWASP CSV injection), one per leading character.
FORMULAS = ("=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0")
# File names that try to leave the evidence directory or break whoever stores them.
TRAVERSAL_NAMES = ("../../etc/passwd.txt", "/etc/passwd.txt", "..\\..\\boot.ini.txt", "a/../../../b.txt")
BAD_NAMES = ("a\x00b.txt", "x" * 300 + ".txt", "line\nbreak.txt")


def fetching(port: int, tag: str) -> str:
    """Markup that makes a renderer fetch ``http://127.0.0.1:port/<tag>-…`` if it is not escaped
    (an image, a stylesheet, an attachment, a CSS ``url()``)."""
    base = f"http://127.0.0.1:{port}/{tag}"
    return (f'<img src="{base}-img"><link rel="attachment" href="{base}-att">'
            f'<style>@import url({base}-css);</style><p style="background:url({base}-bg)">')


class Recorder:
    """A local HTTP server that records every request made to it (an SSRF tripwire)."""

    def __init__(self, port: int) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.hits = hits
        self.port = port
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
