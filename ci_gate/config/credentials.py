"""The credentials: the BlazeMeter API key (from the environment or a key file) and the CI
platforms' tokens. Every one of them is registered with the sanitiser before the command
line is parsed (`register_every_credential`), so a secret pasted as a master id or an
option value is never shown back; a key that cannot travel in a Basic header is refused
without being echoed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ci_gate.errors import UsageError
from ci_gate.files import MAX_FILE_BYTES, read_small_file
from ci_gate.text import register_credentials, register_secret

#: The CI platforms' tokens: secrets like the API key, `--comment` or not.
TOKEN_VARIABLES = ("GITHUB_TOKEN", "CI_GATE_GITLAB_TOKEN")
#: The option that names the key file, and the largest key file read.
KEY_FILE_OPTION = "--api-key-file"
_MAX_KEY_FILE = 64 * 1024


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
        key_id, sep, secret = _read_key_file(api_key_file).partition(":")
        if not sep or not key_id.strip() or not secret.strip():
            raise UsageError(f"--api-key-file {api_key_file!r} must hold key_id:key_secret")
        return _checked(key_id, secret, f"--api-key-file {api_key_file!r}")
    key_id = env.get("BLAZEMETER_API_KEY_ID", "")
    secret = env.get("BLAZEMETER_API_KEY_SECRET", "")
    missing = [
        name
        for name, value in (
            ("BLAZEMETER_API_KEY_ID", key_id),
            ("BLAZEMETER_API_KEY_SECRET", secret),
        )
        if not value.strip()
    ]
    if missing:
        raise UsageError(
            f"missing credentials: set {' and '.join(missing)} (or use --api-key-file)"
        )
    return _checked(key_id, secret, "BLAZEMETER_API_KEY_ID / BLAZEMETER_API_KEY_SECRET")


def _checked(key_id: str, key_secret: str, source: str) -> Credentials:
    """The key as given, stripped; refused, without being echoed, when it cannot travel in
    an HTTP Basic header. Registered first, as given too (`text.register_secret`)."""
    credentials = Credentials(key_id.strip(), key_secret.strip())
    register_secret(key_id, key_secret)
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


def _read_key_file(path: str, limit: int = MAX_FILE_BYTES) -> str:
    """The key file's text (a BOM and the line end dropped), or a `UsageError` naming it
    (a FIFO or a device is never read: `files`)."""
    try:
        # utf-8-sig: a BOM left by a Windows editor is not part of the key id; the line
        # end is stripped with the rest by the callers, once the key is known as given
        return read_small_file(path, limit).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise UsageError(f"--api-key-file {path!r}: cannot read it ({reason})") from None


def register_every_credential(argv: Sequence[str], env: Mapping[str, str]) -> None:
    """Make every credential known to the sanitiser before anything is parsed or printed.

    The API key from the environment, the CI tokens, and the key file named on the command
    line (found by a silent scan of `argv`: a file that cannot be read here is reported,
    as ever, when the settings are resolved). Registering too much only redacts more.
    """
    key_id = env.get("BLAZEMETER_API_KEY_ID", "")
    secret = env.get("BLAZEMETER_API_KEY_SECRET", "")
    if secret.strip():
        register_secret(key_id, secret)  # as given, and stripped
        register_credentials(key_id.strip(), secret.strip())
    for name in TOKEN_VARIABLES:
        register_secret(env.get(name, ""))
    for path in _key_files(argv):
        try:
            text = _read_key_file(path, _MAX_KEY_FILE)
        except UsageError:
            continue
        file_id, _, file_secret = text.partition(":")
        if file_secret.strip():
            register_secret(file_id, file_secret)
            register_credentials(file_id.strip(), file_secret.strip())


def _key_files(argv: Sequence[str]) -> list[str]:
    """Every value given to `--api-key-file` (`--api-key-file PATH` or `=PATH`) before a
    lone `--` (after it, everything is a positional argument)."""
    paths: list[str] = []
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word == KEY_FILE_OPTION and index + 1 < len(argv):
            paths.append(argv[index + 1])
        elif word.startswith(KEY_FILE_OPTION + "="):
            paths.append(word.split("=", 1)[1])
    return paths
