#!/usr/bin/env bash
# dash_ops.sh - the cooperative dashboard's orders desk through the API: a
# cooperative's orders by China's day, status and live session (a bad value
# is 400 naming it); several orders shipped at once, one transaction each, a
# result per order (one cancelled and one of another cooperative among
# them); the courier's CSV of a day read cell by cell (BOM, CRLF, RFC 4180
# quoting, the formula guard, what sold and nothing else); the inventory
# per SKU and lot; the sales per day equal to the orders table, a refund
# subtracted; a member of another cooperative, a buyer and a guest refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

buy_logins
as "$AY_ADMIN"
SKU=$(new_sku "$AY" 1990)
LOT=$(restock "$SKU" 50 "DO-$S")
check "a SKU and its lot" test -n "$LOT" -a "$LOT" != null
B=$(new_buyer)
order_with() { # order_with METHOD ADDRESS_JSON [LIVE_ID] -> order id (as $B, 2 units)
    as "$B"
    cart_put "$SKU" 2 >/dev/null
    api POST /api/v1/orders "$(jq -nc --arg m "$1" --argjson a "$2" --arg l "${3-}" \
        '{payment_method:$m, address:$a} + (if $l != "" then {live_id:$l} else {} end)')" \
        -H "Idempotency-Key: do-$RANDOM-$S"
    jqr '.orders[0].id'
}
PLAIN='{"name":"王丽","phone":"13800000000","province":"江西省","city":"萍乡市","county":"安源区","detail":"大城镇 1 号"}'
# a recipient and an address a spreadsheet would run as formulas, with commas and quotes to quote
HOSTILE='{"name":"-王丽","phone":"+86 138 0000 0001","province":"江西省","city":"萍乡市","county":"安源区","detail":"=SUM(A1),\"x\""}'
O1=$(order_with cod "$HOSTILE")
O2=$(order_with cod "$PLAIN")
O3=$(order_with online "$PLAIN") # awaiting payment: not the courier's
O4=$(order_with cod "$PLAIN")
as "$B"
api POST "/api/v1/orders/$O4/cancel" '{"reason":"买错了"}'
expect_status 200 "the buyer cancels one order"
for v in O1 O2 O3 O4; do check "order $v placed (${!v})" test -n "${!v}" -a "${!v}" != null; done
DAY=$(sql "SELECT DATE(created_at + INTERVAL 8 HOUR) FROM orders WHERE id = $O1") # China's day of the order
PREV=$(date -u -d "$DAY -1 day" +%F)

# ---------------------------------------------------------------- by day, status, session
as "$AY_FARMER"
api GET "/api/v1/coops/$AY/orders?date=$DAY&limit=100"
expect_status 200 "the day's orders"
check "the day holds the four orders" test "$(jqr "[.items[].id | select(. == $O1 or . == $O2 or . == $O3 or . == $O4)] | length")" = 4
api GET "/api/v1/coops/$AY/orders?date=$DAY&status=confirmed&limit=100"
expect_status 200 "the day's confirmed orders"
check "confirmed: the two cash-on-delivery orders still open" \
    test "$(jqr "[.items[] | select(.id == $O1 or .id == $O2 or .id == $O3 or .id == $O4) | .id] | sort | map(tostring) | join(\" \")")" = "$O1 $O2"
check "every one of them confirmed" test "$(jqr '[.items[].status] | unique | join(" ")')" = confirmed
api GET "/api/v1/coops/$AY/orders?date=$PREV&limit=100"
expect_status 200 "the day before"
check "the day before holds none of them" test "$(jqr "[.items[].id | select(. == $O1 or . == $O2)] | length")" = 0
for bad in "date=2026-02-30" "date=today" "date=2026-1-5" "live_id=nothing" "status=lost"; do
    api GET "/api/v1/coops/$AY/orders?$bad"
    expect_error 400 bad_request "?$bad"
    check "the refusal of ?$bad names it" grep -q "^${bad%%=*} " <<<"$(jqr .error.message)"
