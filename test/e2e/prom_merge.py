#!/usr/bin/env python3
"""Merges Prometheus text files as node_exporter's textfile collector does:
samples of one metric family from several files go under one HELP/TYPE
pair. Prints the merged text on stdout; exits 1, naming them, when a
series (name and labels) appears twice or a family's HELP or TYPE differ
between files: what node_exporter reports as "collected before" or
"inconsistent". Usage: prom_merge.py FILE..."""
import re
import sys

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$')


def main(paths):
    families = {}  # name -> {"help": str, "type": str, "samples": [line]}
    order = []
    seen = {}
    problems = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line:
                    continue
                if line.startswith("# HELP ") or line.startswith("# TYPE "):
                    kind, rest = line[2:6].lower(), line[7:]
                    name, _, text = rest.partition(" ")
                    fam = families.setdefault(name, {"help": None, "type": None, "samples": []})
                    if name not in order:
                        order.append(name)
                    if fam[kind] is not None and fam[kind] != text:
                        problems.append(f"{path}:{number}: {kind.upper()} of {name} differs from an earlier file")
                    fam[kind] = text
                    continue
                if line.startswith("#"):
                    continue
                m = SAMPLE.match(line)
                if not m:
                    problems.append(f"{path}:{number}: not a sample line: {line}")
                    continue
                series = m.group(1) + (m.group(2) or "")
                if series in seen:
                    problems.append(f"{path}:{number}: {series} collected before ({seen[series]})")
                seen[series] = f"{path}:{number}"
                name = m.group(1)
                fam = families.setdefault(name, {"help": None, "type": None, "samples": []})
                if name not in order:
                    order.append(name)
                fam["samples"].append(line)
    for name in order:
        fam = families[name]
        if fam["help"] is not None:
            print(f"# HELP {name} {fam['help']}")
        if fam["type"] is not None:
            print(f"# TYPE {name} {fam['type']}")
        for s in fam["samples"]:
            print(s)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
