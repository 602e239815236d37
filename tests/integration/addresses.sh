#!/usr/bin/env bash
# addresses.sh - a buyer's address book (GET/POST /api/v1/me/addresses,
# PATCH/DELETE /api/v1/me/addresses/{id}): the fields and the Chinese phone
# check, one default (the first address, a new default taking the mark, the
# newest taking it when the default is deleted), another buyer's addresses
# out of reach, the 20-address limit, paging, and a guest refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

A=$(new_buyer)
B=$(new_buyer)
check "two buyers" test -n "$A" -a -n "$B"
addr() { # addr NAME PHONE [extra jq object]
    jq -nc --arg n "$1" --arg p "$2" --argjson x "${3-{\}}" \
        '{name:$n, phone:$p, province:"江西省", city:"萍乡市", county:"安源区", detail:"八一街道 12 号"} + $x'
}

as ""
api GET /api/v1/me/addresses
expect_error 401 unauthorized "a guest has no address book"
api POST /api/v1/me/addresses "$(addr 王丽 13800138000)"
expect_error 401 unauthorized "a guest cannot save an address"

as "$A"
api GET /api/v1/me/addresses
expect_status 200 "an empty book"
expect_jq '.items | length' 0 "no addresses yet"
expect_jq '.next_cursor' null "one page"

api POST /api/v1/me/addresses "$(addr 王丽 '+86 138-0013-8000')"
expect_status 201 "the first address"
FIRST=$(jqr .id)
expect_jq .is_default true "the first address is the default"
expect_jq .phone '+86 138-0013-8000' "the phone as typed"
expect_jq .county 安源区 "county kept"
check "created_at is RFC 3339" test -n "$(jqr .created_at | grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$')"

api POST /api/v1/me/addresses "$(addr 李强 0799-6812345)"
expect_status 201 "a second address, a landline"
SECOND=$(jqr .id)
expect_jq .is_default false "the second is not the default"

for bad_body in "$(addr 王丽 12345)" "$(addr 王丽 138001380001)" "$(addr 王丽 '+1 415 555 0100')" \
    "$(addr '' 13800138000)" "$(addr 王丽 13800138000 '{"province":""}')" \
    "$(addr 王丽 13800138000 '{"is_default":"yes"}')" "$(addr 王丽 13800138000 '{"detail":"a\nb"}')" \
    '{"name":"王丽"}' "$(addr "$(printf '%065d' 0)" 13800138000)"; do
    api POST /api/v1/me/addresses "$bad_body"
    expect_error 422 validation_failed "refused: $bad_body"
done
api POST /api/v1/me/addresses "$(addr 王丽 12345)"
check "the phone refusal names the field" test -n "$(jqr .error.message | grep phone)"

api POST /api/v1/me/addresses "$(addr 张伟 13912345678 '{"is_default":true}')"
expect_status 201 "a third address saved as the default"
THIRD=$(jqr .id)
expect_jq .is_default true "it is the default"
api GET /api/v1/me/addresses
expect_status 200 "the book"
expect_jq '[.items[] | select(.is_default)] | length' 1 "exactly one default"
expect_jq '[.items[] | select(.is_default)][0].id' "$THIRD" "the new default"
expect_jq '[.items[].id] | join(",")' "$FIRST,$SECOND,$THIRD" "oldest first"
check "one default in MariaDB" test "$(sql "SELECT COUNT(*) FROM addresses a JOIN accounts c ON c.id = a.account_id WHERE a.id IN ($FIRST,$SECOND,$THIRD) AND a.is_default = 1")" = 1

api PATCH "/api/v1/me/addresses/$SECOND" '{"is_default":true,"detail":"大城镇 8 号"}'
expect_status 200 "the second becomes the default, its detail changed"
expect_jq .is_default true "default moved"
expect_jq .detail "大城镇 8 号" "detail changed"
expect_jq .name 李强 "the name kept"
api PATCH "/api/v1/me/addresses/$SECOND" '{"is_default":false}'
expect_error 409 conflict "the default cannot simply be unmarked"
api PATCH "/api/v1/me/addresses/$SECOND" '{}'
expect_error 422 validation_failed "an empty change"
api PATCH "/api/v1/me/addresses/$SECOND" '{"phone":"abc"}'
expect_error 422 validation_failed "a bad phone in a change"

api GET "/api/v1/me/addresses?limit=2"
expect_status 200 "a page of two"
expect_jq '.items | length' 2 "two on the first page"
CUR=$(jqr .next_cursor)
api GET "/api/v1/me/addresses?limit=2&cursor=$CUR"
expect_status 200 "the second page"
expect_jq '[.items[].id] | join(",")' "$THIRD" "the rest"
expect_jq .next_cursor null "the last page"
api GET "/api/v1/me/addresses?limit=0"
expect_error 400 bad_request "a bad limit"

# another buyer cannot see or touch them
as "$B"
api PATCH "/api/v1/me/addresses/$FIRST" '{"name":"冒名"}'
expect_error 404 not_found "another buyer's address is not found"
api DELETE "/api/v1/me/addresses/$FIRST"
expect_error 404 not_found "nor can it be deleted"
api GET /api/v1/me/addresses
expect_status 200 "B's book"
expect_jq '.items | length' 0 "B sees none of A's"
check "A's first address untouched" test "$(sql "SELECT name FROM addresses WHERE id = $FIRST")" = 王丽

# deleting the default hands the mark to the newest left
as "$A"
api DELETE "/api/v1/me/addresses/$SECOND"
expect_status 204 "the default deleted"
api GET /api/v1/me/addresses
expect_status 200 "the book after"
expect_jq '[.items[] | select(.is_default)][0].id' "$THIRD" "the newest is the default now"
api DELETE "/api/v1/me/addresses/$SECOND"
expect_error 404 not_found "deleted once"

# at most 20
for i in $(seq 3 20); do
    api POST /api/v1/me/addresses "$(addr "收件人$i" 13800138000)"
    [ "$STATUS" = 201 ] || bad "address $i saved" "$BODY"
done
check "20 addresses" test "$(sql "SELECT COUNT(*) FROM addresses WHERE account_id = (SELECT account_id FROM addresses WHERE id = $FIRST)")" = 20
api POST /api/v1/me/addresses "$(addr 多余 13800138000)"
expect_error 409 conflict "the 21st is refused"
finish
