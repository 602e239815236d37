#!/usr/bin/env python3
"""stub_shop.py PORT - the shop's side of the relay's publish callback for
the relay benchmarks (ops/bench-srt.sh, ops/bench-rendition.sh): every
stream key may publish and is its own live id; unpublish and ended reports
are answered 200. Nothing else of the shop."""
import http.server
import json
import sys


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        key = json.loads(self.rfile.read(int(self.headers.get('Content-Length') or 0)) or b'{}').get('stream_key')
        body = json.dumps({"live_id": key} if self.path.endswith('/publish') else {}).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
