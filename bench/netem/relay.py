#!/usr/bin/env python3
"""Emulated hosts joined by a user-space relay that adds latency, jitter and loss (the kernel here has no netem).

Makes hosts PREFIX-0 .. PREFIX-(COUNT-1), each a network namespace whose eth0 is a TUN device (host i
at 10.233.0.(10+i)/24, MTU 9000, IPv6 off) read and written by this process, which forwards every
IPv4 packet to the host it is addressed to:
  - each host's send and receive are serialised at RATE (store and forward, like a NIC and a switch port),
  - each packet waits DELAY plus a uniform draw in [0, JITTER] between the two (one way; the round trip
    adds twice that), order kept per host pair,
  - each packet is dropped with probability LOSS (seeded; TCP retransmits, as on a lossy link),
  - at most 100 ms of RATE (256 KiB at least) queued per destination; more is dropped at the tail, as a
    switch with shallow buffers would (a deep queue delays heartbeats behind tensors for seconds).
Prints "NAME ADDRESS" per host and then "ready", relays until SIGINT or SIGTERM, then removes every
namespace it made (also when start-up fails half way). Needs root. Usage:
  relay.py PREFIX COUNT RATE [--delay 10ms] [--jitter 1ms] [--loss 0.001] [--seed 1]
RATE as tc takes it (10mbit, 100mbit, 1gbit) or 0 for unlimited.
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
MTU = 9000
QUEUE_FLOOR = 256 << 10


def seconds(text):
    for unit, scale in (("ms", 1e-3), ("us", 1e-6), ("s", 1.0)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * scale
    raise argparse.ArgumentTypeError(f"a duration such as 10ms or 0.5s; got {text!r}")


def bits_per_second(text):
    if text == "0":
        return 0.0
    for unit, scale in (("kbit", 1e3), ("mbit", 1e6), ("gbit", 1e9)):
        if text.endswith(unit):
            return float(text[:-len(unit)]) * scale
    raise argparse.ArgumentTypeError(f"0 or a rate such as 100mbit; got {text!r}")


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


def make_hosts(prefix, count):
    fds = []
    for i in range(count):
        ns, device = f"{prefix}-{i}", f"{prefix}t{i}"
        ip("netns", "add", ns)
        ip("-n", ns, "link", "set", "lo", "up")
        subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], check=True)
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", device.encode(), IFF_TUN | IFF_NO_PI))
        fds.append(fd)
        # The open descriptor stays attached to the device when the device moves into the namespace.
        ip("link", "set", device, "netns", ns)
        ip("-n", ns, "link", "set", device, "name", "eth0")
        ip("-n", ns, "link", "set", "eth0", "mtu", str(MTU), "up")
        ip("-n", ns, "addr", "add", f"10.233.0.{10 + i}/24", "dev", "eth0")
        print(f"{ns} 10.233.0.{10 + i}", flush=True)
    return fds


def remove_hosts(prefix):
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.strip() else ""
        if name.startswith(prefix + "-") and name[len(prefix) + 1:].isdigit():
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


def relay(fds, rate, delay, jitter, loss, seed):
    rng = random.Random(seed)
    queue_limit = max(QUEUE_FLOOR, int(rate / 8 * 0.1))
    count = len(fds)
    host_of_fd = {fd: i for i, fd in enumerate(fds)}
    send_free = [0.0] * count
    receive_free = [0.0] * count
    queued = [0] * count
    last_arrival = {}
    due = []  # (time, sequence, destination, packet)
    sequence = 0
    stats = {"forwarded": 0, "lost": 0, "queue_drops": 0}
    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else 1.0
        readable, _, _ = select.select(fds, [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            source = host_of_fd[fd]
            while True:
                try:
                    packet = os.read(fd, MTU + 64)
                except BlockingIOError:
                    break
                if len(packet) < 20 or packet[0] >> 4 != 4 or packet[16:19] != b"\x0a\xe9\x00":
                    continue
                destination = packet[19] - 10
                if not 0 <= destination < count or destination == source:
                    continue
                if rng.random() < loss:
                    stats["lost"] += 1
                    continue
                if queued[destination] + len(packet) > queue_limit:
                    stats["queue_drops"] += 1
                    continue
                wire = len(packet) * 8 / rate if rate else 0.0
                send_free[source] = max(now, send_free[source]) + wire
                arrival = max(send_free[source] + delay + rng.uniform(0, jitter), last_arrival.get((source, destination), 0.0))
                last_arrival[(source, destination)] = arrival
                receive_free[destination] = max(arrival, receive_free[destination]) + wire
                queued[destination] += len(packet)
                heapq.heappush(due, (receive_free[destination], sequence, destination, packet))
                sequence += 1
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, destination, packet = heapq.heappop(due)
            queued[destination] -= len(packet)
            try:
                os.write(fds[destination], packet)
                stats["forwarded"] += 1
            except BlockingIOError:
                stats["queue_drops"] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix")
    parser.add_argument("count", type=int)
    parser.add_argument("rate", type=bits_per_second)
    parser.add_argument("--delay", type=seconds, default=0.0)
    parser.add_argument("--jitter", type=seconds, default=0.0)
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not (args.prefix.isalnum() and args.prefix.islower() and len(args.prefix) <= 8 and args.prefix[0].isalpha()):
        sys.exit(f"relay.py: PREFIX must be 1-8 lower-case letters or digits, starting with a letter; got {args.prefix!r}")
    if not 1 <= args.count <= 200 or not 0 <= args.loss < 1:
        sys.exit("relay.py: COUNT must be 1-200 and --loss in [0, 1)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        fds = make_hosts(args.prefix, args.count)
        print("ready", flush=True)
        relay(fds, args.rate, args.delay, args.jitter, args.loss, args.seed)
    except KeyboardInterrupt:
        pass
    finally:
        remove_hosts(args.prefix)


if __name__ == "__main__":
    main()
