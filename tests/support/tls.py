"""A throwaway self-signed certificate for 127.0.0.1, for TLS servers on loopback."""

from __future__ import annotations

import ssl
import subprocess
from pathlib import Path

from tests.support.tools import require_tool


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) files valid for 127.0.0.1 for a day."""
    openssl = require_tool("openssl")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context
