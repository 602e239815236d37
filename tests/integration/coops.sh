#!/usr/bin/env bash
# coops.sh - cooperatives, members and production bases (src/shop/coops.c).
#
# Creates its own cooperative (unique credit code) with fresh accounts, so it
# can run again and again against the same database; reads the demo data
# only through the API.
. "$(dirname "$0")/lib.sh"

S=$(uniq_suffix)
as() { TOKEN=$1; }
# membership_coop TOKEN -> the coop_id of the account's first membership
membership_coop() {
    local saved=$TOKEN
    TOKEN=$1
    api GET /api/v1/me
    TOKEN=$saved
    jqr '.memberships[0].coop_id'
}
# msg_names WORD DESC -> the last error message names WORD
msg_names() {
    case "$(jqr .error.message)" in *"$1"*) ok ;; *) bad "$2: message should name $1" "$(jqr .error.message)" ;; esac
}
# walk PATH FIELD LIMIT -> FIELD of every item of the list at PATH, page by
# page with LIMIT items a page, following next_cursor until it is null (a page
# that is not 200, or a 100th page, prints HTTP<status> and stops)
walk() {
    local cursor= pages=0
    while :; do
        api GET "$1?limit=$3${cursor:+&cursor=$cursor}"
        [ "$STATUS" = 200 ] || { echo "HTTP$STATUS"; return; }
        [ "$(jqr '.items | length')" -le "$3" ] || { echo "page over $3"; return; }
        jqr ".items[].$2"
        cursor=$(jqr '.next_cursor // empty')
        pages=$((pages + 1))
        { [ -z "$cursor" ] || [ $pages -ge 100 ]; } && return
    done
}
# new_account NAME -> creates EMAIL=NAME-$S@example.com, prints its id
new_account() {
    local saved=$TOKEN
    TOKEN=
    api POST /api/v1/accounts "$(jq -nc --arg e "$1-$S@example.com" --arg n "测试 $1 $S" \
        '{email:$e,password:"farmlive-test-pw",display_name:$n}')"
    TOKEN=$saved
    jqr '.account.id'
}

OPS=$(login ops@example.com "$DEMO_PASSWORD")
AY_ADMIN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
BUYER=$(login buyer@example.com "$DEMO_PASSWORD")
check "demo logins work" test -n "$OPS" -a -n "$AY_ADMIN" -a -n "$BUYER"
AY=$(membership_coop "$AY_ADMIN")
check "the Anyuan admin belongs to a cooperative" test -n "$AY" -a "$AY" != null

# ---------------------------------------------------------------- reading
as ""
api GET "/api/v1/coops/$AY"
expect_status 200 "get the Anyuan cooperative"
expect_jq '.region.province' '江西省' "Anyuan region province"
expect_jq '.region.city' '萍乡市' "Anyuan region city"
expect_jq '.region.county' '安源区' "Anyuan region county"
expect_jq '.region | has("township") and has("village")' true "region carries township and village"
expect_jq '.contact.name != null and .contact.phone != null' true "contact name and phone"
expect_jq '[.bases[].name] | any(contains("大城"))' true "the Dacheng base is listed"
expect_jq '.member_count >= 2' true "member count"
expect_jq '.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' true "ISO 8601 UTC time"
AY_BASE=$(jqr '[.bases[] | select(.name | contains("大城"))][0].id')

api GET /api/v1/coops/999999999
expect_error 404 not_found "unknown cooperative"
api GET /api/v1/coops/abc
expect_error 404 not_found "non-numeric cooperative id"

api GET "/api/v1/coops/$AY/bases"
expect_status 200 "bases of Anyuan (public)"
expect_jq '[.items[].name] | any(contains("大城"))' true "bases list has Dacheng"
expect_jq '.items[0] | has("area_mu") and has("latitude") and has("longitude") and has("location")' true "base fields"
api GET /api/v1/coops/999999999/bases
expect_error 404 not_found "bases of unknown cooperative"

