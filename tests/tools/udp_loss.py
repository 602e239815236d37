#!/usr/bin/env python3
"""udp_loss.py - a UDP forwarder on loopback that loses a share of the
datagrams each way, for an SRT publisher on a lossy uplink where tc netem
cannot be had (no sch_netem in the kernel).

    udp_loss.py LISTEN_PORT TARGET_PORT LOSS SECONDS [SEED [READY_FILE]]

Datagrams from the first client to 127.0.0.1:LISTEN_PORT go to
127.0.0.1:TARGET_PORT, the answers back to that client; each one is
dropped with probability LOSS (0..1), independently (a seeded random, so a
run can be repeated). READY_FILE is created once the port is bound. Stops by itself after SECONDS, printing
"forwarded DROPPED/TOTAL up, DROPPED/TOTAL down"."""
import random
import select
import socket
import sys
import time


def main():
    listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
    loss, seconds = float(sys.argv[3]), float(sys.argv[4])
    rnd = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 17)
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(('127.0.0.1', listen_port))
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.connect(('127.0.0.1', target_port))
    if len(sys.argv) > 6:
        open(sys.argv[6], 'w').close()
    client = None
    counts = {'up': [0, 0], 'down': [0, 0]}
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([front, back], [], [], min(left, 0.5))
        for s in ready:
            try:
                data, addr = s.recvfrom(65536)
            except OSError:
                continue  # the target is not there (yet): ICMP refused
            way = 'up' if s is front else 'down'
            if s is front:
                client = client or addr
                if addr != client:
                    continue
            counts[way][1] += 1
            if rnd.random() < loss:
                counts[way][0] += 1
                continue
            try:
                if s is front:
                    back.send(data)
                elif client:
                    front.sendto(data, client)
            except OSError:
                pass
    print('forwarded %d/%d up, %d/%d down' % (counts['up'][0], counts['up'][1], counts['down'][0], counts['down'][1]))


if __name__ == '__main__':
    main()
