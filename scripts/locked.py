#!/usr/bin/env python3
"""Locked instructions per round trip, from two callgrind outputs of scripts/instructions.sh.

A `lock`-prefixed instruction (an atomic read-modify-write: `Arc` clones and drops, mutexes,
counters, the counting allocator) or an `xchg` with memory counts as one instruction in callgrind
but costs tens of cycles, so instruction counts alone hide it. With `--dump-instr=yes` callgrind
keeps a count per instruction address; the addresses of every object file's locked
instructions come from `objdump -d`, and the slope between the short and the long run cancels
start-up, as for the instruction counts.

    locked.py SHORT.callgrind LONG.callgrind ROUND_TRIPS_SHORT ROUND_TRIPS_LONG [TOP]

Prints the locked instructions per round trip; with TOP, then the TOP functions that execute
most of them, one per line.
"""

import collections
import re
import subprocess
import sys

POSITION = re.compile(r"^([0-9a-fx+*-][0-9a-fx]*)\s")
NAME = re.compile(r"^(ob|fn|cob|cfn|fl|fi|fe|cfi|cfl)=\((\d+)\)(?: (.*))?$")


def counts(path):
    """(object, address) -> instructions executed, and the function of each address."""
    cost = collections.Counter()
    function = {}
    objects, functions = {}, {}
    obj = fn = None
    address = 0
    after_call = False
    with open(path) as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                continue
            if POSITION.match(line):
                fields = line.split()
                pos = fields[0]
                if pos.startswith("0x"):
                    address = int(pos, 16)
                elif pos[0] in "+-":
                    step = int(pos[1:], 16) if pos[1:].startswith("0x") else int(pos[1:])
                    address += step if pos[0] == "+" else -step
                # The line after `calls=` carries the call's inclusive cost, not this
                # instruction's own.
                if after_call:
                    after_call = False
                elif len(fields) >= 3:
                    cost[(obj, address)] += int(fields[2])
                    function[(obj, address)] = fn
                continue
            if line.startswith("calls="):
                after_call = True
                continue
            named = NAME.match(line)
            if named:
                kind, ident, name = named.groups()
                table = objects if kind in ("ob", "cob") else functions if kind in ("fn", "cfn") else None
                if table is not None and name:
                    table[ident] = name
                if kind == "ob":
                    obj = objects.get(ident)
                elif kind == "fn":
                    fn = functions.get(ident)
    return cost, function


def locked_addresses(obj):
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", obj],
                         capture_output=True, text=True, check=False).stdout
    found = set()
    for line in out.splitlines():
        match = re.match(r"\s*([0-9a-f]+):\s+(.*)$", line)
        if not match:
            continue
        instruction = match.group(2)
        if instruction.startswith("lock") or (instruction.startswith("xchg") and "(" in instruction):
            found.add(int(match.group(1), 16))
    return found


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    short, long_ = counts(sys.argv[1])[0], counts(sys.argv[2])
    long_cost, function = long_
    round_trips = int(sys.argv[4]) - int(sys.argv[3])
    top = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    per_function = collections.Counter()
    total = 0.0
    for obj in {o for o, _ in long_cost if o and o.startswith("/")}:
        addresses = locked_addresses(obj)
        for (o, address), executed in long_cost.items():
            if o == obj and address in addresses:
                per_rt = (executed - short.get((o, address), 0)) / round_trips
                total += per_rt
                per_function[function.get((o, address))] += per_rt
    print(f"{total:.0f}")
    for name, per_rt in per_function.most_common(top):
        print(f"{per_rt:6.1f} {name}")


if __name__ == "__main__":
    main()
