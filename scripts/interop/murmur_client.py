#!/usr/bin/env python3
"""An independent, minimal murmur client in Python, written from docs/PROTOCOL.md, lib/compress/FORMAT.md and
the public libp2p specifications (multistream-select, noise, yamux, pubsub/gossipsub, peer-id, identify).

It speaks:
  * TCP + multistream-select 1.0.0, as dialer and listener
  * Noise XX: `/murmur/noise-aesgcm/1.0.0` (murmur's AES-GCM variant) or plain `/noise` (ChaChaPoly),
    as initiator and responder, with early stream-muxer negotiation or multistream-select for yamux
  * Yamux 1.0.0
  * identify (/ipfs/id/1.0.0, answering only) and ping (/ipfs/ping/1.0.0, answering only)
  * gossipsub (/meshsub/1.1.0): subscribe, publish StrictSign-signed messages, verify and decode received ones
  * murmur membership announcements (config hash computed locally, from the documented defaults)
  * /murmur/gossip/1.0.0: envelope frames (CRC-32, header validation), algorithm frames, codec `none` payloads;
    sends its own model each round to its neighbours and averages (`--algo gossip`)
  * /murmur/sync/1.0.0 as a client (--pull) and as a server

Only the Python standard library and `cryptography` are used. Usage: see --help, and scripts/interop/README.md.
"""

import argparse
import asyncio
import hashlib
import hmac
import json
import math
import os
import random
import struct
import sys
import time
import zlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization
from cryptography.exceptions import InvalidSignature, InvalidTag

T0 = time.time()


def log(*a):
    print(f'[{time.time() - T0:8.3f}]', *a, flush=True)


# --------------------------------------------------------------------------------------------- encodings

def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_uvarint(buf, pos=0):
    shift = 0
    val = 0
    while True:
        if pos >= len(buf):
            raise ValueError('truncated varint')
        b = buf[pos]
        pos += 1
        val |= (b & 0x7F) << shift
        if not b & 0x80:
            return val, pos
        shift += 7
        if shift > 63:
            raise ValueError('varint too long')


B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'


def b58encode(b):
    n = int.from_bytes(b, 'big')
    s = ''
    while n:
        n, r = divmod(n, 58)
        s = B58[r] + s
    pad = len(b) - len(b.lstrip(b'\0'))
    return '1' * pad + s


def b58decode(s):
    n = 0
    for c in s:
        n = n * 58 + B58.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, 'big') if n else b''
    pad = len(s) - len(s.lstrip('1'))
    return b'\0' * pad + body


# minimal protobuf -----------------------------------------------------------------------------------------

def pb_field(num, wire, value):
    key = uvarint(num << 3 | wire)
    if wire == 0:
        return key + uvarint(value)
    if wire == 2:
        return key + uvarint(len(value)) + value
    raise ValueError(wire)


def pb_bytes(num, value):
    if isinstance(value, str):
        value = value.encode()
    return pb_field(num, 2, value)


def pb_decode(buf):
    """-> list of (field number, wire type, value)"""
    out = []
    pos = 0
    while pos < len(buf):
        key, pos = read_uvarint(buf, pos)
        num, wire = key >> 3, key & 7
        if wire == 0:
            v, pos = read_uvarint(buf, pos)
        elif wire == 2:
            ln, pos = read_uvarint(buf, pos)
            v = bytes(buf[pos:pos + ln])
            if len(v) != ln:
                raise ValueError('truncated protobuf')
            pos += ln
        elif wire == 1:
            v = bytes(buf[pos:pos + 8]); pos += 8
        elif wire == 5:
            v = bytes(buf[pos:pos + 4]); pos += 4
        else:
            raise ValueError(f'wire type {wire}')
        out.append((num, wire, v))
    return out


def pb_get(fields, num, default=None):
    for n, _, v in fields:
        if n == num:
            return v
    return default


def pb_all(fields, num):
    return [v for n, _, v in fields if n == num]


# --------------------------------------------------------------------------------------------- identity

class Identity:
    def __init__(self, seed=None):
        self.sk = Ed25519PrivateKey.from_private_bytes(seed) if seed else Ed25519PrivateKey.generate()
        self.pub = self.sk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        # libp2p PublicKey protobuf: Type = 1 (Ed25519), Data = 32 key bytes
        self.pub_pb = pb_field(1, 0, 1) + pb_bytes(2, self.pub)
        # Ed25519 keys are short: identity multihash (code 0x00, length) of the protobuf
        self.peer_id_bytes = b'\x00' + uvarint(len(self.pub_pb)) + self.pub_pb
        self.peer_id = b58encode(self.peer_id_bytes)

    def sign(self, data):
        return self.sk.sign(data)


def pubkey_from_pb(pb):
    f = pb_decode(pb)
    if pb_get(f, 1) != 1:
        raise ValueError('only Ed25519 identity keys are supported')
    return Ed25519PublicKey.from_public_bytes(pb_get(f, 2))


def peer_id_from_pubkey_pb(pb):
    return b58encode(b'\x00' + uvarint(len(pb)) + pb)


def pubkey_pb_from_peer_id(pid_bytes):
    if pid_bytes[0] != 0:
        raise ValueError('peer id is not an identity multihash')
    ln, pos = read_uvarint(pid_bytes, 1)
    return pid_bytes[pos:pos + ln]


# --------------------------------------------------------------------------------------------- multiaddr

def parse_multiaddr(ma):
    parts = ma.strip('/').split('/')
    host = port = pid = None
    i = 0
    while i < len(parts):
        p = parts[i]
        if p in ('ip4', 'ip6', 'dns4', 'dns', 'dns6'):
            host = parts[i + 1]; i += 2
        elif p == 'tcp':
            port = int(parts[i + 1]); i += 2
        elif p == 'p2p':
            pid = parts[i + 1]; i += 2
        else:
            i += 2
    return host, port, pid


def multiaddr_bytes_ip4_tcp(host, port):
    return b'\x04' + bytes(int(x) for x in host.split('.')) + b'\x06' + struct.pack('>H', port)


# --------------------------------------------------------------------------------------------- Noise

def hkdf2(ck, ikm):
    temp = hmac.new(ck, ikm, hashlib.sha256).digest()
    o1 = hmac.new(temp, b'\x01', hashlib.sha256).digest()
    o2 = hmac.new(temp, o1 + b'\x02', hashlib.sha256).digest()
    return o1, o2


class CipherState:
    def __init__(self, suite, key=None):
        self.suite = suite  # 'aesgcm' | 'chachapoly'
        self.set_key(key)

    def set_key(self, key):
        self.key = key
        self.n = 0
        self.aead = None if key is None else (AESGCM(key) if self.suite == 'aesgcm' else ChaCha20Poly1305(key))

    def nonce(self):
        if self.suite == 'aesgcm':
            return b'\0\0\0\0' + struct.pack('>Q', self.n)   # big-endian counter (Noise AESGCM)
        return b'\0\0\0\0' + struct.pack('<Q', self.n)       # little-endian counter (Noise ChaChaPoly)

    def encrypt(self, ad, pt):
        if self.aead is None:
            return pt
        ct = self.aead.encrypt(self.nonce(), pt, ad)
        self.n += 1
        return ct

    def decrypt(self, ad, ct):
        if self.aead is None:
            return ct
        pt = self.aead.decrypt(self.nonce(), ct, ad)
        self.n += 1
        return pt


NOISE_PROTOCOLS = {
    # protocol id -> (AEAD, name used to initialise h, prologue)
    '/murmur/noise-aesgcm/1.0.0': ('aesgcm', b'Noise_XX_25519_ChaChaPoly_SHA256',
                                   b'/murmur/noise-aesgcm/1.0.0 Noise_XX_25519_AESGCM_SHA256'),
    '/noise': ('chachapoly', b'Noise_XX_25519_ChaChaPoly_SHA256', b''),
}