done
# a session that went live, one order bought in it
as "$AY_ADMIN"
api POST /api/v1/live "$(jq -nc --arg t "订单台直播 $S" '{title:$t}')"
expect_status 201 "a live session"
LIVE=$(jqr .id)
KEY=$(jqr .stream_key)
api POST /internal/v1/live/publish "$(jq -nc --arg k "$KEY" '{stream_key:$k}')" -H "X-Internal-Secret: $FARMLIVE_INTERNAL_SECRET"
expect_status 200 "it goes live"
O5=$(order_with cod "$PLAIN" "$LIVE")
as "$AY_FARMER"
api GET "/api/v1/coops/$AY/orders?live_id=$LIVE"
expect_status 200 "the session's orders"
expect_jq '[.items[].id] | map(tostring) | join(" ")' "$O5" "only the order bought in the session"
api GET "/api/v1/coops/$AY/orders?live_id=0123456789abcdef"
expect_status 200 "a session that does not exist"
expect_jq '.items | length' 0 "has no orders"
# the session ends, as the relay would report it: other suites' pages list what is live
api POST /internal/v1/live/ended "$(jq -nc --arg i "$LIVE" '{live_id:$i}')" -H "X-Internal-Secret: $FARMLIVE_INTERNAL_SECRET"
expect_status 200 "the session ends"

# ---------------------------------------------------------------- the courier's CSV
csv_get() { # csv_get QUERY -> the file in $_TMP/orders.csv
    curl -s -o "$_TMP/orders.csv" -D "$_TMP/csv.hdrs" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
        "$SHOP_URL/api/v1/coops/$AY/orders.csv?$1"
}
# cell ORDER COLUMN -> that cell as a spreadsheet reads it (Python's csv, RFC 4180)
cell() {
    python3 - "$_TMP/orders.csv" "$1" "$2" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
head = rows[0]
for r in rows[1:]:
    if r[0] == sys.argv[2]:
        print(r[head.index(sys.argv[3])])
PY
}
as "$AY_FARMER"
check "the day's CSV answers 200" test "$(csv_get "date=$DAY")" = 200
check "as text/csv in UTF-8" grep -qi '^content-type: text/csv; charset=utf-8' "$_TMP/csv.hdrs"
check "as a file named for the day" grep -qi "^content-disposition: attachment; filename=\"orders-$AY-$DAY.csv\"" "$_TMP/csv.hdrs"
check "it starts with the UTF-8 byte-order mark" test "$(head -c 3 "$_TMP/orders.csv" | od -An -tx1 | tr -d ' ')" = efbbbf
check "every row ends CRLF" test "$(grep -c $'\r$' "$_TMP/orders.csv")" = "$(wc -l <"$_TMP/orders.csv")"
check "the header row, in Chinese" test "$(head -n 1 "$_TMP/orders.csv" | tail -c +4 | tr -d '\r')" = \
    "订单号,下单时间,收件人,电话,收货地址,商品,件数,金额(元),付款方式,代收货款(元),状态,快递公司,运单号"
ids=$(python3 -c "
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline='')))
print(' '.join(r[0] for r in rows[1:] if r[0] in sys.argv[2:]))" "$_TMP/orders.csv" "$O1" "$O2" "$O3" "$O4" "$O5")
check "what sold, oldest first: not the unpaid nor the cancelled ($ids)" test "$ids" = "$O1 $O2 $O5"
check "收件人: a leading - guarded" test "$(cell "$O1" 收件人)" = "'-王丽"
check "电话: a leading + guarded" test "$(cell "$O1" 电话)" = "'+86 138 0000 0001"
check "收货地址: the province, city, county and detail, a comma and quotes kept" \
    test "$(cell "$O1" 收货地址)" = '江西省萍乡市安源区=SUM(A1),"x"'
check "the address cell quoted, its quotes doubled (RFC 4180)" grep -qF ',"江西省萍乡市安源区=SUM(A1),""x""",' "$_TMP/orders.csv"
check "商品: name spec/unit ×units" grep -q "^测试商品 .* 30枚/盒 ×2$" <<<"$(cell "$O1" 商品)"
check "件数" test "$(cell "$O1" 件数)" = 2
check "金额(元): the total in yuan" test "$(cell "$O1" '金额(元)')" = 39.80
check "付款方式" test "$(cell "$O1" 付款方式)" = 货到付款
check "代收货款(元): the courier collects cash on delivery" test "$(cell "$O1" '代收货款(元)')" = 39.80
check "下单时间 on China's clock" test "$(cell "$O1" 下单时间)" = \
    "$(sql "SELECT DATE_FORMAT(created_at + INTERVAL 8 HOUR, '%Y-%m-%d %H:%i') FROM orders WHERE id = $O1")"
