#!/usr/bin/env python3
"""Turn the real-server probe transcripts into the raw bytes the servers sent.

Why: RFC examples are written by hand; these transcripts are what Dovecot 2.3.19.1 and
Cyrus IMAP 3.6.1 actually sent to a probe client, so the parser must accept them too.

Usage (Python 3.11, standard library only):

    tests/scripts/extract_transcript_responses.py           # (re)write the .bin files
    tests/scripts/extract_transcript_responses.py --check   # verify them, write nothing

Input: `tests/data/transcripts/{dovecot,cyrus}-probe.txt`, unchanged copies of the output of
the probe script `imap_probe.py` (kept outside this repository, in the shared server kit).
Output, next to them: `dovecot.server.bin`, `cyrus.server.bin` and `index.tsv`.

How the probe printed the session, and how this script inverts it
=================================================================
* Every line the client sent is one record `[conn] C: text`, and every complete server
  response is one record `[conn] S: text`. `conn` names the connection: `plain` (port 143,
  later upgraded with STARTTLS and then COMPRESS=DEFLATE), `imaps` (implicit TLS),
  `other` (a second session that wakes up the IDLE), and one per SASL test (`scram256`,
  `cram`, `xoauth2`, ...). The probe decrypted and inflated before printing, so responses
  sent inside TLS or DEFLATE need no special treatment.
* The probe read a response as one line plus, whenever a line ended in a literal header
  `{N}`, the CRLF, the N literal bytes and the next line, and printed all of it verbatim
  (UTF-8), with only the final CRLF removed. A record therefore spans several physical lines
  exactly when the response contains literals, and the transcript holds the literal bytes,
  CRs included. This script reads the file as bytes and undoes that: after a line that ends
  in `{N}` followed by CRLF it takes exactly N bytes, then continues the response; the
  record ends at the first LF that is not part of a CRLF or a literal, and the response gets
  its CRLF back. A response that was not valid UTF-8 was printed as a Python bytes repr
  (`b'...'`, final CRLF included); that form is decoded back to the bytes (none occur in
  the current transcripts).
* Everything else (`=====` section titles, `[conn] TLS:` lines, `!!` errors and indented
  remarks such as `server signature verified`) is not server data and is ignored.

The output stream is every S: record of the transcript in file order, whatever its
connection, so it contains several greetings and BYEs. `index.tsv` has one row per
response: transcript, connection, transcript line, byte offset and length in the .bin.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/scripts free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_rfc_responses import (  # noqa: E402  (needs the path above)
    CRLF,
    LITERAL_HEADER,
    check_response_stream,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "tests" / "data" / "transcripts"
TRANSCRIPTS = {"dovecot": "dovecot-probe.txt", "cyrus": "cyrus-probe.txt"}

RECORD = re.compile(rb"\[([A-Za-z0-9_-]+)\] ([SC]): ")
# Independent count for --check: lines that begin an S: record.
SERVER_RECORD_LINE = re.compile(rb"^\[[A-Za-z0-9_-]+\] S: ", re.MULTILINE)


@dataclass
class ServerResponse:
    """One S: record turned back into wire bytes."""

    connection: str
    line: int
    wire: bytes


def parse_transcript(data: bytes) -> list[ServerResponse]:
    """All S: records of a transcript, in order, as wire bytes."""
    responses: list[ServerResponse] = []
    pos = 0
    while pos < len(data):
        line_number = data.count(b"\n", 0, pos) + 1
        record = RECORD.match(data, pos)
        if not record or record.group(2) == b"C":
            end = data.find(b"\n", pos)
            pos = len(data) if end < 0 else end + 1
            continue
        wire, pos = read_response(data, record.end(), line_number)
        responses.append(ServerResponse(record.group(1).decode(), line_number, wire))
    return responses


def read_response(data: bytes, pos: int, line_number: int) -> tuple[bytes, int]:
    """Decode one S: record starting at `pos` (just after `S: `). Returns the response's
    wire bytes and the position after the record's final LF."""
    if data.startswith((b"b'", b'b"'), pos):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        try:
            value = ast.literal_eval(data[pos:end].decode("ascii"))
        except (ValueError, SyntaxError, UnicodeDecodeError):
            value = None
        if isinstance(value, bytes) and value.endswith(CRLF):
            return value, end + 1
        # Not a repr after all (a tag may start with b'); read it as text below.
    wire = b""
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            raise SystemExit(f"line {line_number}: transcript ends inside a response")
        if end > pos and data[end - 1 : end] == b"\r":
            segment = data[pos : end - 1]
            header = LITERAL_HEADER.search(segment)
            if not header:
                raise SystemExit(f"line {line_number}: CRLF inside a response without a literal")
            size = int(header.group(1))
            literal = data[end + 1 : end + 1 + size]
            if len(literal) != size:
                raise SystemExit(f"line {line_number}: literal {{{size}}} runs past the end")
            wire += segment + CRLF + literal
            pos = end + 1 + size
            continue
        return wire + data[pos:end] + CRLF, end + 1


def render(transcripts: dict[str, bytes]) -> dict[str, bytes]:
    """The output files, by name: one .bin per transcript plus index.tsv."""
    files: dict[str, bytes] = {}
    index = ["transcript\tconnection\tline\toffset\tlength"]
    for name, data in transcripts.items():
        stream = b""
        for response in parse_transcript(data):
            index.append(
                f"{name}\t{response.connection}\t{response.line}\t{len(stream)}\t"
                f"{len(response.wire)}"
            )
            stream += response.wire
        files[f"{name}.server.bin"] = stream
    files["index.tsv"] = ("\n".join(index) + "\n").encode()
    return files


def read_transcripts() -> dict[str, bytes]:
    """The committed transcript copies, by short name."""
    return {name: (DATA_DIR / file).read_bytes() for name, file in TRANSCRIPTS.items()}


def check() -> int:
    """--check: the committed outputs equal a fresh extraction and frame cleanly."""
    transcripts = read_transcripts()
    fresh = render(transcripts)
    problems = [
        f"{name}: differs from a fresh extraction; re-run the script"
        for name, data in fresh.items()
        if not (DATA_DIR / name).exists() or (DATA_DIR / name).read_bytes() != data
    ]
    total = 0
    for name, transcript in transcripts.items():
        records = len(SERVER_RECORD_LINE.findall(transcript))
        responses = parse_transcript(transcript)
        if records != len(responses):
            problems.append(f"{name}: {records} S: records but {len(responses)} responses")
        bin_path = DATA_DIR / f"{name}.server.bin"
        if not bin_path.exists():
            continue
        expected = []
        offset = 0
        for response in responses:
            expected.append((offset, len(response.wire)))
            offset += len(response.wire)
        total += len(expected)
        problems += [
            f"{bin_path.name}: {p}"
            for p in check_response_stream(bin_path.read_bytes(), expected)
        ]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"checked {total} responses in {len(transcripts)} streams: {len(problems)} problem(s)")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    args = parser.parse_args()
    if args.check:
        return check()
    for name, data in render(read_transcripts()).items():
        (DATA_DIR / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