class NoiseXX:
    def __init__(self, protocol, identity, initiator, muxers=('/yamux/1.0.0',)):
        suite, name, prologue = NOISE_PROTOCOLS[protocol]
        self.suite = suite
        self.identity = identity
        self.initiator = initiator
        self.muxers = list(muxers)
        self.h = name if len(name) == 32 else hashlib.sha256(name).digest()
        self.ck = self.h
        self.cs = CipherState(suite)
        self.mix_hash(prologue)
        self.s = X25519PrivateKey.generate()
        self.s_pub = self.s.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.e = X25519PrivateKey.generate()
        self.e_pub = self.e.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.re = self.rs = None
        self.remote_payload = None

    def mix_hash(self, data):
        self.h = hashlib.sha256(self.h + data).digest()

    def mix_key(self, ikm):
        self.ck, k = hkdf2(self.ck, ikm)
        self.cs.set_key(k)

    def enc_hash(self, pt):
        ct = self.cs.encrypt(self.h, pt)
        self.mix_hash(ct)
        return ct

    def dec_hash(self, ct):
        pt = self.cs.decrypt(self.h, ct)
        self.mix_hash(ct)
        return pt

    @staticmethod
    def dh(priv, pub):
        return priv.exchange(X25519PublicKey.from_public_bytes(pub))

    def payload(self):
        sig = self.identity.sign(b'noise-libp2p-static-key:' + self.s_pub)
        ext = b''.join(pb_bytes(2, m) for m in self.muxers)  # NoiseExtensions.stream_muxers = 2
        p = pb_bytes(1, self.identity.pub_pb) + pb_bytes(2, sig)
        if ext:
            p += pb_bytes(4, ext)
        return p

    def verify_payload(self, payload):
        f = pb_decode(payload)
        key_pb = pb_get(f, 1)
        sig = pb_get(f, 2)
        pubkey_from_pb(key_pb).verify(sig, b'noise-libp2p-static-key:' + self.rs)
        ext = pb_decode(pb_get(f, 4, b''))
        self.remote_muxers = [m.decode() for m in pb_all(ext, 2)]
        self.remote_peer_id = peer_id_from_pubkey_pb(key_pb)

    # initiator
    def write_msg1(self):
        self.mix_hash(self.e_pub)
        return self.e_pub + self.enc_hash(b'')

    def read_msg2(self, msg):
        self.re = msg[:32]
        self.mix_hash(self.re)
        self.mix_key(self.dh(self.e, self.re))
        self.rs = self.dec_hash(msg[32:80])
        self.mix_key(self.dh(self.e, self.rs))
        self.verify_payload(self.dec_hash(msg[80:]))

    def write_msg3(self):
        out = self.enc_hash(self.s_pub)
        self.mix_key(self.dh(self.s, self.re))
        return out + self.enc_hash(self.payload())

    # responder
    def read_msg1(self, msg):
        self.re = msg[:32]
        self.mix_hash(self.re)
        self.dec_hash(msg[32:])

    def write_msg2(self):
        self.mix_hash(self.e_pub)
        self.mix_key(self.dh(self.e, self.re))
        out = self.e_pub + self.enc_hash(self.s_pub)
        self.mix_key(self.dh(self.s, self.re))
        return out + self.enc_hash(self.payload())

    def read_msg3(self, msg):
        self.rs = self.dec_hash(msg[:48])
        self.mix_key(self.dh(self.e, self.rs))
        self.verify_payload(self.dec_hash(msg[48:]))

    def split(self):
        k1, k2 = hkdf2(self.ck, b'')
        a, b = CipherState(self.suite, k1), CipherState(self.suite, k2)
        return (a, b) if self.initiator else (b, a)  # (send, receive)


class SecureConn:
    """Transport messages after the handshake. aesgcm: murmur's frames (4-byte BE length, up to 1 MiB plaintext);
    chachapoly: libp2p noise's (2-byte BE length, up to 65,535 bytes of ciphertext)."""

    def __init__(self, reader, writer, send_cs, recv_cs, suite):
        self.r, self.w = reader, writer
        self.send_cs, self.recv_cs = send_cs, recv_cs
        self.suite = suite
        self.buf = bytearray()
        self.frames_in = self.frames_out = 0

    async def read_exact(self, n):
        while len(self.buf) < n:
            await self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    async def _fill(self):
        if self.suite == 'aesgcm':
            ln = struct.unpack('>I', await self.r.readexactly(4))[0]
            if ln < 16 or ln > 1048576 + 16:
                raise ValueError(f'aesgcm frame length {ln}')
        else:
            ln = struct.unpack('>H', await self.r.readexactly(2))[0]
        ct = await self.r.readexactly(ln)
        self.buf += self.recv_cs.decrypt(b'', ct)
        self.frames_in += 1

    def write(self, data):
        step = 1048576 if self.suite == 'aesgcm' else 65535 - 16
        for i in range(0, len(data), step):
            ct = self.send_cs.encrypt(b'', bytes(data[i:i + step]))
            self.w.write(struct.pack('>I' if self.suite == 'aesgcm' else '>H', len(ct)) + ct)
            self.frames_out += 1

    async def drain(self):
        await self.w.drain()

    def close(self):
        try:
            self.w.close()
        except Exception:
            pass


# --------------------------------------------------------------------------------------------- multistream-select

MSS = '/multistream/1.0.0'


def mss_msg(s):
    b = s.encode() + b'\n'
    return uvarint(len(b)) + b


class MssReader:
    """reads varint-prefixed, newline-terminated multistream messages from an async read_exact source"""

    def __init__(self, read_exact):
        self.read_exact = read_exact

    async def read(self):
        val = 0
        shift = 0
        while True:
            b = (await self.read_exact(1))[0]
            val |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        m = await self.read_exact(val)
        if not m.endswith(b'\n'):
            raise ValueError(f'multistream message without newline: {m!r}')
        return m[:-1].decode()


async def mss_select(read_exact, write, protocols):
    """dialer: propose protocols in order; returns the accepted one"""
    rd = MssReader(read_exact)
    write(mss_msg(MSS) + mss_msg(protocols[0]))
    hdr = await rd.read()
    if hdr != MSS:
        raise ValueError(f'unexpected multistream header {hdr!r}')
    for i, p in enumerate(protocols):
        if i > 0:
            write(mss_msg(p))
        ans = await rd.read()
        if ans == p:
            return p
        if ans != 'na':
            raise ValueError(f'unexpected multistream answer {ans!r}')
    raise ValueError(f'none of {protocols} accepted')


async def mss_handle(read_exact, write, supported):
    """listener: returns the protocol the dialer picked from `supported`"""
    rd = MssReader(read_exact)
    hdr = await rd.read()
    if hdr != MSS:
        raise ValueError(f'unexpected multistream header {hdr!r}')
    write(mss_msg(MSS))
    while True:
        p = await rd.read()
        if p in supported:
            write(mss_msg(p))
            return p
        if p == 'ls':
            body = b''.join(mss_msg(x) for x in supported) + b'\n'
            write(uvarint(len(body)) + body)
            continue
        write(mss_msg('na'))


# --------------------------------------------------------------------------------------------- yamux

Y_DATA, Y_WINDOW, Y_PING, Y_GOAWAY = 0, 1, 2, 3
F_SYN, F_ACK, F_FIN, F_RST = 1, 2, 4, 8
INITIAL_WINDOW = 256 * 1024


class StreamReset(Exception):
    pass


class YamuxStream:
    def __init__(self, session, sid):
        self.s = session
        self.id = sid
        self.buf = bytearray()
        self.ev = asyncio.Event()
        self.remote_closed = False   # FIN received
        self.reset = False
        self.local_closed = False
        self.send_window = INITIAL_WINDOW
        self.window_ev = asyncio.Event()
        self.consumed = 0
        self.protocol = None
        self.syn_sent = False

    def _feed(self, data):
        self.buf += data
        self.ev.set()

    async def read_some(self):
        while not self.buf:
            if self.reset:
                raise StreamReset(f'stream {self.id} reset')
            if self.remote_closed:
                return b''
            self.ev.clear()
            await self.ev.wait()
        out = bytes(self.buf)
        self.buf.clear()
        self._consumed(len(out))
        return out

    async def read_exact(self, n):
        while len(self.buf) < n:
            if self.reset:
                raise StreamReset(f'stream {self.id} reset')
            if self.remote_closed:
                raise EOFError(f'stream {self.id} closed with {len(self.buf)} of {n} bytes')
            self.ev.clear()
            await self.ev.wait()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        self._consumed(n)
        return out

    async def at_eof(self):
        """True when the remote closed and everything was read"""
        while not self.buf and not self.remote_closed and not self.reset:
            self.ev.clear()
            await self.ev.wait()
        return not self.buf

    def _consumed(self, n):
        self.consumed += n
        if self.consumed >= INITIAL_WINDOW // 2 and not self.remote_closed:
            self.s._send_frame(Y_WINDOW, 0, self.id, self.consumed)
            self.consumed = 0

    def write(self, data):
        """queue data (respecting the send window, in a background task)"""
        self.s._queue_write(self, bytes(data))

    async def write_all(self, data):
        data = memoryview(bytes(data))
        while data:
            if self.reset:
                raise StreamReset(f'stream {self.id} reset')
            if self.send_window <= 0:
                self.window_ev.clear()
                await self.window_ev.wait()
                continue
            n = min(len(data), self.send_window, 256 * 1024)
            self.send_window -= n
            self.s._send_frame(Y_DATA, self._flags(), self.id, len(data[:n]), bytes(data[:n]))
            data = data[n:]
        await self.s.conn.drain()

    def _flags(self):
        if not self.syn_sent and self.s._is_local(self.id):
            self.syn_sent = True
            return F_SYN
        if not self.syn_sent:
            self.syn_sent = True
            return F_ACK
        return 0

    def close_write(self):
        if not self.local_closed:
            self.local_closed = True
            self.s._send_frame(Y_WINDOW, self._flags() | F_FIN, self.id, 0)

    def abort(self):
        self.s._send_frame(Y_WINDOW, self._flags() | F_RST, self.id, 0)
        self.reset = True
        self.ev.set()
        self.s.streams.pop(self.id, None)


