"""A websocket client for the tests, on the standard library only (RFC 6455).

    python3 ws_client.py URL --origin ORIGIN [--host HOST] --say TEXT [--say TEXT ...]
        Connects, sends each text and reads its answer, closes with 1000 and
        prints one JSON object: {"replies": [...], "close": CODE}.

    python3 ws_client.py URL --origin ORIGIN --hold --log FILE --stop FILE
        Holds a connection, sending a numbered message every --interval
        seconds and waiting for its answer, until FILE (--stop) exists. When
        the server closes the connection it reconnects. Writes one JSON line
        per event to --log: "open", "echo" (sent, got), "close" (the
        server's close code and reason, and the message left unanswered),
        "cut" (the connection ended without a close frame, or a frame was
        incomplete), "refused" (the handshake failed).

Exit status 1 when the one-shot mode gets no proper answer.
"""

import argparse
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import time
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Closed(Exception):
    """The server sent a close frame."""

    def __init__(self, code, reason):
        super().__init__(code, reason)
        self.code, self.reason = code, reason


class Cut(Exception):
    """The connection ended without a close frame."""


class Connection:
    def __init__(self, url, origin, host=None, timeout=10):
        parts = urlsplit(url)
        secure = parts.scheme == "wss"
        port = parts.port or (443 if secure else 80)
        sock = socket.create_connection((parts.hostname, port), timeout=timeout)
        if secure:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
        self.sock = sock
        key = base64.b64encode(os.urandom(16))
        request = (
            "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: %s\r\n\r\n"
            % (parts.path or "/", host or parts.netloc, key.decode(), origin)
        )
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                raise Cut("the connection ended during the handshake: %r" % head)
            head += chunk
        lines = head.decode("latin-1").split("\r\n")
        if lines[0].split(" ")[1:2] != ["101"]:
            raise ConnectionRefusedError("handshake answered %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise ConnectionRefusedError("wrong Sec-WebSocket-Accept %r" % headers.get("sec-websocket-accept"))

    def _read(self, size):
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise Cut("the connection ended %s" % ("mid-frame" if data else "without a close frame"))
            data += chunk
        return data

    def send(self, opcode, payload=b""):
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self):
        """The next text message; answers pings, raises Closed or Cut."""
        message = b""
        while True:
            first, second = self._read(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read(8))[0]
            payload = self._read(length)
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                try:
                    self.send(0x8, payload[:2])
                except OSError:
                    pass
                raise Closed(code, payload[2:].decode("utf-8", "replace"))
            if opcode == 0x9:
                self.send(0xA, payload)
                continue
            if opcode in (0x1, 0x2, 0x0):
                message += payload
                if first & 0x80:
                    return message.decode("utf-8")

    def close(self, code=1000):
        """Close cleanly; the server's close code."""
        self.send(0x8, struct.pack("!H", code))
        try:
            while True:
                self.receive()
        except Closed as closed:
            return closed.code
        finally:
            self.sock.close()


def one_shot(args):
    connection = Connection(args.url, args.origin, args.host)
    replies = []
    for text in args.say:
        connection.send(0x1, text.encode())
        replies.append(connection.receive())
    print(json.dumps({"replies": replies, "close": connection.close()}))
    return 0 if len(replies) == len(args.say) else 1


def hold(args):
    def log(event, **fields):
        with open(args.log, "a") as out:
            out.write(json.dumps(dict(fields, event=event, t=round(time.time(), 3))) + "\n")

    number = 0
    while not os.path.exists(args.stop):
        try:
            connection = Connection(args.url, args.origin, args.host)
        except (OSError, Cut) as exc:
            log("refused", error=str(exc))
            time.sleep(args.interval)
            continue
        log("open")
        sent = None
        try:
            while not os.path.exists(args.stop):
                number += 1
                sent = str(number)
                connection.send(0x1, sent.encode())
                log("echo", sent=sent, got=connection.receive())
                sent = None
                time.sleep(args.interval)
            log("close", code=connection.close(), reason="", unanswered=None, by="client")
        except Closed as closed:
            log("close", code=closed.code, reason=closed.reason, unanswered=sent, by="server")
        except (Cut, OSError) as exc:
            log("cut", error=str(exc), unanswered=sent)
        finally:
            connection.sock.close()
    return 0


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("url")
    parser.add_argument("--origin", required=True)
    parser.add_argument("--host")
    parser.add_argument("--say", action="append", default=[])
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("--log")
    parser.add_argument("--stop")
    parser.add_argument("--interval", type=float, default=0.2)
    args = parser.parse_args(argv)
    return hold(args) if args.hold else one_shot(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
