#!/usr/bin/env python3
"""Extract the server responses shown in RFC examples as raw IMAP wire bytes.

Why: the response parser must accept every response the RFCs themselves show. This script
turns the `S:` lines of the RFC examples into the exact bytes a server would send, so a
Rust test can feed them to the framer and parser without depending on /work/shared.

Usage (Python 3.11, standard library only):

    tests/scripts/extract_rfc_responses.py [RFC_DIR]           # (re)write the test data
    tests/scripts/extract_rfc_responses.py --check [RFC_DIR]   # verify the committed data

RFC_DIR defaults to `../shared/rfc` relative to the repository root. Output goes to
`tests/data/rfc-responses/` in this repository. Output is deterministic: running the script
twice writes identical files. `--check` writes nothing; it re-extracts in memory, fails if
the committed files differ from a fresh extraction, and validates the committed responses
(see `check_response_stream`).

Rules
=====

Reading the RFC text
--------------------
* Files are read as UTF-8 (a leading BOM is ignored); trailing whitespace of every line is
  dropped (the RFC Editor strips it anyway).
* Page breaks are removed before anything else: the page footer (`... [Page N]`), the form
  feed, the running header of the next page (`RFC NNNN ...`) and the blank padding lines on
  both sides. Line numbers always refer to the original file.
* An example line is `S: ...` or `C: ...`, with any indentation, optionally preceded by
  `Example:` / `Examples:` on the same line. The column of the `S`/`C` is the line's
  *marker column*. Only `S:` lines are extracted; `C:` lines only delimit responses.

Assembling one response
-----------------------
Each `S:` line that is not already part of an earlier response starts a response. Its text
is everything after `S:` with the leading spaces removed.

1. Complete line. A line whose parentheses, brackets and double quotes are balanced
   (outside quoted strings and literals) and that does not end in a literal header is
   complete, unless rule 4 says otherwise.
2. Literals. A line ending in a literal header `{N}` (or `~{N}`, RFC 3516 literal8)
   continues with the literal's content, taken from the following example lines. Those
   lines may or may not carry an `S:` prefix and are indented:
   * an `S:`-prefixed content line loses `S:` plus as many spaces as the response's first
     line had after its `S:`; an unprefixed one loses the marker column's worth of spaces;
   * content lines are joined with CRLF and the literal is the first N bytes of that
     stream. The count is never changed. The literal is accepted only when its N bytes
     end either inside a line, with the rest of that line empty or starting with SP or
     `)`, or exactly at a line end, with the next example line (whose text then continues
     the response) again empty or starting with SP or `)`;
   * if that fails, one normalisation is tried: strip all leading whitespace from the
     content lines. If that fails too, the response is skipped ("literal count does not
     match").
   After a literal, the rest of the response line is processed by these same rules
   (it may be wrapped or end in another literal).
3. Layout wraps of an incomplete line. A line that is *provably incomplete* (an open
   parenthesis, bracket or quoted string) is joined with the *unprefixed lines* that
   directly follow it, one at a time, until it balances. Unprefixed lines are non-blank
   lines without an `S:`/`C:` marker that are indented at least to the marker column; a
   blank line, a less indented line, or a page break (unless the next page starts with a
   line indented further than the marker column) ends them. Lines are joined with a
   single SP, and only where that is unambiguous:
   * not inside a quoted string (the original may have had no space or several);
   * not between `)` and `(` (both `)(` and `) (` occur in the grammar, e.g. address and
     thread lists vs. envelope fields);
   * not right after `(`, `[`, `,`, `:`, `/`, `-`, nor right before `)`, `]`, `[`, `<`,
     `,`, `:` (a break inside a token, or where no SP belongs).
   Anything else is skipped ("layout wrap at an ambiguous point"), as is a line that is
   still open when the unprefixed lines run out ("incomplete").
4. Unprefixed lines after a balanced line:
   * if all of them are obviously editorial commentary, they are ignored: `//...`,
     `...` / `. . .`, `<...>`, `[...]`, or a parenthesised sentence such as
     `(Time passes.)`;
   * after a continuation request (`+ ...`) that answers a `C:` line announcing a
     literal, they are the client's literal data and are ignored;
   * otherwise, when the first of them is indented further than the marker column, it is
     a layout wrap and is joined under the rules of 3 (e.g. a CAPABILITY list or the text
     of an OK continued on the next line);
   * in every other case the response is skipped ("followed by unprefixed lines"): that
     includes any continuation request (a wrapped base64 challenge has no SP at the wrap,
     so no join is safe) and lines at the marker column, which may be prose.

Skipped responses
-----------------
A response is skipped, with its reason in SKIPPED.txt, when:
* the RFC's examples are not IMAP at all (RFC 4616 uses ACAP; see NOT_IMAP_EXAMPLES);
* it does not start like a server response: `* `, `+` or a tag followed by OK, NO or BAD
  (this rejects SMTP and bare SASL examples, and literal content lines of responses that
  were themselves skipped);
* it contains an elision (`...`, `. . .`, `…`) anywhere, including in a literal;
* it contains `<` outside a quoted string or literal, other than a partial-fetch origin
  `<N>` / `<N.M>` (placeholders such as `<message>`, annotations such as `<=== here`);
* it contains two consecutive spaces outside quoted strings and outside the free text of
  a status response or continuation request (RFC typos such as `NIL  NIL`, or aligned
  annotations; not what a server sends);
* it contains a control character outside a literal, or is unbalanced;
* any of the assembly rules above failed.

Normalisation
-------------
* `S: +` with nothing after it is written as `+ ` CRLF: the RFC Editor strips trailing
  spaces, and `continue-req = "+" SP (resp-text / base64) CRLF` (RFC 9051 §9) needs the SP.
  No other byte of a response is changed.

Output (tests/data/rfc-responses/)
----------------------------------
* `rfcNNNN.txt`: the kept responses of that RFC, in document order, each ending in CRLF,
  concatenated exactly as a server would send them. Written only for RFCs with at least one
  kept response.
* `index.tsv`: header row `rfc line offset length`, then one row per kept response: the RFC
  file stem, the 1-based line of its first `S:` line, and its byte offset and length in
  `rfcNNNN.txt`.
* `SKIPPED.txt`: one row per skipped response: RFC, line, reason, first line as printed.
* `SUMMARY.txt`: found / kept / skipped per RFC and in total (found = kept + skipped).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RFC_DIR = REPO_ROOT.parent / "shared" / "rfc"
OUTPUT_DIR = REPO_ROOT / "tests" / "data" / "rfc-responses"

CRLF = b"\r\n"

# An example line: indentation, optional "Example:"/"Examples:", then the S:/C: marker.
EXAMPLE_LINE = re.compile(r"^(?P<indent>[ ]*)(?:Examples?:[ ]+)?(?P<who>[SC]):(?P<rest>.*)$")
PAGE_FOOTER = re.compile(r"\[Page \d+\]$")
PAGE_HEADER = re.compile(r"^RFC \d+ ")
LITERAL_HEADER = re.compile(rb"~?\{(\d+)\}$")
CLIENT_LITERAL_HEADER = re.compile(r"~?\{\d+[+-]?\}$")
# tag = 1*<any ASTRING-CHAR except "+"> (RFC 9051 §9): no CTL, SP, ( ) { % * " \ +
TAG = r'[^\x00-\x20\x7f(){%*"\\+]+'
TAGGED_START = re.compile(rb"^" + TAG.encode() + rb" (?:OK|NO|BAD)(?: |$)", re.IGNORECASE)
STATUS_WORD = re.compile(
    rb"^(?:\* (?:OK|NO|BAD|BYE|PREAUTH)|" + TAG.encode() + rb" (?:OK|NO|BAD))(?= |$)",
    re.IGNORECASE,
)
ELISION = re.compile(r"\.\.\.|\. \. \.|\u2026")
PARTIAL_ORIGIN = re.compile(rb"<\d+(?:\.\d+)?>")
PROSE_IN_PARENS = re.compile(r"^\([A-Za-z][a-z]*,?(?: [A-Za-z][a-z,.']*)+")
# RFCs whose S: examples are another protocol that merely looks like IMAP.
NOT_IMAP_EXAMPLES = {"rfc4616": "the examples are ACAP, not IMAP (RFC 4616 §4)"}


@dataclass
class SourceLine:
    """One line of an RFC after page-break removal, with its original line number."""

    number: int
    text: str
    after_page_break: bool = False

    def example(self) -> re.Match[str] | None:
        """The S:/C: marker match, if this is an example line."""
        return EXAMPLE_LINE.match(self.text)

    def indent(self) -> int:
        """Number of leading spaces."""
        return len(self.text) - len(self.text.lstrip(" "))


@dataclass
class Response:
    """A kept response: where it starts in the RFC and its wire bytes."""

    line: int
    wire: bytes


@dataclass
class Skipped:
    """A skipped response: where it starts, why, and its first line as printed."""

    line: int
    reason: str
    shown: str


@dataclass
class RfcResult:
    """Everything extracted from one RFC file."""

    name: str
    kept: list[Response] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class SkipResponse(Exception):
    """Raised while assembling a response that cannot be rebuilt with certainty."""

    def __init__(self, reason: str, resume_at: int):
        super().__init__(reason)
        self.reason = reason
        self.resume_at = resume_at


def read_rfc_lines(path: Path) -> list[SourceLine]:
    """Read an RFC and drop page footers, form feeds, page headers and page padding."""
    raw = path.read_text(encoding="utf-8-sig").split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    lines: list[SourceLine] = []
    after_page_break = False
    i = 0
    while i < len(raw):
        text = raw[i].rstrip()
        next_is_break = i + 1 < len(raw) and raw[i + 1].startswith("\f")
        is_last_footer = all(not r.strip() for r in raw[i + 1 :])
        if PAGE_FOOTER.search(text) and (next_is_break or is_last_footer):
            while lines and not lines[-1].text.strip():
                lines.pop()
            after_page_break = True
            i += 1
            if i < len(raw) and raw[i].startswith("\f"):
                rest = raw[i][1:].rstrip()
                i += 1
                if not rest and i < len(raw) and PAGE_HEADER.match(raw[i]):
                    i += 1
                while i < len(raw) and not raw[i].strip():
                    i += 1
            continue
        if text.startswith("\f"):
            i += 1
            if PAGE_HEADER.match(text[1:]) or not text[1:].strip():
                continue
            text = text[1:]
        lines.append(SourceLine(i + 1, text, after_page_break))
        after_page_break = False
        i += 1
    return lines


@dataclass
class Balance:
    """Nesting state of a response skeleton (text outside literals)."""

    parens: int = 0
    brackets: int = 0
    in_quote: bool = False
    went_negative: bool = False

    def feed(self, data: bytes) -> "Balance":
        """Advance over `data`; quoted strings honour backslash escapes."""
        escaped = False
        for byte in data:
            ch = chr(byte)
            if self.in_quote:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    self.in_quote = False
                continue
            if ch == '"':
                self.in_quote = True
            elif ch == "(":
                self.parens += 1
            elif ch == ")":
                self.parens -= 1
            elif ch == "[":
                self.brackets += 1
            elif ch == "]":
                self.brackets -= 1
            if self.parens < 0 or self.brackets < 0:
                self.went_negative = True
        return self

    def complete(self) -> bool:
        """True when nothing is open."""
        return self.parens == 0 and self.brackets == 0 and not self.in_quote


def balance_of(skeleton: list[bytes]) -> Balance:
    """Balance over all skeleton pieces (each piece starts outside any quoted string)."""
    state = Balance()
    for piece in skeleton:
        state.feed(piece)
    return state


def wrap_separator(left: bytes, right: bytes, state: Balance) -> str | None:
    """The separator for a layout wrap between `left` and `right`, or None if ambiguous."""
    if state.in_quote or not left or not right:
        return None
    last, first = chr(left[-1]), chr(right[0])
    if last == ")" and first == "(":
        return None
    if last in "([,:/-" or first in ")][<,:":
        return None
    return " "


def is_commentary(lines: list[str]) -> bool:
    """True when every line belongs to an obvious editorial remark (see rule 4)."""
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if text.startswith("//") or ELISION.match(text):
            i += 1
            continue
        closers = {"<": ">", "[": "]"}
        if text[0] in closers or (text[0] == "(" and PROSE_IN_PARENS.match(text)):
            closer = closers.get(text[0], ")")
            while i < len(lines) and not lines[i].rstrip().endswith(closer):
                i += 1
            if i == len(lines):
                return False
            i += 1
            continue
        return False
    return True


class RfcExtractor:
    """Walks the example lines of one RFC and assembles its responses."""

    def __init__(self, name: str, lines: list[SourceLine]):
        self.name = name
        self.lines = lines

    def run(self) -> RfcResult:
        """Extract every response of the RFC, kept or skipped, in document order."""
        result = RfcResult(self.name)
        i = 0
        while i < len(self.lines):
            match = self.lines[i].example()
            if not match or match.group("who") != "S":
                i += 1
                continue
            shown = match.group("rest").strip()
            if self.name in NOT_IMAP_EXAMPLES:
                reason = NOT_IMAP_EXAMPLES[self.name]
                result.skipped.append(Skipped(self.lines[i].number, reason, shown))
                i += 1
                continue
            try:
                wire, i_next = self.assemble(i)
                problem = response_problem(wire, strict_layout=True)
                if problem:
                    raise SkipResponse(problem, i_next)
            except SkipResponse as skip:
                result.skipped.append(Skipped(self.lines[i].number, skip.reason, shown))
                i = max(skip.resume_at, i + 1)
                continue
            result.kept.append(Response(self.lines[i].number, wire))
            i = i_next
        return result

    # -- line helpers -------------------------------------------------------------------

    def unprefixed_follower(self, j: int, marker_col: int) -> str | None:
        """Line j if it is non-blank, not an example line, and indented to marker_col."""
        if j >= len(self.lines):
            return None
        line = self.lines[j]
        if not line.text.strip() or line.example() or line.indent() < marker_col:
            return None
        if line.after_page_break and line.indent() == marker_col:
            return None
        return line.text

    def unprefixed_followers(self, j: int, marker_col: int) -> list[str]:
        """The run of unprefixed lines from j on (see unprefixed_follower)."""
        found = []
        while (follower := self.unprefixed_follower(j + len(found), marker_col)) is not None:
            found.append(follower)
        return found

    def client_literal_precedes(self, i: int) -> bool:
        """True when the example line before line i is a C: line announcing a literal, so
        the unprefixed lines after the `+` at line i are the client's literal data."""
        for k in range(i - 1, -1, -1):
            match = self.lines[k].example()
            if match:
                return match.group("who") == "C" and bool(
                    CLIENT_LITERAL_HEADER.search(match.group("rest").rstrip())
                )
            if not self.lines[k].text.strip():
                return False
        return False

    def skip_leftovers(self, j: int, marker_col: int) -> int:
        """Index after lines that plainly belong to a response being skipped."""
        while j < len(self.lines):
            line = self.lines[j]
            match = line.example()
            if match:
                if match.group("who") != "S" or looks_like_response_start(
                    match.group("rest").strip().encode()
                ):
                    break
            elif not line.text.strip() or line.indent() < marker_col:
                break
            j += 1
        return j

    # -- assembly -----------------------------------------------------------------------

    def assemble(self, i: int) -> tuple[bytes, int]:
        """Build the wire bytes of the response starting at line i; return them and the
        index of the first line after the response."""
        first = self.lines[i].example()
        assert first is not None
        marker_col = first.start("who")
        rest = first.group("rest")
        spacing = len(rest) - len(rest.lstrip(" "))
        current = rest.strip().encode("utf-8")
        if not looks_like_response_start(current):
            raise SkipResponse(
                "does not start like a response (`* `, `+ ` or tag + OK/NO/BAD)",
                self.skip_leftovers(i + 1, marker_col),
            )
        if current == b"+":
            current = b"+ "
        is_continuation = current.startswith(b"+")
        client_literal_follows = is_continuation and self.client_literal_precedes(i)
        out: list[bytes] = []  # wire pieces before `current`
        skeleton: list[bytes] = []  # out without literal contents, for balance checks
        j = i + 1
        while True:
            # Rules 3 and 4: layout wraps and what follows a balanced line.
            while not LITERAL_HEADER.search(current):
                state = balance_of(skeleton + [current])
                if state.went_negative:
                    raise SkipResponse("unbalanced ')' or ']'", self.skip_leftovers(j, marker_col))
                followers = self.unprefixed_followers(j, marker_col)
                if state.complete():
                    if not followers or is_commentary(followers) or client_literal_follows:
                        break
                    if is_continuation or self.lines[j].indent() <= marker_col:
                        raise SkipResponse(
                            "followed by unprefixed lines (possible layout wrap or annotation)",
                            self.skip_leftovers(j + len(followers), marker_col),
                        )
                elif not followers:
                    raise SkipResponse(
                        "incomplete: open parenthesis, bracket or quote at end of example",
                        self.skip_leftovers(j, marker_col),
                    )
                piece = followers[0].strip().encode("utf-8")
                sep = wrap_separator(current, piece, state)
                if sep is None:
                    raise SkipResponse(
                        f"layout wrap at an ambiguous point (line {self.lines[j].number})",
                        self.skip_leftovers(j + len(followers), marker_col),
                    )
                current += sep.encode() + piece
                j += 1
            header = LITERAL_HEADER.search(current)
            if not header:
                break
            # Rule 2: literal content.
            size = int(header.group(1))
            literal, tail, j_after = self.read_literal(j, size, marker_col, spacing)
            out += [current, CRLF, literal]
            skeleton += [current]
            current = tail
            j = j_after
        out += [current, CRLF]
        if not client_literal_follows:
            j += len(self.unprefixed_followers(j, marker_col))  # commentary
        return b"".join(out), j

    def content_line(self, j: int, marker_col: int, spacing: int, strip_all: bool) -> bytes | None:
        """Line j as literal content (None for a C: line, which cannot be server data)."""
        line = self.lines[j]
        match = line.example()
        if match:
            if match.group("who") != "S":
                return None
            text = match.group("rest")
            cut = spacing
        else:
            text = line.text
            cut = marker_col
        if strip_all:
            text = text.lstrip(" ")
        else:
            present = len(text) - len(text.lstrip(" "))
            text = text[min(cut, present) :]
        return text.encode("utf-8")

    def read_literal(
        self, j: int, size: int, marker_col: int, spacing: int
    ) -> tuple[bytes, bytes, int]:
        """Take `size` bytes of literal content starting at line j (rule 2).

        Returns the literal, the rest of the response line after it (the tail) and the
        index of the first line after the tail."""
        for strip_all in (False, True):
            found = self.try_literal(j, size, marker_col, spacing, strip_all)
            if found is not None:
                return found
        natural = self.natural_literal_size(j, marker_col, spacing)
        hint = f"; the example's content is {natural} bytes" if natural is not None else ""
        raise SkipResponse(
            f"literal count does not match: {{{size}}} announced{hint}",
            self.skip_leftovers(j, marker_col),
        )

    def try_literal(
        self, j: int, size: int, marker_col: int, spacing: int, strip_all: bool
    ) -> tuple[bytes, bytes, int] | None:
        """One attempt at rule 2 with one indentation normalisation."""
        stream = b""
        k = j
        while k < len(self.lines):
            piece = self.content_line(k, marker_col, spacing, strip_all)
            if piece is None:
                return None
            k += 1
            start = len(stream)
            stream += piece + CRLF
            if len(stream) < size:
                continue
            if size <= start + len(piece):  # ends inside line k-1 (or at its text end)
                tail = piece[size - start :]
                return (stream[:size], tail, k) if plausible_tail(tail) else None
            if size == len(stream):  # ends exactly after the CRLF of line k-1
                if k >= len(self.lines):
                    return None
                nxt = self.lines[k]
                if not nxt.text.strip() and not nxt.example():
                    return None
                tail = self.content_line(k, marker_col, spacing, strip_all)
                if tail is None or not plausible_tail(tail):
                    return None
                return stream, tail, k + 1
            return None  # ends between CR and LF
        return None

    def natural_literal_size(self, j: int, marker_col: int, spacing: int) -> int | None:
        """Size of the content up to the first line that starts with ')' (for reports)."""
        size = 0
        for k in range(j, len(self.lines)):
            piece = self.content_line(k, marker_col, spacing, False)
            if piece is None:
                return None
            if piece.startswith(b")"):
                return size
            size += len(piece) + 2
        return None


