#!/usr/bin/env python3
"""Stand-in for the application images that stacks build: an HTTP server that really uses the
services the stack wires to it.

It reads DATABASE_URL the strict way an ORM does (scheme, user, password, host, port, database;
percent-escapes decoded, nothing guessed), connects to PostgreSQL on every request that needs it,
pings REDIS_URL when set, and answers:
  GET  <any>/health        200 once the database (and Redis) answer, 503 before
  GET  <any>/rows          the rows stored so far, as JSON
  POST <any>/rows          stores the request body as a row
  GET  <any>               JSON: path, request headers, what the database and Redis said
  GET  with Upgrade: websocket   a one-message WebSocket echo
Started as `uvicorn MODULE:APP --host H --port P`, `gunicorn MODULE:APP --bind H:P` or
`stackdef-app --port P` (default 8000).
"""
import base64
import hashlib
import http.server
import json
import os
import sys
import urllib.parse

import psycopg2
import redis


def database():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"DATABASE_URL scheme {parts.scheme!r} is not PostgreSQL")
    if parts.query or parts.fragment:
        raise ValueError("DATABASE_URL has a query or fragment the stack did not write")
    if not (parts.username and parts.password is not None and parts.hostname and parts.port):
        raise ValueError("DATABASE_URL lacks a user, password, host or port")
    unquote = urllib.parse.unquote
    return psycopg2.connect(
        host=parts.hostname,
        port=parts.port,
        user=unquote(parts.username),
        password=unquote(parts.password),
        dbname=unquote(parts.path.lstrip("/")),
        connect_timeout=3,
    )


def facts():
    out = {}
    conn = database()
    if conn is not None:
        with conn, conn.cursor() as cur:
            cur.execute("select current_user, current_database()")
            out["database"] = list(cur.fetchone())
        conn.close()
    url = os.environ.get("REDIS_URL")
    if url:
        out["redis"] = redis.Redis.from_url(url, socket_timeout=3).ping()
    return out


def rows(add=None):
    conn = database()
    with conn, conn.cursor() as cur:
        cur.execute("create table if not exists stackdef_rows (id serial primary key, value text)")
        if add is not None:
            cur.execute("insert into stackdef_rows (value) values (%s)", (add,))
        cur.execute("select value from stackdef_rows order by id")
        found = [r[0] for r in cur.fetchall()]
    conn.close()
    return found


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("app: " + fmt % args + "\n")

    def reply(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        path = urllib.parse.urlsplit(self.path).path.rstrip("/")
        try:
            if path.endswith("/health"):
                return self.reply(200, {"status": "ok", **facts()})
            if path.endswith("/rows"):
                return self.reply(200, rows())
            return self.reply(200, {"path": self.path, "headers": dict(self.headers.items()), **facts()})
        except Exception as e:  # the test reads the reason
            return self.reply(503, {"error": f"{type(e).__name__}: {e}"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        value = self.rfile.read(length).decode()
        try:
            return self.reply(200, rows(add=value))
        except Exception as e:
            return self.reply(503, {"error": f"{type(e).__name__}: {e}"})

    def websocket(self):
        key = self.headers["Sec-WebSocket-Key"]
        digest = hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", base64.b64encode(digest).decode())
        self.end_headers()
        self.wfile.flush()
        head = self.rfile.read(2)
        mask = self.rfile.read(4)
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(head[1] & 0x7F)))
        self.wfile.write(bytes([0x81, len(data)]) + data)
        self.wfile.flush()
        self.close_connection = True


def main(argv):
    port = int(os.environ.get("PORT", "8000"))
    if "--port" in argv:
        port = int(argv[argv.index("--port") + 1])
    if "--bind" in argv:  # gunicorn's form, HOST:PORT
        port = int(argv[argv.index("--bind") + 1].rsplit(":", 1)[1])
    server = http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler)
    print(f"stand-in app listening on {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
