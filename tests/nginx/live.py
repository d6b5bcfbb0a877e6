#!/usr/bin/env python3
"""Live traffic through nginx running an emitted stackdef config.

Run as root inside fresh namespaces (the Rust test does this):
    unshare --mount --net --fork python3 live.py edge|frontend DEPLOY_DIR WORK_DIR

The private network namespace has its own loopback, so ports 80/443 are free; overlay mounts on
/etc, /var and /usr/share give nginx the certificate, webroot and document paths the config
names without touching the machine. Prints one line per check; exits 1 if any check failed.
"""
import base64
import hashlib
import http.client
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import webclient  # noqa: E402

MODE, DEPLOY, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
DOMAIN = "inctra.thisisvoid.in"
FAILED = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        FAILED.append(name)


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def overlay(target):
    up, wk = os.path.join(WORK, "ovl" + target.replace("/", "_")), os.path.join(WORK, "ovlw" + target.replace("/", "_"))
    os.makedirs(up, exist_ok=True)
    os.makedirs(wk, exist_ok=True)
    sh("mount", "-t", "overlay", "overlay", "-o", f"lowerdir={target},upperdir={up},workdir={wk}", target)


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


# ---- test upstreams ------------------------------------------------------------------------

INDEX = "<!doctype html><title>inctra</title><script src=/assets/app-3f2a.js></script>"


class Backend(http.server.BaseHTTPRequestHandler):
    """/api/*: echoes the request headers as JSON; /ws/*: a WebSocket echo."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path.startswith("/ws/") and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        body = json.dumps({"path": self.path, "headers": dict(self.headers.items())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Frame-Options", "SAMEORIGIN")  # the edge must hide this one
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def websocket(self):
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        head = self.rfile.read(2)
        length = head[1] & 0x7F
        mask = self.rfile.read(4)
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
        self.wfile.write(bytes([0x81, len(data)]) + data)
        self.wfile.flush()
        self.close_connection = True


class Frontend(http.server.BaseHTTPRequestHandler):
    """Stands in for the frontend container: SPA fallback, 404 for a missing hashed asset."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path.startswith("/assets/"):
            status, body = 404, b"missing"
        else:
            status, body = 200, INDEX.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(handler, port):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()


# ---- nginx ----------------------------------------------------------------------------------

def start_nginx(conf):
    prefix = os.path.join(WORK, "prefix")
    os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
    test = subprocess.run(["nginx", "-t", "-p", prefix, "-c", conf, "-g", f"pid {prefix}/nginx.pid;"],
                          capture_output=True, text=True)
    check("nginx -t accepts the config", test.returncode == 0, test.stderr)
    if test.returncode != 0:
        sys.exit(1)
    subprocess.run(["nginx", "-p", prefix, "-c", conf, "-g", f"pid {prefix}/nginx.pid;"], check=True)
    for _ in range(50):
        if os.path.exists(f"{prefix}/nginx.pid"):
            break
        time.sleep(0.1)
    time.sleep(0.3)
    return prefix


def request(port, path, host=DOMAIN, tls=False, headers=None):
    return webclient.request(port, path, host, tls, headers=headers, timeout=5)


SECURITY = ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy",
            "Cross-Origin-Opener-Policy"]


def headers_ok(name, headers, extra=()):
    missing = [h for h in SECURITY + list(extra) if h not in headers]
    check(f"security headers on {name}", not missing, f"missing {missing}")
    frames = headers.get_all("X-Frame-Options") or []
    check(f"one X-Frame-Options DENY on {name}", frames == ["DENY"], f"got {frames}")


def websocket(port):
    status, echoed = webclient.websocket_echo(port, DOMAIN, "/ws/echo", timeout=5)
    check("websocket upgrade gets 101", b" 101 " in status, status)
    check("websocket echoes through the proxy", echoed == b"hello stackdef", echoed)