def looks_like_response_start(line: bytes) -> bool:
    """`*` SP, `+`, or a tag followed by OK/NO/BAD."""
    return line.startswith(b"* ") or line == b"+" or line.startswith(b"+ ") or bool(
        TAGGED_START.match(line)
    )


def plausible_tail(tail: bytes) -> bool:
    """What may follow a literal on its line: nothing, SP or ')'."""
    return tail == b"" or tail[:1] in (b" ", b")")


def split_lines_and_literals(response: bytes) -> tuple[list[bytes], list[bytes]] | str:
    """Split one response into its line segments (without CRLF) and literal contents."""
    segments: list[bytes] = []
    literals: list[bytes] = []
    pos = 0
    while True:
        eol = response.find(CRLF, pos)
        if eol < 0:
            return "does not end in CRLF"
        segment = response[pos:eol]
        segments.append(segment)
        pos = eol + 2
        header = LITERAL_HEADER.search(segment)
        if not header:
            break
        size = int(header.group(1))
        if pos + size > len(response):
            return f"literal {{{size}}} runs past the end of the response"
        literals.append(response[pos : pos + size])
        pos += size
    if pos != len(response):
        return "bytes after the final CRLF"
    return segments, literals


def free_text_start(first_segment: bytes) -> int:
    """Offset where free text begins (status responses and continuation requests), or the
    length of the segment when the whole response is structured data."""
    if first_segment.startswith(b"+"):
        return 1
    status = STATUS_WORD.match(first_segment)
    if not status:
        return len(first_segment)
    pos = status.end()
    if first_segment[pos : pos + 2] == b" [":
        close = first_segment.find(b"]", pos)
        if close >= 0:
            return close + 1
    return pos


