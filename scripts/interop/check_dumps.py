#!/usr/bin/env python3
"""Checks what murmur_client.py received against what the murmur peers wrote.

usage: check_dumps.py DUMP_DIR CODEC PEER_DIR [PEER_DIR ...]

For every murmur peer (its --data-dir, run with --snapshot-every 1) and every round r >= 1 the client received
a model of: the sender's model of round r is its snapshot after r rounds (snapshots/round-<r:08>.f32, raw
float32). With codec `none` the received vector must equal it byte for byte; with a codec, the received payload
(the .codec dump) must be what lib/compress/FORMAT.md says the sender makes of that model: exact for the
deterministic codecs (fp16, sign, topk), for randk the values at the indices regenerated from the seed, for
qsgd the norm and each value within one level.
"""

import glob
import json
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from murmur_client import decode_codec, k_of, randk_indices, f32, parse_codec  # noqa: E402


def read_f32(path):
    b = open(path, 'rb').read()
    return list(struct.unpack(f'<{len(b) // 4}f', b))


def f32_up(x):
    """the smallest float32 >= x"""
    y = f32(x)
    if y >= x:
        return y
    bits = struct.unpack('<I', struct.pack('<f', y))[0]
    return struct.unpack('<f', struct.pack('<I', bits + 1 if y >= 0 else bits - 1))[0]


def check(codec, x, payload):
    d = len(x)
    name, param = parse_codec(codec)
    dec = decode_codec(payload, codec, d)
    if name == 'none':
        return dec == x, 'values'
    if name == 'fp16':
        want = list(struct.unpack(f'<{d}e', struct.pack(f'<{d}e', *x)))
        return dec == want, 'fp16 rounding'
    if name == 'sign':
        scale = struct.unpack_from('<f', payload, 8)[0]
        want_scale = f32(math.fsum(abs(v) for v in x) / d)
        bits_ok = all((dec[i] < 0) == (x[i] < 0) for i in range(d))
        return bits_ok and abs(scale - want_scale) <= 1e-6 * max(1, want_scale), f'scale {scale} vs {want_scale}'
    if name == 'topk':
        k = k_of(param, d)
        order = sorted(range(d), key=lambda i: (-abs(x[i]), i))[:k]
        want = [0.0] * d
        for i in order:
            want[i] = x[i]
        flags = payload[2]
        varint_len = 0
        prev = 0
        for j, i in enumerate(sorted(order)):
            g = i - prev if j else i
            varint_len += 1 + (g >= 1 << 7) + (g >= 1 << 14) + (g >= 1 << 21) + (g >= 1 << 28)
            prev = i
        want_bitmap = (d + 7) // 8 < varint_len
        return dec == want and bool(flags & 1) == want_bitmap, f'top-k set, bitmap {bool(flags & 1)}'
    if name == 'randk':
        k = k_of(param, d)
        seed = struct.unpack_from('<I', payload, 8)[0]
        idx = randk_indices(seed, d, k)
        want = [0.0] * d
        for i in idx:
            want[i] = f32(x[i] * (d / k))
        return dec == want, f'seed {seed}, k {k}'
    if name == 'qsgd':
        s = param
        norm = struct.unpack_from('<f', payload, 8)[0]
        exact = math.sqrt(math.fsum(v * v for v in x))
        ok_norm = norm >= exact and norm <= f32_up(exact) * (1 + 1e-6)
        ok_vals = all(abs(dec[i] - x[i]) <= norm / s * (1 + 1e-6) and (dec[i] == 0 or (dec[i] < 0) == (x[i] < 0))
                      for i in range(d))
        return ok_norm and ok_vals, f'norm {norm} vs {exact}'
    raise SystemExit(f'codec {codec}?')


def main():
    dump, codec, peer_dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    bad = 0
    for pd in peer_dirs:
        pid = json.load(open(os.path.join(pd, 'peer.json')))['peerId']
        n = ok = raw = 0
        for path in sorted(glob.glob(os.path.join(dump, f'in-{pid}-r*.f32'))):
            r = int(path.rsplit('-r', 1)[1].split('.')[0])
            snap = os.path.join(pd, 'snapshots', f'round-{r:08d}.f32')
            if r == 0 or not os.path.exists(snap):
                continue
            x = read_f32(snap)
            cpath = path[:-4] + '.codec'
            n += 1
            if os.path.exists(cpath):
                good, what = check(codec, x, open(cpath, 'rb').read())
            else:
                raw += 1
                good, what = read_f32(path) == x, 'raw frame'
            ok += good
            if not good:
                print(f'  MISMATCH {os.path.basename(pd)} round {r}: {what}')
        bad += n - ok
        print(f'{os.path.basename(pd)} ({pid[-6:]}), codec {codec}: {ok}/{n} received models match the sender\'s '
              f'snapshot ({raw} raw frames)')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
