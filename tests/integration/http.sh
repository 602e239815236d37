#!/usr/bin/env bash
# http.sh - the HTTP core: error bodies and statuses, request ids, limits,
# the access log, /metrics.
. "$(dirname "$0")/lib.sh"

api GET /no/such/route
expect_error 404 not_found "unknown path"
rid=$(header x-request-id)
check "request id on every response (32 hex)" test "${#rid}" -eq 32
check "error body carries the same request id" test "$(jqr .error.request_id)" = "$rid"

api GET /healthz
rid2=$(header x-request-id)
check "request ids differ between requests" test "$rid" != "$rid2"

api PUT /api/v1/products '{}'
expect_error 405 method_not_allowed "known path, wrong method"

api POST /api/v1/accounts 'not json' -H 'Content-Type: text/plain'
expect_error 415 unsupported_media_type "text/plain body"
api POST /api/v1/accounts '{"email":' 
expect_error 400 malformed_json "truncated JSON"
api POST /api/v1/accounts '[1,2,3]'
expect_error 400 malformed_json "JSON that is not an object"
api POST /api/v1/accounts '{"a":1,"a":2}'
expect_error 400 malformed_json "duplicate keys"
api POST /api/v1/accounts '{"email":"x@y.cn","password":"abcdefgh","display_name":"x"}' -H 'Content-Type: application/json; charset=utf-8'
check "JSON with a charset parameter is accepted (201)" test "$STATUS" = 201

big=$(mktemp)
head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' ' ' >"$big"
STATUS=$(curl -s -o "$_TMP/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "@$big" "$SHOP_URL/api/v1/accounts")
BODY=$(cat "$_TMP/body")
expect_error 413 payload_too_large "body over 1 MiB (Content-Length)"
STATUS=$(curl -s -o "$_TMP/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$big" "$SHOP_URL/api/v1/accounts")
BODY=$(cat "$_TMP/body")
expect_error 413 payload_too_large "body over 1 MiB (chunked, no length)"
rm -f "$big"

api GET /api/v1/products
expect_status 200 "catalogue"
check "JSON content type" sh -c "printf '%s' \"\$0\" | grep -q '^content-type: application/json'" "$HDRS"
check "API answers are not cached by default" test "$(header cache-control)" = no-store

api GET '/api/v1/products/abc'
expect_error 404 not_found "non-numeric id"
api GET '/api/v1/products/0'
expect_error 404 not_found "zero id"
api GET '/api/v1/products/99999999999'
expect_error 404 not_found "unknown id"

api GET /metrics
expect_status 200 "metrics"
check "metrics count requests by route and status" grep -qF 'farmlive_http_requests_total{method="GET",route="/api/v1/products",status="200"}' "$_TMP/body"
check "metrics count unmatched requests" grep -qF 'route="unmatched",status="404"' "$_TMP/body"
check "metrics carry a latency histogram" grep -qF 'farmlive_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"}' "$_TMP/body"
check "metrics carry pool use" grep -qF 'farmlive_pool_in_use{pool="mariadb"}' "$_TMP/body"

api GET /
expect_status 200 "storefront page"
check "page is HTML" sh -c "printf '%s' \"\$0\" | grep -q '^content-type: text/html'" "$HDRS"
api GET /assets/eggs.svg
expect_status 200 "a product image"
api GET '/assets/..%2Fschema%2Fseed%2Fdemo.sql'
check "no escape from the asset folders" test "$STATUS" = 404

if [ -n "${SHOP_LOG-}" ]; then
    check "one JSON access-log line per request, with route and status" \
        sh -c "grep -F '\"request_id\":\"$rid\"' \"\$0\" | jq -e 'select(.event == \"access\") | .status == 404 and .path == \"/no/such/route\"' >/dev/null" "$SHOP_LOG"
fi

finish
