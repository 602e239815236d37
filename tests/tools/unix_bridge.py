#!/usr/bin/env python3
"""unix_bridge.py - carries TCP connections across a network namespace
through a Unix socket (the file system is shared, the loopback is not), so
a relay inside the namespace relay_srt.sh makes can ask the test shop.

    unix_bridge.py listen UNIX_PATH HOST:PORT SECONDS [READY_FILE]   (outside: Unix -> TCP)
    unix_bridge.py tcp PORT UNIX_PATH SECONDS [READY_FILE]           (inside: TCP 127.0.0.1:PORT -> Unix)

Each accepted connection gets its own pair of pumping threads; the bridge
stops by itself after SECONDS. READY_FILE is created once it listens."""
import os
import socket
import sys
import threading
import time


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(listener, connect):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            peer = connect()
        except OSError:
            conn.close()
            continue
        for a, b in ((conn, peer), (peer, conn)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def main():
    mode, seconds = sys.argv[1], float(sys.argv[4])
    if mode == 'listen':
        path, (host, port) = sys.argv[2], sys.argv[3].rsplit(':', 1)
        if os.path.exists(path):
            os.unlink(path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        connect = lambda: socket.create_connection((host, int(port)))
    else:
        port, path = int(sys.argv[2]), sys.argv[3]
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(('127.0.0.1', port))

        def connect():
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
    listener.listen(64)
    if len(sys.argv) > 5:
        open(sys.argv[5], 'w').close()
    threading.Thread(target=serve, args=(listener, connect), daemon=True).start()
    time.sleep(seconds)


if __name__ == '__main__':
    main()