def response_problem(response: bytes, strict_layout: bool) -> str | None:
    """Why `response` is not one well-formed server response, or None.

    Checks: it starts like a response, ends in CRLF, literal counts frame it exactly,
    nothing outside literals is a control character, and parentheses, brackets and quotes
    balance outside literals. With strict_layout, also the RFC-layout checks (elisions,
    placeholders, double spaces)."""
    split = split_lines_and_literals(response)
    if isinstance(split, str):
        return split
    segments, literals = split
    if not looks_like_response_start(segments[0]):
        return "does not start like a response (`* `, `+ ` or tag + OK/NO/BAD)"
    state = Balance()
    for segment in segments:
        if any(b < 0x20 or b == 0x7F for b in segment):
            return "control character outside a literal"
        if state.in_quote:
            return "quoted string continues across a line break"
        state.feed(segment)
    if state.went_negative or not state.complete():
        return "unbalanced parentheses, brackets or quotes"
    if not strict_layout:
        return None
    text = b" ".join(segments + literals).decode("utf-8", "replace")
    if ELISION.search(text):
        return "contains an elision"
    for segment in segments:
        unquoted = strip_quoted(segment)
        if b"<" in PARTIAL_ORIGIN.sub(b"", unquoted):
            return "contains `<` outside a quoted string (placeholder or annotation)"
    structured = strip_quoted(segments[0][: free_text_start(segments[0])])
    for segment in segments[1:]:
        structured += b"\n" + strip_quoted(segment)
    if b"  " in structured:
        return "two consecutive spaces outside quoted strings and free text"
    return None


