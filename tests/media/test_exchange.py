"""Exchange formats round-trip, detect themselves, refuse garbage; signatures verify."""

from __future__ import annotations

import pytest

from vigil.errors import IntegrityError, InvalidInput
from vigil.media import exchange
from vigil.media.exchange import FORMATS, Signal, read_list

PDQ_A = "f" * 16 + "0" * 48
PDQ_B = "0123456789abcdef" * 4
MD5 = "d41d8cd98f00b204e9800998ecf8427e"

SIGNALS = [
    Signal("pdq", PDQ_A, id="1"),
    Signal("pdq", PDQ_B, id="2", status="withdrawn"),
]


@pytest.mark.parametrize("name", ["csv", "hma", "stopncii"])
def test_round_trip_and_detection(name: str) -> None:
    data = FORMATS.get(name)().write(SIGNALS)
    detected, signals = read_list(data)
    assert detected == name
    assert [(s.value, s.id, s.status) for s in signals] == [
        (PDQ_A, "1", "active"),
        (PDQ_B, "2", "withdrawn"),
    ]


def test_hma_csv_carries_other_signal_types() -> None:
    text = f"signal_type,signal_value,note\npdq,{PDQ_A.upper()},x\nvideo_md5,{MD5},\n"
    fmt, signals = read_list(text.encode())
    assert fmt == "hma"
    assert [(s.signal_type, s.value) for s in signals] == [("pdq", PDQ_A), ("md5", MD5)]


def test_plain_pdq_csv_and_text_lists() -> None:
    assert read_list(f"pdq\n{PDQ_A}\n".encode())[1][0].value == PDQ_A
    fmt, signals = read_list(f"{PDQ_A}\n\n{PDQ_B}\n".encode())
    assert fmt == "stopncii" and len(signals) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"id,pdq\n1,not-a-hash\n", "line 2"),
        (b"signal_type,signal_value\nphoto,abc\n", "unknown signal type"),
        (b"signal_type,signal_value\nmd5,xyz\n", "not a md5"),
        (b"a,b\n1,2\n", "unrecognised"),
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b'{"format": "stopncii-pdq-list", "hashes": [{"id": 1}]}', "pdq"),
        (f"id,pdq,status\n1,{PDQ_A},maybe\n".encode(), "status"),
    ],
)
def test_bad_lists_name_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_list(data)


def test_signatures() -> None:
    key = exchange.signing_key(b"\x07" * 32)
    data = FORMATS.get("hma")().write(SIGNALS)
    signature = exchange.sign(data, key, issuer="Agency A")
    public = exchange.load_public_key(exchange.public_key_text(key))
    assert exchange.verify(data, signature, public) == "Agency A"
    with pytest.raises(IntegrityError, match="altered"):
        exchange.verify(data.replace(b"active", b"withdrawn"), signature, public)
    stranger = exchange.load_public_key(
        exchange.public_key_text(exchange.signing_key(b"\x08" * 32))
    )
    with pytest.raises(IntegrityError):
        exchange.verify(data, signature, stranger)
    with pytest.raises(IntegrityError, match="malformed"):
        exchange.verify(data, b'{"algorithm": "Ed25519"}', public)
    with pytest.raises(InvalidInput):
        exchange.load_public_key("not a key")
    pem = (
        public.public_bytes(
            exchange.serialization.Encoding.PEM,
            exchange.serialization.PublicFormat.SubjectPublicKeyInfo,
        )
    ).decode()
    assert exchange.verify(data, signature, exchange.load_public_key(pem)) == "Agency A"
