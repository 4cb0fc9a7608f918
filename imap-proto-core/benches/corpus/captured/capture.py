#!/usr/bin/env python3
"""Seeds an account on a real IMAP server with varied real-world messages and captures the
server's raw bytes for the parse benchmark (stdlib only).

    capture.py SERVER_ENV NAME OUT_DIR        # e.g. capture.py /tmp/dv/server.env dovecot .

SERVER_ENV is the `server.env` a `tests/servers/{dovecot,cyrus}.sh start` wrote. The script
logs in as `bob` (the account must be empty: a fresh server directory), APPENDs the generated
messages (fixed seed, so both servers receive the same bytes), then records exactly what the
server sends back, byte for byte, for three workloads:

- `NAME-metadata.imap.gz`: `UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE
  BODYSTRUCTURE)` of INBOX, from the first untagged response to the tagged completion;
- `NAME-bodies.imap.gz`: `UID FETCH 1:* BODY.PEEK[]` of INBOX, the same way;
- `NAME-mix.imap.gz`: a whole session from the greeting to the LOGOUT completion: CAPABILITY,
  LOGIN, ENABLE, ID, NAMESPACE, LIST variants, STATUS of every mailbox, SELECT with CONDSTORE,
  a CONDSTORE flag sync, SEARCH/UID SEARCH/ESEARCH, SORT and THREAD, STORE, COPY/MOVE with
  EXPUNGE or VANISHED, header and partial FETCHes, IDLE with the updates another connection
  causes, EXAMINE of other mailboxes, LOGOUT.

Each file is gzip (level 9, mtime 0) of the concatenated response bytes. Only server output
is stored; the commands are in this script.
"""

import gzip
import os
import random
import socket
import sys
import time

SEED = 0x5EED_C0_4B05
MESSAGES = 1500

# --------------------------------------------------------------------------------------------
# Message generation. Raw bytes throughout: real mail is not what a MIME library writes.

FIRST = ["Anna", "Bernd", "Chloé", "Dmitri", "Éva", "François", "Grzegorz", "Hiroshi",
         "Ingrid", "José", "Katarzyna", "Lars", "Mårten", "Nuño", "Øystein", "Paweł", "Quentin",
         "Renée", "Søren", "Tomáš", "Ulrike", "Václav", "Wen", "Xóchitl", "Yusuf", "Zoë",
         "John", "Mary", "Priya", "Oluwaseun", "Siobhán", "Björn"]
LAST = ["Müller", "Dupont", "García", "Kowalski", "Nakamura", "O'Brien", "Smith", "Johansson",
        "Dvořák", "Łukasiewicz", "van der Berg", "Núñez", "Şahin", "Øvergaard", "Jones", "Patel"]
NON_LATIN_NAMES = [("Иван Петров", "koi8-r"), ("Дмитрий Соколов", "windows-1251"),
                   ("山田太郎", "iso-2022-jp"), ("李小龙", "gb2312"), ("陳大文", "big5"),
                   ("김민준", "euc-kr"), ("Γιώργος Παπαδόπουλος", "iso-8859-7"),
                   ("דוד כהן", "windows-1255"), ("محمد علي", "utf-8"), ("佐藤花子", "shift_jis"),
                   ("Nguyễn Văn An", "utf-8"), ("Ελένη Νικολάου", "utf-8")]
DOMAINS = ["example.com", "example.org", "mail.example.net", "lists.example.org",
           "corp.example.co.uk", "uni-example.de", "example.fr", "example.jp",
           "subdomain.very-long-company-name-example.com", "xn--mnchen-3ya.example"]
SUBJECTS = ["Quarterly report draft", "Re: meeting tomorrow at 10", "Invitation: design review",
            "Your order has shipped", "[PATCH v3 2/7] fix race in refcount release",
            "Fwd: contract signed", "Weekend plans?", "Build failed: main #4821",
            "Undelivered Mail Returned to Sender", "Reminder: expense reports due Friday",
            "Photos from the trip", "Security alert: new sign-in", "Re: Re: Re: budget",
            "Your monthly statement is ready", "Newsletter — December edition",
            "Out of office", "Accepted: Sprint planning", "Question about the API"]
