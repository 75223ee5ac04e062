"""draw.py's server without a browser: the answers to good and bad requests, the page it serves,
the DNS-rebinding guard, loopback by default, a taken port, Ctrl-C, and training a model first."""

import http.client
import io
import json
import random
import re
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import draw
from browser import DRAW, DrawServer
from drawing import SEVEN, draw_digit
from helpers import assert_one_line_error, run_script
from tutorial_kit import digit_image, draw_server
from tutorial_kit.saved_network import SavedNetwork


@pytest.fixture(scope="module")
def server(trained):
    running = DrawServer("--port", "0", "--no-browser", "--checkpoint-dir", trained[0])
    yield running
    running.stop()


def ask(server, method, path, body=None, headers=None):
    """(status, headers, JSON or text) of one request to the server."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    kind = response.getheader("Content-Type", "")
    return response.status, response, json.loads(data) if kind.startswith("application/json") else data.decode()


def png(image, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **kwargs)
    return buffer.getvalue()


SEVEN_PNG = png(draw_digit(SEVEN))


def test_a_drawing_gets_its_digit_probabilities_and_the_input_the_network_saw(server, tmp_path):
    status, response, answer = ask(server, "POST", "/predict", SEVEN_PNG, {"Content-Type": "image/png"})
    assert status == 200 and response.getheader("Content-Type") == "application/json"
    assert answer["digit"] == 7
    p = np.array(answer["probabilities"])
    assert p.shape == (10,) and abs(p.sum() - 1) < 1e-3 and p.argmax() == 7
    alone = np.array(answer["digits"][0]["network"])  # the network's own, before the shape is weighed in
    assert alone.shape == (10,) and abs(alone.sum() - 1) < 1e-3 and alone.argmax() == 7
    seen = np.array(answer["input"])
    assert seen.shape == (28, 28) and seen.min() >= 0 and seen.max() == pytest.approx(1, abs=1e-3)
    path = tmp_path / "seven.png"
    path.write_bytes(SEVEN_PNG)
    assert np.allclose(seen, digit_image.prepare(path).image, atol=1e-4)  # main.py --predict's preprocessing


def blank(mode="RGB", size=(280, 280), colour="white"):
    return png(Image.new(mode, size, colour))


def claims(width, height) -> bytes:
    """A PNG whose header claims width × height pixels, with almost no pixel data: tiny to send."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(1000))) + chunk(b"IEND", b"")
    )


