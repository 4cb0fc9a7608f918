#!/usr/bin/env python3
"""Smoke check for a test server started by dovecot.sh or cyrus.sh (stdlib only).

    python3 tests/servers/smoke.py DIR/server.env [--expect-move yes|no] [--expect-caps 'A B']
                                   [--idle-notify SECS]

Reads the server.env that `start` wrote and checks, printing every step:
STARTTLS + LOGIN, IMAPS + LOGIN, a rejected password, AUTHENTICATE PLAIN with dave's non-ASCII
password, XOAUTH2 and OAUTHBEARER with the pre-minted tokens (when the server has them),
MOVE in the post-login CAPABILITY (when asked), and "* OK Still here" during IDLE (when asked).
Only a manual check of the kit; the project's tests do not use it.
"""

import argparse
import base64
import socket
import ssl
import sys
import time


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value.strip('"')
    return env


class Session:
    """One IMAP connection, line-oriented, with numbered tags."""

    def __init__(self, host, port, tls_context=None, server_hostname=None):
        self.sock = socket.create_connection((host, port), timeout=10)
        if tls_context is not None:
            self.sock = tls_context.wrap_socket(self.sock, server_hostname=server_hostname)
        self.buffer = b""
        self.tag_number = 0
        self.greeting = self.read_line()

    def read_line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r\n")
        return line.decode("utf-8", "replace")

    def send(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")

    def command(self, text, continuation=None):
        """Sends TAG TEXT; answers each '+' with continuation(line). Returns (untagged, tagged)."""
        self.tag_number += 1
        tag = f"S{self.tag_number}"
        self.send(f"{tag} {text}")
        untagged = []
        while True:
            line = self.read_line()
            if line.startswith(tag + " "):
                return untagged, line[len(tag) + 1:]
            if line.startswith("+") and continuation is not None:
                self.send(continuation(line))
                continue
            untagged.append(line)

    def starttls(self, context, server_hostname):
        _, tagged = self.command("STARTTLS")
        if not tagged.startswith("OK"):
            raise RuntimeError(f"STARTTLS refused: {tagged}")
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)

    def capabilities(self):
        untagged, tagged = self.command("CAPABILITY")
        for line in untagged:
            if line.upper().startswith("* CAPABILITY "):
                return line[len("* CAPABILITY "):].split()
        raise RuntimeError(f"no CAPABILITY line: {tagged}")

    def close(self):
        try:
            self.command("LOGOUT")
        except (OSError, ConnectionError):
            pass
        self.sock.close()


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Checker:
    def __init__(self):
        self.failures = 0

    def check(self, name, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""))
        if not ok:
            self.failures += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server_env")
    parser.add_argument("--expect-move", choices=["yes", "no"])
    parser.add_argument("--expect-caps", default="", metavar="'CAP CAP ...'",
                        help="capabilities that must be advertised after login")
    parser.add_argument("--idle-notify", type=float, metavar="SECS",
                        help="expect '* OK Still here' within this many seconds of IDLE")
    args = parser.parse_args()

    env = read_env(args.server_env)
    host, port, imaps_port = env["IMAP_HOST"], int(env["IMAP_PORT"]), int(env["IMAPS_PORT"])
    users = dict(entry.split(":", 1) for entry in env["IMAP_USERS"].split(","))
    context = ssl.create_default_context(cafile=env["IMAP_CA_CERT"])
    checker = Checker()
    print(f"server: {env['IMAP_SERVER']} {env.get('IMAP_SERVER_VERSION', '')} "
          f"imap={host}:{port} imaps={host}:{imaps_port}")

    # STARTTLS on the plain port, with the certificate verified against the exported CA.
    session = Session(host, port)
    checker.check("greeting", session.greeting.startswith("* OK"), session.greeting)
    pre_login = session.capabilities()
    checker.check("STARTTLS advertised", "STARTTLS" in pre_login)
    session.starttls(context, "localhost")
    checker.check("STARTTLS handshake, certificate verified for localhost", True,
                  session.sock.version())
    _, tagged = session.command(f"LOGIN alice {quoted(users['alice'])}")
    checker.check("LOGIN alice after STARTTLS", tagged.startswith("OK"), tagged)
    post_login = session.capabilities()
    print("     post-login CAPABILITY: " + " ".join(post_login))
    if args.expect_move is not None:
        has_move = "MOVE" in post_login
        checker.check(f"MOVE advertised after login == {args.expect_move}",
                      has_move == (args.expect_move == "yes"))
        duplicates = sorted({c for c in post_login if post_login.count(c) > 1})
        checker.check("no duplicate capabilities", not duplicates, " ".join(duplicates))
    missing = [cap for cap in args.expect_caps.split() if cap not in post_login]
    if args.expect_caps:
        checker.check("expected post-login capabilities present", not missing, " ".join(missing))
    session.close()

    # IMAPS, verified by IP address this time.
    session = Session(host, imaps_port, context, host)
    checker.check("IMAPS handshake, certificate verified for " + host, True, session.sock.version())
    _, tagged = session.command(f"LOGIN alice {quoted(users['alice'])}")
    checker.check("LOGIN alice over IMAPS", tagged.startswith("OK"), tagged)
    session.close()

    session = Session(host, imaps_port, context, host)
    started = time.monotonic()
    _, tagged = session.command("LOGIN alice wrong-password")
    checker.check("wrong password rejected", tagged.startswith("NO"),
                  f"{tagged} (after {time.monotonic() - started:.2f} s)")
    # dave's password is not ASCII: AUTHENTICATE PLAIN carries it as UTF-8 bytes.
    plain = base64.b64encode("\0dave\0{}".format(users["dave"]).encode("utf-8")).decode()
    _, tagged = session.command("AUTHENTICATE PLAIN", lambda _line: plain)
    checker.check("AUTHENTICATE PLAIN dave (UTF-8 password)", tagged.startswith("OK"), tagged)
    session.close()

    token_dir = env.get("IMAP_OAUTH2_TOKEN_DIR", "")
    if token_dir:
        with open(f"{token_dir}/alice", encoding="ascii") as f:
            token = f.read().strip()
        mechanisms = {
            "XOAUTH2": f"user=alice\x01auth=Bearer {token}\x01\x01",
            "OAUTHBEARER": f"n,a=alice,\x01host={host}\x01port={imaps_port}\x01"
                           f"auth=Bearer {token}\x01\x01",
        }
        for mechanism, payload in mechanisms.items():
            session = Session(host, imaps_port, context, host)
            encoded = base64.b64encode(payload.encode()).decode()
            _, tagged = session.command(f"AUTHENTICATE {mechanism} {encoded}", lambda _line: "")
            checker.check(f"AUTHENTICATE {mechanism} alice with the minted token",
                          tagged.startswith("OK"), tagged)
            session.close()
        session = Session(host, imaps_port, context, host)
        bad = base64.b64encode(f"user=alice\x01auth=Bearer {token}x\x01\x01".encode()).decode()
        _, tagged = session.command(f"AUTHENTICATE XOAUTH2 {bad}", lambda _line: "")
        checker.check("XOAUTH2 with a tampered token rejected", tagged.startswith("NO"), tagged)
        session.close()

    if args.idle_notify is not None:
        session = Session(host, imaps_port, context, host)
        session.command(f"LOGIN alice {quoted(users['alice'])}")
        session.command("SELECT INBOX")
        session.tag_number += 1
        session.send(f"S{session.tag_number} IDLE")
        continuation = session.read_line()
        started = time.monotonic()
        session.sock.settimeout(args.idle_notify + 5)
        line = session.read_line()
        waited = time.monotonic() - started
        checker.check(f"'* OK Still here' during IDLE within {args.idle_notify} s",
                      line.startswith("* OK") and waited <= args.idle_notify + 1,
                      f"{continuation!r} then {line!r} after {waited:.1f} s")
        session.send("DONE")
        session.read_line()
        session.close()

    print("all checks passed" if checker.failures == 0 else f"{checker.failures} check(s) FAILED")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
