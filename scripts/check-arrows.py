#!/usr/bin/python3
"""Fails on an include that goes against the arrows of docs/architecture.md.

The "Dependency direction" block of docs/architecture.md says which modules
each module under src/ may use ("xlat -> addr, common"). Every
`#include "<module>/..."` in src/<m>/ must name <m> itself or a module <m>
has an arrow to; each one that does not is reported as FILE:LINE. The build
refuses most of them already (each module compiles against an include view
of its arrows, src/modules.cmake), but a header reached through a
dependency's own view compiles all the same: this check is the rule.

  check-arrows.py [ROOT]      check the tree at ROOT (default: the repository)
  check-arrows.py --self-test check the checker on a synthetic tree with one
                              right and two wrong-way includes, so that it
                              cannot pass by finding nothing
Exit 0: no wrong-way include; 1: some (or a broken document).
"""

import os
import re
import sys
import tempfile

ARROW_LINE = re.compile(r"^([a-z]+)\s+->\s*([^(]*)")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/')
SOURCE_SUFFIXES = (".cpp", ".hpp", ".h", ".c", ".cc")


def read_arrows(doc_path):
    """{module: set of modules it may include}, from the fenced block under
    the "## Dependency direction" heading."""
    arrows = {}
    state = "before"
    with open(doc_path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if state == "before":
                if line.startswith("## Dependency direction"):
                    state = "heading"
            elif state == "heading":
                if line.startswith("```"):
                    state = "block"
            elif state == "block":
                if line.startswith("```"):
                    state = "done"
                    break
                m = ARROW_LINE.match(line)
                if m:
                    targets = {t.strip() for t in m.group(2).split(",") if t.strip()}
                    arrows[m.group(1)] = targets
    if state != "done" or not arrows:
        raise ValueError(f"{doc_path}: no \"Dependency direction\" block with arrows")
    return arrows


def check(root):
    """List of "FILE:LINE: message" for every wrong-way include under root/src."""
    arrows = read_arrows(os.path.join(root, "docs", "architecture.md"))
    src = os.path.join(root, "src")
    modules = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    problems = []
    for module in modules:
        if module not in arrows:
            problems.append(f"docs/architecture.md: module {module} (src/{module}) has no line in "
                            "\"Dependency direction\"")
            continue
        allowed = arrows[module] | {module}
        for dirpath, _, files in os.walk(os.path.join(src, module)):
            for name in sorted(files):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        if target in modules and target not in allowed:
                            problems.append(f"{rel}:{number}: {module} includes {target} "
                                            f"({line.strip()}), but docs/architecture.md has no "
                                            f"arrow {module} -> {target}")
    return problems


def self_test():
    """The checker on a small tree: one wrong-way include in a .cpp, one in a
    header, one allowed, one from the module itself, one of a non-module."""
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "docs"))
        with open(os.path.join(root, "docs", "architecture.md"), "w", encoding="utf-8") as f:
            f.write("# x\n\n## Dependency direction\n\n```\n"
                    "top  -> low, common   (comment, with words)\n"
                    "low  -> common\n"
                    "common -> std\n```\n")
        files = {
            "src/common/c.hpp": '#pragma once\n#include "nat64d/ip.hpp"\n',
            "src/low/low.hpp": '#pragma once\n#include "common/c.hpp"\n#include "low/other.hpp"\n',
            "src/low/low.cpp": '#include "low/low.hpp"\n\n#include "top/top.hpp"\n',
            "src/low/deep/x.hpp": '// text\n  #  include "top/top.hpp"\n',
            "src/top/top.cpp": '#include "low/low.hpp"\n#include "common/c.hpp"\n#include <vector>\n',
        }
        for rel, text in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        got = sorted(p.split(": ")[0] for p in check(root))
        want = ["src/low/deep/x.hpp:2", "src/low/low.cpp:3"]
        if got != want:
            print(f"check-arrows self-test: expected reports at {want}, got {got}", file=sys.stderr)
            return 1
        # A module without a line is an error too, not an unchecked module.
        os.makedirs(os.path.join(root, "src", "extra"))
        if not any("module extra" in p for p in check(root)):
            print("check-arrows self-test: a module missing from the document went unreported", file=sys.stderr)
            return 1
    print("check-arrows self-test: ok (2 wrong-way includes found, the allowed ones passed)")
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    try:
        problems = check(root)
    except (OSError, ValueError) as e:
        print(f"check-arrows: {e}", file=sys.stderr)
        return 1
    for p in problems:
        print(p)
    if problems:
        print(f"check-arrows: {len(problems)} include(s) against docs/architecture.md's arrows", file=sys.stderr)
        return 1
    print("check-arrows: every include of src/ follows docs/architecture.md's arrows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