# (what, method, path, body, headers, status, words of the error)
BAD = [
    ("GET /predict", "GET", "/predict", None, {}, 405, "takes POST"),
    ("PUT /", "PUT", "/", b"x", {}, 405, "takes GET"),
    ("DELETE /predict", "DELETE", "/predict", None, {}, 405, "takes POST"),
    ("an unknown method", "BREW", "/predict", None, {}, 405, "takes POST"),
    ("an unknown path", "GET", "/favicon.ico", None, {}, 404, "no such page"),
    ("POST to an unknown path", "POST", "/upload", SEVEN_PNG, {}, 404, "no such page"),
    ("no body", "POST", "/predict", None, {}, 400, "no drawing"),
    ("an empty body", "POST", "/predict", b"", {"Content-Length": "0"}, 400, "no drawing"),
    ("a bad Content-Length", "POST", "/predict", None, {"Content-Length": "many"}, 400, "Content-Length"),
    ("text", "POST", "/predict", b"a seven, I promise", {}, 400, "not an image"),
    ("a truncated PNG", "POST", "/predict", SEVEN_PNG[: len(SEVEN_PNG) // 2], {}, 400, "truncated"),
    ("a blank drawing", "POST", "/predict", blank(), {}, 422, "no digit found"),
    ("a transparent drawing", "POST", "/predict", blank("RGBA", colour=(0, 0, 0, 0)), {}, 422, "no digit found"),
    ("6000×6000 pixels in 16 KB", "POST", "/predict", blank("1", (6000, 6000), 1), {}, 413, "6000×6000"),
    ("a header claiming 60000×60000", "POST", "/predict", claims(60000, 60000), {}, 413, "pixels"),
    ("5 MB", "POST", "/predict", b"\x89PNG" + bytes(5 * 2**20), {}, 413, "5,242,884 bytes"),
    ("another Host", "GET", "/", None, {"Host": "attacker.example:8000"}, 403, "answers only to"),
    ("another site's page", "POST", "/predict", SEVEN_PNG, {"Origin": "http://attacker.example"}, 403, "other web"),
]


@pytest.mark.parametrize("what,method,path,body,headers,status,words", BAD, ids=[b[0] for b in BAD])
def test_a_bad_request_gets_its_4xx_and_the_server_goes_on(server, what, method, path, body, headers, status, words):
    if headers.get("Host") == "attacker.example:8000":
        headers = {"Host": f"attacker.example:{server.port}"}  # the right port, the wrong name
    got, response, answer = ask(server, method, path, body, headers)
    assert got == status, answer
    assert set(answer) == {"error"} and words in answer["error"], answer
    if status == 405:
        assert response.getheader("Allow") == ("POST" if path == "/predict" else "GET")
    assert ask(server, "POST", "/predict", SEVEN_PNG)[2]["digit"] == 7


def test_damaged_drawings_never_get_a_500(server):
    rng = random.Random(0)
    statuses = set()
    for _ in range(40):
        damaged = bytearray(SEVEN_PNG)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(8, len(damaged))] = rng.randrange(256)
        statuses.add(ask(server, "POST", "/predict", bytes(damaged))[0])
    assert statuses <= {200, 400, 413, 422}, statuses


def raw(server, data: bytes) -> bytes:
    """Send bytes as they are and read the answer until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(data)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_requests_http_server_itself_refuses_are_json_too(server):
    garbage = raw(server, b"NOT A REQUEST\r\n\r\n")
    assert garbage.startswith(b"HTTP/1.1 400 ") and garbage.endswith(b"}") and b'"error"' in garbage
    long_header = raw(server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
    assert long_header.split(b" ", 2)[1] in (b"400", b"431")


def test_a_huge_upload_is_refused_before_it_is_sent(server):
    port = server.port
    head = f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {50 * 2**20}\r\nExpect: 100-continue\r\n\r\n"
    answer = raw(server, head.encode())
    assert answer.startswith(b"HTTP/1.1 413 ") and b"52,428,800 bytes" in answer


def test_a_client_that_goes_away_mid_drawing_is_no_trouble(server):
    head = f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 100000\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(head.encode() + SEVEN_PNG[:500])
    assert ask(server, "GET", "/")[0] == 200


def test_the_host_may_be_named_as_printed_or_localhost(server):
    assert ask(server, "GET", "/", headers={"Host": f"127.0.0.1:{server.port}"})[0] == 200
    assert ask(server, "GET", "/", headers={"Host": f"localhost:{server.port}"})[0] == 200
    assert ask(server, "GET", "/", headers={"Host": "127.0.0.1:1"})[0] == 403  # another port
    assert ask(server, "GET", "/", headers={"Host": f"127.0.0.1.attacker.example:{server.port}"})[0] == 403


def test_the_addresses_a_server_answers_to():
    loopback = draw_server.Addresses("127.0.0.1", 8000)
    assert loopback.url() == "http://127.0.0.1:8000/"
    assert all(map(loopback.allows, ["127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000", "[::1]:8000"]))
    assert not any(map(loopback.allows, [None, "", "127.0.0.1", "192.168.1.2:8000", "evil.example:8000", "a@b:8000"]))
    assert loopback.allows_origin(None) and loopback.allows_origin("http://127.0.0.1:8000")
    assert not loopback.allows_origin("http://evil.example") and not loopback.allows_origin("null")
    everywhere = draw_server.Addresses("0.0.0.0", 8000)
    assert everywhere.allows("192.168.1.2:8000") and everywhere.allows("127.0.0.1:8000")
    assert not everywhere.allows("rebound.attacker.example:8000")  # a name: it may point anywhere
    assert draw_server.Addresses("::1", 80).url() == "http://[::1]:80/" and draw_server.Addresses("::1", 80).allows(
        "[::1]"
    )


def test_the_page_is_one_self_contained_file(server):
    status, response, page = ask(server, "GET", "/")
    assert status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.getheader("Content-Security-Policy")
    assert page.replace(draw_server.MODEL_MARK, "") == page  # the model is named in the page
    source = Path(draw_server.PAGE).read_text()
    for text in (page, source):
        assert not re.search(r"https?://", text, re.I)  # no CDN, no font, no link of any kind
        assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", text, re.I)
    for contract in (
        '<canvas id="pad"',
        'id="digit"',
        'id="bars"',
        '<canvas id="seen" width="28" height="28"',
        '<button type="button" id="undo"',
        '<button type="button" id="clear"',
        '<body data-busy="0">',
        "image-rendering: pixelated",
        "touch-action: none",
        'aria-live="polite"',
    ):
        assert contract in page, contract
    assert re.search(r"Model: the fixed network \(784-512-256-128-10\), trained .*, test accuracy 0\.\d{4}", page)


def test_it_serves_this_machine_only_by_default(server):
    assert server.url == f"http://127.0.0.1:{server.port}/"
    tcp = Path("/proc/net/tcp")
    if not tcp.exists():
        pytest.skip("no /proc/net/tcp to read the listening address from")
    listening = [
        line.split()[1] for line in tcp.read_text().splitlines()[1:] if line.split()[3] == "0A"
    ]  # state 0A: LISTEN; local address as hex IP:port
    ours = [address for address in listening if int(address.split(":")[1], 16) == server.port]
    assert ours == ["0100007F:" + f"{server.port:04X}"]  # 127.0.0.1, not 0.0.0.0


def test_a_taken_port_is_one_error_line(server):
    result = run_script(DRAW, "--port", server.port, "--no-browser", timeout=120)
    assert_one_line_error(result, f"port {server.port} is already in use", "--port")
    assert result.stdout == ""


def test_draw_parses_only_its_own_flags_and_loads_through_main():
    """Nothing forged: the model is main.load_or_train's with the article's defaults, not argparse attributes."""
    args = draw.parse_args(["--port", "0", "--as-published"])
    assert set(vars(args)) == {"port", "host", "checkpoint_dir", "as_published", "no_browser", "given"}
    assert args.given == ["--port", "--as-published"]


def test_the_model_is_the_saved_network_in_numpy(trained):
    model = draw.Model(checkpoint_dir=trained[0])
    try:
        assert isinstance(model.model.probabilities.__self__, SavedNetwork)  # no TensorFlow session to hold
        assert model.probabilities(np.zeros((28, 28), np.float32)).shape == (10,)
        assert model.probabilities(np.zeros((3, 28, 28), np.float32)).shape == (3, 10)
    finally:
        model.close()


def test_one_prediction_at_a_time():
    running, most = [0], [0]

    class Network:
        def probabilities(self, images):
            running[0] += 1
            most[0] = max(most[0], running[0])
            time.sleep(0.02)
            running[0] -= 1
            return np.full((1, 10), 0.1)

    model = draw.Model.__new__(draw.Model)
    model.model, model.lock = Network(), threading.Lock()
    threads = [threading.Thread(target=model.probabilities, args=(np.zeros((28, 28)),)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 1


def test_the_server_printed_nothing_but_its_lines(server):
    out, err = server.output()
    assert err == [], err  # no traceback, no log line per request, after every request above
    assert out[0].startswith("Using the fixed network (784-512-256-128-10)")
    assert out[1:] == [f"Draw a digit at http://127.0.0.1:{server.port}/ (Ctrl-C to stop)"]


def test_ctrl_c_stops_it_in_one_line(trained):
    running = DrawServer("--port", "0", "--no-browser", "--checkpoint-dir", trained[0])
    assert ask(running, "GET", "/")[0] == 200
    stopped = running.stop()
    out, err = running.output()
    assert stopped == 0 and out[-1] == "Stopped." and err == [], (stopped, out, err)


def test_as_published_trains_its_own_model_first_and_serves_it(tmp_path):
    running = DrawServer("--as-published", "--port", "0", "--no-browser", "--checkpoint-dir", tmp_path, timeout=600)
    try:
        page = ask(running, "GET", "/")[2]
        status, _, answer = ask(running, "POST", "/predict", SEVEN_PNG)
    finally:
        stopped = running.stop()
    out, err = running.output()
    assert stopped == 0 and err == [], (stopped, out, err)
    assert out[0] == (
        "There is no saved model of the article's network as published (784-512-256-128-10): training one first."
    ), out
    assert [line.split()[1] for line in out if line.startswith("Iteration ")] == [str(i) for i in range(0, 1000, 100)]
    assert any(re.fullmatch(r"Accuracy on test set: 0\.\d+", line) for line in out), out
    assert out[-2:] == ["Draw a digit at " + running.url + " (Ctrl-C to stop)", "Stopped."], out
    assert "Model: the article&#x27;s network as published (784-512-256-128-10)" in page
    assert status == 200 and len(answer["probabilities"]) == 10 and np.array(answer["input"]).shape == (28, 28)
    assert list(tmp_path.glob("latest-as-published.json"))


def test_a_browser_is_opened_only_where_there_is_a_screen(monkeypatch):
    opened = []
    monkeypatch.setattr(draw_server.webbrowser, "open", lambda url: opened.append(url) or True)
    monkeypatch.setattr(draw_server.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not draw_server.has_a_browser()  # a text browser would take over the terminal the server prints in
    monkeypatch.setenv("DISPLAY", ":0")
    assert draw_server.has_a_browser()
    draw_server.open_browser("http://127.0.0.1:8000/")
    for _ in range(100):
        if opened:
            break
        time.sleep(0.01)
    assert opened == ["http://127.0.0.1:8000/"]


def test_a_client_dripping_its_headers_is_cut_off_at_the_request_deadline(monkeypatch):
    """Each header line comes within the per-read timeout, but the whole request takes too long:
    the server ends the connection instead of holding a thread for it."""
    monkeypatch.setattr(draw_server.Handler, "deadline", 1.0)
    server = draw_server.bind("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as s:
            s.sendall(b"POST /predict HTTP/1.1\r\n")
            closed = False
            for k in range(20):  # up to ~6 s of dripping, one header line every 0.3 s
                time.sleep(0.3)
                try:
                    s.sendall(f"X-Drip-{k}: 1\r\n".encode())
                except OSError:
                    closed = True
                    break
                s.settimeout(0.01)
                try:
                    closed = s.recv(1) == b""
                except TimeoutError:
                    pass
                except OSError:
                    closed = True
                if closed:
                    break
            assert closed
    finally:
        server.shutdown()
        server.server_close()