INTL_SUBJECTS = [("Grüße aus München", "iso-8859-1"), ("Réunion de l'équipe à 14h", "iso-8859-15"),
                 ("Zápis z porady", "iso-8859-2"), ("Отчёт за квартал", "koi8-r"),
                 ("Приглашение на встречу", "windows-1251"), ("会議の議事録", "iso-2022-jp"),
                 ("季度报告", "gb2312"), ("年度預算", "big5"), ("회의 일정", "euc-kr"),
                 ("Συνάντηση αύριο", "iso-8859-7"), ("Pokój 2.13 – zmiana terminu", "utf-8"),
                 ("Café ☕ and crêpes 🥞", "utf-8"), ("“Smart quotes” – en dash", "windows-1252"),
                 ("שלום עולם", "windows-1255"), ("出荷のお知らせ", "shift_jis")]
WORDS = ("the a of to and in for on with that this is be are we it as at from by will can "
         "please review attached document meeting project schedule update report team budget "
         "release deadline customer server client issue fix change proposal draft version "
         "thanks regards let me know if you have any questions about tomorrow next week").split()


def b64(data):
    import base64
    return base64.b64encode(data).decode()


def b64_lines(data, width=76):
    text = b64(data)
    return "\r\n".join(text[i:i + width] for i in range(0, len(text), width)) + "\r\n"


def encoded_word(text, charset, rng):
    """RFC 2047 encoded words, B or Q, split like real mailers split them."""
    raw = text.encode(charset, errors="replace")
    kind = rng.choice("BQ") if charset != "iso-2022-jp" else "B"
    if kind == "B":
        chunks, step = [], rng.choice([30, 45, 60])
        # Split on character boundaries so each word decodes on its own (RFC 2047 section 5).
        current = ""
        for ch in text:
            if len((current + ch).encode(charset, errors="replace")) > step:
                chunks.append(current)
                current = ""
            current += ch
        chunks.append(current)
        return "\r\n ".join(f"=?{charset}?B?{b64(c.encode(charset, errors='replace'))}?="
                            for c in chunks if c)
    out = []
    for byte in raw:
        c = chr(byte)
        if c.isalnum() and byte < 128:
            out.append(c)
        elif c == " ":
            out.append("_")
        else:
            out.append(f"={byte:02X}")
    return f"=?{charset.upper() if rng.random() < 0.3 else charset}?Q?{''.join(out)}?="


def person(rng):
    """(display name header text, address) in one of many real-world shapes."""
    shape = rng.random()
    local = rng.choice(["john.smith", "m", "info", "no-reply", "anna_b", "first.last+tag",
                        "support-team", "x", "jdoe", "notifications", "o'neil"])
    addr = f"{local}@{rng.choice(DOMAINS)}"
    if shape < 0.15:
        return addr, addr
    if shape < 0.30:
        return f"<{addr}>", addr
    if shape < 0.55:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if all(ord(c) < 128 for c in name) and "'" not in name:
            return f"{name} <{addr}>", addr
        return f"{encoded_word(name, rng.choice(['utf-8', 'iso-8859-1', 'iso-8859-2']), rng)} <{addr}>", addr
    if shape < 0.68:
        name, charset = rng.choice(NON_LATIN_NAMES)
        return f"{encoded_word(name, charset, rng)} <{addr}>", addr
    if shape < 0.78:
        last, first = rng.choice(LAST), rng.choice(FIRST)
        name = f'{last}, {first} \\"{first[:2].upper()}\\"' if rng.random() < 0.5 else f"{last}, {first}"
        return f'"{name}" <{addr}>', addr
    if shape < 0.86:
        # Raw 8-bit in a header: UTF-8 or Latin-1, as broken mailers still send.
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        return f"{name} <{addr}>", addr  # encoded by the caller per message
    if shape < 0.93:
        return f"{addr} ({rng.choice(FIRST)} {rng.choice(LAST)})", addr
    return f'"{rng.choice(FIRST)} via List" <{addr}>', addr


def address_list(rng, n):
    return ",\r\n ".join(person(rng)[0] for _ in range(n))


def subject(rng):
    r = rng.random()
    if r < 0.45:
        s = rng.choice(SUBJECTS)
        if rng.random() < 0.2:
            s += " " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25)))
        return s
    if r < 0.85:
        text, charset = rng.choice(INTL_SUBJECTS)
        if rng.random() < 0.3:
            return f"Re: {encoded_word(text, charset, rng)}"
        return encoded_word(text, charset, rng)
    if r < 0.92:
        # Mixed: ASCII with an encoded word in the middle, and adjacent words.
        text, charset = rng.choice(INTL_SUBJECTS)
        return f"[{rng.choice(['dev', 'users', 'JIRA'])}] {rng.choice(SUBJECTS)} {encoded_word(text, charset, rng)} {encoded_word(text, 'utf-8', rng)}"
    if r < 0.96:
        return "RAW8BIT " + rng.choice([t for t, _ in INTL_SUBJECTS])
    # Broken encoded words: unknown charset, bad base64, missing terminator.
    return rng.choice(["=?x-unknown?B?SGVsbG8=?=", "=?utf-8?B?SGVsbG8gV29ybGQ?=",
                       "=?utf-8?Q?half=E2=82?= done", "=?iso-8859-1?q?caf=E9?= =?utf-8?b?w6k=?",
                       "=?UTF-8?B?", "Subject with = and ? and ?= marks"])


