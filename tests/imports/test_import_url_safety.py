"""URL imports reach only public addresses (S9): loopback in every spelling, private, link-local,
metadata and multicast addresses are refused before any connection, on every redirect too, and
every refusal or connection failure reads the same, so the importer cannot map internal ports."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
from dataclasses import replace

import pytest
import sqlalchemy as sa

from crm.extensions import db
from crm.imports.sources import SourceError, UrlPolicy, fetch
from crm.models import ImportRun, Person
from tests.imports.conftest import count
from tests.imports.test_import_admin import start

LOOPBACK_SPELLINGS = (
    "127.0.0.1",
    "127.1",
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "localhost",
    "0.0.0.0",
)
PRIVATE_AND_SPECIAL = (
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # cloud metadata
    "[fd00:ec2::254]",  # cloud metadata over IPv6
    "[fe80::1]",
    "224.0.0.1",
    "240.0.0.1",
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
)


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers GETs as told by the server's `routes` and records every request it saw."""

    def do_GET(self):  # noqa: N802
        self.server.seen.append(self.path)
        status, headers, body = self.server.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def serve():
    """Start recording HTTP servers on loopback addresses; stopped after the test."""
    servers = []

    def start_server(host: str = "127.0.0.1", routes: dict | None = None):
        server = http.server.ThreadingHTTPServer((host, 0), Recorder)
        server.seen, server.routes = [], routes or {}
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start_server
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def connections(monkeypatch):
    """Every outgoing TCP connection the importer tries, by address (still made)."""
    tried = []
    real = socket.create_connection

    def spy(address, *args, **kwargs):
        tried.append(address)
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)
    return tried


def message(exc: SourceError, url: str) -> str:
    return str(exc).replace(url, "<url>")


def refusal(url: str, policy: UrlPolicy, tmp_path) -> str:
    with pytest.raises(SourceError) as caught:
        fetch(url, tmp_path / "out", policy)
    return message(caught.value, url)


def test_every_loopback_spelling_is_refused_alike_and_never_connected(serve, connections, tmp_path):
    target = serve()
    port = target.server_port
    texts = {
        host: refusal(f"http://{host}:{port}/legislators-current.json", UrlPolicy(), tmp_path)
        for host in LOOPBACK_SPELLINGS
    }
    assert len(set(texts.values())) == 1, texts
    assert "not one imports may fetch from" in next(iter(texts.values()))
    assert target.seen == [] and connections == []


def test_private_link_local_metadata_and_multicast_addresses_are_refused(connections, tmp_path):
    texts = {
        refusal(f"http://{host}/data.zip", UrlPolicy(), tmp_path) for host in PRIVATE_AND_SPECIAL
    }
    assert len(texts) == 1 and connections == []