def edge():
    overlay("/etc")
    overlay("/var")
    live = f"/etc/letsencrypt/live/{DOMAIN}"
    os.makedirs(live, exist_ok=True)
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={DOMAIN}",
       "-keyout", f"{live}/privkey.pem", "-out", f"{live}/fullchain.pem")
    write("/var/www/certbot/.well-known/acme-challenge/token123", "acme-proof")
    os.makedirs("/var/log/nginx", exist_ok=True)
    serve(Backend, 8000)
    serve(Frontend, 8080)
    start_nginx(os.path.join(DEPLOY, "nginx.conf"))

    status, h, body = request(443, "/api/echo?x=1", tls=True, headers={"X-Forwarded-For": "6.6.6.6"})
    check("/api/ reaches the backend", status == 200, status)
    sent = json.loads(body)["headers"] if status == 200 else {}
    check("backend sees Host", sent.get("Host") == DOMAIN, sent)
    check("backend sees X-Forwarded-Proto https", sent.get("X-Forwarded-Proto") == "https", sent)
    check("backend sees X-Forwarded-Host", sent.get("X-Forwarded-Host") == DOMAIN, sent)
    check("backend sees X-Forwarded-Port 443", sent.get("X-Forwarded-Port") == "443", sent)
    check("X-Forwarded-For is the client, not a spoofed value", sent.get("X-Forwarded-For") == "127.0.0.1", sent)
    check("backend sees X-Real-IP", sent.get("X-Real-IP") == "127.0.0.1", sent)
    headers_ok("/api/", h, ["Strict-Transport-Security", "Content-Security-Policy"])

    for path in ["/", "/incidents/42/edit"]:
        status, h, body = request(443, path, tls=True)
        check(f"{path} serves index.html", status == 200 and body.decode() == INDEX, (status, body[:60]))
        headers_ok(path, h, ["Strict-Transport-Security"])
    status, h, _ = request(443, "/assets/app-0000.js", tls=True)
    check("a missing hashed asset is 404", status == 404, status)
    headers_ok("a 404", h, ["Strict-Transport-Security"])

    status, h, body = request(443, "/health", tls=True)
    check("/health answers 200", status == 200 and body == b"ok", (status, body))
    headers_ok("/health", h, ["Strict-Transport-Security"])

    status, h, _ = request(80, "/incidents?q=1")
    check("port 80 redirects to https", status == 308 and h.get("Location") == f"https://{DOMAIN}/incidents?q=1",
          (status, h.get("Location")))
    status, _, body = request(80, "/.well-known/acme-challenge/token123")
    check("ACME challenge served from the webroot over http", status == 200 and body == b"acme-proof", (status, body))

    websocket(443)

    try:
        request(80, "/", host="attacker.example")
        check("unknown host on port 80 is dropped", False, "got a response")
    except (http.client.HTTPException, OSError):
        check("unknown host on port 80 is dropped", True)
    try:
        request(443, "/", host="attacker.example", tls=True)
        check("unknown TLS server name is refused", False, "handshake succeeded")
    except (ssl.SSLError, OSError):
        check("unknown TLS server name is refused", True)


def frontend():
    overlay("/usr/share")
    overlay("/var")
    os.makedirs("/var/log/nginx", exist_ok=True)
    root = "/usr/share/nginx/html"
    write(f"{root}/index.html", INDEX)
    write(f"{root}/assets/app-3f2a.js", "console.log('inctra');\n" * 40)
    main = os.path.join(WORK, "frontend-main.conf")
    # what the nginx image's own nginx.conf does: include the server file inside http
    write(main, "events {}\nhttp {\n    include /etc/nginx/mime.types;\n"
                f"    include {os.path.join(DEPLOY, 'nginx-frontend.conf')};\n}}\n")
    start_nginx(main)
    for path in ["/", "/incidents/42"]:
        status, h, body = request(80, path, host="localhost")
        check(f"{path} serves index.html", status == 200 and body.decode() == INDEX, (status, body[:60]))
        headers_ok(path, h)
        check(f"{path} is not cached", h.get("Cache-Control") == "no-cache", h.get("Cache-Control"))
    status, h, _ = request(80, "/assets/app-3f2a.js", host="localhost")
    check("a hashed asset is served", status == 200, status)
    check("a hashed asset is cached as immutable",
          h.get("Cache-Control") == "public, max-age=31536000, immutable", h.get("Cache-Control"))
    status, h, _ = request(80, "/assets/app-0000.js", host="localhost")
    check("a missing hashed asset is 404", status == 404, status)
    check("a 404 is not cached as immutable", "immutable" not in (h.get("Cache-Control") or ""), h.get("Cache-Control"))
    headers_ok("a 404", h)
    status, _, _ = request(80, "/.env", host="localhost")
    check("dot files are denied", status == 403, status)
    status, h, _ = request(80, "/assets/app-3f2a.js", host="localhost", headers={"Accept-Encoding": "gzip"})
    check("gzip applies to assets", status == 200 and h.get("Content-Encoding") == "gzip", (status, h.get("Content-Encoding")))


