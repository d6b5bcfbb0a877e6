"""HTTP(S) and WebSocket clients for the live tests (tests/nginx/live.py, tests/engine/traffic.py):
every request goes to 127.0.0.1 and names the server the test means, by Host header and by TLS
server name, with certificate checks off (the certificates are throwaway ones)."""
import base64
import http.client
import os
import socket
import ssl


def _insecure():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class HTTPSWithSNI(http.client.HTTPSConnection):
    """Connects to 127.0.0.1:`port` but sends `sni` as the TLS server name."""

    def __init__(self, sni, port, timeout=10):
        super().__init__("127.0.0.1", port, timeout=timeout, context=_insecure())
        self.sni = sni

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.sni)


def request(port, path, host, tls, method="GET", body=None, headers=None, timeout=10):
    """One request; returns (status, headers, body)."""
    if tls:
        conn = HTTPSWithSNI(host, port, timeout)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp.headers, data


def websocket_echo(port, host, path, payload=b"hello stackdef", timeout=10):
    """Upgrades `path` over TLS, sends one masked text frame and reads one frame back; returns
    (the status line of the upgrade, the payload of the frame that came back)."""
    sock = _insecure().wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=timeout),
                                   server_hostname=host)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    status = head.split(b"\r\n", 1)[0]
    frame = b""
    if b" 101 " in status:
        mask = os.urandom(4)
        sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while len(frame) < 2 + len(payload):
            chunk = sock.recv(64)
            if not chunk:
                break
            frame += chunk
    sock.close()
    return status, frame[2:]
