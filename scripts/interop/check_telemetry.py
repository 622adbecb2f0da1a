#!/usr/bin/env python3
"""Checks the telemetry summaries murmur_client.py --telemetry received (DUMP_DIR/telemetry.jsonl) against
node/telemetry/FORMAT.md: field types and ranges, and the sketch recomputed from the author's snapshot.

usage: check_telemetry.py DUMP_DIR RUN_SEED PEER_DIR [PEER_DIR ...]   (peers run with --snapshot-every 1)
"""
import base64
import json
import math
import os
import struct
import sys


def hash_seed(*parts):
    """lib/random hashSeed: 32-bit FNV-1a over the UTF-16 code units of the parts joined by U+001F (PROTOCOL.md)"""
    h = 0x811C9DC5
    text = '\x1f'.join(str(p) for p in parts)
    units = struct.unpack(f'<{len(text.encode("utf-16-le")) // 2}H', text.encode('utf-16-le'))
    for c in units:
        h ^= c & 0xFF
        h = (h * 0x01000193) & 0xFFFFFFFF
        h ^= c >> 8
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def sketch(x, seed, k=128):
    """node/telemetry/FORMAT.md § The sketch"""
    s = ((seed * 0x9E3779B1) & 0xFFFFFFFF) ^ 0x5BD1E995
    y = [0.0] * k
    for j, v in enumerate(x):
        h = j ^ s
        h = ((h ^ (h >> 16)) * 0x85EBCA6B) & 0xFFFFFFFF
        h = ((h ^ (h >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
        h ^= h >> 16
        y[h & (k - 1)] += (-v if h >> 31 else v)
    return [struct.unpack('<f', struct.pack('<f', t))[0] for t in y]


def u53(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 2 ** 53 - 1


def check_fields(m):
    bad = []
    if m.get('v') != 1: bad.append('version')
    if not isinstance(m.get('id'), str) or len(m['id']) > 128: bad.append('id')
    for f in ('slot', 'round', 'members', 'degree', 'bytesSent', 'bytesThisRound', 'received', 'missing', 'rejected'):
        if not u53(m.get(f)): bad.append(f)
    if u53(m.get('members')) and (m['members'] < 1 or not (u53(m.get('degree')) and m['degree'] < m['members'])):
        bad.append('members/degree')
    tl = m.get('trainLoss')
    if tl is not None and not (isinstance(tl, (int, float)) and abs(tl) <= 1e30): bad.append('trainLoss')
    acc, ar = m.get('accuracy'), m.get('accuracyRound')
    if (acc is None) != (ar is None) or (acc is not None and not (0 <= acc <= 1 and u53(ar) and ar <= m['round'])):
        bad.append('accuracy')
    l2 = m.get('lambda2')
    if l2 is not None and not (0 <= l2 <= 1): bad.append('lambda2')
    for f in ('computeMs', 'commMs', 'waitMs', 'roundMs', 'time'):
        if not (isinstance(m.get(f), (int, float)) and m[f] >= 0): bad.append(f)
    links = m.get('links')
    if not (isinstance(links, list) and len(links) <= 32 and all(isinstance(l, list) and len(l) == 3 for l in links)):
        bad.append('links')
    return bad


def main():
    dump, run_seed, peer_dirs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    dirs = {json.load(open(os.path.join(d, 'peer.json')))['peerId']: d for d in peer_dirs}
    n = ok_fields = ok_sketch = checked = 0
    for line in open(os.path.join(dump, 'telemetry.jsonl')):
        m = json.loads(line)
        n += 1
        bad = check_fields(m)
        ok_fields += not bad
        if bad:
            print(f'  fields out of FORMAT.md: {bad} in {m}')
        sk = m.get('sketch')
        d = dirs.get(m.get('id'))
        if sk is None or d is None:
            continue
        snap = os.path.join(d, 'snapshots', f'round-{m["round"]:08d}.f32')
        if not os.path.exists(snap):
            continue
        b = open(snap, 'rb').read()
        x = struct.unpack(f'<{len(b) // 4}f', b)
        want_seed = hash_seed(run_seed, 'telemetry-sketch', m['round'])
        got = list(struct.unpack('<128f', base64.b64decode(sk['data'])))
        checked += 1
        good = sk['seed'] == want_seed and got == sketch(x, want_seed)
        ok_sketch += good
        if not good:
            print(f'  sketch mismatch: {m["id"][-6:]} round {m["round"]} seed {sk["seed"]} (want {want_seed})')
    print(f'{n} summaries: {ok_fields} with every field as FORMAT.md says; sketches recomputed from the '
          f'snapshots: {ok_sketch}/{checked} equal')
    sys.exit(0 if ok_fields == n and ok_sketch == checked else 1)


if __name__ == '__main__':
    assert hash_seed(1, 'topology', 'regular:3', 8) == 0x29C2A081
    main()
