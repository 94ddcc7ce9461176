#!/usr/bin/env python3
"""A pretend serial device for scopekit's capture tests: a pseudo-terminal (os.openpty, raw
mode) reachable through a symlink, fed from a file at a given rate.

  serial_feeder.py --link PATH --data FILE [--rate BYTES_PER_S] [--chunk N]
                   [--wait-for TOKEN] [--replug-at BYTES] [--replug-delay S]
                   [--end vanish|hold] [--linger S] [--log-received FILE]

Prints `ready` once the link exists and `sent N` when all data is written. With --wait-for
it streams only after reading TOKEN from the capture (its --send), on every (re)connect.
--replug-at closes the pty after that many bytes (the device vanishes), waits, and makes a
new one behind the same link. At the end it waits until the capture has read everything,
then closes the pty (--end vanish) or keeps it open until killed (--end hold); with
--log-received it appends what the capture writes meanwhile to FILE (e.g. its --send-on-exit).
"""
import argparse
import array
import fcntl
import os
import sys
import termios
import time
import tty


def make_pty(link):
    master, slave = os.openpty()
    tty.setraw(slave)
    tmp = link + ".new"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(os.ttyname(slave), tmp)
    os.replace(tmp, link)
    return master, slave


def pending(slave):
    buf = array.array("i", [0])
    fcntl.ioctl(slave, termios.FIONREAD, buf, True)
    return buf[0]


def wait_for(master, token, timeout=30.0):
    seen = b""
    end = time.monotonic() + timeout
    while token not in seen:
        if time.monotonic() > end:
            sys.exit("feeder: no %r from the capture" % token)
        try:
            seen += os.read(master, 256)
        except OSError:
            time.sleep(0.01)


def drained(slave, timeout=10.0):
    end = time.monotonic() + timeout
    while pending(slave) > 0 and time.monotonic() < end:
        time.sleep(0.01)
    time.sleep(0.3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--link", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--rate", type=float, default=0.0)
    ap.add_argument("--chunk", type=int, default=256)
    ap.add_argument("--wait-for", default="")
    ap.add_argument("--replug-at", type=int, default=-1)
    ap.add_argument("--replug-delay", type=float, default=1.0)
    ap.add_argument("--end", choices=["vanish", "hold"], default="vanish")
    ap.add_argument("--linger", type=float, default=0.2)
    ap.add_argument("--log-received", default="")
    a = ap.parse_args()
    data = open(a.data, "rb").read()
    token = a.wait_for.encode()
    master, slave = make_pty(a.link)
    print("ready", flush=True)
    if token:
        wait_for(master, token)
    start = time.monotonic()
    sent = 0
    replugged = False
    while sent < len(data):
        if a.replug_at >= 0 and not replugged and sent >= a.replug_at:
            drained(slave)
            os.close(master)
            os.close(slave)
            replugged = True
            time.sleep(a.replug_delay)
            master, slave = make_pty(a.link)
            if token:
                wait_for(master, token)
            start = time.monotonic() - (sent / a.rate if a.rate else 0)
        end = len(data)
        if a.replug_at >= 0 and not replugged:
            end = min(end, a.replug_at)
        piece = data[sent:min(end, sent + a.chunk)]
        os.write(master, piece)
        sent += len(piece)
        if a.rate:
            ahead = sent / a.rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    print("sent %d" % sent, flush=True)
    drained(slave)
    time.sleep(a.linger)
    if a.end == "hold":
        while True:
            if not a.log_received:
                time.sleep(1)
                continue
            try:
                got = os.read(master, 256)
            except OSError:
                time.sleep(0.05)
                continue
            with open(a.log_received, "ab") as log:
                log.write(got)
    os.close(master)
    os.close(slave)


if __name__ == "__main__":
    main()