def strip_quoted(segment: bytes) -> bytes:
    """The segment with every quoted string replaced by `""`."""
    out = bytearray()
    in_quote = escaped = False
    for byte in segment:
        if in_quote:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_quote = False
                out += b'""'
            continue
        if byte == 0x22:
            in_quote = True
        else:
            out.append(byte)
    return bytes(out)


def frame_stream(data: bytes) -> list[tuple[int, int]] | str:
    """Cut a server byte stream into responses the way a framer does: a line ending in a
    literal header continues after the literal. Returns (offset, length) pairs."""
    frames: list[tuple[int, int]] = []
    pos = 0
    while pos < len(data):
        start = pos
        while True:
            eol = data.find(CRLF, pos)
            if eol < 0:
                return f"offset {start}: response does not end in CRLF"
            header = LITERAL_HEADER.search(data[pos:eol])
            pos = eol + 2
            if not header:
                break
            pos += int(header.group(1))
            if pos > len(data):
                return f"offset {start}: literal runs past the end of the stream"
        frames.append((start, pos - start))
    return frames


def check_response_stream(data: bytes, expected: list[tuple[int, int]] | None) -> list[str]:
    """Problems in a stream of responses: framing, each response's shape, and (when given)
    agreement with the (offset, length) pairs of an index."""
    frames = frame_stream(data)
    if isinstance(frames, str):
        return [frames]
    problems = []
    if expected is not None and frames != expected:
        problems.append("framing disagrees with the index (offsets/lengths or count)")
    for offset, length in frames:
        problem = response_problem(data[offset : offset + length], strict_layout=False)
        if problem:
            problems.append(f"offset {offset}: {problem}")
    return problems


