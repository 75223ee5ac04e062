"""draw.py's web server: the page, and the answer to each drawing (a PNG) as JSON; every bad
request a 4xx with {"error": ...}, and the server goes on. Loopback only unless --host says
otherwise; a Host/Origin guard keeps other web sites out."""

from __future__ import annotations

import argparse
import contextlib
import errno
import html
import ipaddress
import json
import os
import socket
import sys
import threading
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import numpy as np

from tutorial_kit import cli, digit_image, files, prediction
from tutorial_kit.errors import ImageError, ImageTooLargeError, NoDigitError, UsageError

PAGE = files.ROOT / "tutorial_kit" / "draw.html"
MODEL_MARK = "<!--MODEL-->"  # where the page says which model is loaded
MAX_BODY = 4 * 2**20  # bytes: the page sends about 10 KB; a larger body is refused (413) undecoded
MAX_DRAIN = 32 * 2**20  # a larger body is dropped unread, closing the connection
MAX_PIXELS = 2048 * 2048  # a sane canvas; the header is checked before a pixel is decoded
PREPARING = threading.BoundedSemaphore(2)  # drawings decoded at once (memory, 2 cores)
READ_TIMEOUT = 10  # seconds a client may take for any one read
REQUEST_DEADLINE = 30  # seconds a client may take to send a whole request, headers and body


def prepare_drawing(body: bytes, network=None):
    """The drawing as the network sees it: digit_image.prepare, as for `main.py --predict` (the
    network judging where touching digits are cut)."""
    with PREPARING:
        return digit_image.prepare(body, name="the drawing", max_pixels=MAX_PIXELS, judge=network)


def answer(model, body: bytes) -> dict:
    """The JSON answer to one PNG drawing: the number read (one digit or more, left to right) and,
    for each digit, its ten probabilities (its shape weighed in, prediction.reading; "network": the
    network's own), the 28×28 the network saw and its box in the drawing."""
    prepared = prepare_drawing(body, prediction.judge(model))
    probabilities = model.probabilities(prepared.images)  # every digit in one run of the network
    refused = digit_image.refusal(prepared, probabilities, **model.sure)
    if refused:
        raise NoDigitError(f"the drawing: {refused}")
    weighed, shape_notes = prediction.reading(
        probabilities, np.reshape(prepared.images, (-1, 784)), not model.saved.arch["as_published"]
    )
    digits = [
        {
            "digit": int(np.argmax(p)),
            "probabilities": [round(float(x), 6) for x in p],  # with the digit's shape weighed in
            "network": [round(float(x), 6) for x in alone],  # the network's own
            "input": np.round(np.asarray(image, dtype=np.float64).reshape(28, 28), 4).tolist(),
            "box": list(box),
        }
        for p, alone, image, box in zip(weighed, probabilities, prepared.images, prepared.boxes, strict=True)
    ]
    return {
        "number": "".join(str(d["digit"]) for d in digits),
        "digits": digits,
        "size": list(prepared.picture.size),  # the boxes are in this picture's pixels
        "notes": list(prepared.notes) + shape_notes,
        **{key: digits[0][key] for key in ("digit", "probabilities", "input")},  # the first digit
    }


# --- which Host headers are this server (the DNS-rebinding guard) -------------------------------


def _ip(name: str):
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def _split_host(value: str) -> tuple[str, int] | None:
    """'127.0.0.1:8000' -> ('127.0.0.1', 8000); '[::1]:8000' -> ('::1', 8000); no port -> 80."""
    try:
        parts = urlsplit("//" + value.strip())
        name, port = parts.hostname, parts.port or 80
    except ValueError:
        return None
    if not name or parts.username is not None or parts.path or parts.query:
        return None
    return name.lower().rstrip("."), port


class Addresses:
    """The names under which this server may be asked for: the one it serves, plus `localhost` and
    the loopback addresses when it serves loopback; on a wildcard --host (0.0.0.0, ::), any IP
    address and this machine's names. A name a foreign DNS server controls is never one of them."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host.lower(), port
        ip = _ip(host)
        self.wildcard = ip is not None and ip.is_unspecified
        self.names = {self.host.strip("[]")}
        if (ip is not None and ip.is_loopback) or self.host == "localhost" or self.wildcard:
            self.names |= {"localhost", "127.0.0.1", "::1"}
        if self.wildcard:
            self.names |= {socket.gethostname().lower(), socket.getfqdn().lower()}

    def url(self) -> str:
        name = "127.0.0.1" if self.wildcard else self.host
        return f"http://{'[' + name + ']' if ':' in name else name}:{self.port}/"

    def allows(self, host_header: str | None) -> bool:
        split = _split_host(host_header) if host_header else None
        if split is None or split[1] != self.port:
            return False
        name = split[0]
        return name in self.names or (self.wildcard and _ip(name) is not None)

    def allows_origin(self, origin: str | None) -> bool:
        """A request from another web site's page (its Origin header) is refused too."""
        if origin is None:
            return True
        parts = urlsplit(origin)
        return parts.scheme == "http" and self.allows(parts.netloc)


