"""Reads each emitted compose file with PyYAML -- the YAML 1.1 reader docker-compose 1.29 uses --
and compares the `x-prop` values (top level and in service `svc`) with the JSON file beside it,
strictly: same types (a bool is not an int, a date is not a string), same key order.

Usage: python3 pyyaml_same.py A.yml A.json [B.yml B.json ...]; exits 1 on any difference."""
import json
import math
import sys

import yaml


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


bad = 0
args = sys.argv[1:]
for yml, js in zip(args[0::2], args[1::2]):
    with open(yml, "rb") as f:
        doc = yaml.safe_load(f)
    with open(js, encoding="utf-8") as f:
        want = json.load(f)
    got = [doc.get("x-prop"), doc["services"]["svc"].get("x-prop")]
    if not same(got, [want, want]):
        bad += 1
        if bad <= 5:
            print(f"{yml}: PyYAML reads {got!r:.400}, meant {want!r:.400}")
print(f"{len(args) // 2} files, {bad} read differently")
sys.exit(1 if bad else 0)