# -- driver -------------------------------------------------------------------------------


def extract_all(rfc_dir: Path) -> list[RfcResult]:
    """Run the extractor over every rfcNNNN.txt in rfc_dir, in file-name order."""
    paths = sorted(rfc_dir.glob("rfc*.txt"))
    if not paths:
        raise SystemExit(f"no rfc*.txt files in {rfc_dir}")
    return [RfcExtractor(path.stem, read_rfc_lines(path)).run() for path in paths]


def render(results: list[RfcResult]) -> dict[str, bytes]:
    """All output files, by name, as bytes."""
    files: dict[str, bytes] = {}
    index = ["rfc\tline\toffset\tlength"]
    skipped = ["# rfc\tline\treason\tfirst line as printed in the RFC"]
    summary = ["# rfc\tfound\tkept\tskipped"]
    totals = [0, 0, 0]
    for result in results:
        offset = 0
        stream = b""
        for response in result.kept:
            index.append(f"{result.name}\t{response.line}\t{offset}\t{len(response.wire)}")
            stream += response.wire
            offset += len(response.wire)
        if stream:
            files[f"{result.name}.txt"] = stream
        for skip in result.skipped:
            skipped.append(f"{result.name}\t{skip.line}\t{skip.reason}\t{skip.shown}")
        counts = [len(result.kept) + len(result.skipped), len(result.kept), len(result.skipped)]
        summary.append(f"{result.name}\t{counts[0]}\t{counts[1]}\t{counts[2]}")
        totals = [a + b for a, b in zip(totals, counts)]
    summary.append(f"total\t{totals[0]}\t{totals[1]}\t{totals[2]}")
    files["index.tsv"] = ("\n".join(index) + "\n").encode()
    files["SKIPPED.txt"] = ("\n".join(skipped) + "\n").encode()
    files["SUMMARY.txt"] = ("\n".join(summary) + "\n").encode()
    return files


