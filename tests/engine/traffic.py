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
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import webclient  # noqa: E402

FAILED = []


def check(name, ok, detail=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)
    if not ok:
        FAILED.append(name)


def request(spec, path, tls=True, method="GET", body=None, headers=None):
    port = spec["https"] if tls else spec["http"]
    return webclient.request(port, path, spec["domain"], tls, method, body, headers)


def websocket(spec, path):
    status, echoed = webclient.websocket_echo(spec["https"], spec["domain"], path)
    check(f"{path} upgrades to a WebSocket", b" 101 " in status, status)
    check(f"{path} echoes a WebSocket message through the proxy", echoed == b"hello stackdef", echoed)


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
