"""Decoding text files whose encoding nobody declared."""


def decode_guess(raw: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252, else Latin-1, which never fails."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
