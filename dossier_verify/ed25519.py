"""Ed25519 signature verification (RFC 8032 §5.1.7), in pure Python, verification only.

Written from the RFC's own Python illustration (§6) with Python integers, so the verifier needs
nothing outside the standard library. It is strict where the RFC leaves room:

* a public key, a signature or an ``R`` of the wrong length is refused;
* a point encoding is refused unless it is canonical (§5.1.3: ``y < p``, ``x`` exists, and no
  "negative zero" ``x``);
* ``S`` must be below the group order ``L`` (§5.1.7), so a signature has one spelling only;
* a public key of small order (one of the eight points with ``[8]A`` the identity) is refused:
  under such a key a forger can make a signature that verifies for any message, and no honest
  signer ever produces one.

The group equation checked is the cofactorless ``[S]B = R + [k]A``, as the RFC's illustration
and OpenSSL do; the RFC allows it (§5.1.7, "sufficient, but not required").

This module is for checking signatures an auditor was handed, not for signing: it is not
constant-time, and need not be, since it handles no secret.
"""

from __future__ import annotations

import hashlib

P = 2**255 - 19
"""The field prime."""

L = 2**252 + 27742317777372353535851937790883648493
"""The order of the base point's subgroup (the RFC's ``L``, its illustration's ``q``)."""

KEY_SIZE = 32
SIGNATURE_SIZE = 64

_D = -121665 * pow(121666, -1, P) % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)

# A point in extended homogeneous coordinates (X, Y, Z, T): x = X/Z, y = Y/Z, x·y = T/Z.
Point = tuple[int, int, int, int]

_IDENTITY: Point = (0, 1, 1, 0)


class SignatureError(Exception):
    """Raised when an Ed25519 signature does not verify; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _add(p1: Point, p2: Point) -> Point:
    # RFC 8032 §5.1.4, "add-2008-hwcd-3": complete, so doubling needs no separate formula.
    a = (p1[1] - p1[0]) * (p2[1] - p2[0]) % P
    b = (p1[1] + p1[0]) * (p2[1] + p2[0]) % P
    c = 2 * p1[3] * p2[3] * _D % P
    d = 2 * p1[2] * p2[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar: int, point: Point) -> Point:
    result = _IDENTITY
    while scalar > 0:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _same(p1: Point, p2: Point) -> bool:
    # x1/z1 == x2/z2 and y1/z1 == y2/z2, cross-multiplied to avoid inversions.
    return (p1[0] * p2[2] - p2[0] * p1[2]) % P == 0 and (p1[1] * p2[2] - p2[1] * p1[2]) % P == 0


def _recover_x(y: int, sign: int) -> int | None:
    """The x with the given low bit on the curve at y, or None (RFC 8032 §5.1.3 steps 2-4)."""
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, -1, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * _SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if x & 1 != sign:
        x = P - x
    return x


def decode_point(encoded: bytes) -> Point | None:
    """The point a 32-byte encoding names, or None if it is not a canonical encoding of one."""
    if len(encoded) != KEY_SIZE:
        return None
    y = int.from_bytes(encoded, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


_BASE_Y = 4 * pow(5, -1, P) % P


def _base_point() -> Point:
    x = _recover_x(_BASE_Y, 0)
    if x is None:  # pragma: no cover - B's y is on the curve; this would be a typo above
        raise RuntimeError("the base point's y is not on the curve")
    return (x, _BASE_Y, 1, x * _BASE_Y % P)


BASE: Point = _base_point()
"""The base point B."""


def is_small_order(point: Point) -> bool:
    """Whether ``[8]point`` is the identity: one of the eight points a key must never be."""
    return _same(_multiply(8, point), _IDENTITY)


def check(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Check an Ed25519 ``signature`` of ``message`` under ``public_key`` (RFC 8032 §5.1.7).

    Returns nothing if it verifies; raises ``SignatureError`` saying why otherwise.
    """
    if len(public_key) != KEY_SIZE:
        raise SignatureError(f"public key is {len(public_key)} bytes, not {KEY_SIZE}")
    if len(signature) != SIGNATURE_SIZE:
        raise SignatureError(f"signature is {len(signature)} bytes, not {SIGNATURE_SIZE}")
    a = decode_point(public_key)
    if a is None:
        raise SignatureError("public key is not a valid point encoding")
    if is_small_order(a):
        raise SignatureError("public key is a point of small order")
    r_bytes, s_bytes = signature[:32], signature[32:]
    r = decode_point(r_bytes)
    if r is None:
        raise SignatureError("signature's R is not a valid point encoding")
    s = int.from_bytes(s_bytes, "little")
    if s >= L:
        raise SignatureError("signature's S is not below the group order L")
    k = int.from_bytes(hashlib.sha512(r_bytes + public_key + message).digest(), "little") % L
    if not _same(_multiply(s, BASE), _add(r, _multiply(k, a))):
        raise SignatureError("signature does not match the message and public key")


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """``True`` if ``check`` accepts the signature, ``False`` if it raises ``SignatureError``."""
    try:
        check(public_key, message, signature)
    except SignatureError:
        return False
    return True