class YamuxSession:
    def __init__(self, conn, initiator, on_stream, name):
        self.conn = conn
        self.initiator = initiator
        self.next_id = 1 if initiator else 2
        self.streams = {}
        self.on_stream = on_stream
        self.name = name
        self.closed = False
        self.write_queues = {}

    def _is_local(self, sid):
        return (sid % 2 == 1) == self.initiator

    def _send_frame(self, typ, flags, sid, length, data=b''):
        if self.closed:
            return
        self.conn.write(struct.pack('>BBHII', 0, typ, flags, sid, length) + data)

    def _queue_write(self, stream, data):
        q = self.write_queues.get(stream.id)
        if q is None:
            q = self.write_queues[stream.id] = asyncio.Queue()
            asyncio.ensure_future(self._writer(stream, q))
        q.put_nowait(data)

    async def _writer(self, stream, q):
        try:
            while True:
                data = await q.get()
                if data is None:
                    stream.close_write()
                    return
                await stream.write_all(data)
        except Exception:
            pass

    def open_stream(self):
        sid = self.next_id
        self.next_id += 2
        st = YamuxStream(self, sid)
        self.streams[sid] = st
        # SYN with a window update of 0 opens the stream right away (data frames will not carry it again)
        self._send_frame(Y_WINDOW, F_SYN, sid, 0)
        st.syn_sent = True
        return st

    async def run(self):
        try:
            while True:
                hdr = await self.conn.read_exact(12)
                ver, typ, flags, sid, length = struct.unpack('>BBHII', hdr)
                if ver != 0:
                    raise ValueError(f'yamux version {ver}')
                if typ == Y_PING:
                    if flags & F_SYN:
                        self._send_frame(Y_PING, F_ACK, 0, length)
                    continue
                if typ == Y_GOAWAY:
                    log(f'{self.name}: yamux go away ({length})')
                    break
                data = await self.conn.read_exact(length) if typ == Y_DATA else b''
                st = self.streams.get(sid)
                if flags & F_SYN and st is None:
                    st = YamuxStream(self, sid)
                    self.streams[sid] = st
                    asyncio.ensure_future(self.on_stream(self, st))
                if st is None:
                    continue
                if typ == Y_WINDOW:
                    st.send_window += length
                    st.window_ev.set()
                if data:
                    st._feed(data)
                if flags & F_FIN:
                    st.remote_closed = True
                    st.ev.set()
                if flags & F_RST:
                    st.reset = True
                    st.ev.set()
                    st.window_ev.set()
                    self.streams.pop(sid, None)
                await self.conn.drain()
        except (asyncio.IncompleteReadError, ConnectionError, EOFError) as e:
            log(f'{self.name}: connection ended ({type(e).__name__})')
        except Exception as e:
            log(f'{self.name}: connection error {type(e).__name__}: {e}')
        finally:
            self.closed = True
            for st in list(self.streams.values()):
                st.reset = True
                st.ev.set()
                st.window_ev.set()
            self.conn.close()


# --------------------------------------------------------------------------------------------- murmur envelope

MAGIC = b'mw'
TYPE_GOSSIP, TYPE_SYNC_REQ, TYPE_SYNC_RESP = 1, 2, 3
MAX_FRAME_BYTES = 4 * 1024 * 1024
HDR = struct.Struct('<2sBB8sIIIIIII')  # 40 bytes


class EnvelopeError(Exception):
    def __init__(self, reason, msg):
        super().__init__(f'{reason}: {msg}')
        self.reason = reason


def run_hash(run_id):
    return hashlib.sha256(run_id.encode()).digest()[:8]