def read_index(text: str) -> dict[str, list[tuple[int, int]]]:
    """index.tsv rows grouped by RFC: (offset, length) pairs in file order."""
    by_rfc: dict[str, list[tuple[int, int]]] = {}
    for row in text.splitlines()[1:]:
        rfc, _line, offset, length = row.split("\t")
        by_rfc.setdefault(rfc, []).append((int(offset), int(length)))
    return by_rfc


def check(rfc_dir: Path) -> int:
    """--check: committed files equal a fresh extraction and every response is sound."""
    problems: list[str] = []
    fresh = render(extract_all(rfc_dir))
    on_disk = {p.name for p in OUTPUT_DIR.iterdir() if p.name not in ("README.md",)}
    for name in sorted(set(fresh) | on_disk):
        path = OUTPUT_DIR / name
        if name not in fresh:
            problems.append(f"{name}: not produced by a fresh extraction (stale file)")
        elif not path.exists() or path.read_bytes() != fresh[name]:
            problems.append(f"{name}: differs from a fresh extraction; re-run the script")
    index_path = OUTPUT_DIR / "index.tsv"
    index = read_index(index_path.read_text()) if index_path.exists() else {}
    responses = 0
    for path in sorted(OUTPUT_DIR.glob("rfc*.txt")):
        entries = index.get(path.stem, [])
        responses += len(entries)
        problems += [f"{path.name}: {p}" for p in check_response_stream(path.read_bytes(), entries)]
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"checked {responses} responses in {len(index)} files: {len(problems)} problem(s)")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rfc_dir", nargs="?", type=Path, default=DEFAULT_RFC_DIR)
    parser.add_argument("--check", action="store_true", help="verify instead of writing")
    args = parser.parse_args()
    if not args.rfc_dir.is_dir():
        raise SystemExit(f"RFC directory not found: {args.rfc_dir} (pass it as an argument)")
    if args.check:
        return check(args.rfc_dir)
    files = render(extract_all(args.rfc_dir))
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    for stale in OUTPUT_DIR.glob("rfc*.txt"):
        if stale.name not in files:
            stale.unlink()
    for name, data in sorted(files.items()):
        (OUTPUT_DIR / name).write_bytes(data)
    print((OUTPUT_DIR / "SUMMARY.txt").read_text().splitlines()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
