#!/usr/bin/env python3
"""bodies.py - hostile JSON bodies for every write route that takes one.

Called by tests/integration/fuzz_bodies.sh, which signs in and passes (in
the environment) SHOP_URL, TOKENS (JSON: role -> Bearer token), PARAMS
(JSON: "METHOD PATH" -> {param: value}), INTERNAL_SECRET and the MariaDB
settings. Every operation of schema/openapi.yaml with an application/json
request body (test_openapi.c keeps that list equal to the route table's
JSON routes) gets, as the most privileged caller its role allows:

  - malformed JSON (truncated, trailing comma, a NUL, empty),
  - JSON that is not an object,
  - nesting 100,000 deep,
  - invalid UTF-8 in a value and in a key,
  - a body over 1 MiB,
  - for each property of its schema, a base body (the schema's example,
    or its required properties with plausible values) with that property
    set to a value of every wrong type and a few hostile ones (huge and
    negative numbers, 10 KB strings, NUL and control characters, markup,
    nested objects).

It checks: no answer is a 5xx (or no answer at all); every 4xx answer has
the error body {"error":{"code","message","request_id"}}; a 4xx answer
wrote nothing (every table's CHECKSUM is the same before and after, but
for the tables a refusal legitimately writes: payment_notices, the
idempotency keys of stored refusals). Prints "N passed, M failed" lines as
the suites do (the wrapper sums them) and one FAIL line per failure.
"""
import copy
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
URL = os.environ["SHOP_URL"]
TOKENS = json.loads(os.environ["TOKENS"])
PARAMS = json.loads(os.environ["PARAMS"])
SECRET = os.environ.get("INTERNAL_SECRET", "")
# tables a refused request may write by design
VOLATILE = {"payment_notices", "idempotency_keys"}

passed = failed = 0


def ok():
    global passed
    passed += 1


def bad(what):
    global failed
    failed += 1
    print("FAIL [fuzz_bodies] " + what, file=sys.stderr)


def sql(query):
    out = subprocess.run(
        ["mariadb", "--no-defaults", "-N", "-B", "-h", "127.0.0.1", "-P", os.environ["DB_PORT"],
         "-u", os.environ["DB_USER"], "-p" + os.environ["DB_PASSWORD"], os.environ["DB_NAME"], "-e", query],
        capture_output=True, text=True, check=True)
    return out.stdout


TABLES = [t for t in sql("SHOW TABLES").split() if t not in VOLATILE]


def snapshot():
    rows = sql("CHECKSUM TABLE " + ", ".join("`%s`" % t for t in TABLES)).splitlines()
    return dict(r.split("\t", 1) for r in rows if "\t" in r)


def counters():
    """InnoDB's row write counters: any write moves them, so an unchanged
    total says at once that nothing was written (no CHECKSUM needed)."""
    return sql("SHOW GLOBAL STATUS WHERE Variable_name IN "
               "('Innodb_rows_inserted', 'Innodb_rows_updated', 'Innodb_rows_deleted')")


def changed(a, b):
    return sorted(t for t in a if a[t] != b.get(t))


def background(tables):
    """Whether the tables change by themselves (the shop's periodic jobs:
    order expiry, released sales, the live sweep) while no request is sent:
    then a refused request is not blamed for what changed there."""
    import time
    s1 = snapshot()
    time.sleep(1.5)
    s2 = snapshot()
    return bool(set(changed(s1, s2)) & set(tables))


def send(method, path, body, token=None, headers=None):
    if len(body) > 1024 * 1024:
        return send_curl(method, path, body, token, headers)
    req = urllib.request.Request(URL + path, data=body, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except Exception as e:  # no answer: reset, timeout
        return 0, str(e).encode()


def send_curl(method, path, body, token, headers):
    """A body the shop refuses on its Content-Length answers 413 before the
    body is read; urllib stops at the broken pipe without reading it, curl
    reads the early answer as a client should."""
    args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, "-H", "Content-Type: application/json",
            "--data-binary", "@-", URL + path]
    if token:
        args += ["-H", "Authorization: Bearer " + token]
    for k, v in (headers or {}).items():
        args += ["-H", "%s: %s" % (k, v)]
    out = subprocess.run(args, input=body, capture_output=True).stdout
    text, _, code = out.rpartition(b"\n")
    return int(code or 0), text


def resolve(schema, spec):
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = spec["components"]["schemas"][name]
    if isinstance(schema, dict) and "allOf" in schema:
        merged = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            p = resolve(part, spec)
            merged["properties"].update(p.get("properties", {}))
            merged["required"] += p.get("required", [])
        return merged
    return schema