# ------------------------------------------------------------ create (ops)
ADMIN_ID=$(new_account coopadm)
M2_ID=$(new_account member2)
M3_ID=$(new_account member3)
check "fresh accounts created" test -n "$ADMIN_ID" -a "$ADMIN_ID" != null -a -n "$M3_ID" -a "$M3_ID" != null
CODE="93${S}TEST"
coop_body() { # coop_body JQ-UPDATE -> a valid create body with the update applied
    jq -nc --arg code "$CODE" --arg s "$S" --arg login "coopadm-$S@example.com" \
        '{name:("测试合作社 " + $s), name_en:("Test cooperative " + $s), credit_code:$code,
          province:"江西省", city:"萍乡市", county:"安源区", township:"高坑镇", village:"测试村",
          contact_name:"测试员", contact_phone:"0799-6000000", description:"integration test",
          admin_login:$login}' | jq -c "$1"
}

as ""
api POST /api/v1/coops "$(coop_body .)"
expect_error 401 unauthorized "anonymous cannot create a cooperative"
as "$BUYER"
api POST /api/v1/coops "$(coop_body .)"
expect_error 403 forbidden "a buyer cannot create a cooperative"
as "$AY_ADMIN"
api POST /api/v1/coops "$(coop_body .)"
expect_error 403 forbidden "a coop admin cannot create a cooperative"

as "$OPS"
for bad in 'del(.name)|name' '.name=""|name' 'del(.credit_code)|credit_code' \
    '.credit_code="93abc"|credit_code' '.credit_code="93360302ma35x7k2x4"|credit_code' \
    '.credit_code="93360302MA35X7K2X4A"|credit_code' '.credit_code="93360302MA35X7K2-4"|credit_code' \
    'del(.province)|province' 'del(.city)|city' 'del(.county)|county' \
    'del(.contact_name)|contact_name' 'del(.contact_phone)|contact_phone' \
    '.contact_phone="call me"|contact_phone' '.township=5|township' \
    '.admin_login="nobody-'"$S"'@example.com"|admin_login' \
    '.admin_account_id=999999999|del(.admin_login)|admin_account_id' \
    '.admin_account_id=1|admin_login'; do
    filter=${bad%|*}
    field=${bad##*|}
    api POST /api/v1/coops "$(coop_body "$filter")"
    expect_error 422 validation_failed "create with $filter"
    case "$(jqr .error.message)" in *"$field"*) ok ;; *) bad "create with $filter: message should name $field" "$(jqr .error.message)" ;; esac
done

api POST /api/v1/coops "$(coop_body .)"
expect_status 201 "ops creates a cooperative with a first admin"
NEW=$(jqr .id)
expect_jq '.credit_code' "$CODE" "credit code stored"
expect_jq '.region.township' '高坑镇' "township stored"
expect_jq '.region.village' '测试村' "village stored"
expect_jq '.member_count' 1 "the first admin is a member"
expect_jq '.bases | length' 0 "no bases yet"
api POST /api/v1/coops "$(coop_body '.name="dup"')"
expect_error 409 conflict "duplicate credit code"

api POST /api/v1/coops "$(coop_body ".credit_code=\"94${S}TEST\" | del(.admin_login, .name_en, .township, .village, .description)")"
expect_status 201 "create without admin and optional fields"
expect_jq '.member_count' 0 "no members without an admin"
expect_jq '.name_en' null "name_en absent"
expect_jq '.region.village' null "village absent"
NOADMIN=$(jqr .id)

# ------------------------------------------------------------------ list
as ""
api GET "/api/v1/coops?limit=1"
expect_status 200 "list cooperatives"
expect_jq '.items | length' 1 "limit=1 gives one"
expect_jq '.next_cursor | type' string "next_cursor on a full page"
seen=() cursor= pages=0 ordered=1 last=
while :; do
    api GET "/api/v1/coops?limit=2${cursor:+&cursor=$cursor}"
    [ "$STATUS" = 200 ] || { bad "coop page $pages: HTTP $STATUS"; break; }
    for id in $(jqr '.items[].id'); do
        [ -n "$last" ] && [ "$id" -ge "$last" ] && ordered=0
        last=$id
        seen+=("$id")
    done
    cursor=$(jqr '.next_cursor // empty')
    pages=$((pages + 1))
    [ -z "$cursor" ] || [ $pages -gt 500 ] && break