# --- the server -----------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """GET / is the page, POST /predict a PNG drawing; everything else a 4xx with {"error": ...}."""

    protocol_version = "HTTP/1.1"  # keep-alive: the page sends a drawing every few hundred ms
    disable_nagle_algorithm = True  # TCP_NODELAY: else the body waits for the headers' delayed ACK, ~40 ms
    server_version = "draw.py"
    timeout = READ_TIMEOUT
    routes = {"/": "GET", "/predict": "POST"}

    deadline = REQUEST_DEADLINE

    def version_string(self):
        return self.server_version

    def handle_one_request(self):
        """One request, read within `deadline` seconds in all: a client dripping a header line now
        and then (each read within READ_TIMEOUT) is cut off, not served forever."""
        self._reading = True
        timer = threading.Timer(self.deadline, self._too_slow)
        timer.daemon = True
        timer.start()
        try:
            super().handle_one_request()
        finally:
            timer.cancel()

    def _too_slow(self):
        if self._reading:  # still reading the request: end the connection; its thread's read returns
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format, *args):  # noqa: A002 - http.server's name; no line per request
        pass

    def __getattr__(self, name):  # any other method (PUT, DELETE, BREW, ...): 405, not 501
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def _dispatch(self):
        self._reading = False  # the request line and headers are in
        self._body_read = False
        try:
            self._route()
        except Exception as exc:  # a bug, not bad input: one line on the terminal, the server goes on
            cli.error(f"{self.command} {self.path[:100]}: {type(exc).__name__}: {exc}")
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error ({type(exc).__name__})"})

    def _route(self):
        addresses = self.server.addresses
        if not addresses.allows(self.headers.get("Host")):
            return self._error(
                HTTPStatus.FORBIDDEN,
                f"this server answers only to {addresses.url()}, not to Host {self.headers.get('Host')!r}",
            )
        if not addresses.allows_origin(self.headers.get("Origin")):
            return self._error(HTTPStatus.FORBIDDEN, "requests from other web sites are refused")
        path = urlsplit(self.path).path
        method = self.routes.get(path)
        if method is None:
            return self._error(HTTPStatus.NOT_FOUND, f"no such page: {path[:100]} (the page is /)")
        if self.command == "HEAD" and method == "GET":
            return self._page()
        if self.command != method:
            return self._error(
                HTTPStatus.METHOD_NOT_ALLOWED, f"{path} takes {method}, not {self.command[:20]}", {"Allow": method}
            )
        if method == "GET":
            return self._page()
        body = self._body()
        self._reading = False
        if body is None:
            return
        try:
            result = answer(self.server.model, body)
        except NoDigitError as exc:
            return self._error(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc))
        except ImageTooLargeError as exc:
            return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(exc))
        except ImageError as exc:
            return self._error(HTTPStatus.BAD_REQUEST, str(exc))
        self._json(HTTPStatus.OK, result)

    def _body(self) -> bytes | None:
        """The request's body, or None after answering why there is none to use."""
        self._reading = True  # the body too is read within the deadline
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self._error(HTTPStatus.LENGTH_REQUIRED, "send the drawing with a Content-Length, not chunked")
            return None
        if length is None or length.strip() in ("", "0"):
            self._body_read = True
            self._error(HTTPStatus.BAD_REQUEST, "no drawing: send the canvas as a PNG body")
            return None
        if not length.strip().isdigit():
            self._error(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length[:20]!r}")
            return None
        size = int(length)
        if size > MAX_BODY:
            if size <= MAX_DRAIN:  # read and drop it, so that the client sees the answer
                self._drain(size)
            self._error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the drawing is {size:,} bytes; at most {MAX_BODY:,} are accepted",
            )
            return None
        try:
            body = self.rfile.read(size)
        except OSError:  # includes the read timeout
            body = b""
        if len(body) < size:
            self.close_connection = True
            return None  # the client went away or stalled: nobody to answer
        self._body_read = True
        return body

    def _drain(self, size: int) -> None:
        try:
            while size > 0:
                chunk = self.rfile.read(min(size, 2**20))
                if not chunk:
                    return
                size -= len(chunk)
            self._body_read = True
        except OSError:
            pass

    def handle_expect_100(self):  # "Expect: 100-continue": refuse a body that is too large unsent
        length = self.headers.get("Content-Length", "")
        if length.strip().isdigit() and int(length) > MAX_BODY:
            self._body_read = False
            self.command = self.command or "POST"
            self._error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the drawing is {int(length):,} bytes; at most {MAX_BODY:,} are accepted",
            )
            return False
        return super().handle_expect_100()

    def _page(self):
        page = self.server.page
        self._send(HTTPStatus.OK, page, "text/html; charset=utf-8", {"Content-Security-Policy": CSP})

    def _error(self, status, message, headers=None):
        self._json(status, {"error": message}, headers)

    def _json(self, status, obj, headers=None):
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _send(self, status, body: bytes, content_type: str, headers=None):
        if self.command in ("POST", "PUT", "PATCH") and not self._body_read:
            self.close_connection = True  # an unread body would be taken for the next request
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:  # the browser went away mid-answer
            self.close_connection = True

    def send_error(self, code, message=None, explain=None):
        """http.server's own refusals (bad request line, headers too long, ...) as JSON too."""
        self.close_connection = True
        self._body_read = True
        if not hasattr(self, "command") or self.command is None:
            self.command = "GET"
        if not str(getattr(self, "request_version", "")).startswith("HTTP/1."):
            self.request_version = "HTTP/1.1"  # a status line even for a request line that made no sense
        self._json(code, {"error": message or HTTPStatus(code).phrase})