check "the recipient of a plain order as is" test "$(cell "$O2" 收件人)" = 王丽
check "not shipped yet: no carrier" test "$(cell "$O2" 快递公司)" = ""
check "an awaiting-payment order by its status" test "$(csv_get "date=$DAY&status=pending_payment")" = 200
check "status=pending_payment holds it" grep -q "^$O3," "$_TMP/orders.csv"
check "the day before's CSV" test "$(csv_get "date=$PREV")" = 200
check "holds none of today's orders" test "$(grep -c "^\($O1\|$O2\)," "$_TMP/orders.csv")" = 0
check "without a date: 400" test "$(csv_get "")" = 400
check "its refusal names date" grep -q '"message":"date ' "$_TMP/orders.csv"
check "a day that is not real: 400" test "$(csv_get "date=2026-13-01")" = 400

# ---------------------------------------------------------------- several shipped at once
as "$QBJ_ADMIN"
QSKU=$(new_sku "$QBJ" 990)
restock "$QSKU" 5 >/dev/null
as "$B"
cart_put "$QSKU" 1 >/dev/null
checkout "do-q-$S" cod
OQ=$(jqr '.orders[0].id') # Qingbaijiang's
check "an order of another cooperative ($OQ)" test -n "$OQ" -a "$OQ" != null
ship_body() { jq -nc --argjson a "$1" --argjson b "$2" --argjson c "$3" --argjson d "$4" '{orders:[
    {order_id:$a, carrier:"顺丰", tracking_no:"SF100"}, {order_id:$b, carrier:"顺丰", tracking_no:"SF101"},
    {order_id:$c, carrier:"中通", tracking_no:"ZT1"}, {order_id:$d, carrier:"中通", tracking_no:"ZT2"}]}'; }
as "$AY_FARMER"
api POST "/api/v1/coops/$AY/orders/ship" "$(ship_body "$O1" "$O4" "$OQ" "$O2" | jq -c '.orders[1] |= del(.carrier)')"
expect_error 422 validation_failed "an item without its carrier"
check "the refusal names orders[1].carrier" grep -q "^orders\[1\]\.carrier " <<<"$(jqr .error.message)"
api POST "/api/v1/coops/$AY/orders/ship" "$(ship_body "$O1" "$O2" "$OQ" "$O1")"
expect_error 422 validation_failed "an order named twice"
check "the refusal names orders[3].order_id" grep -q "^orders\[3\]\.order_id " <<<"$(jqr .error.message)"
api POST "/api/v1/coops/$AY/orders/ship" '{"orders":[]}'
expect_error 422 validation_failed "no orders"
check "refusals shipped nothing" test "$(sql "SELECT COUNT(*) FROM orders WHERE id IN ($O1, $O2) AND status = 'shipped'")" = 0
as "$QBJ_ADMIN"
api POST "/api/v1/coops/$AY/orders/ship" "$(ship_body "$O1" "$O4" "$OQ" "$O2")"
expect_error 403 forbidden "another cooperative's admin ships nothing of Anyuan's"
as "$B"
api POST "/api/v1/coops/$AY/orders/ship" "$(ship_body "$O1" "$O4" "$OQ" "$O2")"
expect_error 403 forbidden "a buyer ships nothing"
as ""
api POST "/api/v1/coops/$AY/orders/ship" "$(ship_body "$O1" "$O4" "$OQ" "$O2")"
expect_error 401 unauthorized "a guest ships nothing"
check "still nothing shipped" test "$(sql "SELECT COUNT(*) FROM orders WHERE id IN ($O1, $O2, $OQ) AND status = 'shipped'")" = 0
as "$AY_FARMER"
api POST "/api/v1/coops/$AY/orders/ship" "$(ship_body "$O1" "$O4" "$OQ" "$O2")"
expect_status 200 "four orders, one cancelled, one of another cooperative"
expect_jq '[.shipped, .failed] | map(tostring) | join(" ")' "2 2" "two shipped, two not"
expect_jq '[.items[] | "\(.order_id):\(.shipped):\(.error.code // "")"] | join(" ")' \
    "$O1:true: $O4:false:illegal_transition $OQ:false:not_found $O2:true:" "a result per order, in the order asked"