done
check "cursor pages are in descending id order without repeats" test $ordered = 1
check "paging reaches the new cooperative" bash -c "printf '%s\n' ${seen[*]} | grep -qx $NEW"
check "paging reaches Anyuan" bash -c "printf '%s\n' ${seen[*]} | grep -qx $AY"
api GET "/api/v1/coops?limit=0"
expect_error 400 bad_request "limit 0"
api GET "/api/v1/coops?limit=101"
expect_error 400 bad_request "limit 101"
api GET "/api/v1/coops?cursor=not-a-cursor"
expect_error 400 bad_request "bad cursor"
msg_names cursor "bad cursor"
api GET "/api/v1/coops?limit=1&cursor="
expect_status 200 "an empty cursor is the first page"
expect_jq '.items | length' 1 "an empty cursor lists from the start"

# ---------------------------------------------------------------- update
NEWADM=$(login "coopadm-$S@example.com" farmlive-test-pw)
check "the new admin can sign in" test -n "$NEWADM"
as "$NEWADM"
api PATCH "/api/v1/coops/$NEW" "$(jq -nc --arg n "改名合作社 $S" '{name:$n, township:null, description:"updated"}')"
expect_status 200 "the coop admin updates name, township, description"
expect_jq '.name' "改名合作社 $S" "name updated"
expect_jq '.region.township' null "township cleared"
expect_jq '.description' updated "description updated"
expect_jq '.credit_code' "$CODE" "other fields kept"
api PATCH "/api/v1/coops/$NEW" '{"credit_code":"93000000000000000X"}'
expect_error 403 forbidden "a coop admin cannot change the credit code"
api PATCH "/api/v1/coops/$NEW" '{"contact_phone":"x"}'
expect_error 422 validation_failed "bad contact phone"
api PATCH "/api/v1/coops/$NEW" '{"name":""}'
expect_error 422 validation_failed "empty name"
api PATCH "/api/v1/coops/$NEW" '{"name":null}'
expect_error 422 validation_failed "null name"
api PATCH "/api/v1/coops/$NOADMIN" '{"name":"x"}'
expect_error 403 forbidden "admin of another cooperative"
# the relay's 360p rendition for the cooperative's sessions (its choice over the relay's setting)
api GET "/api/v1/coops/$NEW"
expect_jq '.low_rendition' default "low_rendition: default until chosen"
api PATCH "/api/v1/coops/$NEW" '{"low_rendition":"auto"}'
expect_status 200 "the coop admin chooses the low rendition"
expect_jq '.low_rendition' auto "low_rendition updated"
api PATCH "/api/v1/coops/$NEW" '{"low_rendition":"max"}'
expect_error 422 validation_failed "an unknown low_rendition"
msg_names low_rendition "an unknown low_rendition"
api PATCH "/api/v1/coops/$NEW" '{"low_rendition":null}'
expect_error 422 validation_failed "a null low_rendition"
api PATCH "/api/v1/coops/$NEW" '{"low_rendition":"default"}'
expect_jq '.low_rendition' default "low_rendition back to default"
api PATCH "/api/v1/coops/$NOADMIN" '{"low_rendition":"on"}'
expect_error 403 forbidden "low_rendition: admin of another cooperative"
as "$(login farmer@anyuan.example.com "$DEMO_PASSWORD")"
api PATCH "/api/v1/coops/$AY" '{"low_rendition":"on"}'
expect_error 403 forbidden "low_rendition: a farmer (not the coop admin)"
as "$BUYER"
api PATCH "/api/v1/coops/$AY" '{"low_rendition":"on"}'
expect_error 403 forbidden "low_rendition: a buyer"
as "$NEWADM"
as "$OPS"
api PATCH /api/v1/coops/999999999 '{"name":"x"}'
expect_error 404 not_found "update unknown cooperative"
api PATCH "/api/v1/coops/$NOADMIN" "$(jq -nc --arg c "95${S}TEST" '{credit_code:$c}')"
expect_status 200 "a platform admin may correct the credit code"

# --------------------------------------------------------------- members
as "$NEWADM"
api GET "/api/v1/coops/$NEW/members"
expect_status 200 "members of the new cooperative"
expect_jq '.items | length' 1 "one member"
expect_jq '.items[0].account_id' "$ADMIN_ID" "the admin"
expect_jq '.items[0].role' coop_admin "as coop_admin"
expect_jq '.items[0].display_name' "测试 coopadm $S" "display name"
expect_jq '.items[0].joined_at | test("Z$")' true "joined_at"

