#!/usr/bin/env python3
"""fcd2trace: SUMO floating-car data (sumo --fcd-output) -> a vanet trace.

    fcd2trace.py FCD.xml OUT.trace --begin S --end S [--tolerance M]
                 [--comment TEXT]...

Keeps the samples with begin <= time <= end and shifts time so that `begin`
is 0. The file format is described in docs/simulator.md ("Mobility traces").

The FCD file is read as a stream (iterparse, clearing each timestep), since
it is large. To keep the trace small, a vehicle's samples are thinned: a
sample is dropped when linear interpolation between the kept neighbours
misses it by at most --tolerance metres (the simulator interpolates the
same way), so a vehicle cruising or standing costs two samples, not one
per second. A vehicle missing from some timesteps (a SUMO teleport) is
split into segments named NAME, NAME#2, ..., so that no one is
interpolated across the gap.

Only the standard library is used.
"""
import argparse
import sys
import xml.etree.ElementTree as ET


def perpendicular_error(a, b, p):
    """How far p is from where interpolating a -> b puts it at p's time."""
    (ta, xa, ya), (tb, xb, yb), (tp, xp, yp) = a, b, p
    f = (tp - ta) / (tb - ta)
    xi, yi = xa + f * (xb - xa), ya + f * (yb - ya)
    return ((xi - xp) ** 2 + (yi - yp) ** 2) ** 0.5


def thin(samples, tol):
    """Douglas-Peucker in time: the samples (t, x, y) to keep, in order."""
    if len(samples) <= 2:
        return samples
    keep = [False] * len(samples)
    keep[0] = keep[-1] = True
    stack = [(0, len(samples) - 1)]
    while stack:
        i, j = stack.pop()
        worst, at = -1.0, -1
        for k in range(i + 1, j):
            e = perpendicular_error(samples[i], samples[j], samples[k])
            if e > worst:
                worst, at = e, k
        if worst > tol:
            keep[at] = True
            stack.append((i, at))
            stack.append((at, j))
    return [s for s, k in zip(samples, keep) if k]


class Track:
    """One vehicle's open segment and how many segments it had."""

    def __init__(self):
        self.segments = 0
        self.samples = []
        self.last_step = None


def read_fcd(path, begin, end):
    """Yields (name, samples) per finished segment, in time order of start."""
    tracks = {}
    finished = []
    step = -1
    for _, elem in ET.iterparse(path, events=("end",)):
        if elem.tag != "timestep":
            continue
        t = float(elem.get("time"))
        if t < begin or t > end:
            elem.clear()
            continue
        step += 1
        for v in elem.iter("vehicle"):
            name = v.get("id")
            tr = tracks.setdefault(name, Track())
            if tr.last_step is not None and tr.last_step != step - 1:
                finished.append((name, tr.segments, tr.samples))
                tr.samples = []
            if not tr.samples:
                tr.segments += 1
            tr.samples.append((t - begin, float(v.get("x")), float(v.get("y"))))
            tr.last_step = step
        elem.clear()
    for name, tr in tracks.items():
        if tr.samples:
            finished.append((name, tr.segments, tr.samples))
    return finished


def segment_name(name, n):
    return name if n == 1 else "%s#%d" % (name, n)


def check_name(name):
    if not name or len(name) > 63 or any(c <= " " or c > "~" for c in name):
        sys.exit("fcd2trace: vehicle id %r cannot be a trace name" % name)


def write_trace(out, segments, tol, comments):
    segments.sort(key=lambda s: (s[2][0][0], segment_name(s[0], s[1])))
    lines = []
    with open(out, "w", encoding="ascii", newline="\n") as f:
        f.write("vanet-trace 1\n")
        for c in comments:
            f.write("# %s\n" % c)
        for vid, (name, n, samples) in enumerate(segments):
            full = segment_name(name, n)
            check_name(full)
            f.write("v %s\n" % full)
            for t, x, y in thin(samples, tol):
                lines.append((round(t * 1000), vid, round(x * 10), round(y * 10)))
        lines.sort()
        for ms, vid, x, y in lines:
            f.write("%d %d %d %d\n" % (ms, vid, x, y))
    return len(segments), len(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("fcd")
    p.add_argument("out")
    p.add_argument("--begin", type=float, required=True)
    p.add_argument("--end", type=float, required=True)
    p.add_argument("--tolerance", type=float, default=0.5)
    p.add_argument("--comment", action="append", default=[])
    a = p.parse_args()
    segments = read_fcd(a.fcd, a.begin, a.end)
    nv, ns = write_trace(a.out, segments, a.tolerance, a.comment)
    print("fcd2trace: %s: %d vehicles, %d samples" % (a.out, nv, ns))


if __name__ == "__main__":
    main()