check "the cancelled one's message says why" grep -q "is cancelled" <<<"$(jqr '.items[1].error.message')"
check "the two shipped with their own carrier and number" test \
    "$(sql "SELECT GROUP_CONCAT(CONCAT(id, ':', status, ':', carrier, ':', tracking_no) ORDER BY id) FROM orders WHERE id IN ($O1, $O2)")" = \
    "$O1:shipped:顺丰:SF100,$O2:shipped:中通:ZT2"
check "the cancelled and the other cooperative's untouched" test \
    "$(sql "SELECT GROUP_CONCAT(CONCAT(status, ':', COALESCE(tracking_no, '-')) ORDER BY id) FROM orders WHERE id IN ($O4, $OQ)")" = \
    "cancelled:-,confirmed:-"
api POST "/api/v1/coops/$AY/orders/ship" "$(jq -nc --argjson a "$O1" '{orders:[{order_id:$a, carrier:"顺丰", tracking_no:"SF999"}]}')"
expect_status 200 "shipping a shipped order again"
expect_jq '.items[0].error.code' illegal_transition "is refused for that order"
check "its tracking number kept" test "$(sql "SELECT tracking_no FROM orders WHERE id = $O1")" = SF100
as "$B"
api GET "/api/v1/orders/$O2"
expect_status 200 "the buyer reads a shipped order"
expect_jq '[.status, .carrier, .tracking_no] | join(" ")' "shipped 中通 ZT2" "shipped, with the carrier and number"
as "$AY_FARMER"
check "the CSV after shipping" test "$(csv_get "date=$DAY")" = 200
check "names the carrier" test "$(cell "$O1" 快递公司)" = 顺丰
check "and the tracking number" test "$(cell "$O1" 运单号)" = SF100
check "and the status" test "$(cell "$O1" 状态)" = 已发货

# ---------------------------------------------------------------- inventory
inv_item() { # inv_item SKU -> that SKU's item of GET /coops/{AY}/inventory, following the pages
    local cursor="" item=""
    for _ in $(seq 1 50); do
        api GET "/api/v1/coops/$AY/inventory?limit=100&cursor=$cursor"
        [ "$STATUS" = 200 ] || break
        item=$(jqr ".items[] | select(.sku_id == $1)")
        cursor=$(jqr '.next_cursor // ""')
        [ -n "$item" ] || [ -z "$cursor" ] && break
    done
    printf '%s' "$item"
}
as "$AY_ADMIN"
LOT2=$(restock "$SKU" 7 "DO2-$S")
check "a second lot ($LOT2)" test -n "$LOT2" -a "$LOT2" != null
as "$AY_FARMER"
item=$(inv_item "$SKU")
check "the SKU is in the cooperative's inventory" test -n "$item"
left=$(sql "SELECT SUM(remaining) FROM lots WHERE sku_id = $SKU")
check "available = its lots' remaining ($left)" test "$(jq -r .available <<<"$item")" = "$left"
check "its lots, the one sold from first" test "$(jq -r '[.lots[].code] | join(" ")' <<<"$item")" = "DO-$S DO2-$S"
check "each lot's remaining as the lots table holds it" test "$(jq -r '[.lots[].remaining] | map(tostring) | join(" ")' <<<"$item")" = \
    "$(sql "SELECT GROUP_CONCAT(remaining ORDER BY id SEPARATOR ' ') FROM lots WHERE sku_id = $SKU")"
check "the product's name and the SKU's spec" test "$(jq -r '[.spec, .unit, (.active | tostring)] | join(" ")' <<<"$item")" = "30枚 盒 true"
api GET "/api/v1/coops/$AY/inventory?limit=0"
expect_error 400 bad_request "a bad limit"
as "$QBJ_ADMIN"
api GET "/api/v1/coops/$AY/inventory"
expect_error 403 forbidden "another cooperative's admin sees no stock of Anyuan's"

