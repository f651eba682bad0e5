"""The BlazeMeter API key: read from the environment or a key file, registered with the
sanitiser at once, and refused without being echoed when it cannot travel in a Basic header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ci_gate.errors import UsageError
from ci_gate.files import read_small_text
from ci_gate.text import register_credentials


@dataclass(frozen=True)
class Credentials:
    """A BlazeMeter API key. The secret never appears in a repr, a log or a report."""

    key_id: str
    key_secret: str = field(repr=False)


def resolve_credentials(api_key_file: str | None, env: Mapping[str, str]) -> Credentials:
    """From `--api-key-file` (key_id:key_secret) or BLAZEMETER_API_KEY_ID/_SECRET.

    The secret is registered with the sanitiser at once, so no later line can show it.
    """
    if api_key_file is not None:
        try:
            # utf-8-sig: a BOM left by a Windows editor is not part of the key id
            text = read_small_text(api_key_file, encoding="utf-8-sig").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise UsageError(
                f"--api-key-file {api_key_file!r}: cannot read it ({reason})"
            ) from None
        key_id, sep, secret = text.partition(":")
        if not sep or not key_id.strip() or not secret.strip():
            raise UsageError(f"--api-key-file {api_key_file!r} must hold key_id:key_secret")
        return _checked(
            Credentials(key_id.strip(), secret.strip()), f"--api-key-file {api_key_file!r}"
        )
    key_id = env.get("BLAZEMETER_API_KEY_ID", "").strip()
    secret = env.get("BLAZEMETER_API_KEY_SECRET", "").strip()
    missing = [
        name
        for name, value in (
            ("BLAZEMETER_API_KEY_ID", key_id),
            ("BLAZEMETER_API_KEY_SECRET", secret),
        )
        if not value
    ]
    if missing:
        raise UsageError(
            f"missing credentials: set {' and '.join(missing)} (or use --api-key-file)"
        )
    return _checked(
        Credentials(key_id, secret), "BLAZEMETER_API_KEY_ID / BLAZEMETER_API_KEY_SECRET"
    )


def _checked(credentials: Credentials, source: str) -> Credentials:
    """Refuse a key that cannot travel in an HTTP Basic header, without echoing it."""
    register_credentials(credentials.key_id, credentials.key_secret)
    pair = f"{credentials.key_id}:{credentials.key_secret}"
    if ":" in credentials.key_id:
        raise UsageError(f"{source}: the key id must not contain ':'")
    try:
        pair.encode("latin-1")
    except UnicodeEncodeError:
        raise UsageError(
            f"{source}: the key holds a character that cannot travel in an HTTP Basic "
            "header (only Latin-1 text can); check that the right key was copied"
        ) from None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in pair):
        raise UsageError(f"{source}: the key holds a control character (a stray line break?)")
    return credentials
