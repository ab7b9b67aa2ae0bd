"""Local stand-ins for the outside world the notifications reach, each a real server in a thread on
127.0.0.1: an SMTP sink that keeps every mail it is given, and an SMS gateway that keeps every JSON request
(answering 200, or the status the test sets)."""

import email
import email.policy
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ready")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 end with .")
                data = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(bytes(data), policy=email.policy.default)
                self.server.mails.append((recipients, message))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class SmtpSink:
    """`with SmtpSink() as sink:` a local SMTP server; `sink.url` for SMTP_URL, `sink.mails` what it got
    as (recipients, email.message.EmailMessage)."""

    def __enter__(self):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
        self.server.daemon_threads = True
        self.server.mails = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"smtp://127.0.0.1:{self.server.server_address[1]}?from=review@test.example.cn"
        return self

    @property
    def mails(self) -> list:
        return self.server.mails

    def bodies_to(self, address: str) -> list[str]:
        return [m.get_content() for to, m in self.mails if address in to]

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class _GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length).decode("utf-8"))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args) -> None:
        pass


class SmsGateway:
    """`with SmsGateway() as gateway:` a local HTTP gateway; `gateway.url` for SMS_GATEWAY_URL,
    `gateway.requests` the JSON bodies it got; `gateway.status` the status it answers."""

    def __enter__(self):
        self.server = HTTPServer(("127.0.0.1", 0), _GatewayHandler)
        self.server.requests = []
        self.server.status = 200
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        return self

    @property
    def requests(self) -> list[dict]:
        return self.server.requests

    @property
    def status(self) -> int:
        return self.server.status

    @status.setter
    def status(self, value: int) -> None:
        self.server.status = value

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
