"""SimHash signatures over character shingles, for near-duplicate detection.

Why SimHash and not MinHash (datasketch): a 64-bit SimHash fits one integer
column, so the event index of the whole dedupe window is rebuilt from the
database with one narrow query instead of recomputing or storing 128 hashes per
item; and computed with numpy it costs ~20 µs per item, which the ingest
budget affords. Near duplicates are found with the pigeonhole trick: with 4
bands of 16 bits, two signatures within Hamming distance 3 share a band
(and most within 4-6 do); candidates are then checked against `NEAR_DISTANCE`.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["simhash", "hamming", "bands", "NEAR_DISTANCE", "MIN_SHINGLE_CHARS"]

# Candidates share one of 4 exact 16-bit bands (certain up to distance 3, ~90% at 4); accepted up to 6,
# because a few edited characters in a short news text already move 4-5 bits.
NEAR_DISTANCE = 6
MIN_SHINGLE_CHARS = 12          # shorter texts (a bare "通知") carry no near-duplicate signal
_NOISE = re.compile(r"[\s\W_]+", re.U)
_K1, _K2, _K3 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def simhash(folded: str) -> int | None:
    """Return the signed 64-bit SimHash of the 3-character shingles of `folded`, or None when too short.

    Signed, because SQL BIGINT is signed; `hamming` masks it back.
    """
    chars = _NOISE.sub("", folded)
    if len(chars) < MIN_SHINGLE_CHARS:
        return None
    cp = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = cp[:-2] * _K1 + cp[1:-1] * _K2 + cp[2:] * _K3
    # splitmix64 finaliser: spreads the shingle hash over all 64 bits.
    h ^= h >> _S30
    h *= _M1
    h ^= h >> _S27
    h *= _M2
    h ^= h >> _S31
    ones = np.unpackbits(h.view(np.uint8)).reshape(len(h), 64).sum(axis=0, dtype=np.int32)
    value = int.from_bytes(np.packbits(ones * 2 > len(h)).tobytes(), "big")
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Return the number of differing bits of two signatures."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def bands(signature: int) -> tuple[tuple[int, int], ...]:
    """Return the 4 (band number, 16-bit value) keys under which `signature` is indexed."""
    u = signature & 0xFFFFFFFFFFFFFFFF
    return tuple((i, (u >> (16 * i)) & 0xFFFF) for i in range(4))
