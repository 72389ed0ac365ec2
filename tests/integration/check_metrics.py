#!/usr/bin/env python3
"""Checks Prometheus text exposition format (0.0.4) on stdin, strictly for
what vanetctl metrics promises: every sample's metric has # HELP and # TYPE
before it (once each), names and labels follow the grammar, values are
numbers, counters end in _total. Prints what is wrong; exit 1 if anything."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s)(?:,%s)*\})? (\S+)( -?[0-9]+)?$" % (NAME, LABEL, LABEL))
HELP = re.compile(r"^# HELP (%s) (.*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)

errors, helps, types, samples = [], {}, {}, 0
prefix = sys.argv[1] if len(sys.argv) > 1 else "vanet_"
for no, line in enumerate(sys.stdin.read().split("\n"), 1):
    if line == "":
        continue
    m = HELP.match(line)
    if m:
        if m.group(1) in helps:
            errors.append("%d: second HELP for %s" % (no, m.group(1)))
        helps[m.group(1)] = no
        continue
    m = TYPE.match(line)
    if m:
        if m.group(1) in types:
            errors.append("%d: second TYPE for %s" % (no, m.group(1)))
        types[m.group(1)] = m.group(2)
        continue
    if line.startswith("#"):
        errors.append("%d: bad comment line: %r" % (no, line))
        continue
    m = SAMPLE.match(line)
    if not m:
        errors.append("%d: not a sample line: %r" % (no, line))
        continue
    name, value = m.group(1), m.group(3)
    samples += 1
    try:
        float(value)
    except ValueError:
        errors.append("%d: value %r is not a number" % (no, value))
    if name not in helps or name not in types:
        errors.append("%d: %s has no HELP/TYPE before it" % (no, name))
    elif types[name] == "counter" and not name.endswith("_total"):
        errors.append("%d: counter %s does not end in _total" % (no, name))
    if not name.startswith(prefix):
        errors.append("%d: %s does not start with %s" % (no, name, prefix))
if samples == 0:
    errors.append("no samples")
for e in errors:
    print(e)
print("%d samples, %d errors" % (samples, len(errors)))
sys.exit(1 if errors else 0)