# adding a member is an invitation: the same answer whether or not the
# login has an account, nothing changes until the invited account accepts
api POST "/api/v1/coops/$NEW/members" "$(jq -nc --arg l " MEMBER2-$S@example.com " '{login:$l, role:"farmer"}')"
expect_status 202 "invite a member by login (any spelling)"
expect_jq '.invitation.status' pending "the invitation is pending"
expect_jq '.invitation.role' farmer "as farmer"
expect_jq '.invitation.coop_id' "$NEW" "to this cooperative"
INV2=$(jqr .invitation.id)
known_keys=$(jqr '.invitation | keys | join(",")')
api POST "/api/v1/coops/$NEW/members" "$(jq -nc --argjson a "$M3_ID" '{account_id:$a, role:"coop_admin"}')"
expect_status 202 "invite a member by account id"
expect_jq '.invitation.role' coop_admin "as coop_admin"
INV3=$(jqr .invitation.id)
api POST "/api/v1/coops/$NEW/members" "$(jq -nc --arg l "ghost-$S@example.com" '{login:$l, role:"farmer"}')"
expect_status 202 "an unknown login is answered alike"
expect_jq '.invitation | keys | join(",")' "$known_keys" "the same keys as for a login with an account"
expect_jq '.invitation.status' pending "pending alike"
INV_GHOST=$(jqr .invitation.id)
api POST "/api/v1/coops/$NEW/members" '{"account_id":999999999,"role":"farmer"}'
expect_status 202 "an unknown account id is answered alike"
api POST "/api/v1/coops/$NEW/members" '{"login":"buyer@example.com","role":"owner"}'
expect_error 422 validation_failed "bad role"
api POST "/api/v1/coops/$NEW/members" '{"login":"buyer@example.com"}'
expect_error 422 validation_failed "missing role"
api POST "/api/v1/coops/$NEW/members" '{"role":"farmer"}'
expect_error 422 validation_failed "missing login and account id"
api GET "/api/v1/coops/$NEW/members"
expect_status 200 "members while invitations are pending"
expect_jq '.items | length' 1 "no one joined without accepting"

as "$(login "member2-$S@example.com" farmlive-test-pw)"
api GET /api/v1/me/invitations
expect_status 200 "the invited account lists its invitations"
expect_jq "[.items[] | select(.id == $INV2)] | length" 1 "the invitation by login is there"
expect_jq "[.items[] | select(.id == $INV2)][0].coop_name" "改名合作社 $S" "naming the cooperative"
expect_jq "[.items[] | select(.id == $INV_GHOST or .id == $INV3)] | length" 0 "no one else's invitation"
api POST "/api/v1/me/invitations/$INV_GHOST/accept"
expect_error 404 not_found "another login's invitation cannot be accepted"
api POST "/api/v1/me/invitations/$INV2/accept"
expect_status 200 "accept"
expect_jq '.invitation.status' accepted "accepted"
api POST "/api/v1/me/invitations/$INV2/accept"
expect_error 404 not_found "an answered invitation is not pending"
as "$NEWADM"
api POST "/api/v1/coops/$NEW/members" "$(jq -nc --arg l "member2-$S@example.com" '{login:$l, role:"coop_admin"}')"
expect_status 202 "invite a member again"
INV2B=$(jqr .invitation.id)
as "$(login "member2-$S@example.com" farmlive-test-pw)"
api POST "/api/v1/me/invitations/$INV2B/accept"
expect_error 409 conflict "already a member"
api POST "/api/v1/me/invitations/$INV2B/decline"
expect_status 200 "decline"
expect_jq '.invitation.status' declined "declined"
as "$(login "member3-$S@example.com" farmlive-test-pw)"
api GET /api/v1/me/invitations
expect_status 200 "the account invited by id lists its invitations"
expect_jq "[.items[] | select(.id == $INV3)] | length" 1 "the invitation by account id is there"
api POST "/api/v1/me/invitations/$INV3/accept"
expect_status 200 "accept by the account invited by id"
as "$NEWADM"
api GET "/api/v1/coops/$NEW/members"
expect_status 200 "members after two accepted invitations"
expect_jq '.items | length' 3 "three members now"
expect_jq '.next_cursor' null "one page holds the three"

