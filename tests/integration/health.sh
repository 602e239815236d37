#!/usr/bin/env bash
# health.sh - /healthz follows MariaDB and Redis, and the pools reconnect by
# themselves when a server comes back.
. "$(dirname "$0")/lib.sh"
: "${STACK_DIR:?}" "${DB_PORT:?}" "${REDIS_PORT:?}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

api GET /healthz
expect_status 200 "healthy stack"
expect_jq .checks.mariadb ok "mariadb ok"
expect_jq .checks.redis ok "redis ok"

TOKEN=$(login buyer@example.com "$DEMO_PASSWORD")
check "logged in before the outage" test -n "$TOKEN"

# Redis down
"$ROOT/ops/stack.sh" stop-redis "$STACK_DIR" >/dev/null
api GET /healthz
expect_error 503 redis_unavailable "healthz with Redis down, in the one error shape"
expect_jq .error.message "Redis is down" "names Redis (and only Redis)"
expect_jq '.error.request_id | length' 32 "carries its request id like every error"
expect_jq 'keys | join(",")' error "nothing beside the error"
check "healthz 503 carries Retry-After" test -n "$(header retry-after)"
api GET /api/v1/me
expect_error 503 redis_unavailable "a session lookup with Redis down"
check "503 carries Retry-After" test -n "$(header retry-after)"
"$ROOT/ops/stack.sh" start-redis "$STACK_DIR" "$REDIS_PORT" >/dev/null
api GET /healthz
expect_status 200 "healthz after Redis is back"
api GET /api/v1/me
expect_status 200 "the session survived (AOF) and the pool reconnected"

# MariaDB down
"$ROOT/ops/stack.sh" stop-db "$STACK_DIR" >/dev/null
api GET /healthz
expect_error 503 database_unavailable "healthz with MariaDB down, in the one error shape"
expect_jq .error.message "MariaDB is down" "message names what is down"
expect_jq '.error.request_id | length' 32 "carries its request id like every error"
api GET /api/v1/me
expect_error 503 database_unavailable "a database read with MariaDB down"
check "503 carries Retry-After" test -n "$(header retry-after)"
"$ROOT/ops/stack.sh" start-db "$STACK_DIR" "$DB_PORT" >/dev/null
api GET /healthz
expect_status 200 "healthz after MariaDB is back"
ok_count=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
    api GET /api/v1/me
    [ "$STATUS" = 200 ] && ok_count=$((ok_count + 1))
done
check "every pooled connection reconnected (10 of 10 reads ok, got $ok_count)" test "$ok_count" = 10

finish
