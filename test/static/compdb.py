#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a compile database for the static analysis (test/static/run.sh).

usage: compdb.py SRC_DIR OUT_DIR CONFIG=BUILD/compile_commands.json...

Writes OUT_DIR/compile_commands.json and OUT_DIR/files.txt (one source a line). Keeps the
translation units of armvirt's own code (lib/, ports/, examples/, tools/), each source file
once: as the first configuration named compiles it (the first target there), so that the
portable core is analysed once, as the host build compiles it, and the aarch64 builds add
the code only they compile (lib/arch/aarch64, the ports, the examples). For the aarch64
configurations (CONFIG "none" or "linux") the compiler becomes clang with the
matching --target so that clang-tidy parses the code as the cross compiler does; GCC-only
options are dropped, and so are the freestanding build's -nostdinc and GCC's own header
directory (its <stdint.h> needs GCC's predefined macros): clang's headers stand in.
"""
import json
import os
import shlex
import sys

DIRS = ("lib/", "ports/", "examples/", "tools/")
TARGETS = {"none": "aarch64-none-elf", "linux": "aarch64-linux-gnu"}
# Options of the cross GCC that clang rejects or that do not change how the code parses.
GCC_ONLY = ("-mgeneral-regs-only", "-mstrict-align", "-fno-tree-loop-distribute-patterns",
            "-Wl,", "-specs=", "-mno-outline-atomics", "-mbranch-protection=")


def cross_args(args):
    """The cross compiler's arguments as clang takes them."""
    keep, i = [], 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "-isystem" and i < len(args):
            a += args[i]
            i += 1
        if a.startswith("-isystem") and "/gcc" in a:
            continue
        if a == "-nostdinc" or a.startswith(GCC_ONLY):
            continue
        keep.append(a)
    return keep


def entries(src, config, path, seen):
    with open(path, encoding="utf-8") as f:
        db = json.load(f)
    for e in db:
        rel = os.path.relpath(os.path.join(e["directory"], e["file"]), src)
        if not rel.startswith(DIRS) or not rel.endswith(".c") or rel in seen:
            continue
        seen.add(rel)
        args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
        if config in TARGETS:
            args = ["clang", "--target=" + TARGETS[config]] + cross_args(args[1:])
        yield {"directory": e["directory"], "file": os.path.join(src, rel), "arguments": args}


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    src, out = os.path.abspath(argv[1]), argv[2]
    db, seen = [], set()
    for spec in argv[3:]:
        config, _, path = spec.partition("=")
        db.extend(entries(src, config, path, seen))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "compile_commands.json"), "w", encoding="utf-8") as f:
        json.dump(db, f, indent=1)
    with open(os.path.join(out, "files.txt"), "w", encoding="utf-8") as f:
        f.writelines(e["file"] + "\n" for e in db)


if __name__ == "__main__":
    main(sys.argv)
