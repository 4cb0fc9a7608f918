#!/usr/bin/env python3
"""Seeds the fuzz corpora from the committed test data: every RFC example response and every
real-server transcript response becomes one corpus file (see tests/data/README.md)."""
import csv, hashlib, os, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
data = os.path.join(root, "tests", "data")
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def responses():
    for sub, key in (("rfc-responses", "rfc"), ("transcripts", "transcript")):
        with open(os.path.join(data, sub, "index.tsv")) as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        blobs = {}
        for row in rows:
            name = row[key]
            path = os.path.join(data, sub, name + (".txt" if sub == "rfc-responses" else ".server.bin"))
            blob = blobs.setdefault(path, open(path, "rb").read())
            off, n = int(row["offset"]), int(row["length"])
            yield blob[off:off + n]

def main():
    targets = sys.argv[1:] or ["parse_response", "framer_chunks", "connection"]
    count = 0
    for target in targets:
        d = os.path.join(out, target)
        os.makedirs(d, exist_ok=True)
        for r in responses():
            name = hashlib.sha1(r).hexdigest()
            with open(os.path.join(d, name), "wb") as f:
                f.write(r)
            count += 1
    print(f"seeded {count} files into {out}")

main()