# members come in pages, in the order they joined
for limit in 1 2; do
    check "pages of $limit member(s) list each member once, in the order they joined" \
        test "$(walk "/api/v1/coops/$NEW/members" account_id $limit | paste -sd,)" = "$ADMIN_ID,$M2_ID,$M3_ID"
done
api GET "/api/v1/coops/$NEW/members?limit=2"
expect_status 200 "the first page of two members"
expect_jq '[.items[].account_id] | map(tostring) | join(",")' "$ADMIN_ID,$M2_ID" "the first two to join"
expect_jq '.next_cursor | type' string "a full page has a next_cursor"
MCUR=$(jqr .next_cursor)
api GET "/api/v1/coops/$NEW/members?limit=2&cursor=$MCUR"
expect_status 200 "the second page of members"
expect_jq '[.items[].account_id] | map(tostring) | join(",")' "$M3_ID" "the last to join"
expect_jq '.next_cursor' null "no cursor on the last page"
api GET "/api/v1/coops/$NEW/members?cursor="
expect_status 200 "an empty cursor is the first page"
expect_jq '.items | length' 3 "an empty cursor lists from the start"
for q in limit=0 limit=101 limit=x cursor=zz cursor=0 cursor=1 "cursor=$MCUR.1"; do
    api GET "/api/v1/coops/$NEW/members?$q"
    expect_error 400 bad_request "members with $q"
    msg_names "${q%%=*}" "members with $q"
done

api PATCH "/api/v1/coops/$NEW/members/$M2_ID" '{"role":"coop_admin"}'
expect_status 200 "promote a farmer"
expect_jq '.role' coop_admin "promoted"
api PATCH "/api/v1/coops/$NEW/members/$M2_ID" '{"role":"boss"}'
expect_error 422 validation_failed "bad role on update"
BUYER_ID=$(TOKEN=$BUYER; api GET /api/v1/me; jqr .account.id)
check "the buyer's account id" test -n "$BUYER_ID" -a "$BUYER_ID" != null
api PATCH "/api/v1/coops/$NEW/members/$BUYER_ID" '{"role":"farmer"}'
expect_error 404 not_found "update a non-member"
api PATCH "/api/v1/coops/$NEW/members/999999999" '{"role":"farmer"}'
expect_error 404 not_found "update an unknown account"
api PATCH "/api/v1/coops/$NEW/members/$M2_ID" '{"role":"farmer"}'
expect_status 200 "demote while other admins remain"
api PATCH "/api/v1/coops/$NEW/members/$M3_ID" '{"role":"farmer"}'
expect_status 200 "demote the second admin"
api PATCH "/api/v1/coops/$NEW/members/$ADMIN_ID" '{"role":"farmer"}'
expect_error 409 conflict "demoting the last admin"
api DELETE "/api/v1/coops/$NEW/members/$ADMIN_ID"
expect_error 409 conflict "removing the last admin"
api DELETE "/api/v1/coops/$NEW/members/$M3_ID"
expect_status 204 "remove a farmer"
api DELETE "/api/v1/coops/$NEW/members/$M3_ID"
expect_error 404 not_found "remove a non-member"
api GET "/api/v1/coops/$NEW/members"
expect_status 200 "members after removal"
expect_jq '[.items[].account_id] | sort | map(tostring) | join(",")' \
    "$(printf '%s\n' "$ADMIN_ID" "$M2_ID" | sort -n | paste -sd,)" "members after removal"
api GET "/api/v1/coops/$NEW"
expect_status 200 "the cooperative after removal"
expect_jq '.member_count' 2 "member count follows"

M2=$(login "member2-$S@example.com" farmlive-test-pw)
as "$M2"
api GET "/api/v1/coops/$NEW/members"
expect_status 200 "a farmer lists the members of their cooperative"
api POST "/api/v1/coops/$NEW/members" "$(jq -nc --argjson a "$M3_ID" '{account_id:$a, role:"farmer"}')"
expect_error 403 forbidden "a farmer cannot add members"
api GET "/api/v1/coops/$AY/members"
expect_error 403 forbidden "members of another cooperative"
as ""
api GET "/api/v1/coops/$NEW/members"
expect_error 401 unauthorized "anonymous members list"
as "$OPS"
api GET /api/v1/coops/999999999/members
expect_error 404 not_found "members of unknown cooperative"
api POST /api/v1/coops/999999999/members '{"login":"buyer@example.com","role":"farmer"}'
expect_error 404 not_found "add member to unknown cooperative"
api DELETE /api/v1/coops/999999999/members/1
expect_error 404 not_found "remove member of unknown cooperative"

