#!/usr/bin/env python3
"""Writes a deterministic test capture of many interleaved flows, and its ground truth.

Flows: TCP over IPv4 and IPv6 (handshake, data both ways with correct seq/ack, FIN or RST end),
UDP request/response, ICMP and ICMPv6 echo; untagged, 802.1Q and QinQ (802.1ad + 802.1Q).
Checksums are correct (Suricata drops stream matches on bad ones). Some flows carry markers that
ops/suricata/flowtrap-test.rules match: at the flow's start (first request), in its middle, late
(last data packet), or two of them on one flow ("twice": start and late). Each 5-tuple + VLAN stack is used by one flow only.

Usage: make-corpus.py --out corpus.pcap --truth corpus.json [--flows 300] [--seed 1] [--concurrency 40]
The truth lists per flow: protocol, addresses, ports, vlans, the 0-based indexes of its packets
in the capture, and its markers. Only the Python standard library is used.
"""
import argparse, ipaddress, json, random, struct

MARKERS = {"start": b"FLOWTRAP-START", "middle": b"FLOWTRAP-MIDDLE", "late": b"FLOWTRAP-LATE",
           "udp": b"FLOWTRAP-UDP", "icmp": b"FLOWTRAP-ICMP"}


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s >> 16) + (s & 0xFFFF)
    return (~s) & 0xFFFF


class Endpoints:
    def __init__(self, v6, src, dst, vlans):
        self.v6, self.src, self.dst, self.vlans = v6, src, dst, vlans

    def pseudo(self, a, b, proto, length):
        if self.v6:
            return a.packed + b.packed + struct.pack("!IxxxB", length, proto)
        return a.packed + b.packed + struct.pack("!xBH", proto, length)

    def ip(self, a, b, proto, l4, rnd):
        if self.v6:
            return struct.pack("!IHBB", 0x60000000, len(l4), proto, 64) + a.packed + b.packed + l4
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), rnd.randint(0, 65535), 0x4000, 64, proto, 0,
                        a.packed, b.packed)
        return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4

    def frame(self, ip_packet):
        ethertype = 0x86DD if self.v6 else 0x0800
        head = b"\x00\x11\x22\x33\x44\x55" + b"\x00\x66\x77\x88\x99\xaa"
        tpids = [0x88A8, 0x8100] if len(self.vlans) == 2 else [0x8100] * len(self.vlans)
        for tpid, vid in zip(tpids, self.vlans):
            head += struct.pack("!HH", tpid, vid)
        return head + struct.pack("!H", ethertype) + ip_packet


def tcp_segment(ep, a, b, sp, dp, seq, ack, flags, data, rnd):
    h = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 64240, 0, 0)
    c = csum(ep.pseudo(a, b, 6, len(h) + len(data)) + h + data)
    return ep.frame(ep.ip(a, b, 6, h[:16] + struct.pack("!H", c) + h[18:] + data, rnd))


def udp_datagram(ep, a, b, sp, dp, data, rnd):
    h = struct.pack("!HHHH", sp, dp, 8 + len(data), 0)
    c = csum(ep.pseudo(a, b, 17, 8 + len(data)) + h + data) or 0xFFFF
    return ep.frame(ep.ip(a, b, 17, h[:6] + struct.pack("!H", c) + data, rnd))


def icmp_echo(ep, a, b, reply, ident, seq, data, rnd):
    if ep.v6:
        h = struct.pack("!BBHHH", 129 if reply else 128, 0, 0, ident, seq)
        c = csum(ep.pseudo(a, b, 58, len(h) + len(data)) + h + data)
        return ep.frame(ep.ip(a, b, 58, h[:2] + struct.pack("!H", c) + h[4:] + data, rnd))
    h = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq)
    c = csum(h + data)
    return ep.frame(ep.ip(a, b, 1, h[:2] + struct.pack("!H", c) + h[4:] + data, rnd))


ALPHABET = b"abcdefghijklmnopqrstuvwxyz0123456789" * 64


