#!/usr/bin/env python3
"""Real traffic through a running stack's nginx, driven by tests/engine.rs.

    python3 traffic.py https SPEC.json            the proxy already answers on 127.0.0.1
    unshare --mount --fork python3 traffic.py edge SPEC.json WORK
                                                  the host edge proxy: this script runs it, in a
                                                  private mount namespace on the host network

`edge` does the first start as a user would: nginx with the bootstrap file answers the ACME
challenge and 503 before any certificate exists; the certbot stand-in (tools/engine/certbot)
obtains a certificate through it; then the full file replaces the bootstrap one and nginx reloads.
Then, in both modes, every probe of the spec: each route answers as the stack says (the stand-in
application reports the request headers nginx forwarded and what PostgreSQL and Redis said; the
SPA serves index.html for deep links), WebSocket routes upgrade, rate-limited routes answer 429
past their burst, and plain HTTP redirects. One line per check; exit 1 if any failed.
"""
import base64
import concurrent.futures
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time

FAILED = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        FAILED.append(name)


class HTTPSWithSNI(http.client.HTTPSConnection):
    """Connects to 127.0.0.1 but sends `sni` as the TLS server name."""

    def __init__(self, sni, port):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        super().__init__("127.0.0.1", port, timeout=10, context=ctx)
        self.sni = sni

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.sni)


def request(spec, path, tls=True, method="GET", body=None, headers=None):
    host = spec["domain"]
    if tls:
        conn = HTTPSWithSNI(host, spec["https"])
    else:
        conn = http.client.HTTPConnection("127.0.0.1", spec["http"], timeout=10)
    conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp.headers, data


def websocket(spec, path):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", spec["https"]), timeout=10),
                           server_hostname=spec["domain"])
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {spec['domain']}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    status = head.split(b"\r\n", 1)[0]
    check(f"{path} upgrades to a WebSocket", b" 101 " in status, status)
    payload = b"hello stackdef"
    mask = os.urandom(4)
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    frame = b""
    while len(frame) < 2 + len(payload):
        chunk = sock.recv(64)
        if not chunk:
            break
        frame += chunk
    check(f"{path} echoes a WebSocket message through the proxy", frame[2:] == payload, frame)
    sock.close()


def probe(spec, p):
    path, role = p["path"], p["role"]
    if p.get("websocket"):
        return websocket(spec, path)
    status, headers, body = request(spec, path)
    if role == "respond":
        check(f"{path} answers {p['status']}", status == p["status"] and body.decode() == p["body"], (status, body[:80]))
        return
    check(f"{path} answers 200", status == 200, (status, body[:200]))
    if status != 200:
        return
    if role == "spa":
        check(f"{path} serves the SPA's index.html", b"<title>" in body, body[:80])
        deep = path.rstrip("/") + "/some/deep/link"
        status, _, body = request(spec, deep)
        check(f"the deep link {deep} serves index.html", status == 200 and b"<title>" in body, (status, body[:80]))
        return
    seen = json.loads(body)
    sent = seen.get("headers", {})
    check(f"{path}: the application sees Host {spec['domain']}", sent.get("Host") == spec["domain"], sent)
    check(f"{path}: the application sees X-Forwarded-Proto https", sent.get("X-Forwarded-Proto") == "https", sent)
    check(f"{path}: the application sees the client address", sent.get("X-Real-IP", "") != "", sent)
    if p.get("database"):
        check(f"{path}: the application reached PostgreSQL through DATABASE_URL", "database" in seen, seen)
    if p.get("redis"):
        check(f"{path}: the application reached Redis through REDIS_URL", seen.get("redis") is True, seen)
    frames = headers.get_all("X-Frame-Options") or []
    check(f"{path}: one X-Frame-Options header", len(frames) == 1, frames)


def rate_limit(spec, p):
    # concurrent, so that the requests arrive faster than any rate the zone may allow
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda _: request(spec, p["path"])[0], range(3 * p["burst"] + 30)))
    limited = statuses.count(429)
    passed = statuses.count(200)
    check(f"{p['path']} answers 429 past its burst of {p['burst']}", limited >= 1 and passed > p["burst"],
          f"statuses {statuses}")


def probes(spec):
    status, headers, _ = request(spec, "/x?y=1", tls=False)
    check("plain HTTP redirects to HTTPS", status in (301, 308) and
          headers.get("Location") == f"https://{spec['domain']}/x?y=1", (status, headers.get("Location")))
    for p in spec["probes"]:
        probe(spec, p)
    # last, once per zone: a limited route answers 429 for a while afterwards, and routes that
    # share a zone share its bucket
    zones = set()
    for p in spec["probes"]:
        if p.get("burst") is not None and p["zone"] not in zones:
            zones.add(p["zone"])
            rate_limit(spec, p)


def nginx(work, *args):
    return subprocess.run(["nginx", "-p", work, "-c", os.path.join(work, "nginx.conf"),
                           "-g", f"pid {work}/nginx.pid;", *args], capture_output=True, text=True)


def overlay(work, target):
    name = target.replace("/", "_")
    up, wk = os.path.join(work, "ovl" + name), os.path.join(work, "ovlw" + name)
    os.makedirs(up, exist_ok=True)
    os.makedirs(wk, exist_ok=True)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", f"lowerdir={target},upperdir={up},workdir={wk}",
                    target], check=True)


def edge(spec, work):
    overlay(work, "/etc")
    overlay(work, "/var")
    os.makedirs("/var/log/nginx", exist_ok=True)
    os.makedirs(spec["webroot"], exist_ok=True)
    os.makedirs(os.path.join(work, "logs"), exist_ok=True)
    shutil.copy(os.path.join(spec["deploy"], spec["bootstrap"]), os.path.join(work, "nginx.conf"))
    started = nginx(work)
    check("nginx starts with the bootstrap file before any certificate exists", started.returncode == 0, started.stderr)
    if started.returncode != 0:
        return
    try:
        time.sleep(0.3)
        status, _, _ = request(spec, "/", tls=False)
        check("before certificates, the HTTP server answers 503", status == 503, status)
        env = {**os.environ, "STACKDEF_ACME_HOST": "127.0.0.1"}
        got = subprocess.run(["python3", spec["certbot"], "certonly", "--webroot", "-w", spec["webroot"],
                              "-d", spec["domain"]], capture_output=True, text=True, env=env)
        check("certbot obtains a certificate through the ACME challenge", got.returncode == 0, got.stdout + got.stderr)
        shutil.copy(os.path.join(spec["deploy"], spec["full"]), os.path.join(work, "nginx.conf"))
        reloaded = nginx(work, "-s", "reload")
        check("nginx reloads with the full file", reloaded.returncode == 0, reloaded.stderr)
        time.sleep(1)
        probes(spec)
    finally:
        nginx(work, "-s", "quit")


def main():
    mode, spec = sys.argv[1], json.load(open(sys.argv[2]))
    if mode == "edge":
        edge(spec, sys.argv[3])
    else:
        probes(spec)
    print(f"traffic {mode}: {len(FAILED)} failed", flush=True)
    sys.exit(1 if FAILED else 0)


main()
