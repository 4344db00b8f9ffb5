"""The verifier's pure-Python Ed25519 against RFC 8032 and against ``cryptography``.

Known answers: the five Ed25519 test vectors of RFC 8032 §7.1 ("Test Vectors for Ed25519":
TEST 1, TEST 2, TEST 3, TEST 1024 and TEST SHA(abc)), each as (public key, message, signature).
TEST 1024's 1,023-byte message is held to its SHA-256 so a slip in copying it shows, and every
vector is also verified by ``cryptography`` (OpenSSL), an implementation independent of this one.
TEST SHA(abc)'s message is SHA-512("abc"), as the RFC says.
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier_verify import ed25519

TEST_1024_MESSAGE = bytes.fromhex(
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
    "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
    "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
    "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
    "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
    "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
    "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
    "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
    "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
    "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
    "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
    "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
    "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
    "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
    "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
    "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
    "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
    "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
    "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
    "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
    "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
    "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
    "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
    "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
    "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
    "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
    "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
    "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
    "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
    "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
    "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
    "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0"
)

# RFC 8032 §7.1: name → (SECRET KEY, PUBLIC KEY, MESSAGE, SIGNATURE), all hex.
RFC_8032_VECTORS = {
    "TEST 1": (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    "TEST 2": (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    "TEST 3": (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    "TEST 1024": (
        "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        TEST_1024_MESSAGE.hex(),
        "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
        "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
    ),
    "TEST SHA(abc)": (
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
        "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
}


def _vector(name: str) -> tuple[bytes, bytes, bytes, bytes]:
    secret, public, message, signature = RFC_8032_VECTORS[name]
    return (
        bytes.fromhex(secret),
        bytes.fromhex(public),
        bytes.fromhex(message),
        bytes.fromhex(signature),
    )


def _openssl_accepts(public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_the_copied_vectors_are_the_rfcs() -> None:
    assert len(TEST_1024_MESSAGE) == 1023
    assert (
        hashlib.sha256(TEST_1024_MESSAGE).hexdigest()
        == "358c67baee6b3e0265787951d1840a8468b9e9044852f1c67229a892b2cc0d22"
    )
    assert _vector("TEST SHA(abc)")[2] == hashlib.sha512(b"abc").digest()
    for name in RFC_8032_VECTORS:
        secret, public, message, signature = _vector(name)
        key = Ed25519PrivateKey.from_private_bytes(secret)
        assert _raw(key) == public, name
        assert key.sign(message) == signature, name


@pytest.mark.parametrize("name", list(RFC_8032_VECTORS))
def test_rfc_8032_section_7_1_vectors_verify(name: str) -> None:
    _, public, message, signature = _vector(name)
    assert ed25519.verify(public, message, signature)


@pytest.mark.parametrize(("name", "step"), [("TEST 1", 1), ("TEST 1024", 7)])
def test_flipped_bits_of_an_rfc_signature_are_refused(name: str, step: int) -> None:
    """Every bit of TEST 1's signature; every seventh of TEST 1024's (each check takes ~7 ms)."""
    _, public, message, signature = _vector(name)
    for bit in range(0, 8 * len(signature), step):
        altered = bytearray(signature)
        altered[bit // 8] ^= 1 << (bit % 8)
        assert not ed25519.verify(public, message, bytes(altered)), f"bit {bit}"


def test_a_signature_under_another_key_or_message_is_refused() -> None:
    _, public_2, message_2, signature_2 = _vector("TEST 2")
    _, public_3, message_3, _ = _vector("TEST 3")
    assert not ed25519.verify(public_3, message_2, signature_2)
    assert not ed25519.verify(public_2, message_3, signature_2)
    assert not ed25519.verify(public_2, message_2 + b"\x00", signature_2)


def test_an_s_at_or_above_the_group_order_is_refused() -> None:
    """§5.1.7: S + L is the same scalar mod L; accepting it would give a signature two spellings."""
    _, public, message, signature = _vector("TEST 1")
    s = int.from_bytes(signature[32:], "little")
    for non_canonical in (s + ed25519.L, ed25519.L, 2**256 - 1):
        forged = signature[:32] + non_canonical.to_bytes(32, "little")
        with pytest.raises(ed25519.SignatureError, match="group order"):
            ed25519.check(public, message, forged)
        assert not _openssl_accepts(public, message, forged)


def _undecodable() -> list[bytes]:
    p = ed25519.P
    no_root = next(
        y for y in range(2, 50) if ed25519.decode_point(y.to_bytes(32, "little")) is None
    )
    return [
        p.to_bytes(32, "little"),  # y = p
        (p + 2).to_bytes(32, "little"),  # y ≥ p, the base point's neighbour unreduced
        (2**255 - 1).to_bytes(32, "little"),  # y = 2^255 - 1
        no_root.to_bytes(32, "little"),  # x² has no square root
        (1 | 1 << 255).to_bytes(32, "little"),  # y = 1 with x = "-0"
    ]


@pytest.mark.parametrize("encoding", _undecodable(), ids=["p", "p+2", "max", "no-root", "-0"])
def test_a_non_canonical_or_invalid_point_is_refused_as_key_and_as_r(encoding: bytes) -> None:
    _, public, message, signature = _vector("TEST 1")
    assert ed25519.decode_point(encoding) is None
    with pytest.raises(ed25519.SignatureError, match="public key is not a valid point"):
        ed25519.check(encoding, message, signature)
    with pytest.raises(ed25519.SignatureError, match="R is not a valid point"):
        ed25519.check(public, message, encoding + signature[32:])


def test_keys_of_small_order_are_refused_even_for_a_signature_that_fits_them() -> None:
    # Under the identity as key, R = [s]B with S = s satisfies [S]B = R + [k]A for any message.
    identity = (1).to_bytes(32, "little")
    s = 1234567
    point = ed25519._multiply(s, ed25519.BASE)
    z_inv = pow(point[2], -1, ed25519.P)
    x, y = point[0] * z_inv % ed25519.P, point[1] * z_inv % ed25519.P
    r = (y | (x & 1) << 255).to_bytes(32, "little")
    forged = r + s.to_bytes(32, "little")
    with pytest.raises(ed25519.SignatureError, match="small order"):
        ed25519.check(identity, b"any message at all", forged)
    order_2 = (ed25519.P - 1).to_bytes(32, "little")  # (0, -1)
    assert not ed25519.verify(order_2, b"", forged)


def test_wrong_lengths_are_refused() -> None:
    _, public, message, signature = _vector("TEST 2")
    assert not ed25519.verify(public[:31], message, signature)
    assert not ed25519.verify(public + b"\x00", message, signature)
    assert not ed25519.verify(public, message, signature[:63])
    assert not ed25519.verify(public, message, signature + b"\x00")
    assert not ed25519.verify(b"", message, b"")


@settings(max_examples=40, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=300))
def test_signatures_made_by_cryptography_verify(seed: bytes, message: bytes) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    assert ed25519.verify(_raw(key), message, key.sign(message))


@settings(max_examples=40, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    message=st.binary(min_size=1, max_size=200),
    where=st.sampled_from(["signature", "message", "key"]),
    bit=st.integers(min_value=0),
)
def test_any_flipped_bit_fails_here_and_in_cryptography(
    seed: bytes, message: bytes, where: str, bit: int
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    parts = {"key": _raw(key), "message": message, "signature": key.sign(message)}
    altered = bytearray(parts[where])
    bit %= 8 * len(altered)
    altered[bit // 8] ^= 1 << (bit % 8)
    parts[where] = bytes(altered)
    assert not ed25519.verify(parts["key"], parts["message"], parts["signature"])
    assert not _openssl_accepts(parts["key"], parts["message"], parts["signature"])
