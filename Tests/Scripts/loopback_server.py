#!/usr/bin/env python3
"""A loopback HTTP server for the data-set fetch tests, with scripted faults.

    loopback_server.py ROOT LOG

Serves the files under ROOT on 127.0.0.1 (an ephemeral port, printed as the first line of
standard output) and appends one line per request to LOG: "METHOD PATH RANGE". Routes:

    /files/PATH      the file, with Range support (206)
    /cut/PATH        without Range: announces the whole file, sends half, closes the
                     connection; with Range: as /files
    /redirect/PATH   302 to /files/PATH
    /slow/PATH       sends the headers, then nothing for 30 seconds
    anything else    404

The server stops by itself after 10 minutes.
"""
import http.server
import os
import sys
import threading
import time

ROOT, LOG = sys.argv[1], sys.argv[2]
log_lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        with log_lock, open(LOG, "a") as log:
            log.write(f"GET {self.path} {self.headers.get('Range', '-')}\n")
        route, _, rest = self.path.lstrip("/").partition("/")
        path = os.path.realpath(os.path.join(ROOT, rest))
        if route == "redirect":
            self.send_response(302)
            self.send_header("Location", "/files/" + rest)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if route not in ("files", "cut", "slow") or not path.startswith(os.path.realpath(ROOT)) or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as handle:
            data = handle.read()
        if route == "slow":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.flush()
            time.sleep(30)
            self.close_connection = True
            return
        start = 0
        requested = self.headers.get("Range")
        if requested and requested.startswith("bytes=") and requested.endswith("-"):
            start = int(requested[len("bytes="):-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if route == "cut" and not requested:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(data[start:])


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Timer(600, server.shutdown).start()
server.serve_forever()