def bootstrap():
    """First start: no certificate exists, yet nginx starts and answers the ACME challenge."""
    overlay("/var")
    os.makedirs("/var/log/nginx", exist_ok=True)
    check("no certificate exists", not os.path.exists(f"/etc/letsencrypt/live/{DOMAIN}/fullchain.pem"))
    write("/var/www/certbot/.well-known/acme-challenge/first", "first-proof")
    start_nginx(os.path.join(DEPLOY, "nginx-bootstrap.conf"))
    status, _, body = request(80, "/.well-known/acme-challenge/first")
    check("ACME challenge served before certificates exist", status == 200 and body == b"first-proof", (status, body))
    status, h, _ = request(80, "/")
    check("everything else answers 503 until certificates exist", status == 503, status)


def syntax():
    """`nginx -t` on every nginx file in DEPLOY, with throwaway certificates for the names they
    use; a `conf.d` server file (no `events`) is wrapped the way the nginx image includes it."""
    overlay("/etc")
    overlay("/var")
    os.makedirs("/var/log/nginx", exist_ok=True)
    for name in sorted(os.listdir(DEPLOY)):
        if not name.endswith(".conf"):
            continue
        path = os.path.join(DEPLOY, name)
        text = open(path).read()
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("ssl_certificate ") and "/etc/ssl/stackdef/" in line:
                # certificate files named by the stack: one throwaway pair in that directory
                cert = line.split()[1].rstrip(";")
                folder = os.path.dirname(cert)
                if not os.path.exists(os.path.join(folder, "cert.pem")):
                    os.makedirs(folder, exist_ok=True)
                    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=stackdef",
                       "-keyout", f"{folder}/key.pem", "-out", f"{folder}/cert.pem")
            if line.startswith("ssl_certificate ") and "/etc/letsencrypt/live/" in line:
                domain = line.split("/etc/letsencrypt/live/")[1].split("/")[0]
                live = f"/etc/letsencrypt/live/{domain}"
                if not os.path.exists(live):
                    os.makedirs(live)
                    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={domain}",
                       "-keyout", f"{live}/privkey.pem", "-out", f"{live}/fullchain.pem")
        conf = path
        if "events {" not in text:
            conf = os.path.join(WORK, name + ".main")
            write(conf, f"events {{}}\nhttp {{\n    include /etc/nginx/mime.types;\n    include {path};\n}}\n")
        prefix = os.path.join(WORK, "prefix-" + name)
        os.makedirs(os.path.join(prefix, "logs"), exist_ok=True)
        test = subprocess.run(["nginx", "-t", "-p", prefix, "-c", conf, "-g", f"pid {prefix}/nginx.pid;"],
                              capture_output=True, text=True)
        # a warning counts: "conflicting server name" means a server never answers
        warned = "[warn]" in test.stderr or "[emerg]" in test.stderr
        check(f"nginx -t accepts {name}", test.returncode == 0 and not warned, test.stderr.replace("\n", " | "))


sh("ip", "link", "set", "lo", "up")
try:
    {"edge": edge, "frontend": frontend, "bootstrap": bootstrap, "syntax": syntax}[MODE]()
finally:
    subprocess.run(["pkill", "-f", f"nginx: master process nginx -p {WORK}"], check=False)
print(f"{MODE}: {len(FAILED)} failed", flush=True)
sys.exit(1 if FAILED else 0)