def folded(name, value, width=78):
    """A header, folded at spaces at or before `width` columns."""
    line = f"{name}: {value}"
    if "\r\n" in value:
        return line + "\r\n"
    out, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = " " + word
        else:
            current = f"{current} {word}" if current else word
    out.append(current)
    return "\r\n".join(out) + "\r\n"


def date_header(rng, index):
    stamp = 1_600_000_000 + index * 3_700 + rng.randint(0, 3_000)
    zone = rng.choice(["+0000", "+0100", "-0500", "+0530", "+0900", "-0800", "+1300"])
    text = time.strftime("%a, %d %b %Y %H:%M:%S", time.gmtime(stamp))
    if rng.random() < 0.1:
        text = text[5:]  # no day of week
    suffix = rng.choice(["", "", "", " (UTC)", " (CET)"])
    return f"{text} {zone}{suffix}"


def msgid(rng):
    return f"<{rng.getrandbits(64):x}.{rng.randint(1, 99999)}@{rng.choice(DOMAINS)}>"


def prose(rng, size):
    """`size` bytes of text lines: a slice of one 12 KB text at a random place, so the
    captures compress well (gzip's window holds the whole text)."""
    start = rng.randrange(len(PROSE))
    text = (PROSE * (size // len(PROSE) + 2))[start:start + size]
    return text[text.find("\r\n") + 2:] if "\r\n" in text[:80] else text + "\r\n"


def _make_prose(rng, size):
    words, total = [], 0
    while total < size:
        w = rng.choice(WORDS)
        words.append(w)
        total += len(w) + 1
    lines, current = [], ""
    for w in words:
        if len(current) + len(w) + 1 > 72:
            lines.append(current)
            current = w
        else:
            current = f"{current} {w}" if current else w
    lines.append(current)
    return "\r\n".join(lines) + "\r\n"


PROSE = _make_prose(random.Random(7), 12_000)


def intl_prose(rng, size):
    text, _ = rng.choice(INTL_SUBJECTS)
    body = (text + " ") * (size // max(1, len(text.encode())) + 1)
    return "\r\n".join(body[i:i + 60] for i in range(0, len(body), 60)) + "\r\n"


def qp(text):
    """Quoted-printable (RFC 2045 section 6.7), soft line breaks at 76 columns."""
    out = []
    for line in text.encode("utf-8").split(b"\r\n"):
        current = ""
        for byte in line:
            piece = chr(byte) if 33 <= byte <= 126 and byte != 61 or byte == 32 else f"={byte:02X}"
            if len(current) + len(piece) > 75:
                out.append(current + "=")
                current = ""
            current += piece
        out.append(current)
    return "\r\n".join(out)


def attachment_payload(rng, size):
    """Attachment bytes: a repeated random block, from a pool of three, so the captures compress (the parser never
    looks inside a literal, so the entropy does not matter to what is measured); 570 bytes are
    exactly ten base64 lines, so the repetition survives the line breaks."""
    block = rng.choice(BLOCKS)
    return (block * (size // 570 + 1))[:size]


_blocks = random.Random(11)
BLOCKS = [bytes(_blocks.getrandbits(8) for _ in range(570)) for _ in range(3)]


def boundary(rng):
    return rng.choice(["----=_Part_", "=_", "Apple-Mail=_", "_000_", "b1_", "--==_mimepart_"]) + f"{rng.getrandbits(48):x}"


FILENAMES = ["report.pdf", "Präsentation Q3.pptx", "фото_2023.jpg", "請求書.xlsx",
             "very long file name with spaces and a version number v2.3.1 final FINAL.docx",
             "invoice #42 (copy).pdf", "données.csv", "logo.png", "archive.tar.gz", "notes.txt"]
TYPES = {"pdf": ("application", "pdf"), "pptx": ("application", "vnd.openxmlformats-officedocument.presentationml.presentation"),
         "jpg": ("image", "jpeg"), "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
         "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
         "csv": ("text", "csv"), "png": ("image", "png"), "gz": ("application", "gzip"), "txt": ("text", "plain")}


def rfc2231(name, value, rng):
    """A parameter as mailers write it: plain, quoted, RFC 2231 extended, or continued."""
    if all(ord(c) < 128 for c in value) and rng.random() < 0.6:
        return f'{name}="{value}"'
    encoded = "".join(c if c.isalnum() or c in "._-" else "".join(f"%{b:02X}" for b in c.encode()) for c in value)
    r = rng.random()
    if r < 0.4:
        return f"{name}*=utf-8''{encoded}"
    if r < 0.7:
        parts = [encoded[i:i + 40] for i in range(0, len(encoded), 40)]
        return ";\r\n\t".join(f"{name}*{i}*={'utf-8' + chr(39) + 'en' + chr(39) if i == 0 else ''}{p}" for i, p in enumerate(parts))
    # Non-standard but common: an encoded word in a quoted parameter (Outlook, Gmail).
    return f'{name}="{encoded_word(value, "utf-8", rng)}"'.replace("\r\n ", " ")


def attachment_part(rng, size):
    filename = rng.choice(FILENAMES)
    top, sub = TYPES[filename.rsplit(".", 1)[1]]
    data = attachment_payload(rng, size)
    disposition = rng.choice(["attachment", "attachment", "inline"])
    headers = [f"Content-Type: {top}/{sub}; {rfc2231('name', filename, rng)}\r\n",
               f"Content-Disposition: {disposition};\r\n {rfc2231('filename', filename, rng)}"
               + (f';\r\n size={size}; creation-date="Mon, 1 Jan 2024 10:00:00 +0000"' if rng.random() < 0.3 else "") + "\r\n",
               "Content-Transfer-Encoding: base64\r\n"]
    if rng.random() < 0.3:
        headers.append(f"Content-ID: <{rng.getrandbits(40):x}@example.com>\r\n")
    if rng.random() < 0.2:
        headers.append("Content-Description: " + encoded_word("Anhang für Sie", "iso-8859-1", rng) + "\r\n")
    if rng.random() < 0.1:
        headers.append("Content-Language: de-CH, en\r\n")
    return "".join(headers) + "\r\n" + b64_lines(data)


def text_part(rng, size, subtype="plain"):
    charset = rng.choice(["us-ascii", "utf-8", "utf-8", "iso-8859-1", "windows-1252", "UTF-8"])
    cte = rng.choice(["7bit", "quoted-printable", "8bit", "base64", None])
    body = prose(rng, size) if subtype == "plain" else (
        "<html><head><meta charset=\"utf-8\"></head><body><p>" + prose(rng, size).replace("\r\n", "<br>\r\n") + "</p></body></html>\r\n")
    if cte == "quoted-printable":
        body = qp(body + intl_prose(rng, 120))
    elif cte == "base64":
        body = b64_lines(body.encode())
    elif cte == "8bit":
        body = body + intl_prose(rng, 200)
    params = f"; charset={charset}" if rng.random() < 0.5 else f'; charset="{charset}"'
    if subtype == "plain" and rng.random() < 0.2:
        params += "; format=flowed; delsp=yes"
    header = f"Content-Type: text/{subtype}{params}\r\n"
    if cte:
        header += f"Content-Transfer-Encoding: {cte}\r\n"
    return header + "\r\n" + body


def multipart(rng, subtype, parts, extra=""):
    b = boundary(rng)
    out = f'Content-Type: multipart/{subtype};{extra}\r\n boundary="{b}"\r\n\r\n'
    if rng.random() < 0.3:
        out += "This is a multi-part message in MIME format.\r\n"
    for p in parts:
        out += f"\r\n--{b}\r\n" + p
    return out + f"\r\n--{b}--\r\n"


def alternative(rng, size):
    return multipart(rng, "alternative", [text_part(rng, size), text_part(rng, size, "html")])


def related(rng, size):
    images = []
    for i in range(rng.randint(1, 3)):
        images.append(f"Content-Type: image/png; name=\"image{i:03}.png\"\r\nContent-Transfer-Encoding: base64\r\n"
                      f"Content-ID: <image{i:03}.png@01D9{rng.getrandbits(32):08X}>\r\n"
                      f"Content-Disposition: inline; filename=\"image{i:03}.png\"\r\n\r\n"
                      + b64_lines(attachment_payload(rng, rng.randint(800, 6000))))
    return multipart(rng, "related", [alternative(rng, size)] + images, ' type="multipart/alternative";')


def calendar(rng):
    uid = f"{rng.getrandbits(64):x}@example.com"
    ics = ("BEGIN:VCALENDAR\r\nPRODID:-//Example Corp//Calendar 1.0//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
           "BEGIN:VEVENT\r\nDTSTART:20240115T100000Z\r\nDTEND:20240115T110000Z\r\n"
           f"UID:{uid}\r\nORGANIZER;CN=Anna Müller:mailto:anna@example.com\r\n"
           "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Bob:mailto:bob@example.org\r\n"
           "SUMMARY:Design review – Q1\r\nLOCATION:Room 4.12\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    cal = f"Content-Type: text/calendar; charset=utf-8; method=REQUEST;\r\n name=\"invite.ics\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{ics}"
    att = ("Content-Type: application/ics; name=\"invite.ics\"\r\nContent-Disposition: attachment; filename=\"invite.ics\"\r\n"
           f"Content-Transfer-Encoding: base64\r\n\r\n{b64_lines(ics.encode())}")
    return multipart(rng, "mixed", [multipart(rng, "alternative", [text_part(rng, 300), text_part(rng, 400, "html"), cal]), att])


def smime_signed(rng, inner):
    sig = ("Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment; filename=\"smime.p7s\"\r\nContent-Description: S/MIME Cryptographic Signature\r\n\r\n"
           + b64_lines(attachment_payload(rng, rng.randint(2000, 5000))))
    return multipart(rng, "signed", [inner, sig], ' protocol="application/pkcs7-signature"; micalg=sha-256;')


def smime_encrypted(rng):
    return ("Content-Type: application/pkcs7-mime; smime-type=enveloped-data;\r\n name=\"smime.p7m\"\r\n"
            "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7m\"\r\n\r\n"
            + b64_lines(attachment_payload(rng, rng.randint(3000, 20000))))


def pgp_signed(rng, inner):
    sig = ("Content-Type: application/pgp-signature; name=\"signature.asc\"\r\nContent-Description: OpenPGP digital signature\r\n"
           "Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n-----BEGIN PGP SIGNATURE-----\r\n\r\n"
           + b64_lines(attachment_payload(rng, 566)) + "-----END PGP SIGNATURE-----\r\n")
    return multipart(rng, "signed", [inner, sig], ' micalg=pgp-sha256; protocol="application/pgp-signature";')


def bounce(rng, index):
    original = headers(rng, index, depth=1) + body(rng, index, depth=1)
    report = multipart(rng, "report", [
        text_part(rng, 400),
        "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\nX-Postfix-Queue-ID: 4F1B2C3D4E\r\nArrival-Date: Mon, 15 Jan 2024 10:00:00 +0100 (CET)\r\n\r\n"
        "Final-Recipient: rfc822; nobody@example.org\r\nOriginal-Recipient: rfc822;nobody@example.org\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nRemote-MTA: dns; mx.example.org\r\nDiagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected\r\n",
        "Content-Description: Undelivered Message\r\nContent-Type: message/rfc822\r\n\r\n" + original,
    ], ' report-type=delivery-status;')
    return report


def forwarded(rng, index, depth):
    inner = headers(rng, index + 7, depth=depth + 1) + body(rng, index + 7, depth=depth + 1)
    disp = rng.choice(["", "Content-Disposition: inline\r\n", f"Content-Disposition: attachment; filename=\"{rng.choice(SUBJECTS)}.eml\"\r\n"])
    return multipart(rng, "mixed", [text_part(rng, 300), f"Content-Type: message/rfc822\r\n{disp}\r\n{inner}"])


def body(rng, index, depth=0):
    """A MIME body (its Content-* headers, a blank line, the content) of a varied shape."""
    r = rng.random()
    size = int(rng.lognormvariate(6.8, 0.9))
    if depth >= 2:
        r = r * 0.5  # nested messages stay simple
    if r < 0.22:
        return text_part(rng, size)
    if r < 0.40:
        return alternative(rng, size)
    if r < 0.50:
        return related(rng, size)
    if r < 0.64:
        parts = [rng.choice([text_part(rng, size), alternative(rng, size)])]
        big = rng.random() < 0.04
        for _ in range(rng.randint(1, 4)):
            parts.append(attachment_part(rng, rng.randint(60_000, 250_000) if big else rng.randint(200, 12_000)))
            big = False
        return multipart(rng, "mixed", parts)
    if r < 0.70:
        return calendar(rng)
    if r < 0.75:
        return smime_signed(rng, rng.choice([text_part(rng, size), alternative(rng, size)]))
    if r < 0.77:
        return smime_encrypted(rng)
    if r < 0.80:
        return pgp_signed(rng, text_part(rng, size))
    if r < 0.85 and depth < 3:
        return forwarded(rng, index, depth)
    if r < 0.89 and depth == 0:
        return bounce(rng, index)
    if r < 0.94:
        # Deep tree: mixed > (alternative > related) + mixed > attachments.
        return multipart(rng, "mixed", [related(rng, size), multipart(rng, "mixed", [attachment_part(rng, 900), attachment_part(rng, 1500)]),
                                        multipart(rng, "digest", ["\r\n" + headers(rng, index + 3, depth=3) + text_part(rng, 200)])])
    # No MIME headers at all: RFC 822 text.
    return "\r\n" + prose(rng, size)


def headers(rng, index, depth=0):
    raw8 = rng.random() < 0.08
    h = []
    if depth == 0 and rng.random() < 0.9:
        h.append(folded("Received", f"from mx{rng.randint(1, 9)}.example.net (mx.example.net [192.0.2.{rng.randint(1, 254)}]) by mail.example.com (Postfix) with ESMTPS id {rng.getrandbits(40):X} for <bob@example.com>; {date_header(rng, index)}"))
        if rng.random() < 0.5:
            h.append(folded("DKIM-Signature", "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel1; h=from:to:subject:date:message-id; bh=" + b64(attachment_payload(rng, 32)) + "; b=" + b64(attachment_payload(rng, 256))))
    frm = person(rng)[0]
    if raw8:
        frm = f"{rng.choice(FIRST)} {rng.choice(LAST)} <raw8@{rng.choice(DOMAINS)}>"
    h.append(folded("From", frm))
    mailing_list = rng.random() < 0.18
    if mailing_list:
        h.append(folded("Sender", f"dev-bounces+bob=example.com@lists.example.org"))
        h.append("List-Id: Developers <dev.lists.example.org>\r\n")
        h.append(folded("List-Unsubscribe", "<https://lists.example.org/mailman/options/dev>, <mailto:dev-request@lists.example.org?subject=unsubscribe>"))
        h.append("List-Post: <mailto:dev@lists.example.org>\r\nPrecedence: list\r\n")
        h.append("Reply-To: dev@lists.example.org\r\n")
    elif rng.random() < 0.1:
        h.append(f"Reply-To: {person(rng)[0]}\r\n")
    r = rng.random()
    if r < 0.05:
        h.append("To: undisclosed-recipients:;\r\n")
    elif r < 0.1:
        h.append(f"To: Team: {address_list(rng, 3)};, {person(rng)[0]}\r\n")
    elif r < 0.25:
        h.append(f"To: {address_list(rng, rng.randint(5, 30))}\r\n")
    elif r < 0.97:
        h.append(f"To: {address_list(rng, rng.randint(1, 3))}\r\n")
    if rng.random() < 0.3:
        h.append(f"Cc: {address_list(rng, rng.randint(1, 8))}\r\n")
    if rng.random() < 0.03:
        h.append(f"Bcc: {person(rng)[0]}\r\n")
    subj = subject(rng)
    if subj.startswith("RAW8BIT "):
        raw8 = True
        subj = subj[8:]
    if rng.random() < 0.97:
        h.append(folded("Subject", subj))
    if rng.random() < 0.97:
        h.append(f"Date: {date_header(rng, index)}\r\n")
    if rng.random() < 0.95:
        h.append(f"Message-ID: {msgid(rng)}\r\n")
    if rng.random() < 0.4:
        refs = " ".join(msgid(rng) for _ in range(rng.randint(1, 25)))
        h.append(f"In-Reply-To: {refs.split(' ')[-1]}\r\n")
        h.append(folded("References", refs))
    if depth == 0 and rng.random() < 0.5:
        h.append(rng.choice(["X-Mailer: Microsoft Outlook 16.0\r\n", "User-Agent: Mozilla/5.0 Thunderbird/115.6.0\r\n",
                             "X-Mailer: Apple Mail (2.3731.700.6)\r\n", "X-Spam-Status: No, score=-2.9 required=5.0\r\n"]))
    h.append("MIME-Version: 1.0\r\n")
    return "".join(h)


def message(rng, index):
    """One RFC 5322 message as bytes. The headers' non-ASCII text (raw 8-bit, as broken mailers
    still send it) is UTF-8 in most messages and Latin-1 in some; bodies are UTF-8."""
    head = headers(rng, index)
    charset = "latin-1" if rng.random() < 0.3 else "utf-8"
    return head.encode(charset, errors="replace") + body(rng, index).encode("utf-8")


# --------------------------------------------------------------------------------------------
# IMAP plumbing: a raw socket that records every byte the server sends.

class Session:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.buf = b""
        self.recorded = bytearray()
        self.recording = False
        self.tag = 0
        self.read_line()  # greeting

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("server closed the connection")
        if self.recording:
            self.recorded += data
        self.buf += data

    def read_line(self):
        """One response line with its literals, as bytes."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            line, self.buf = self.buf.split(b"\r\n", 1)
            out += line + b"\r\n"
            if line.endswith(b"}") and b"{" in line:
                n = int(line[line.rindex(b"{") + 1:-1].rstrip(b"+"))
                while len(self.buf) < n:
                    self._fill()
                out += self.buf[:n]
                self.buf = self.buf[n:]
                continue
            return out

    def command(self, text, literal=None):
        self.tag += 1
        tag = f"c{self.tag}".encode()
        if literal is not None:
            self.sock.sendall(tag + b" " + text.encode() + f" {{{len(literal)}+}}\r\n".encode() + literal + b"\r\n")
        else:
            self.sock.sendall(tag + b" " + text.encode("utf-8") + b"\r\n")
        lines = []
        while True:
            line = self.read_line()
            lines.append(line)
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    print(f"  {text[:60]!r}: {line[:200]!r}", file=sys.stderr)
                return lines

    def start_recording(self):
        assert not self.buf, "unread bytes before recording"
        self.recorded = bytearray()
        self.recording = True

    def stop_recording(self):
        self.recording = False
        assert not self.buf, "unread bytes after recording"
        return bytes(self.recorded)


def read_env(path):
    env = {}
    for line in open(path):
        if "=" in line and not line.startswith("#"):
            key, value = line.strip().split("=", 1)
            env[key.removeprefix("export ")] = value.strip("'\"")
    return env


def save(out_dir, name, data):
    path = os.path.join(out_dir, f"{name}.imap.gz")
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as out:
            out.write(data)
    print(f"{path}: {len(data):,} bytes, {os.path.getsize(path):,} compressed", file=sys.stderr)


FOLDERS = ["Archive/2023", "Archive/2024", "Lists/dev", "Lists/announce", "Entwürfe", "Projekte/Straße 5",
           "Кириллица", "日本語", "Receipts", "Travel & Events", "a/b/c/d/deep"]


def utf7(name):
    """Modified UTF-7 (RFC 3501 section 5.1.3)."""
    import base64
    out, pending = "", ""
    def flush():
        nonlocal out, pending
        if pending:
            out += "&" + base64.b64encode(pending.encode("utf-16-be")).decode().rstrip("=").replace("/", ",") + "-"
            pending = ""
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out += "&-" if ch == "&" else ch
        else:
            pending += ch
    flush()
    return out


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def seed(env):
    rng = random.Random(SEED)
    s = Session(env["IMAP_HOST"], int(env["IMAP_PORT"]))
    s.command("LOGIN bob bob-pass")
    for folder in FOLDERS:
        s.command(f"CREATE {quoted(utf7(folder))}")
    flags_pool = ["\\Seen", "\\Answered", "\\Flagged", "\\Draft", "$Forwarded", "$MDNSent", "$Junk",
                  "$NotJunk", "$Label1", "Work", "Personal", "$Important", "NonJunk", "$has_cal"]
    for index in range(MESSAGES):
        msg = message(rng, index)
        flags = [f for f in flags_pool if rng.random() < (0.7 if f == "\\Seen" else 0.08)]
        stamp = time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(1_600_000_000 + index * 3_700))
        folder = "INBOX" if rng.random() < 0.8 or index < 1200 else quoted(utf7(rng.choice(FOLDERS)))
        s.command(f'APPEND {folder} ({" ".join(flags)}) "{stamp}"', literal=msg)
    s.command("LOGOUT")


def capture(env, name, out_dir):
    host, port = env["IMAP_HOST"], int(env["IMAP_PORT"])
    s = Session(host, port)
    s.command("LOGIN bob bob-pass")
    s.command("SELECT INBOX")
    s.start_recording()
    s.command("UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)")
    save(out_dir, f"{name}-metadata", s.stop_recording())
    s.start_recording()
    s.command("UID FETCH 1:* BODY.PEEK[]")
    save(out_dir, f"{name}-bodies", s.stop_recording())
    s.command("LOGOUT")

    # The session mix: a whole session recorded, greeting included.
    sock = socket.create_connection((host, port))
    m = Session.__new__(Session)
    m.sock, m.buf, m.recorded, m.recording, m.tag = sock, b"", bytearray(), True, 0
    m.read_line()
    other = Session(host, port)
    other.command("LOGIN bob bob-pass")
    other.command("SELECT INBOX")
    m.command("CAPABILITY")
    m.command("LOGIN bob bob-pass")
    m.command('ID ("name" "capture.py" "version" "1")')
    m.command("ENABLE CONDSTORE")
    m.command("NAMESPACE")
    m.command('LIST "" "*"')
    m.command('LIST "" "%"')
    m.command('LSUB "" "*"')
    m.command('LIST (SPECIAL-USE) "" "*"')
    m.command('LIST "" "*" RETURN (SPECIAL-USE SUBSCRIBED CHILDREN)')
    m.command('LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))')
    for folder in ["INBOX"] + FOLDERS:
        m.command(f"STATUS {quoted(utf7(folder))} (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)")
    m.command("GETQUOTAROOT INBOX")
    m.command("MYRIGHTS INBOX")
    m.command("SELECT INBOX (CONDSTORE)")
    m.command("FETCH 1:* (UID FLAGS MODSEQ)")
    m.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)")
    m.command("UID SEARCH ALL")
    m.command("SEARCH UNSEEN")
    m.command("SEARCH FLAGGED")
    m.command("UID SEARCH RETURN (MIN MAX COUNT ALL) UNDELETED")
    m.command("UID SEARCH RETURN (ALL) SEEN")
    m.command("SEARCH SINCE 1-Jan-2021 NOT DELETED")
    m.command('SEARCH CHARSET UTF-8 SUBJECT "report"')
    m.command("UID SORT (REVERSE DATE) UTF-8 ALL")
    m.command("UID THREAD REFERENCES UTF-8 ALL")
    m.command("FETCH 1:200 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID REFERENCES CONTENT-TYPE)])")
    m.command("UID FETCH 1:100 (BODY.PEEK[1]<0.256> BODY.PEEK[TEXT]<0.512>)")
    m.command("FETCH 1:300 (INTERNALDATE RFC822.SIZE ENVELOPE)")
    for start in range(1, 1001, 50):
        m.command(f"STORE {start}:{start + 20} +FLAGS (\\Seen $Label1)")
        m.command(f"UID STORE {start}:{start + 5} -FLAGS.SILENT (\\Seen)")
        m.command(f"STORE {start + 30} FLAGS (\\Answered \\Flagged Work Personal $Forwarded $MDNSent $NotJunk NonJunk $has_cal)")
        m.command("NOOP")
    m.command(f"UID COPY 1:40 {quoted(utf7('Archive/2024'))}")
    m.command(f"UID MOVE 41:60 {quoted(utf7('Archive/2023'))}")
    m.command("STORE 1:10 +FLAGS.SILENT (\\Deleted)")
    m.command("EXPUNGE")
    m.command("CHECK")
    # IDLE: another connection appends and changes flags.
    m.tag += 1
    idle_tag = f"c{m.tag}".encode()
    m.sock.sendall(idle_tag + b" IDLE\r\n")
    m.read_line()  # + idling
    rng = random.Random(SEED + 1)
    for index in range(30):
        other.command("APPEND INBOX (\\Seen)", literal=message(rng, 10_000 + index))
        other.command(f"STORE {index * 7 + 1} +FLAGS (\\Flagged)")
        if index % 10 == 9:
            other.command(f"STORE {index + 100} +FLAGS.SILENT (\\Deleted)")
            other.command("EXPUNGE")
    time.sleep(3.0)
    m.sock.sendall(b"DONE\r\n")
    while True:
        line = m.read_line()
        if line.startswith(idle_tag + b" "):
            break
    for folder in FOLDERS[:6]:
        m.command(f"EXAMINE {quoted(utf7(folder))}")
        m.command("FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)")
    m.command("UNSELECT")
    m.command("LOGOUT")
    # LOGOUT's BYE and OK were read by command(); anything after is connection close.
    save(out_dir, f"{name}-mix", bytes(m.recorded))
    other.command("LOGOUT")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    env_path, name, out_dir = sys.argv[1:]
    env = read_env(env_path)
    seed(env)
    capture(env, name, out_dir)


if __name__ == "__main__":
    main()
