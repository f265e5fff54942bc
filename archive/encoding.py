"""Bytes to text, for every encoding article files arrive in.

BOMs are trusted first (UTF-8, UTF-16, UTF-32); then strict UTF-8, which is what
nearly everything is; then charset-normalizer's detection for legacy encodings such as
Vietnamese windows-1258. Binary data is refused rather than guessed into mojibake.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

#: Byte-order marks and the codec each implies; UTF-32 first (its LE mark starts with UTF-16's).
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can trust."""


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` for a file's bytes, or raise :class:`DecodeError`."""
    if not data:
        return "", "utf-8"
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"invalid {encoding} after its byte-order mark: {exc.reason}"
                ) from exc
    if b"\x00" in data:
        raise DecodeError("binary data (NUL bytes) and no UTF-16/32 byte-order mark")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = _best_guess(data)
    if best is None:
        raise DecodeError("not text in UTF-8 or any detectable legacy encoding")
    text = str(best)
    if _looks_binary(text):
        raise DecodeError("binary data, not text")
    return text, best.encoding


def _best_guess(data: bytes):
    """charset-normalizer's best match, preferring windows-1252 on a tie: short Western
    texts score alike in cp1250 and cp1252, and cp1252 is by far the likelier."""
    results = from_bytes(data)
    best = results.best()
    if best is None:
        return None
    for match in results:
        if (
            match.encoding == "cp1252"
            and match.chaos <= best.chaos
            and match.coherence >= best.coherence
        ):
            return match
    return best


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return control / len(sample) > 0.05
