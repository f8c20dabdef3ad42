"""Local receivers for delivery tests: an HTTP endpoint that records webhook calls, and a
minimal SMTP server (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA) that records messages.

Both listen on 127.0.0.1 on a free port and run in a daemon thread.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


@dataclass
class WebhookReceiver:
    """Answers each POST with the next status in `statuses` (then 200)."""

    statuses: list[int] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.hits.append(Hit({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/shortops"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes
    tls: bool
    auth: str | None


class SmtpServer:
    """Just enough SMTP for smtplib; `refuse_rcpt` answers RCPT with a 5xx code."""

    def __init__(self, tls_context: ssl.SSLContext | None = None) -> None:
        self.tls_context = tls_context
        self.mails: list[Mail] = []
        self.refuse_rcpt = False
        self.busy = False  # answer MAIL with 451: try again later
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                server._session(self)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _session(self, handler: socketserver.StreamRequestHandler) -> None:
        reader, writer = handler.rfile, handler.wfile
        tls, auth, sender, recipients = False, None, "", []

        def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")
            writer.flush()

        say("220 localhost test SMTP")
        while True:
            raw = reader.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                lines = ["localhost", "AUTH PLAIN"]
                if self.tls_context is not None and not tls:
                    lines.append("STARTTLS")
                for item in lines[:-1]:
                    say(f"250-{item}")
                say(f"250 {lines[-1]}")
            elif verb == "STARTTLS" and self.tls_context is not None:
                say("220 go ahead")
                connection = self.tls_context.wrap_socket(handler.connection, server_side=True)
                reader = connection.makefile("rb")
                writer = connection.makefile("wb")
                tls = True
            elif verb == "AUTH":
                auth = base64.b64decode(line.split(" ")[2]).decode()
                say("235 accepted")
            elif verb == "MAIL":
                if self.busy:
                    say("451 try again later")
                    continue
                sender, recipients = line.split(":", 1)[1].strip(" <>"), []
                say("250 ok")
            elif verb == "RCPT":
                if self.refuse_rcpt:
                    say("550 no such user")
                    continue
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                say("250 ok")
            elif verb == "DATA":
                say("354 end with .")
                data = b""
                while True:
                    chunk = reader.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk
                self.mails.append(Mail(sender, recipients, data, tls, auth))
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                return
            else:
                say("250 ok")


def self_signed(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a certificate for 127.0.0.1, and a client context trusting it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client