# ---------------------------------------------------------------- sales
sold_sql() { # what the orders table says sold on DAY: orders units revenue
    sql "SELECT COUNT(DISTINCT o.id), COALESCE(SUM(l.quantity), 0), COALESCE(SUM(l.quantity * l.unit_price_fen), 0)
         FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.coop_id = $AY
         AND DATE(o.created_at + INTERVAL 8 HOUR) = '$DAY'
         AND o.status IN ('paid', 'confirmed', 'shipped', 'delivered', 'completed')" | tr '\t' ' '
}
totals_sql() { # the same from the orders' totals
    sql "SELECT COUNT(*), COALESCE(SUM(total_fen), 0) FROM orders WHERE coop_id = $AY
         AND DATE(created_at + INTERVAL 8 HOUR) = '$DAY' AND status IN ('paid', 'confirmed', 'shipped', 'delivered', 'completed')" | tr '\t' ' '
}
as "$AY_ADMIN"
api GET "/api/v1/coops/$AY/sales?from=$PREV&to=$DAY"
expect_status 200 "the sales of two days"
want=$(sold_sql)
expect_jq '.days | map(.date) | join(" ")' "$PREV $DAY" "both days, the day before included"
expect_jq '.days[1] | [.orders, .units, .revenue_fen] | map(tostring) | join(" ")' "$want" "the day's figures equal the orders table"
check "the orders' totals agree ($(totals_sql))" test "$(totals_sql)" = "$(jqr '.days[1] | [.orders, .revenue_fen] | map(tostring) | join(" ")')"
expect_jq '[.totals.orders, .days[0].orders + .days[1].orders] | map(tostring) | join(" ")' \
    "$(jqr '.days[0].orders + .days[1].orders') $(jqr '.days[0].orders + .days[1].orders')" "totals sum the days"
check "today's best products hold ours" test "$(jqr "[.best_products[] | select(.product_id == $(sql "SELECT product_id FROM skus WHERE id = $SKU"))] | length")" = 1
before_rev=$(jqr '.days[1].revenue_fen')
before_refunded=$(jqr '.days[1].refunded_fen')
api POST "/api/v1/orders/$O2/refund" '{"reason":"破损","return":false}'
expect_status 200 "a shipped order refunded"
api GET "/api/v1/coops/$AY/sales?from=$DAY&to=$DAY"
expect_status 200 "the day's sales after the refund"
expect_jq '.days[0] | [.orders, .units, .revenue_fen] | map(tostring) | join(" ")' "$(sold_sql)" "still equal to the orders table"
expect_jq '.days[0].revenue_fen' "$((before_rev - 3980))" "the refund subtracted from the day's revenue"
expect_jq '.days[0].refunded_fen' "$((before_refunded + 3980))" "and counted as refunded"
expect_jq '.days[0] | .gross_fen == .revenue_fen + .refunded_fen' true "gross = kept + refunded"
for bad in "from=2026-02-30" "to=yesterday" "from=$DAY&to=$PREV" "from=2026-01-01&to=2026-12-31"; do
    api GET "/api/v1/coops/$AY/sales?$bad"
    expect_error 400 bad_request "sales ?$bad"
done
api GET "/api/v1/coops/$AY/sales?from=2026-01-01"
expect_error 400 bad_request "a period longer than 92 days"
check "names to" grep -q "^to " <<<"$(jqr .error.message)"
api GET "/api/v1/coops/$AY/sales"
expect_status 200 "the default period"
expect_jq '.days | length' 30 "is 30 days"
as "$AY_FARMER"
api GET "/api/v1/coops/$AY/sales"
expect_error 403 forbidden "a farmer does not see the cooperative's sales"
as "$QBJ_ADMIN"
api GET "/api/v1/coops/$AY/sales"
expect_error 403 forbidden "another cooperative's admin sees no sales of Anyuan's"
check "with no figures" test "$(jqr .days)" = null

# ---------------------------------------------------------------- the pages
as "$AY_FARMER"
api GET "/dash/$AY/orders?date=$DAY"
expect_status 200 "the orders page"
check "it lists the day's order with its recipient" grep -q "data-order=\"$O1\"" <<<"$BODY"
check "the recipient's text escaped as text, not markup" grep -qF -- '-王丽' <<<"$BODY"
check "it links the day's CSV" grep -qF "/api/v1/coops/$AY/orders.csv?date=$DAY" <<<"$BODY"
check "a farmer gets no refund button" test "$(grep -c 'data-refund=' <<<"$BODY")" = 0
check "the dashboard's navigation names the orders, inventory and sales a farmer sees" \
    test "$(grep -o "href=\"/dash/$AY/\(orders\|inventory\|sales\)\"" <<<"$BODY" | sort | tr '\n' ' ')" = \
    "href=\"/dash/$AY/inventory\" href=\"/dash/$AY/orders\" "