def payload(rnd, n, marker=None):
    start = rnd.randrange(0, len(ALPHABET) - n) if n < len(ALPHABET) else 0
    body = (ALPHABET * (1 + n // len(ALPHABET)))[start:start + n]
    if marker:
        at = rnd.randint(0, max(0, n - len(marker)))
        body = body[:at] + marker + body[at + len(marker):]
    return body


def tcp_flow(rnd, ep, sp, dp, markers, response_size=1400, rounds=None):
    c, s = ep.src, ep.dst
    cs, ss = rnd.randint(1, 2**31), rnd.randint(1, 2**31)
    pkts = [tcp_segment(ep, c, s, sp, dp, cs, 0, 0x02, b"", rnd),
            tcp_segment(ep, s, c, dp, sp, ss, cs + 1, 0x12, b"", rnd),
            tcp_segment(ep, c, s, sp, dp, cs + 1, ss + 1, 0x10, b"", rnd)]
    cs += 1
    ss += 1
    rounds = rounds or rnd.randint(3, 8)
    at = {"start": [0], "middle": [rounds // 2], "late": [rounds - 1], "twice": [0, rounds - 1]}
    for r in range(rounds):
        mark = None
        for m in markers:
            if r in at[m]:
                mark = MARKERS["start" if m == "twice" and r == 0 else "late" if m == "twice" else m]
        req = b"GET /" + payload(rnd, rnd.randint(20, 300), mark) + b" HTTP/1.1\r\n\r\n"
        pkts.append(tcp_segment(ep, c, s, sp, dp, cs, ss, 0x18, req, rnd))
        cs += len(req)
        resp = payload(rnd, rnd.randint(min(40, response_size), response_size))
        pkts.append(tcp_segment(ep, s, c, dp, sp, ss, cs, 0x18, resp, rnd))
        ss += len(resp)
        pkts.append(tcp_segment(ep, c, s, sp, dp, cs, ss, 0x10, b"", rnd))
    if rnd.random() < 0.2:
        pkts.append(tcp_segment(ep, c, s, sp, dp, cs, ss, 0x14, b"", rnd))
    else:
        pkts.append(tcp_segment(ep, c, s, sp, dp, cs, ss, 0x11, b"", rnd))
        pkts.append(tcp_segment(ep, s, c, dp, sp, ss, cs + 1, 0x11, b"", rnd))
        pkts.append(tcp_segment(ep, c, s, sp, dp, cs + 1, ss + 1, 0x10, b"", rnd))
    return pkts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--flows", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=40)
    ap.add_argument("--response-size", type=int, default=1400,
                    help="largest TCP response payload (benchmarks use 1460 for full-size packets)")
    ap.add_argument("--tcp-rounds", type=int, default=None,
                    help="every flow is TCP with this many request/response rounds (3 packets each) and an alert"
                         " marker at its start; the chain benchmark uses 332 for ~1,000-packet flows")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    flows = []
    for i in range(args.flows):
        v6 = rnd.random() < 0.3
        vlans = rnd.choice([[], [], [10 + i % 50], [200 + i % 7, 300 + i % 11]])
        if v6:
            src = ipaddress.ip_address("2001:db8:1::%x:%x" % ((i + 1) >> 16, (i + 1) & 0xFFFF))
            dst = ipaddress.ip_address("2001:db8:2::%x" % (i % 17 + 1))
        else:
            src = ipaddress.ip_address("10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, (i & 255)))
            dst = ipaddress.ip_address("192.0.2.%d" % (i % 17 + 1))
        ep = Endpoints(v6, src, dst, vlans)
        kind = rnd.random()
        sp = 1024 + i % 64000
        if args.tcp_rounds:
            markers = ["start"]
            pkts, proto, dp = tcp_flow(rnd, ep, sp, 80, markers, args.response_size, args.tcp_rounds), 6, 80
        elif kind < 0.6:
            markers = rnd.choice([[], [], [], ["start"], ["middle"], ["late"], ["twice"]])
            pkts, proto, dp = tcp_flow(rnd, ep, sp, 80, markers, args.response_size), 6, 80
        elif kind < 0.85:
            markers = rnd.choice([[], [], ["udp"]])
            pkts, proto, dp = [], 17, 5000
            for r in range(rnd.randint(1, 4)):
                pkts.append(udp_datagram(ep, src, dst, sp, 5000, payload(rnd, rnd.randint(20, 200), MARKERS["udp"] if markers and r == 0 else None), rnd))
                pkts.append(udp_datagram(ep, dst, src, 5000, sp, payload(rnd, rnd.randint(40, 400)), rnd))
        else:
            markers = rnd.choice([[], ["icmp"]])
            pkts, proto, sp, dp = [], 58 if v6 else 1, 0, 0
            ident = i & 0xFFFF
            for r in range(rnd.randint(1, 4)):
                data = payload(rnd, 48, MARKERS["icmp"] if markers and r == 0 else None)
                pkts.append(icmp_echo(ep, src, dst, False, ident, r, data, rnd))
                pkts.append(icmp_echo(ep, dst, src, True, ident, r, data, rnd))
        flows.append({"protocol": proto, "src_ip": str(src), "dest_ip": str(dst), "src_port": sp, "dest_port": dp,
                      "vlans": vlans, "markers": markers, "packets": pkts})
    # Interleave: at most `concurrency` flows open at once, packets of a flow in order.
    t = 1_700_000_000 * 10**9
    order, waiting, open_flows = [], list(range(len(flows))), []
    pos = [0] * len(flows)
    while waiting or open_flows:
        while waiting and len(open_flows) < args.concurrency:
            open_flows.append(waiting.pop(0))
        f = rnd.choice(open_flows)
        order.append(f)
        pos[f] += 1
        if pos[f] == len(flows[f]["packets"]):
            open_flows.remove(f)
    with open(args.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1))
        cursor = [0] * len(flows)
        for index, f in enumerate(order):
            t += rnd.randint(20_000, 2_000_000)
            frame = flows[f]["packets"][cursor[f]]
            cursor[f] += 1
            flows[f].setdefault("indexes", []).append(index)
            out.write(struct.pack("<IIII", t // 10**9, t % 10**9, len(frame), len(frame)) + frame)
    for f in flows:
        del f["packets"]
    with open(args.truth, "w") as out:
        json.dump({"packets": len(order), "flows": flows}, out, indent=1)


if __name__ == "__main__":
    main()