def encode_message(typ, rh, round_, degree, payload, chunk=1024 * 1024 - 40):
    L = len(payload)
    count = max(1, -(-L // chunk))
    crc = zlib.crc32(payload) & 0xFFFFFFFF
    out = bytearray()
    for i in range(count):
        off = i * chunk
        body = payload[off:off + chunk]
        frame = HDR.pack(MAGIC, 1, typ, rh, round_, degree, i, count, L, off, crc) + body
        out += uvarint(len(frame)) + frame
    return bytes(out)


async def read_length_prefix(stream, bound):
    """returns None at a clean end of stream between frames"""
    val = 0
    shift = 0
    nbytes = 0
    while True:
        if nbytes == 0:
            if await stream.at_eof():
                return None
        b = (await stream.read_exact(1))[0]
        nbytes += 1
        val |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
        if nbytes >= 8:
            raise EnvelopeError('length', 'length prefix of more than 8 bytes')
    if val > bound:
        raise EnvelopeError('frameTooLarge', f'frame of {val} bytes')
    return val


async def read_message(stream, rh, want_type, max_len, on_first=None):
    """reads one whole message (all chunks) from a stream, validating as § Validation says.
    Returns (header dict, payload) or None at a clean end of stream."""
    payload = None
    first = None
    got = 0
    while True:
        n = await read_length_prefix(stream, MAX_FRAME_BYTES)
        if n is None:
            if first is None:
                return None
            raise EnvelopeError('truncated', 'stream ended inside a message')
        if n < 40:
            raise EnvelopeError('length', f'frame of {n} bytes')
        frame = await stream.read_exact(n)
        magic, ver, typ, frh, rnd, deg, idx, cnt, L, off, crc = HDR.unpack_from(frame)
        chunk = frame[40:]
        if magic != MAGIC:
            raise EnvelopeError('magic', repr(magic))
        if ver != 1:
            raise EnvelopeError('version', str(ver))
        if typ not in (1, 2, 3):
            raise EnvelopeError('type', str(typ))
        if not (1 <= cnt <= max(1, L) and idx < cnt and off + len(chunk) <= L
                and (len(chunk) > 0 or L == 0) and (idx != cnt - 1 or off + len(chunk) == L)
                and (idx != 0 or off == 0) and (typ != 1 or deg >= 1) and (typ != 2 or L == 0)):
            raise EnvelopeError('field', f'geometry idx {idx} count {cnt} L {L} off {off} chunk {len(chunk)}')
        if frh != rh:
            raise EnvelopeError('run', frh.hex())
        if typ != want_type:
            raise EnvelopeError('type', f'{typ} on a stream of {want_type}')
        if first is None:
            if idx != 0:
                raise EnvelopeError('order', f'first frame index {idx}')
            if L > max_len:
                raise EnvelopeError('tooLarge', f'L {L}')
            first = dict(type=typ, round=rnd, degree=deg, count=cnt, length=L, checksum=crc)
            if on_first:
                on_first(first)
            payload = bytearray(L)
        else:
            if idx != first['_next'] or off != got:
                raise EnvelopeError('order', f'index {idx} offset {off}')
            if (rnd, deg, cnt, L, crc) != (first['round'], first['degree'], first['count'], first['length'],
                                           first['checksum']):
                raise EnvelopeError('inconsistent', 'header fields differ between chunks')
        payload[off:off + len(chunk)] = chunk
        got += len(chunk)
        first['_next'] = idx + 1
        if idx == cnt - 1:
            if zlib.crc32(payload) & 0xFFFFFFFF != crc:
                raise EnvelopeError('checksum', f'crc {crc:08x}')
            first['frames'] = cnt
            return first, bytes(payload)


# --------------------------------------------------------------------------------------------- algorithm frame

ALG = struct.Struct('<BBBBIIIIHH')  # 24 bytes


def encode_algo_frame(kind, round_, base, vec_bytes, d, encoding=0, requests=()):
    reqs = b''.join(bytes([len(r.encode())]) + r.encode() for r in requests)
    return ALG.pack(0x6d, 1, kind, encoding, round_, base, d, len(vec_bytes), len(requests), 0) + vec_bytes + reqs


def decode_algo_frame(buf):
    if len(buf) < 24:
        raise EnvelopeError('payload', 'algorithm frame shorter than 24 bytes')
    magic, ver, kind, enc, rnd, base, d, P, R, res = ALG.unpack_from(buf)
    if magic != 0x6d:
        raise EnvelopeError('payload', 'magic')
    if ver != 1:
        raise EnvelopeError('payloadVersion', str(ver))
    if kind > 2 or enc > 1 or not (1 <= d <= 2 ** 28) or R > 4096 or res != 0:
        raise EnvelopeError('payload', f'kind {kind} enc {enc} d {d} R {R} reserved {res}')
    if enc == 0 and P != 4 * d:
        raise EnvelopeError('payload', f'raw payload of {P} bytes for d {d}')
    if 24 + P > len(buf):
        raise EnvelopeError('payload', 'payload past the end')
    payload = buf[24:24 + P]
    pos = 24 + P
    reqs = []
    for _ in range(R):
        if pos >= len(buf):
            raise EnvelopeError('payload', 'requests past the end')
        ln = buf[pos]
        if ln == 0 or pos + 1 + ln > len(buf):
            raise EnvelopeError('payload', 'bad request length')
        reqs.append(buf[pos + 1:pos + 1 + ln].decode('utf-8'))
        pos += 1 + ln
    if pos != len(buf):
        raise EnvelopeError('payload', 'trailing bytes')
    return dict(kind=kind, encoding=enc, round=rnd, base=base, d=d, payload=payload, requests=reqs)


class PayloadError(Exception):
    def __init__(self, reason, msg=''):
        super().__init__(f'{reason}: {msg}')
        self.reason = reason


def parse_codec(spec):
    """-> (name, parameter) for none, fp16, sign, qsgd:S, topk:F, randk:F; ef(X) decodes as X"""
    if spec.startswith('ef(') and spec.endswith(')'):
        spec = spec[3:-1]
    name, _, arg = spec.partition(':')
    if name == 'qsgd':
        return name, int(arg)
    if name in ('topk', 'randk'):
        return name, arg
    return name, None


def k_of(frac_text, d):
    """k = max(1, ceil(f * d)) exactly on the decimal text (lib/compress/FORMAT.md)"""
    from fractions import Fraction
    f = Fraction(frac_text)  # exact: Fraction('0.07') == 7/100, Fraction('1e-7') == 1/10^7
    return max(1, -(-(f.numerator * d) // f.denominator))


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


class Xoshiro128ss:
    def __init__(self, seed):
        s = seed & 0xFFFFFFFF
        out = []
        for _ in range(4):
            s = (s + 0x9E3779B9) & 0xFFFFFFFF
            z = s
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & 0xFFFFFFFF
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
            out.append(z ^ (z >> 16))
        if not any(out):
            out[0] = 1
        self.a, self.b, self.c, self.e = out

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF

    def next(self):
        a, b, c, e = self.a, self.b, self.c, self.e
        result = (self.rotl((b * 5) & 0xFFFFFFFF, 7) * 9) & 0xFFFFFFFF
        t = (b << 9) & 0xFFFFFFFF
        c ^= a; e ^= b; b ^= c; a ^= e; c ^= t; e = self.rotl(e, 11)
        self.a, self.b, self.c, self.e = a, b, c, e
        return result

    def int(self, n):
        limit = 2 ** 32 - (2 ** 32 % n)
        while True:
            v = self.next()
            if v < limit:
                return v % n


def randk_indices(seed, d, k):
    rng = Xoshiro128ss(seed)
    S = set()
    for j in range(d - k, d):
        t = rng.int(j + 1)
        if t in S:
            t = j
        S.add(t)
    return sorted(S)


def bits_lsb(buf, start_bit, nbits):
    v = 0
    for i in range(nbits):
        j = start_bit + i
        if buf[j >> 3] >> (j & 7) & 1:
            v |= 1 << i
    return v


def decode_codec(p, spec, d):
    """decodes a lib/compress payload (FORMAT.md), checking it as § Validation lists; -> list of d floats"""
    if len(p) < 8:
        raise PayloadError('length')
    tag, ver, flags, res, pd = struct.unpack_from('<BBBBI', p)
    name, param = parse_codec(spec)
    tags = dict(none=1, fp16=2, qsgd=3, topk=4, randk=5, sign=6)
    if tag != tags[name]:
        raise PayloadError('tag', f'tag {tag} for {spec}')
    if ver != 1:
        raise PayloadError('version')
    if res != 0 or flags & ~(1 if name == 'topk' else 0):
        raise PayloadError('flags')
    if pd != d:
        raise PayloadError('dimension', f'{pd} != {d}')
    fin = math.isfinite
    if name == 'none':
        if len(p) != 8 + 4 * d:
            raise PayloadError('length')
        out = list(struct.unpack_from(f'<{d}f', p, 8))
    elif name == 'fp16':
        if len(p) != 8 + 2 * d:
            raise PayloadError('length')
        hs = struct.unpack_from(f'<{d}H', p, 8)
        if any((h >> 10) & 0x1F == 0x1F for h in hs):
            raise PayloadError('non-finite')
        out = list(struct.unpack_from(f'<{d}e', p, 8))
    elif name == 'sign':
        if len(p) != 12 + (d + 7) // 8:
            raise PayloadError('length')
        scale = struct.unpack_from('<f', p, 8)[0]
        if not fin(scale):
            raise PayloadError('non-finite')
        if scale < 0 or (d % 8 and p[-1] >> (d % 8)):
            raise PayloadError('value')
        out = [(-scale if p[12 + (i >> 3)] >> (i & 7) & 1 else scale) for i in range(d)]
    elif name == 'qsgd':
        s = param
        b = 1 + s.bit_length()
        if len(p) != 16 + -(-(d * b) // 8):
            raise PayloadError('length')
        norm, ps = struct.unpack_from('<fI', p, 8)
        if not fin(norm):
            raise PayloadError('non-finite')
        if norm < 0:
            raise PayloadError('value')
        if ps != s:
            raise PayloadError('parameter')
        stream = p[16:]
        if bits_lsb(stream, d * b, len(stream) * 8 - d * b):
            raise PayloadError('value', 'padding bits')
        out = []
        for i in range(d):
            c = bits_lsb(stream, i * b, b)
            level, neg = c >> 1, c & 1
            if level > s:
                raise PayloadError('level')
            out.append(f32((-1 if neg else 1) * level * (norm / s)))
    elif name == 'topk':
        k = k_of(param, d)
        (pk,) = struct.unpack_from('<I', p, 8)
        if pk != k:
            raise PayloadError('parameter')
        if len(p) < 12 + 4 * k:
            raise PayloadError('length')
        vals = struct.unpack_from(f'<{k}f', p, 12)
        if not all(fin(v) for v in vals):
            raise PayloadError('non-finite')
        rest = p[12 + 4 * k:]
        if flags & 1:
            if len(rest) != (d + 7) // 8:
                raise PayloadError('length')
            idx = [i for i in range(len(rest) * 8) if rest[i >> 3] >> (i & 7) & 1]
            if len(idx) != k or (idx and idx[-1] >= d):
                raise PayloadError('index')
        else:
            idx = []
            pos = 0
            prev = 0
            for j in range(k):
                g, q = read_uvarint(rest, pos)
                if q - pos > 5 or g > 0xFFFFFFFF or (q - pos > 1 and rest[q - 1] == 0):
                    raise PayloadError('varint')
                pos = q
                i = g if j == 0 else prev + g
                if (j > 0 and g == 0) or i >= d:
                    raise PayloadError('index')
                idx.append(i)
                prev = i
            if pos != len(rest):
                raise PayloadError('length')
        out = [0.0] * d
        for i, v in zip(idx, vals):
            out[i] = v
    elif name == 'randk':
        k = k_of(param, d)
        if len(p) != 16 + 4 * k:
            raise PayloadError('length')
        seed, pk = struct.unpack_from('<II', p, 8)
        if pk != k:
            raise PayloadError('parameter')
        vals = struct.unpack_from(f'<{k}f', p, 16)
        if not all(fin(v) for v in vals):
            raise PayloadError('non-finite')
        out = [0.0] * d
        for i, v in zip(randk_indices(seed, d, k), vals):
            out[i] = v
    else:
        raise PayloadError('tag', spec)
    if not all(fin(v) for v in out):
        raise PayloadError('non-finite')
    return out


PAYLOAD_REASONS = {'tag': 'codec', 'parameter': 'codec', 'dimension': 'dimension', 'non-finite': 'nonFinite'}


def decode_vector(frame, codec='none'):
    """-> list of floats: a raw frame, or a codec payload under the run's codec"""
    d = frame['d']
    p = frame['payload']
    if frame['encoding'] == 0:
        vals = list(struct.unpack(f'<{d}f', p))
        if not all(math.isfinite(v) for v in vals):
            raise EnvelopeError('nonFinite', 'non-finite value')
        return vals
    try:
        return decode_codec(p, codec, d)
    except PayloadError as e:
        raise EnvelopeError(PAYLOAD_REASONS.get(e.reason, 'payload'), str(e))


# --------------------------------------------------------------------------------------------- config hash

AGREED_FIELDS = ['runId', 'peers', 'topology', 'rows', 'weights', 'algo', 'order', 'codec', 'gamma', 'lr',
                 'momentum', 'weightDecay', 'localSteps', 'overlap', 'sync', 'staleness', 'aggregate', 'batch',
                 'dataset', 'normalize', 'partition', 'model', 'rounds', 'seed', 'roundDeadlineMs', 'dim']

DEFAULTS = dict(peers=16, topology='ring', rows=None, weights='metropolis', algo='dpsgd', order='atc', codec='none',
                gamma=None, lr=0.05, momentum=0.9, weightDecay=0, localSteps=1, overlap=False, sync='sync',
                staleness=8, aggregate='mean', batch=32, dataset='mnist', normalize=True, partition='iid',
                model='mlp', rounds=200, seed=1, roundDeadlineMs=5000, dim=1000)


def js_number(x):
    """ECMAScript Number::toString for the values a config holds"""
    if isinstance(x, bool):
        return 'true' if x else 'false'
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e21):
        return str(int(x))
    r = repr(float(x))
    if 'e' in r:
        m, e = r.split('e')
        e = int(e)
        if -7 < e < 21:
            return format(float(x), 'f').rstrip('0').rstrip('.') if e < 0 else r
        return f'{m}e{"+" if e > 0 else "-"}{abs(e)}'
    return r


def js_json(v):
    if v is None:
        return 'null'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        return js_number(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return '[' + ','.join(js_json(x) for x in v) + ']'
    if isinstance(v, dict):
        return '{' + ','.join(json.dumps(k, ensure_ascii=False) + ':' + js_json(x) for k, x in v.items()) + '}'
    raise TypeError(type(v))


def agreed_config(overrides):
    c = dict(DEFAULTS)
    c.update(overrides)
    # dim is the length of the vector exchanged (docs/PROTOCOL.md § Config hash): --dim with gossip, and in a training
    # run its model's parameter count, which this client does not build: give that count as --dim
    return {f: c.get(f) for f in AGREED_FIELDS}


def config_hash(agreed):
    s = js_json([[f, agreed[f]] for f in AGREED_FIELDS])
    return hashlib.sha256(s.encode()).hexdigest()


# --------------------------------------------------------------------------------------------- the client

class Client:
    def __init__(self, args):
        self.args = args
        self.id = Identity(bytes.fromhex(args.key) if args.key else None)
        self.topic = f'murmur/{args.run_id}/members/1'
        self.telemetry_topic = f'murmur/{args.run_id}/telemetry/1'
        cfg = dict(runId=args.run_id, peers=args.peers, algo=args.algo, rounds=args.rounds, seed=args.seed,
                   roundDeadlineMs=args.round_deadline, topology=args.topology, codec=args.codec, dim=args.dim)
        for kv in args.config or []:
            k, v = kv.split('=', 1)
            cfg[k] = json.loads(v)
        self.config = agreed_config(cfg)
        self.config_hash = config_hash(self.config)
        self.rh = run_hash(args.run_id)
        self.conns = {}            # peer id -> list of YamuxSession
        self.pubsub_out = {}       # peer id -> outbound meshsub stream
        self.members = {}          # peer id -> (announcement, arrival time)
        self.last_seq = {}
        self.seq = 0
        self.state = 'joining'
        self.effective_round = None
        self.round = 0
        self.inbox = {}            # round -> {peer: (header, frame, vector)}
        self.inbox_ev = asyncio.Event()
        self.gossip_out = {}       # peer -> outbound gossip stream
        self.stats = dict(received=0, rejected=0, sent=0, late=0, announcements_in=0, published=0)
        self.listen_port = None
        rnd = random.Random(args.slot * 7919 + args.seed)
        self.model = [rnd.gauss(0, 1) for _ in range(args.dim)]
        self.dim = args.dim
        self.done = asyncio.Event()

    # ------------------------------------------------------------------ connections
    async def dial(self, host, port, expected=None):
        reader, writer = await asyncio.open_connection(host, port)
        return await self.upgrade(reader, writer, initiator=True, expected=expected, label=f'dial {host}:{port}')

    async def upgrade(self, reader, writer, initiator, expected=None, label=''):
        async def rx(n):
            return await reader.readexactly(n)

        def tx(b):
            writer.write(b)

        encs = ['/murmur/noise-aesgcm/1.0.0', '/noise'] if self.args.encrypter == 'aesgcm' else ['/noise']
        if initiator:
            proto = await mss_select(rx, tx, encs)
        else:
            proto = await mss_handle(rx, tx, encs)
        hs = NoiseXX(proto, self.id, initiator, muxers=[] if self.args.no_early_muxer else ['/yamux/1.0.0'])

        async def read_hs():
            ln = struct.unpack('>H', await reader.readexactly(2))[0]
            return await reader.readexactly(ln)

        def write_hs(m):
            writer.write(struct.pack('>H', len(m)) + m)

        if initiator:
            write_hs(hs.write_msg1())
            hs.read_msg2(await read_hs())
            write_hs(hs.write_msg3())
        else:
            hs.read_msg1(await read_hs())
            write_hs(hs.write_msg2())
            hs.read_msg3(await read_hs())
        await writer.drain()
        remote = hs.remote_peer_id
        if expected and remote != expected:
            raise ValueError(f'expected {expected}, got {remote}')
        send_cs, recv_cs = hs.split()
        conn = SecureConn(reader, writer, send_cs, recv_cs, hs.suite)
        # early muxer negotiation: both sides listed muxers -> the initiator's first one the responder has
        ours, theirs = hs.muxers, hs.remote_muxers
        init_list, resp_list = (ours, theirs) if initiator else (theirs, ours)
        muxer = next((m for m in init_list if m in resp_list), None) if ours and theirs else None
        if muxer is None:
            if initiator:
                muxer = await mss_select(conn.read_exact, conn.write, ['/yamux/1.0.0'])
            else:
                muxer = await mss_handle(conn.read_exact, conn.write, ['/yamux/1.0.0'])
            how = 'multistream-select'
        else:
            how = 'early (noise extensions)'
        log(f'{label}: secure channel {proto} ({hs.suite}) with {remote}, muxer {muxer} via {how}; '
            f'remote muxers {theirs}')
        sess = YamuxSession(conn, initiator, self.on_stream, f'{remote[-6:]}')
        sess.remote = remote
        sess.remote_addr = writer.get_extra_info('peername')
        self.conns.setdefault(remote, []).append(sess)
        asyncio.ensure_future(self._run_session(sess))
        asyncio.ensure_future(self.start_pubsub(sess))
        return sess

    async def _run_session(self, sess):
        await sess.run()
        lst = self.conns.get(sess.remote, [])
        if sess in lst:
            lst.remove(sess)
        if self.pubsub_out.get(sess.remote, (None,))[0] is sess:
            self.pubsub_out.pop(sess.remote, None)
        if sess.remote in self.gossip_out and self.gossip_out[sess.remote].s is sess:
            self.gossip_out.pop(sess.remote, None)

    def session(self, peer):
        for s in self.conns.get(peer, []):
            if not s.closed:
                return s
        return None

    async def open(self, sess, protocols):
        st = sess.open_stream()
        p = await asyncio.wait_for(mss_select(st.read_exact, st.write, protocols), 10)
        st.protocol = p
        return st

    async def listen(self):
        async def on_conn(reader, writer):
            try:
                await self.upgrade(reader, writer, initiator=False, label=f'inbound {writer.get_extra_info("peername")}')
            except Exception as e:
                log(f'inbound connection failed: {type(e).__name__}: {e}')
                writer.close()
        server = await asyncio.start_server(on_conn, '127.0.0.1', self.args.listen_port)
        self.listen_port = server.sockets[0].getsockname()[1]
        log(f'listening on /ip4/127.0.0.1/tcp/{self.listen_port}/p2p/{self.id.peer_id}')
        return server

    # ------------------------------------------------------------------ inbound streams
    PROTOCOLS = ['/murmur/gossip/1.0.0', '/murmur/sync/1.0.0', '/meshsub/1.1.0', '/meshsub/1.0.0',
                 '/ipfs/id/1.0.0', '/ipfs/ping/1.0.0']

    async def on_stream(self, sess, st):
        try:
            protos = [x for x in self.PROTOCOLS if not (self.args.no_identify and x == '/ipfs/id/1.0.0')
                      and not (self.args.no_ping and x == '/ipfs/ping/1.0.0')]
            p = await mss_handle(st.read_exact, st.write, protos)
            st.protocol = p
            if self.args.verbose:
                log(f'inbound stream {st.id} from {sess.remote[-6:]}: {p}')
            if p == '/ipfs/id/1.0.0':
                await self.serve_identify(sess, st)
            elif p == '/ipfs/ping/1.0.0':
                while True:
                    b = await st.read_exact(32)
                    st.write(b)
                    if self.args.verbose:
                        log(f'ping from {sess.remote[-6:]} answered')
            elif p.startswith('/meshsub/'):
                await self.read_pubsub(sess, st)
            elif p == '/murmur/gossip/1.0.0':
                await self.read_gossip(sess, st)
            elif p == '/murmur/sync/1.0.0':
                await self.serve_sync(sess, st)
        except EOFError:
            # the remote closed its side: close ours too, or libp2p keeps counting the stream as open
            # (ping: a second ping on the connection then fails and the connection is aborted)
            st.close_write()
        except StreamReset:
            pass
        except EnvelopeError as e:
            self.stats['rejected'] += 1
            log(f'REJECT from {sess.remote[-6:]} on {st.protocol}: {e}; resetting the stream')
            st.abort()
        except Exception as e:
            log(f'stream {st.protocol} from {sess.remote[-6:]} failed: {type(e).__name__}: {e}')
            st.abort()

    async def serve_identify(self, sess, st):
        host, port = sess.remote_addr[:2]
        msg = (pb_bytes(5, 'ipfs/0.1.0') + pb_bytes(6, 'murmur-python-interop/0.1')
               + pb_bytes(1, self.id.pub_pb)
               + pb_bytes(2, multiaddr_bytes_ip4_tcp('127.0.0.1', self.listen_port))
               + pb_bytes(4, multiaddr_bytes_ip4_tcp(host, port))
               + b''.join(pb_bytes(3, p) for p in self.PROTOCOLS))
        st.write(uvarint(len(msg)) + msg)
        st._queue_write_close = True
        self_q = sess.write_queues.get(st.id)
        if self_q:
            self_q.put_nowait(None)
        else:
            st.close_write()

    # ------------------------------------------------------------------ gossipsub
    async def start_pubsub(self, sess):
        if sess.remote in self.pubsub_out:
            return
        self.pubsub_out[sess.remote] = (sess, None)
        try:
            st = await self.open(sess, ['/meshsub/1.1.0', '/meshsub/1.0.0'])
        except Exception as e:
            log(f'meshsub to {sess.remote[-6:]} failed: {e}')
            self.pubsub_out.pop(sess.remote, None)
            return
        self.pubsub_out[sess.remote] = (sess, st)
        if not self.args.no_subscribe:
            sub = pb_field(1, 0, 1) + pb_bytes(2, self.topic)
            self.send_rpc(st, pb_bytes(1, sub))
        if self.args.telemetry:
            sub = pb_field(1, 0, 1) + pb_bytes(2, self.telemetry_topic)
            self.send_rpc(st, pb_bytes(1, sub))
        log(f'gossipsub: subscribed to {self.topic} towards {sess.remote[-6:]} ({st.protocol})')
        if self.last_announcement:
            self.send_rpc(st, pb_bytes(2, self.last_announcement))

    last_announcement = None

    def send_rpc(self, st, rpc):
        st.write(uvarint(len(rpc)) + rpc)

    async def read_pubsub(self, sess, st):
        while True:
            ln_bytes = b''
            n = None
            val = shift = 0
            while True:
                b = await st.read_exact(1)
                val |= (b[0] & 0x7F) << shift
                shift += 7
                if not b[0] & 0x80:
                    break
            rpc = pb_decode(await st.read_exact(val))
            for m in pb_all(rpc, 2):
                self.on_pubsub_message(sess, pb_decode(m))

    def on_pubsub_message(self, sess, f):
        frm, data, seqno, topic, sig, key = (pb_get(f, i) for i in range(1, 7))
        topic = topic.decode() if topic else None
        if topic not in (self.topic, self.telemetry_topic):
            return
        # StrictSign: verify the signature over "libp2p-pubsub:" + the message without signature and key
        unsigned = pb_bytes(1, frm) + pb_bytes(2, data) + pb_bytes(3, seqno) + pb_bytes(4, topic)
        try:
            keypb = key if key else pubkey_pb_from_peer_id(frm)
            pubkey_from_pb(keypb).verify(sig, b'libp2p-pubsub:' + unsigned)
        except Exception as e:
            log(f'pubsub message with a bad signature dropped: {e}')
            return
        author = b58encode(frm)
        if topic == self.telemetry_topic:
            summary = json.loads(data)
            self.stats['summaries'] = self.stats.get('summaries', 0) + 1
            if summary.get('id') != author:
                log(f'telemetry summary whose id is not its signer: {summary.get("id")}')
            if self.args.dump_dir:
                with open(os.path.join(self.args.dump_dir, 'telemetry.jsonl'), 'a') as fh:
                    fh.write(json.dumps(summary) + '\n')
            if self.args.verbose:
                log(f'telemetry from {author[-6:]}: round {summary.get("round")} members {summary.get("members")} '
                    f'degree {summary.get("degree")} received {summary.get("received")}')
            return
        ann = json.loads(data)
        if ann.get('id') != author or author == self.id.peer_id:
            return
        if ann['seq'] <= self.last_seq.get(author, -1):
            return
        self.last_seq[author] = ann['seq']
        self.stats['announcements_in'] += 1
        first = author not in self.members
        self.members[author] = (ann, time.time())
        if first:
            match = 'MATCHES ours' if ann.get('configHash') == self.config_hash else 'DIFFERS from ours'
            log(f'member heard: {author} slot {ann.get("slot")} state {ann.get("state")} round {ann.get("round")}; '
                f'configHash {ann.get("configHash")[:12]} {match}')
            if ann.get('configHash') != self.config_hash:
                theirs = ann.get('config', {})
                diff = {k: (self.config.get(k), theirs.get(k)) for k in AGREED_FIELDS
                        if self.config.get(k) != theirs.get(k)}
                log(f'  config differences (ours, theirs): {diff}')
        if self.session(author) is None:
            asyncio.ensure_future(self.dial_member(author, ann))

    async def dial_member(self, author, ann):
        for a in ann.get('addrs', []):
            host, port, pid = parse_multiaddr(a)
            if pid not in (None, author) or host is None or port is None:
                continue
            try:
                await self.dial(host, port, expected=author)
                return
            except Exception as e:
                log(f'dial {a} failed: {e}')

    def announcement(self):
        ann = {'v': 1, 'id': self.id.peer_id,
               'addrs': [f'/ip4/127.0.0.1/tcp/{self.listen_port}/p2p/{self.id.peer_id}'],
               'slot': self.args.slot, 'round': self.round, 'state': self.state,
               'configHash': self.config_hash, 'config': self.config,
               'seq': None}
        self.seq = max(self.seq + 1, int(time.time() * 1000))
        ann['seq'] = self.seq
        if self.effective_round is not None:
            ann['effectiveRound'] = self.effective_round
        mut = self.args.mutate
        if mut == 'upper-hash':
            ann['configHash'] = ann['configHash'].upper()
        elif mut == 'id-mismatch':
            ann['id'] = Identity().peer_id
        elif mut == 'v2':
            ann['v'] = 2
        elif mut == 'config-array':
            ann['config'] = dict(ann['config'], futureField=[1])
        elif mut == 'big':
            ann['padding'] = 'x' * 8200
        elif mut == 'no-effective-active':
            ann['state'] = 'active'
            ann.pop('effectiveRound', None)
        if self.args.announce_extra:
            ann['interopExtra'] = {'note': 'unknown top-level key'}
            ann['config'] = dict(ann['config'], futureField='unknown config key')
        return ann

    def publish(self):
        ann = self.announcement()
        data = js_json(ann).encode()
        seqno = struct.pack('>Q', self.seq)
        unsigned = (pb_bytes(1, self.id.peer_id_bytes) + pb_bytes(2, data) + pb_bytes(3, seqno)
                    + pb_bytes(4, self.topic))
        sig = self.id.sign(b'libp2p-pubsub:' + unsigned)
        msg = unsigned + pb_bytes(5, sig) + (b'' if self.args.no_pubsub_key else pb_bytes(6, self.id.pub_pb))
        self.last_announcement = msg
        n = 0
        for peer, (sess, st) in list(self.pubsub_out.items()):
            if st is not None and not sess.closed:
                self.send_rpc(st, pb_bytes(2, msg))
                n += 1
        self.stats['published'] += 1
        return n

    # ------------------------------------------------------------------ membership
    def live_members(self):
        timeout = (3 * 1000 + self.args.round_deadline) / 1000
        now = time.time()
        return {p: a for p, (a, t) in self.members.items() if now - t <= timeout
                and a.get('configHash') == self.config_hash}

    def members_of_round(self, r):
        out = [(self.args.slot, self.id.peer_id)]
        for p, a in self.live_members().items():
            st, er = a.get('state'), a.get('effectiveRound')
            if er is None:
                continue
            if st in ('joining', 'active') and er <= r:
                out.append((a['slot'], p))
            elif st == 'leaving' and r < er:
                out.append((a['slot'], p))
        out.sort(key=lambda x: (x[0], x[1].encode('utf-16-be')))
        return [p for _, p in out]

    def neighbours(self, r):
        members = self.members_of_round(r)
        n = len(members)
        i = members.index(self.id.peer_id)
        topo = self.config['topology']
        if n == 1:
            return []
        if topo == 'complete' or (topo == 'ring' and n <= 3):
            return [p for p in members if p != self.id.peer_id]
        if topo == 'ring':
            return [members[j] for j in sorted({(i - 1) % n, (i + 1) % n})]
        raise SystemExit(f'topology {topo} not implemented in this client')

    async def heartbeat(self):
        while not self.done.is_set():
            n = self.publish()
            await asyncio.sleep(self.args.heartbeat / 1000)

    # ------------------------------------------------------------------ gossip exchange
    async def read_gossip(self, sess, st):
        peer = sess.remote
        while True:
            res = await read_message(st, self.rh, TYPE_GOSSIP, 24 + 8 + 4 * self.dim + 16384)
            if res is None:
                st.close_write()
                return
            hdr, payload = res
            frame = decode_algo_frame(payload)
            if frame['round'] != hdr['round']:
                raise EnvelopeError('roundMismatch', f'{frame["round"]} vs {hdr["round"]}')
            if frame['d'] != self.dim:
                raise EnvelopeError('dimension', f'd {frame["d"]}')
            if frame['kind'] != 0:
                raise EnvelopeError('kind', f'kind {frame["kind"]}')
            vec = decode_vector(frame, self.config['codec'])
            self.stats['received'] += 1
            q = hdr['round']
            box = self.inbox.setdefault(q, {})
            if peer in box:
                log(f'duplicate round {q} from {peer[-6:]} (ignored)')
                continue
            box[peer] = (hdr, frame, vec)
            if self.args.verbose or q < 2:
                log(f'gossip in: round {q} from {peer[-6:]}: degree {hdr["degree"]}, {hdr["frames"]} frame(s), '
                    f'L {hdr["length"]}, crc {hdr["checksum"]:08x} ok, kind {frame["kind"]} enc {frame["encoding"]} '
                    f'd {frame["d"]}, x[0..3] = {[round(v, 6) for v in vec[:3]]}')
            if self.args.dump_dir:
                with open(os.path.join(self.args.dump_dir, f'in-{peer}-r{q}.f32'), 'wb') as fh:
                    fh.write(struct.pack(f'<{self.dim}f', *vec))
                if frame['encoding'] == 1:
                    with open(os.path.join(self.args.dump_dir, f'in-{peer}-r{q}.codec'), 'wb') as fh:
                        fh.write(frame['payload'])
            self.inbox_ev.set()

    async def send_gossip(self, peer, r, degree, payload):
        st = self.gossip_out.get(peer)
        for attempt in range(2):
            try:
                if st is None or st.reset or st.s.closed:
                    sess = self.session(peer)
                    if sess is None:
                        log(f'no connection to {peer[-6:]} for round {r}')
                        return
                    st = await self.open(sess, ['/murmur/gossip/1.0.0'])
                    self.gossip_out[peer] = st
                await st.write_all(encode_message(TYPE_GOSSIP, self.rh, r, degree, payload))
                self.stats['sent'] += 1
                return
            except Exception as e:
                log(f'send of round {r} to {peer[-6:]} failed ({type(e).__name__}: {e}), attempt {attempt + 1}')
                self.gossip_out.pop(peer, None)
                st = None

    async def run_rounds(self):
        a = self.args
        deadline = a.round_deadline / 1000
        # new run: wait until --peers members of our config are heard (ourselves included), then start at 0
        t_start = time.time()
        while len(self.live_members()) + 1 < a.peers:
            if time.time() - t_start > a.start_timeout:
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(2 * a.heartbeat / 1000)
        active = [m for m in self.live_members().values() if m.get('state') == 'active']
        if active:
            r0 = max(m['round'] for m in active) + 2
            log(f'the run is under way (round {r0 - 2}); joining at {r0} without pulling the model')
        else:
            r0 = 0
        self.effective_round = r0
        self.round = r0
        self.publish()
        await asyncio.sleep(a.heartbeat / 1000)
        self.state = 'active'
        self.publish()
        for r in range(r0, a.rounds):
            nb = self.neighbours(r)
            deg = len(nb)
            vec = struct.pack(f'<{self.dim}f', *self.model)
            payload = encode_algo_frame(0, r, 0, vec, self.dim)
            t0 = time.time()
            await asyncio.gather(*(self.send_gossip(p, r, deg, payload) for p in nb))
            while True:
                box = self.inbox.get(r, {})
                if all(p in box for p in nb) or time.time() - t0 > deadline:
                    break
                self.inbox_ev.clear()
                try:
                    await asyncio.wait_for(self.inbox_ev.wait(), 0.05)
                except asyncio.TimeoutError:
                    pass
            box = self.inbox.pop(r, {})
            # Metropolis-Hastings: w_ij = 1 / (1 + max(d_i, d_j)); the missing weight stays with this peer.
            # As murmur (lib/algorithms/mixing.ts, lib/vector linearCombination): own term first, then the
            # neighbours in graph order, accumulated in float64, rounded to float32 once.
            contrib = [p for p in nb if p in box]
            ws = [1 / (1 + max(deg, box[p][0]['degree'])) for p in contrib]
            self_w = 1 - sum(ws)
            vecs = [box[p][2] for p in contrib]
            new = []
            for k in range(self.dim):
                acc = self_w * self.model[k]
                for w, v in zip(ws, vecs):
                    acc += w * v[k]
                new.append(acc)
            self.model = list(struct.unpack(f'<{self.dim}f', struct.pack(f'<{self.dim}f', *new)))
            missing = [p[-6:] for p in nb if p not in box]
            self.round = r + 1
            if self.args.dump_dir:
                with open(os.path.join(self.args.dump_dir, f'self-r{r + 1}.f32'), 'wb') as fh:
                    fh.write(struct.pack(f'<{self.dim}f', *self.model))
            mean = sum(self.model) / self.dim
            log(f'round {r} done: neighbours {[p[-6:] for p in nb]} received {len(box)} missing {missing} '
                f'in {time.time() - t0:.2f}s; x[0] = {self.model[0]:.6f}, mean {mean:.6f}')
            if a.round_sleep:
                await asyncio.sleep(a.round_sleep)
            for q in [q for q in self.inbox if q < r + 1]:
                self.inbox.pop(q)
        self.state = 'leaving'
        self.effective_round = a.rounds
        self.publish()
        await asyncio.sleep(1)
        self.done.set()

    # ------------------------------------------------------------------ sync
    async def serve_sync(self, sess, st):
        res = await read_message(st, self.rh, TYPE_SYNC_REQ, 0)
        if res is None:
            return
        body = struct.pack('<II', self.dim, 0) + struct.pack(f'<{self.dim}f', *self.model)
        await st.write_all(encode_message(TYPE_SYNC_RESP, self.rh, self.round, 0, body))
        st.close_write()
        log(f'sync: served our model (round {self.round}) to {sess.remote[-6:]}')

    async def pull(self, peer):
        sess = self.session(peer)
        st = await self.open(sess, ['/murmur/sync/1.0.0'])
        st.write(encode_message(TYPE_SYNC_REQ, self.rh, 0, 0, b''))
        q = sess.write_queues.get(st.id)
        q.put_nowait(None)
        hdr, body = await read_message(st, self.rh, TYPE_SYNC_RESP, 8 + 4 * self.dim)
        d, S = struct.unpack_from('<II', body)
        if len(body) != 8 + 4 * d + S:
            raise EnvelopeError('body', 'length')
        vals = struct.unpack_from(f'<{d}f', body, 8)
        log(f'sync: pulled the model of {peer[-6:]}: round {hdr["round"]}, d {d}, S {S}, x[0..3] {vals[:3]}')
        return hdr['round'], list(vals)


    # ------------------------------------------------------------------ probes (hostile input, § Validation)
    def probe_bytes(self, name, r=0):
        """a crafted gossip (or sync) stream content for one probe; -> (protocol, bytes, expected outcome)"""
        d = self.dim
        vec = struct.pack(f'<{d}f', *([0.5] * d))
        good = encode_algo_frame(0, r, 0, vec, d)
        G = '/murmur/gossip/1.0.0'
        if name == 'ok':
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, good), 'kept'
        if name == 'codec-none-model':
            body = struct.pack('<BBBBI', 1, 1, 0, 0, d) + vec
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, encode_algo_frame(0, r, 0, body, d, encoding=1)), 'kept'
        if name == 'padded-prefix':
            m = encode_message(TYPE_GOSSIP, self.rh, r, 2, good)
            n, pos = read_uvarint(m)
            pad = bytes([(n & 0x7F) | 0x80, ((n >> 7) & 0x7F) | 0x80, 0])
            return G, pad + m[pos:], 'reset (magic)'
        if name == 'bad-crc':
            m = bytearray(encode_message(TYPE_GOSSIP, self.rh, r, 2, good))
            m[-1] ^= 1
            return G, bytes(m), 'reset (checksum)'
        if name == 'dimension':
            v2 = struct.pack(f'<{d - 1}f', *([0.5] * (d - 1)))
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, encode_algo_frame(0, r, 0, v2, d - 1)), 'reset (dimension)'
        if name == 'kind-delta':
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, encode_algo_frame(1, r, 0, vec, d)), 'reset (kind)'
        if name == 'nan':
            v2 = struct.pack(f'<{d}f', *([float('nan')] + [0.5] * (d - 1)))
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, encode_algo_frame(0, r, 0, v2, d)), 'reset (nonFinite)'
        if name == 'round-mismatch':
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, encode_algo_frame(0, r + 1, 0, vec, d)), 'reset (roundMismatch)'
        if name == 'degree0':
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 0, good), 'reset (field)'
        if name == 'wrong-run':
            return G, encode_message(TYPE_GOSSIP, run_hash('other'), r, 2, good), 'reset (run)'
        if name == 'version2':
            m = bytearray(encode_message(TYPE_GOSSIP, self.rh, r, 2, good))
            _, pos = read_uvarint(m)
            m[pos + 2] = 2
            return G, bytes(m), 'reset (version)'
        if name == 'empty-chunk':
            # L > 0 split as [whole payload][empty last chunk]: count 2
            L = len(good); crc = zlib.crc32(good)
            f0 = HDR.pack(MAGIC, 1, 1, self.rh, r, 2, 0, 2, L, 0, crc) + good
            f1 = HDR.pack(MAGIC, 1, 1, self.rh, r, 2, 1, 2, L, L, crc)
            return G, uvarint(len(f0)) + f0 + uvarint(len(f1)) + f1, 'reset (field)'
        if name == 'two-chunks':
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, good, chunk=1000), 'kept'
        if name == 'frame-too-large':
            return G, uvarint(MAX_FRAME_BYTES + 1) + b'\0' * 64, 'reset (frameTooLarge)'
        if name == 'long-prefix':
            return G, bytes([0xA8] + [0x80] * 8 + [0x00]) + b'\0' * 64, 'reset (length)'
        if name == 'short-frame':
            return G, bytes([39]) + b'\0' * 39, 'reset (length)'
        if name == 'too-large':
            L = 24 + 8 + 4 * d + 16384 + 1
            f0 = HDR.pack(MAGIC, 1, 1, self.rh, r, 2, 0, 2, L, 0, 0) + b'\0' * 16
            return G, uvarint(len(f0)) + f0, 'reset (tooLarge)'
        if name in ('order', 'inconsistent', 'truncated'):
            m = encode_message(TYPE_GOSSIP, self.rh, r, 2, good, chunk=1000)
            frames = []
            pos = 0
            while pos < len(m):
                n, q = read_uvarint(m, pos)
                frames.append(bytearray(m[q:q + n]))
                pos = q + n
            if name == 'order':
                frames[1], frames[2] = frames[2], frames[1]
            elif name == 'inconsistent':
                struct.pack_into('<I', frames[1], 16, 3)   # degree 3 instead of 2 in the second chunk
            else:
                frames = frames[:2]
            return G, b''.join(uvarint(len(f)) + bytes(f) for f in frames), \
                'reset (' + name + ')' if name != 'truncated' else 'close -> truncated'
        if name == 'algo-reserved':
            fr = bytearray(good); fr[22] = 1
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, bytes(fr)), 'reset (payload)'
        if name == 'algo-base':
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, encode_algo_frame(0, r, 7, vec, d)), 'kept? (base is 0 in a model frame)'
        if name == 'trailing-request':
            return G, encode_message(TYPE_GOSSIP, self.rh, r, 2, encode_algo_frame(0, r, 0, vec, d, requests=['x'])), 'kept? (requests in a model frame)'
        S = '/murmur/sync/1.0.0'
        if name == 'sync-ok':
            return S, encode_message(TYPE_SYNC_REQ, self.rh, 0, 0, b''), 'response'
        if name == 'sync-round-degree':
            return S, encode_message(TYPE_SYNC_REQ, self.rh, 5, 7, b''), 'response (round, degree ignored)'
        if name == 'sync-nonempty':
            return S, encode_message(TYPE_SYNC_REQ, self.rh, 0, 0, b'abcd'), 'reset (frame bound 40)'
        if name == 'sync-gossip-type':
            return S, encode_message(TYPE_GOSSIP, self.rh, 0, 1, b''), 'reset (type)'
        raise SystemExit(f'unknown probe {name}')

    async def probe(self, peer, name, r=0):
        proto, data, expect = self.probe_bytes(name, r)
        sess = self.session(peer)
        st = await self.open(sess, [proto])
        await st.write_all(data)
        if name == 'truncated':
            st.close_write()
        outcome = None
        t = time.time()
        got = b''
        while time.time() - t < 2.0:
            if st.reset:
                outcome = 'reset'
                break
            if st.buf:
                got += bytes(st.buf); st.buf.clear()
            if st.remote_closed and not st.buf:
                outcome = 'closed by the peer'
                break
            await asyncio.sleep(0.05)
        if outcome is None:
            outcome = 'kept (no reset within 2 s)'
        extra = ''
        if got:
            try:
                n, pos = read_uvarint(got)
                h = HDR.unpack_from(got, pos)
                extra = f', got {len(got)} bytes: type {h[2]} round {h[4]} degree {h[5]} L {h[8]}'
            except Exception as e:
                extra = f', got {len(got)} bytes ({e})'
        log(f'probe {name:18s} expected {expect:36s} -> {outcome}{extra}')
        if not st.reset:
            st.abort()

    # ------------------------------------------------------------------ main
    async def main(self):
        a = self.args
        loop = asyncio.get_running_loop()
        # writer tasks of streams whose connection ended are dropped unfinished: not worth a warning
        loop.set_exception_handler(lambda lp, ctx: None if 'Task was destroyed' in ctx.get('message', '')
                                   else lp.default_exception_handler(ctx))
        log(f'python peer {self.id.peer_id} slot {a.slot}/{a.peers}, run {a.run_id!r}, '
            f'configHash {self.config_hash[:12]} ({self.config_hash})')
        server = await self.listen()
        for b in a.bootstrap:
            host, port, pid = parse_multiaddr(b)
            await self.dial(host, port, expected=pid)
        hb = asyncio.ensure_future(self.heartbeat())
        if a.mode == 'connect':
            await asyncio.sleep(a.linger)
        elif a.mode == 'member':
            t = time.time()
            while time.time() - t < a.linger:
                await asyncio.sleep(1)
        elif a.mode == 'probe':
            await asyncio.sleep(1.5)
            target = parse_multiaddr(a.bootstrap[0])[2]
            for i, name in enumerate(a.probe.split(',')):
                await self.probe(target, name, a.probe_round + i)
                await asyncio.sleep(0.3)
        elif a.mode == 'pull':
            await asyncio.sleep(2.5)
            for peer in list(self.members):
                await self.pull(peer)
        else:
            await self.run_rounds()
        self.done.set()
        hb.cancel()
        log(f'stats: {self.stats}')
        for lst in self.conns.values():
            for s in lst:
                s.conn.close()
        server.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--bootstrap', action='append', default=[], help='multiaddr of a running murmur peer, with /p2p/')
    ap.add_argument('--run-id', default='murmur')
    ap.add_argument('--peers', type=int, default=16)
    ap.add_argument('--slot', type=int, required=True)
    ap.add_argument('--algo', default='gossip')
    ap.add_argument('--dim', type=int, default=1000,
                    help='the agreed dim: with --algo gossip the vector length; with another --algo its model\'s parameter count')
    ap.add_argument('--rounds', type=int, default=200)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--topology', default='ring')
    ap.add_argument('--codec', default='none', help='the run\'s codec (canonical spec); this client decodes every '
                    'codec of lib/compress/FORMAT.md and sends raw float32 model frames')
    ap.add_argument('--round-deadline', type=int, default=5000)
    ap.add_argument('--heartbeat', type=int, default=1000)
    ap.add_argument('--start-timeout', type=float, default=120)
    ap.add_argument('--config', action='append', help='FIELD=JSON, another agreed config field')
    ap.add_argument('--encrypter', choices=['aesgcm', 'noise'], default='aesgcm',
                    help='aesgcm: offer /murmur/noise-aesgcm/1.0.0 then /noise; noise: offer /noise only')
    ap.add_argument('--no-early-muxer', action='store_true', help='leave the muxer to multistream-select')
    ap.add_argument('--no-identify', action='store_true', help='refuse /ipfs/id/1.0.0 (test: is identify needed?)')
    ap.add_argument('--no-ping', action='store_true', help='refuse /ipfs/ping/1.0.0 (test: is ping needed?)')
    ap.add_argument('--telemetry', action='store_true', help='also subscribe to the run\'s telemetry topic (as '
                    '`murmur watch` does) and write the summaries to DUMP_DIR/telemetry.jsonl')
    ap.add_argument('--mutate', choices=['upper-hash', 'id-mismatch', 'v2', 'config-array', 'big',
                                         'no-effective-active'],
                    help='publish announcements that § Validation says are rejected (test)')
    ap.add_argument('--no-subscribe', action='store_true', help='publish without subscribing (test)')
    ap.add_argument('--no-pubsub-key', action='store_true', help='omit the key field of published messages')
    ap.add_argument('--announce-extra', action='store_true', help='add unknown keys to announcements (must be ignored)')
    ap.add_argument('--round-sleep', type=float, default=0, help='seconds to sleep after each round (pacing)')
    ap.add_argument('--listen-port', type=int, default=0)
    ap.add_argument('--key', help='64 hex digits: Ed25519 seed of the identity (default: a new one)')
    ap.add_argument('--mode', choices=['connect', 'member', 'pull', 'rounds', 'probe'], default='rounds',
                    help='connect: handshake and stay connected; member: announce membership only; pull: '
                         'pull each member\'s model over /murmur/sync/1.0.0; rounds: take part in the rounds')
    ap.add_argument('--probe', default='ok', help='probe mode: comma-separated probe names')
    ap.add_argument('--probe-round', type=int, default=1, help='round of the first probe (each next one +1)')
    ap.add_argument('--linger', type=float, default=10)
    ap.add_argument('--dump-dir', help='write received and own vectors (raw float32) here')
    ap.add_argument('--verbose', action='store_true')
    args = ap.parse_args()
    if args.dump_dir:
        os.makedirs(args.dump_dir, exist_ok=True)
    # self-checks against the documented test vectors
    assert zlib.crc32(b'123456789') == 0xCBF43926
    rng = Xoshiro128ss(1)
    assert [rng.next() for _ in range(3)] == [2442144158, 3238099751, 3819917871]
    assert k_of('0.07', 100) == 7
    ex = agreed_config(dict(runId='mnist-ring', dim=101770))  # the default mlp on MNIST: 784-128-10
    assert config_hash(ex) == 'f75291c5d645f713cbc4dc9bf7885606b63390e3671884f9751683110fcc088c', config_hash(ex)
    asyncio.run(Client(args).main())


if __name__ == '__main__':
    main()