# ----------------------------------------------------------------- bases
base_body() {
    jq -nc --arg s "$S" '{name:("测试基地 " + $s), location:"江西省萍乡市 测试地块", area_mu:12.5,
        latitude:27.62, longitude:113.87, description:"test base"}' | jq -c "$1"
}
as "$NEWADM"
api POST "/api/v1/coops/$NEW/bases" "$(base_body .)"
expect_status 201 "create a base"
BASE=$(jqr .id)
expect_jq '.coop_id' "$NEW" "base belongs to the cooperative"
expect_jq '.area_mu' 12.5 "area stored"
expect_jq '.latitude' 27.62 "latitude stored"
expect_jq '.longitude' 113.87 "longitude stored"
api POST "/api/v1/coops/$NEW/bases" "$(base_body 'del(.latitude, .longitude, .description)')"
expect_status 201 "create a base without coordinates"
expect_jq '.latitude' null "no latitude"
BASE2=$(jqr .id)

# the list carries each cooperative's bases, as its own GET does
as ""
api GET "/api/v1/coops/$NEW"
expect_status 200 "the new cooperative with its bases"
ONE_BASES=$(jqr '.bases | tojson')
api GET "/api/v1/coops?limit=100"
expect_status 200 "the list of cooperatives"
expect_jq 'all(.items[]; .bases | type == "array")' true "every listed cooperative has bases"
expect_jq "[.items[] | select(.id == $NEW)][0].bases | tojson" "$ONE_BASES" "the list's bases are the cooperative's own"
expect_jq "[.items[] | select(.id == $NEW)][0].bases | map(.id) | join(\",\")" "$BASE,$BASE2" "both new bases, oldest first"
expect_jq "[.items[] | select(.id == $NOADMIN)][0].bases" '[]' "a cooperative without bases lists none"
api GET "/api/v1/coops?limit=1&cursor=$(printf %x "$NEW")"
expect_status 200 "the page after the new cooperative"
expect_jq '.items[0].id < '"$NEW" true "it starts past the new cooperative"
expect_jq '.items[0].bases | type' array "its cooperative has bases too"
as "$NEWADM"

# bases come in pages, oldest first
for limit in 1 2 3; do
    check "pages of $limit base(s) list each base once, oldest first" \
        test "$(walk "/api/v1/coops/$NEW/bases" id $limit | paste -sd,)" = "$BASE,$BASE2"
done
api GET "/api/v1/coops/$NEW/bases?limit=1"
expect_status 200 "the first page of bases"
expect_jq '.items[0].id' "$BASE" "the oldest base first"
BCUR=$(jqr .next_cursor)
api GET "/api/v1/coops/$NEW/bases?limit=1&cursor=$BCUR"
expect_status 200 "the second page of bases"
expect_jq '[.items[].id] | map(tostring) | join(",")' "$BASE2" "the newer base"
expect_jq '.next_cursor' null "no cursor after the last base"
for q in limit=0 limit=101 cursor=zz cursor=0 cursor=1.2; do
    api GET "/api/v1/coops/$NEW/bases?$q"
    expect_error 400 bad_request "bases with $q"
    msg_names "${q%%=*}" "bases with $q"
done
for bad in 'del(.name)|name' 'del(.location)|location' 'del(.area_mu)|area_mu' '.area_mu=0|area_mu' \
    '.area_mu=-3|area_mu' '.area_mu="12"|area_mu' '.latitude=91|latitude' '.latitude=-90.5|latitude' \
    '.longitude=181|longitude' '.longitude="east"|longitude' '.name=""|name'; do
    filter=${bad%|*}
    field=${bad##*|}
    api POST "/api/v1/coops/$NEW/bases" "$(base_body "$filter")"
    expect_error 422 validation_failed "base create with $filter"
    case "$(jqr .error.message)" in *"$field"*) ok ;; *) bad "base create with $filter: message should name $field" "$(jqr .error.message)" ;; esac