@pytest.mark.parametrize(
    "where",
    [
        "http://127.0.0.2:{port}/x.json",
        "http://0x7f000002:{port}/x.json",
        "http://10.0.0.5/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/x",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_an_internal_address_is_refused_before_connecting(
    serve, connections, tmp_path, where
):
    target = serve("127.0.0.2")
    location = where.format(port=target.server_port)
    redirector = serve("127.0.0.1", {"/x.json": (302, {"Location": location}, b"")})
    url = f"http://127.0.0.1:{redirector.server_port}/x.json"
    policy = UrlPolicy.from_setting("127.0.0.1")  # the first hop only
    text = refusal(url, policy, tmp_path)
    assert text == refusal("http://10.9.9.9/x.json", UrlPolicy(), tmp_path)  # the same words
    assert redirector.seen == ["/x.json"] and target.seen == []
    assert connections == [("127.0.0.1", redirector.server_port)]


def test_redirects_between_allowed_addresses_are_followed_a_bounded_number_of_times(
    serve, tmp_path
):
    final = serve(routes={"/data.json": (200, {}, b'{"ok": true}')})
    hop = serve(
        routes={
            "/start": (301, {"Location": f"http://127.0.0.1:{final.server_port}/data.json"}, b"")
        }
    )
    policy = UrlPolicy.from_setting("127.0.0.0/8")
    fetch(f"http://127.0.0.1:{hop.server_port}/start", tmp_path / "out", policy)
    assert (tmp_path / "out").read_bytes() == b'{"ok": true}'
    loop = serve()
    loop.routes["/again"] = (302, {"Location": "/again"}, b"")
    refusal(f"http://127.0.0.1:{loop.server_port}/again", policy, tmp_path)
    assert len(loop.seen) == 6  # the first request and five redirects, then it stops


def test_open_closed_silent_and_non_http_ports_cannot_be_told_apart(serve, tmp_path):
    """With the address allowed, the connection is made, yet the text is the refusal's."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    redis_like = socket.socket()
    redis_like.bind(("127.0.0.1", 0))
    redis_like.listen()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()

    def answer_like_redis():
        conn, _ = redis_like.accept()
        conn.recv(1024)
        conn.sendall(b"-ERR unknown command 'GET'\r\n")
        conn.close()

    threading.Thread(target=answer_like_redis, daemon=True).start()
    policy = replace(UrlPolicy.from_setting("127.0.0.1"), timeout=0.5)
    try:
        texts = {
            refusal(f"http://127.0.0.1:{p}/x.json", policy, tmp_path)
            for p in (closed_port, redis_like.getsockname()[1], silent.getsockname()[1])
        }
        texts.add(refusal("http://192.168.0.1/x.json", policy, tmp_path))
    finally:
        redis_like.close()
        silent.close()
    assert len(texts) == 1, texts


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch, connections, tmp_path):
    """DNS answering a public address for the check and loopback a moment later changes
    nothing: the host is resolved once and the checked address is the one connected to."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    lookups = []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in next(answers)]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    real = socket.create_connection

    def no_internet(address, *args, **kwargs):
        if address[0] != "93.184.216.34":
            return real(address, *args, **kwargs)
        raise OSError("no route to the internet from the tests")

    monkeypatch.setattr(socket, "create_connection", no_internet)
    refusal("http://rebind.example/x.json", UrlPolicy(timeout=1), tmp_path)
    assert lookups == ["rebind.example"]


def test_a_host_with_any_internal_address_is_refused(monkeypatch, connections, tmp_path):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ],
    )
    refusal("http://mixed.example/x.json", UrlPolicy(), tmp_path)
    assert connections == []


def test_the_allow_list_takes_hosts_and_networks():
    policy = UrlPolicy.from_setting("mirror.internal, 10.1.2.0/24 127.0.0.1")
    assert policy.allows("mirror.internal", ipaddress.ip_address("10.200.0.1"))
    assert policy.allows("x", ipaddress.ip_address("10.1.2.7"))
    assert policy.allows("x", ipaddress.ip_address("127.0.0.1"))
    assert not policy.allows("x", ipaddress.ip_address("127.0.0.2"))
    assert not policy.allows("x", ipaddress.ip_address("10.1.3.1"))
    assert UrlPolicy().allows("x", ipaddress.ip_address("93.184.216.34"))


def test_admin_url_import_of_loopback_fails_with_the_refusal(app, as_admin, auth, serve):
    target = serve()
    response = start(auth, url=f"http://localhost:{target.server_port}/congress.zip")
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert response.status_code == 302 and run.status == "failed"
    assert "not one imports may fetch from" in run.errors[-1]["message"]
    assert target.seen == [] and count(Person) == 0


def test_a_download_larger_than_the_cap_is_refused(serve, tmp_path):
    server = serve(routes={"/big.json": (200, {}, b"x" * 5000)})
    policy = UrlPolicy.from_setting("127.0.0.1")
    with pytest.raises(SourceError, match="larger than"):
        fetch(f"http://127.0.0.1:{server.server_port}/big.json", tmp_path / "o", policy, 4000)