# The page may use only itself: no script, style, image or connection from anywhere else.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, port: int):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host.strip("[]"), port), Handler)
        self.addresses = Addresses(host, self.server_address[1])
        self.model = None
        self.page = b""

    def server_bind(self):
        # SO_REUSEADDR lets a restarted server take its port at once, but on Linux it never allows
        # two live servers on one port, so "already in use" is still reported.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()[:2]

    def handle_error(self, request, client_address):  # a connection that broke: nothing to say
        pass


def bind(host: str, port: int) -> Server:
    """The listening socket, before any model is loaded: a taken port is said at once."""
    try:
        return Server(host, port)
    except socket.gaierror:
        raise UsageError(f"argument --host: cannot find the address of {host!r}") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} is already in use (another draw.py?); choose another with --port, or --port 0 for any free one"
            ) from None
        if exc.errno == errno.EACCES:
            raise UsageError(f"port {port} needs administrator rights; choose one above 1023 with --port") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise UsageError(f"argument --host: {host} is not an address of this machine") from None
        raise UsageError(f"cannot serve on {host} port {port} ({exc.strerror or exc})") from None


def render_page(description: str) -> bytes:
    try:
        page = PAGE.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the page {files.display_path(PAGE)} ({exc.strerror})") from None
    return page.replace(MODEL_MARK, html.escape(description), 1).encode()


def serve(server: Server, model, browser: bool = True) -> None:
    """Serve the page and `model`'s answers (`model.probabilities(images)`, `model.describe()`)
    until Ctrl-C, printing the address (and opening a browser where there is a screen)."""
    server.model = model
    server.page = render_page(model.describe())
    url = server.addresses.url()
    if server.addresses.wildcard:
        host = server.addresses.host
        print(f"Note: --host {host} serves every network interface: other machines may reach this page.")
    print(f"Draw a digit at {url} (Ctrl-C to stop)", flush=True)
    if browser and has_a_browser():
        open_browser(url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        if sys.stdout.isatty():
            print()  # after the terminal's ^C
        print("Stopped.", flush=True)


def has_a_browser() -> bool:
    """A graphical browser to open: on Linux only with a display (a text browser would take over
    this terminal)."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def open_browser(url: str) -> None:
    def run():
        try:
            webbrowser.open(url)
        except Exception:  # no usable browser: the printed address is enough
            pass

    threading.Thread(target=run, daemon=True).start()


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 0 (any free port) to 65535, got {value}")
    return value


def host_name(text: str) -> str:
    name = text.strip()
    if name.startswith("[") and name.endswith("]"):  # [::1], as in a URL
        name = name[1:-1]
    if not name or any(c.isspace() or c in "/?#@[]" for c in name):
        raise argparse.ArgumentTypeError(f"{text!r} is not a host name or address")
    return name
