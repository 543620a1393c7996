"""The broker's wire format over its unix socket. STDLIB ONLY (the thin client imports it).

A frame is one type byte, a 4-byte big-endian length, and the payload:

    client → server   R  request JSON {"v", "argv", "cwd", "env", "wait", "wait_timeout",
                                       "timeout"}
                      I  stdin bytes        E  stdin closed
                      S  signal JSON {"signal": N} (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT forwarded)
    server → client   O  stdout bytes       e  stderr bytes (the child's and the broker's)
                      X  exit JSON {"status": N}: the last frame
The server authenticates the peer by SO_PEERCRED, never by anything in the request.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from typing import Any

VERSION = 1
MAX_FRAME = 4 * 1024 * 1024
_HEAD = struct.Struct(">cI")
REQUEST, STDIN, STDIN_EOF, SIGNAL = b"R", b"I", b"E", b"S"
STDOUT, STDERR, EXIT = b"O", b"e", b"X"


class ProtocolError(Exception):
    pass


class Channel:
    """Framed send (thread-safe) and receive over a connected stream socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self._send = threading.Lock()

    def send(self, kind: bytes, payload: bytes = b"") -> None:
        with self._send:
            self.sock.sendall(_HEAD.pack(kind, len(payload)) + payload)

    def send_json(self, kind: bytes, obj: Any) -> None:
        self.send(kind, json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    def _exact(self, n: int) -> bytes | None:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                if buf:
                    raise ProtocolError("connection closed inside a frame")
                return None
            buf += chunk
        return bytes(buf)

    def recv(self) -> tuple[bytes, bytes] | None:
        """(type, payload), or None when the peer closed the connection between frames."""
        head = self._exact(_HEAD.size)
        if head is None:
            return None
        kind, length = _HEAD.unpack(head)
        if length > MAX_FRAME:
            raise ProtocolError(f"frame of {length} bytes is too large")
        payload = self._exact(length) if length else b""
        if payload is None:
            raise ProtocolError("connection closed inside a frame")
        return kind, payload


def loads(payload: bytes) -> Any:
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ProtocolError(f"bad JSON frame: {e}") from None
