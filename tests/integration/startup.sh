#!/usr/bin/env bash
# startup.sh - configuration errors and migrations, run as commands.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN_DIR:-$ROOT/bin}/farmlive-shop

for bad in FARMLIVE_SHOP_PORT=abc FARMLIVE_SHOP_PORT=70000 FARMLIVE_DB_POOL=0 FARMLIVE_LOG_LEVEL=loud \
    FARMLIVE_PUBLIC_BASE=ftp://x FARMLIVE_COOKIE_SECURE=maybe; do
    out=$(env "$bad" "$BIN" serve 2>&1)
    code=$?
    check "$bad stops start-up with exit code 2 (got $code)" test "$code" = 2
    check "$bad: the message names the variable" sh -c "printf '%s' \"\$0\" | grep -q \"\${1%%=*}\"" "$out" "$bad"
done

out=$("$BIN" migrate 2>&1)
check "migrate is idempotent" sh -c "printf '%s' \"\$0\" | grep -q 'up to date'" "$out"
check "nothing re-applied" sh -c "! printf '%s' \"\$0\" | grep -q 'applied 0'" "$out"

schema=$_TMP/schema
mkdir -p "$schema/migrations"
cp "$ROOT"/schema/migrations/*.sql "$schema/migrations/"
printf 'CREATE TABLE this is not sql;\n' >"$schema/migrations/999_broken.sql"
out=$(FARMLIVE_SCHEMA_DIR=$schema "$BIN" migrate 2>&1)
code=$?
check "a failing migration fails the command" test "$code" != 0
check "the failure names the file" sh -c "printf '%s' \"\$0\" | grep -q '999_broken.sql'" "$out"
check "the failed version is not recorded" test "$(sql 'SELECT COUNT(*) FROM schema_migrations WHERE version = 999')" = 0

finish