api GET "/dash/$AY/orders?date=$DAY&live_id=$LIVE"
expect_status 200 "the orders page of one session"
check "holds its order and no other" test "$(grep -o 'data-order="[0-9]*"' <<<"$BODY" | tr '\n' ' ')" = "data-order=\"$O5\" "
as "$AY_ADMIN"
api GET "/dash/$AY/orders?date=$DAY&lang=en"
expect_status 200 "the orders page in English"
check "an admin gets refund buttons" grep -q 'data-refund=' <<<"$BODY"
check "in English" grep -q "Download the day&#39;s CSV for the courier" <<<"$BODY"
api GET "/dash/$AY/inventory"
expect_status 200 "the inventory page"
check "it shows the lot" grep -q "DO-$S" <<<"$BODY"
api GET "/dash/$AY/sales?from=$DAY&to=$DAY"
expect_status 200 "the sales page"
check "its totals are the API's" grep -q "id=\"t-orders\">$(sql "SELECT COUNT(*) FROM orders WHERE coop_id = $AY AND DATE(created_at + INTERVAL 8 HOUR) = '$DAY' AND status IN ('paid', 'confirmed', 'shipped', 'delivered', 'completed')")<" <<<"$BODY"
as "$AY_FARMER"
api GET "/dash/$AY/sales"
expect_status 403 "a farmer is refused the sales page"
check "with the admins-only refusal" grep -q 'id="refused"' <<<"$BODY"
as "$QBJ_ADMIN"
for page in orders inventory sales; do
    api GET "/dash/$AY/$page?date=$DAY"
    expect_status 403 "another cooperative's admin is refused /dash/$AY/$page"
    check "the refusal carries no data of Anyuan's ($page)" test "$(grep -c "data-order\|DO-$S\|王丽\|t-orders" <<<"$BODY")" = 0
done
as ""
api GET "/dash/$AY/orders"
expect_status 303 "a guest is sent to sign in"
check "and back to the page after" grep -qi "/signin?next=%2Fdash%2F$AY%2Forders" <<<"$(header location)"
as "$AY_ADMIN"
api GET "/dash/999999999/orders"
expect_status 403 "a cooperative one is no member of, existing or not: the refusal"
as "$OPS"
api GET "/dash/999999999/orders"
expect_status 404 "a platform admin: no such cooperative"

# ---------------------------------------------------------------- refusals
as "$QBJ_ADMIN"
check "another cooperative's admin: the CSV is 403" test "$(csv_get "date=$DAY")" = 403
check "with no data in it" test "$(jq -r .error.code "$_TMP/orders.csv")$(grep -c '订单号\|王丽' "$_TMP/orders.csv")" = forbidden0
api GET "/api/v1/coops/$AY/orders?date=$DAY"
expect_error 403 forbidden "another cooperative's admin lists no orders"
as "$B"
check "a buyer: the CSV is 403" test "$(csv_get "date=$DAY")" = 403
as ""
check "a guest: the CSV is 401" test "$(csv_get "date=$DAY")" = 401

# ---------------------------------------------------------------- the browser
DIR=$(cd "$(dirname "$0")/../browser" && pwd)
SHOTS=${PAGES_SHOT_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/var/test-artifacts/pages}
if [ ! -x /usr/bin/chromium ] || [ ! -d "$DIR/node_modules/playwright-core" ]; then
    bad "Chromium and playwright-core are needed (ops/install-deps.sh installs them)"
else
    out=$(cd "$DIR" && SHOP_URL=$SHOP_URL SHOT_DIR=$SHOTS BUYER_TOKEN="$(new_buyer)" COOP="$AY" SKU="$SKU" \
        ADMIN_LOGIN=admin@anyuan.example.com OTHER_LOGIN=admin@qingbaijiang.example.com PASSWORD="$DEMO_PASSWORD" \
        timeout 300 node dash_ops.mjs 2>&1)
    printf '%s\n' "$out" | grep -v '^dash_ops-browser: ' >&2
    line=$(printf '%s\n' "$out" | grep -E '^dash_ops-browser: [0-9]+ passed, [0-9]+ failed$')
    p=$(printf '%s' "$line" | sed -n 's/^dash_ops-browser: \([0-9]*\) passed.*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
    PASS=$((PASS + ${p:-0}))
    FAIL=$((FAIL + ${f:-1}))
    check "screenshots kept in $SHOTS" test -s "$SHOTS/dash-orders-1280x800.png" -a -s "$SHOTS/dash-sales-390x844.png"
fi
finish