def plausible(schema, spec, name):
    s = resolve(schema, spec)
    if "example" in s:
        return s["example"]
    if "enum" in s:
        return s["enum"][0]
    t = s.get("type")
    if isinstance(t, list):
        t = [x for x in t if x != "null"][0]
    if t == "integer":
        return max(1, s.get("minimum", 1))
    if t == "number":
        return 1.5
    if t == "boolean":
        return True
    if t == "array":
        return [plausible(s.get("items", {}), spec, name)] if s.get("minItems") else []
    if t == "object":
        return {k: plausible(v, spec, k) for k, v in s.get("properties", {}).items() if k in s.get("required", [])}
    if s.get("format") == "date":
        return "2026-11-20"
    if s.get("format") == "date-time":
        return "2030-01-01T00:00:00Z"
    return "fuzz-" + name


def base_body(schema, spec):
    s = resolve(schema, spec)
    if "example" in s and isinstance(s["example"], dict):
        return copy.deepcopy(s["example"])
    return plausible(s, spec, "body")


HOSTILE = [None, True, 0, -1, 1.5, 9223372036854775807, 9223372036854775808, -9223372036854775809, 1e300,
           "", "x" * 10240, "\u0000", "a\u0001b\u001fc", "<script>alert(1)</script>", "'; DROP TABLE orders; --",
           "\u7eff\u58f3" * 2000, [], [1, "2", None], {}, {"nested": {"deeper": [{}]}}]

RAW = [
    ("truncated", b'{"a":'),
    ("trailing comma", b'{"a":1,}'),
    ("a NUL byte", b'{"a":"\x00"}'),
    ("empty", b""),
    ("an array", b"[]"),
    ("a string", b'"text"'),
    ("a number", b"42"),
    ("null", b"null"),
    ("nested 100,000 deep", b"[" * 100000 + b"]" * 100000),
    ("an object nested 100,000 deep", b'{"a":' * 100000 + b"1" + b"}" * 100000),
    ("invalid UTF-8 in a value", b'{"name":"\xff\xfe\xc0\xaf"}'),
    ("invalid UTF-8 in a key", b'{"\xff\xfe":1}'),
    ("a lone surrogate escape", b'{"name":"\\ud800"}'),
    ("over 1 MiB", b'{"a":"' + b"x" * (1024 * 1024 + 16) + b'"}'),
]

ROLE_TOKEN = {"public": "ops", "user": "buyer", "coop_member": "ops", "coop_admin": "ops", "platform_admin": "ops"}


def check_answer(what, status, body):
    if status == 0 or status >= 500:
        bad("%s: answered %s %s" % (what, status, body[:200]))
        return False
    ok()
    if 400 <= status < 500:
        try:
            e = json.loads(body)["error"]
            assert isinstance(e["code"], str) and isinstance(e["message"], str) and isinstance(e["request_id"], str)
            ok()
        except Exception:
            bad("%s: %s without the error body: %s" % (what, status, body[:200]))
    return True


def main():
    spec = yaml.safe_load(open(os.path.join(ROOT, "schema", "openapi.yaml")))
    ops = []
    for path, items in spec["paths"].items():
        for method, op in items.items():
            if not isinstance(op, dict):
                continue
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                ops.append((method.upper(), path, op, content["application/json"].get("schema", {})))
    print("fuzz_bodies: %d routes with a JSON body" % len(ops), file=sys.stderr)
    for method, path, op, schema in ops:
        key = method + " " + path
        params = PARAMS.get(key, {})
        real = path
        for k, v in params.items():
            real = real.replace("{" + k + "}", str(v))
        if "{" in real:
            bad("%s: no value for a path parameter (fuzz_bodies.sh PARAMS)" % key)
            continue
        role = op.get("x-farmlive-role", "public")
        token = TOKENS.get(ROLE_TOKEN.get(role, "ops"))
        headers = {"Idempotency-Key": "fuzz"}
        if path.startswith("/internal/"):
            headers["X-Internal-Secret"] = SECRET
        cases = [(name, raw) for name, raw in RAW]
        base = base_body(schema, spec)
        props = resolve(schema, spec).get("properties", {}) if isinstance(base, dict) else {}
        for n, prop in enumerate(props):
            for i, v in enumerate(HOSTILE):
                b = dict(base)
                b[prop] = v
                cases.append(("%s = %s" % (prop, json.dumps(v)[:40]), json.dumps(b).encode()))
        before, before_ct = snapshot(), counters()
        for i, (name, raw) in enumerate(cases):
            headers["Idempotency-Key"] = "fuzz-%d-%s" % (i, os.urandom(4).hex())
            what = "%s with %s" % (key, name)
            status, body = send(method, real, raw, token, headers)
            if not check_answer(what, status, body):
                continue
            after_ct = counters()
            if after_ct == before_ct:  # nothing written anywhere
                if status >= 400:
                    ok()
                continue
            after = snapshot()
            if status >= 400:  # refused, yet something was written: where?
                diff = changed(before, after)
                if diff and not background(diff):
                    bad("%s: refused with %s but %s changed" % (what, status, ", ".join(diff)))
                else:
                    ok()
                after = snapshot()
            before, before_ct = after, counters()
    print("fuzz_bodies: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
