"""Client websocket frames written by hand (RFC 6455 §5.2): for load generators and tests.

A load generator writes ready frames straight to the socket's transport, far cheaper than a
websocket library's send (benchmarks/wsclient.py); tests write frames no library would send
(fragments, extension bits, unmasked) to see how the server takes them.
"""

from __future__ import annotations

import os

from websockets.frames import apply_mask  # websockets' C speedup when built

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

# Masks drawn once: a client must mask every frame (§5.3); a server cannot tell a reused
# key, and for load and tests nothing hides behind it.
_MASKS = os.urandom(4 * 4096)


def client_frame(
    payload: bytes,
    opcode: int = TEXT,
    *,
    turn: int = 0,
    fin: bool = True,
    rsv1: bool = False,
    masked: bool = True,
) -> bytes:
    """One client frame, masked as a client must unless told; `turn` picks the mask."""
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    size = len(payload)
    if size < 126:
        length = bytes((size,))
    elif size < 65536:
        length = bytes((126,)) + size.to_bytes(2, "big")
    else:
        length = bytes((127,)) + size.to_bytes(8, "big")
    if not masked:
        return bytes((first,)) + length + payload
    at = 4 * (turn % 4096)
    mask = _MASKS[at : at + 4]
    return bytes((first, length[0] | 0x80)) + length[1:] + mask + apply_mask(payload, mask)

