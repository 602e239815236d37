#!/usr/bin/env bash
# accounts.sh - sign-up, /me, and every validation failure.
. "$(dirname "$0")/lib.sh"

u=$(uniq_suffix)
api POST /api/v1/accounts "{\"email\":\"New.Buyer$u@Example.com\",\"password\":\"long-enough-pw\",\"display_name\":\"新买家\"}"
expect_status 201 "sign up with email"
expect_jq .account.email "new.buyer$u@example.com" "email stored lower-cased"
expect_jq .account.role buyer "new accounts are buyers"
expect_jq '.account | has("password_hash")' false "the hash is never returned"
check "password stored as argon2id" test "$(sql "SELECT LEFT(password_hash, 10) FROM accounts WHERE email='new.buyer$u@example.com'")" = '$argon2id$'

api POST /api/v1/accounts "{\"email\":\"new.buyer$u@example.com\",\"password\":\"another-pw\",\"display_name\":\"x\"}"
expect_error 409 account_exists "same email again (any case)"

phone="+86139$(printf '%08d' $((RANDOM * RANDOM % 100000000)))"
api POST /api/v1/accounts "{\"phone\":\"$phone\",\"password\":\"long-enough-pw\",\"display_name\":\"手机用户\"}"
expect_status 201 "sign up with phone only"
expect_jq .account.phone "$phone" "phone stored"

for body in \
    '{"password":"long-enough-pw","display_name":"x"}' \
    '{"email":"not-an-email","password":"long-enough-pw","display_name":"x"}' \
    '{"email":"a@b","password":"long-enough-pw","display_name":"x"}' \
    '{"phone":"12ab","password":"long-enough-pw","display_name":"x"}' \
    '{"email":"ok@example.com","password":"short","display_name":"x"}' \
    '{"email":"ok@example.com","password":12345678,"display_name":"x"}' \
    '{"email":"ok@example.com","password":"long-enough-pw","display_name":""}' \
    '{"email":"ok@example.com","password":"long-enough-pw"}' \
    "{\"email\":\"ok@example.com\",\"password\":\"long-enough-pw\",\"display_name\":\"$(printf 'x%.0s' $(seq 1 65))\"}"; do
    api POST /api/v1/accounts "$body"
    expect_error 422 validation_failed "invalid sign-up $body"
done

api GET /api/v1/me
expect_error 401 unauthorized "/me needs a session"

TOKEN=$(login "new.buyer$u@example.com" long-enough-pw)
check "the new account can log in" test -n "$TOKEN"
api GET /api/v1/me
expect_status 200 "/me"
expect_jq .account.display_name "新买家" "/me names the account (UTF-8 intact)"
expect_jq '.roles | join(",")' buyer "/me roles"
expect_jq '.memberships | length' 0 "no memberships"

TOKEN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
api GET /api/v1/me
expect_status 200 "/me of a coop admin"
expect_jq '.roles | index("coop_admin") != null' true "coop admin role from membership"
expect_jq '.memberships[0].role' coop_admin "membership role"
TOKEN=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
api GET /api/v1/me
expect_status 200 "/me of a farmer"
expect_jq '.roles | index("farmer") != null' true "farmer role"
TOKEN=$(login ops@example.com "$DEMO_PASSWORD")
api GET /api/v1/me
expect_status 200 "/me of a platform admin"
expect_jq '.roles[0]' platform_admin "platform admin role"

finish