done
api PATCH "/api/v1/coops/$NEW/bases/$BASE" '{"name":"改名基地","latitude":null,"area_mu":20}'
expect_status 200 "update a base"
expect_jq '.name' 改名基地 "base renamed"
expect_jq '.latitude' null "latitude cleared"
expect_jq '.longitude' 113.87 "longitude kept"
expect_jq '.area_mu' 20 "area updated"
api PATCH "/api/v1/coops/$NEW/bases/$BASE" '{"area_mu":-1}'
expect_error 422 validation_failed "negative area on update"
api PATCH "/api/v1/coops/$NEW/bases/$BASE" '{"longitude":200}'
expect_error 422 validation_failed "longitude out of range on update"
api PATCH "/api/v1/coops/$NEW/bases/$AY_BASE" '{"name":"x"}'
expect_error 404 not_found "a base of another cooperative through this one"
api PATCH "/api/v1/coops/$NEW/bases/999999999" '{"name":"x"}'
expect_error 404 not_found "unknown base"
api GET "/api/v1/coops/$NEW"
expect_status 200 "the cooperative after base changes"
expect_jq '[.bases[].name] | index("改名基地") != null' true "the cooperative shows its bases"
as "$OPS"
api POST /api/v1/coops/999999999/bases "$(base_body .)"
expect_error 404 not_found "base for unknown cooperative"

# ------------------------------------------------------------ base photos
# the image checked and drawn as a product's photo is (see media.sh)
ffmpeg -v error -f lavfi -i "testsrc=size=800x600" -frames:v 1 -q:v 3 "$_TMP/base.jpg"
head -c $(($(stat -c %s "$_TMP/base.jpg") / 2)) "$_TMP/base.jpg" > "$_TMP/broken.jpg"
photo() { api POST "/api/v1/coops/$1/bases/$2/photos" "" -H "Content-Type: image/jpeg" --data-binary "@$3"; }
as "$NEWADM"
photo "$NEW" "$BASE" "$_TMP/base.jpg"
expect_status 201 "the admin uploads a photo of a base"
PHOTO=$(jqr '.photos[-1]')
check "its URL names the largest rendition ($PHOTO)" sh -c 'printf "%s" "$0" | grep -Eq "^/media/[0-9a-f]{32}-1080\.jpg$"' "$PHOTO"
photo "$NEW" "$BASE" "$_TMP/broken.jpg"
expect_error 422 image_unreadable "half a JPEG, refused as for products"
photo "$NEW" "$AY_BASE" "$_TMP/base.jpg"
expect_error 404 not_found "a base of another cooperative through this one"
as ""
api GET "/api/v1/coops/$NEW/bases"
expect_status 200 "bases with their photos"
expect_jq "[.items[] | select(.id == $BASE)][0].photos | tojson" "[\"$PHOTO\"]" "the base lists its photo"
expect_jq "[.items[] | select(.id == $BASE2)][0].photos" '[]' "a base without photos lists none"
curl -s -o /dev/null -D "$_TMP/bp.h" "$SHOP_URL${PHOTO%-1080.jpg}-320.jpg"
check "the photo is served as a JPEG" grep -qi '^content-type: image/jpeg' "$_TMP/bp.h"
photo "$NEW" "$BASE" "$_TMP/base.jpg"
expect_error 401 unauthorized "anonymous cannot upload a base photo"
as "$M2"
photo "$NEW" "$BASE" "$_TMP/base.jpg"
expect_error 403 forbidden "a farmer of the cooperative cannot upload a base photo"
as "$AY_ADMIN"
photo "$NEW" "$BASE" "$_TMP/base.jpg"
expect_error 403 forbidden "another cooperative's admin cannot upload a base photo"
as "$NEWADM"
for i in 2 3 4 5 6; do photo "$NEW" "$BASE" "$_TMP/base.jpg"; done
expect_status 201 "the sixth photo"
expect_jq '.photos | length' 6 "six photos, in order"
photo "$NEW" "$BASE" "$_TMP/base.jpg"
expect_error 409 conflict "a seventh photo"

finish
