#!/usr/bin/env bash
# buy_carts.sh - carts in Redis: guests, accounts, the merge on login, the
# cart view (prices, stock, per-cooperative subtotals in fen), errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

buy_logins
as "$AY_ADMIN"
SKU_A=$(new_sku "$AY" 1990)
restock "$SKU_A" 5 >/dev/null
as "$QBJ_ADMIN"
SKU_Q=$(new_sku "$QBJ" 2500)
restock "$SKU_Q" 10 >/dev/null
check "SKUs created" test -n "$SKU_A" -a "$SKU_A" != null -a -n "$SKU_Q" -a "$SKU_Q" != null

# ---------------------------------------------------------------- a guest
as ""
api GET /api/v1/cart
expect_status 200 "a guest without a cart sees an empty one"
expect_jq .item_count 0 "empty cart"
cart_put "$SKU_A" 2
expect_status 200 "a guest adds to a cart"
GUEST=$(jqr .cart_token)
check "the guest gets a cart token" test ${#GUEST} -eq 64
case "$(header set-cookie)" in fl_cart=$GUEST*) ok ;; *) bad "the cart token is set as the fl_cart cookie" "$(header set-cookie)" ;; esac
api PUT "/api/v1/cart/items/$SKU_Q" '{"quantity":3}' -H "X-Cart-Token: $GUEST"
expect_status 200 "the guest adds a second cooperative's SKU"
expect_jq '.coops | length' 2 "one group per cooperative"
expect_jq '.total_fen' $((2 * 1990 + 3 * 2500)) "total in fen"
expect_jq "[.coops[] | select(.coop_id == $AY)][0].subtotal_fen" 3980 "Anyuan subtotal"
expect_jq "[.coops[] | select(.coop_id == $QBJ)][0].subtotal_fen" 7500 "Qingbaijiang subtotal"
expect_jq "[.coops[].items[] | select(.sku_id == $SKU_A)][0].stock" 5 "stock shown from the lots"
expect_jq "[.coops[].items[] | select(.sku_id == $SKU_A)][0].available" true "available when stock covers it"
api GET /api/v1/cart "" -b "fl_cart=$GUEST"
expect_status 200 "the cart by its cookie"
expect_jq .item_count 2 "the cookie names the cart too"
api PUT "/api/v1/cart/items/$SKU_A" '{"quantity":6}' -H "X-Cart-Token: $GUEST"
expect_status 200 "more than the stock in the cart"
expect_jq "[.coops[].items[] | select(.sku_id == $SKU_A)][0].available" false "more than the stock: not available"
ttl=$(rcli TTL "cart:g:$(printf '%s' "$GUEST" | sha256sum | cut -c1-64)")
check "guest carts expire after 7 days idle (ttl $ttl)" test "$ttl" -gt 604000 -a "$ttl" -le 604800

# ---------------------------------------------------------------- errors
api PUT /api/v1/cart/items/999999999 '{"quantity":1}' -H "X-Cart-Token: $GUEST"
expect_error 404 not_found "an unknown SKU"
api PUT "/api/v1/cart/items/$SKU_A" '{"quantity":100}' -H "X-Cart-Token: $GUEST"
expect_error 422 validation_failed "quantity above 99"
api PUT "/api/v1/cart/items/$SKU_A" '{"quantity":-1}' -H "X-Cart-Token: $GUEST"
expect_error 422 validation_failed "negative quantity"
api PUT "/api/v1/cart/items/$SKU_A" '{}' -H "X-Cart-Token: $GUEST"
expect_error 422 validation_failed "quantity missing"
api PUT "/api/v1/cart/items/$SKU_A" 'quantity=1' -H "X-Cart-Token: $GUEST" -H 'Content-Type: text/plain'
expect_status 415 "a body that is not JSON"
api PUT /api/v1/cart/items/abc '{"quantity":1}'
expect_status 404 "a SKU id that is not a number"

# ---------------------------------------------------------------- merge on login
BEMAIL="cart-$S@example.com"
api POST /api/v1/accounts "{\"email\":\"$BEMAIL\",\"password\":\"buyer-password-1\",\"display_name\":\"购物车\"}"
B1=$(login "$BEMAIL" buyer-password-1)
as "$B1"
cart_put "$SKU_Q" 2
expect_status 200 "the account puts a line in its cart"
expect_jq .item_count 1 "the account has its own cart"
as ""
api POST /api/v1/sessions "{\"login\":\"$BEMAIL\",\"password\":\"buyer-password-1\"}" -H "X-Cart-Token: $GUEST"
expect_status 200 "login with a guest cart"
B2=$(jqr .token)
as "$B2"
api GET /api/v1/cart
expect_status 200 "the account's cart after the login"
expect_jq .item_count 2 "the guest cart merged into the account cart"
expect_jq "[.coops[].items[] | select(.sku_id == $SKU_Q)][0].quantity" 5 "quantities add up (2 + 3)"
expect_jq "[.coops[].items[] | select(.sku_id == $SKU_A)][0].quantity" 6 "guest-only lines arrive"
as ""
api GET /api/v1/cart "" -H "X-Cart-Token: $GUEST"
expect_status 200 "the guest's cart after the merge"
expect_jq .item_count 0 "the guest cart is gone after the merge"

# ---------------------------------------------------------------- remove, clear
as "$B2"
cart_put "$SKU_A" 0
expect_status 200 "quantity 0"
expect_jq .item_count 1 "quantity 0 removes the line"
api DELETE /api/v1/cart
expect_status 204 "clear the cart"
api GET /api/v1/cart
expect_status 200 "the cleared cart"
expect_jq .item_count 0 "cleared"
ttl=$(rcli TTL "cart:a:$(sql "SELECT id FROM accounts WHERE email='$BEMAIL'")")
check "an emptied cart is gone from Redis" test "$ttl" = -2

# ---------------------------------------------------------------- a delisted SKU
as "$AY_ADMIN"
api GET "/api/v1/products?coop=$AY&limit=1"
PID=$(sql "SELECT product_id FROM skus WHERE id = $SKU_A")
api POST "/api/v1/products/$PID/delist"
as "$B2"
cart_put "$SKU_A" 1
expect_error 422 validation_failed "a delisted SKU cannot be added"

# ------------------------------------------------ prices that change meanwhile
# The cart keeps the price each line was put in at and marks the ones that
# changed; checkout takes the total the buyer saw and refuses another.
stocked_sku() { new_sku "$AY" "$1" && restock "$(jqr '.skus[0].id')" 10 >/dev/null; } # in $(...): its id
as "$AY_ADMIN"
PC=$(stocked_sku 1500)
PCP=$(sql "SELECT product_id FROM skus WHERE id = $PC")
PS=$(stocked_sku 800)
PB=$(new_buyer)
as "$PB"
cart_put "$PC" 2
cart_put "$PS" 1
expect_status 200 "two lines in the cart"
expect_jq .price_changed false "no price changed yet"
as "$AY_ADMIN"
api PATCH "/api/v1/products/$PCP/skus/$PC" '{"price_fen":1800}'
expect_status 200 "the co-op raises a price"
as "$PB"
api GET /api/v1/cart
expect_status 200 "the cart after the change"
expect_jq .price_changed true "the cart says a price changed"
expect_jq "[.coops[].items[] | select(.sku_id == $PC)][0] | [.added_price_fen, .unit_price_fen, .price_changed] | map(tostring) | join(\" \")" \
    "1500 1800 true" "the line shows the price it was added at and the price now"
expect_jq "[.coops[].items[] | select(.sku_id == $PS)][0].price_changed" false "the other line did not change"
expect_jq .total_fen 4400 "the total at today's prices"
checkout "pc-none-$S" cod
expect_error 409 price_changed "checkout without a total after a price changed"
expect_jq '.error.total_fen' 4400 "the refusal gives the total now"
expect_jq "[.error.lines[] | select(.sku_id == $PC)][0] | [.added_price_fen, .unit_price_fen] | map(tostring) | join(\" \")" \
    "1500 1800" "the refusal names the line with both prices"
api POST /api/v1/orders "$(addr_body cod | jq -c '.expected_total_fen = 3800')" -H "Idempotency-Key: pc-old-$S"
expect_error 409 price_changed "checkout at the total the buyer saw before the change"
check "nothing charged at a price the buyer did not see" test "$(sql "SELECT COUNT(*) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.sku_id = $PC")" = 0
api POST /api/v1/orders "$(addr_body cod | jq -c '.expected_total_fen = 4400')" -H "Idempotency-Key: pc-new-$S"
expect_status 201 "checkout at the total the buyer confirmed"
expect_jq '.orders[0].total_fen' 4400 "charged what the buyer agreed to"

# ------------------------------------------------ lines that cannot be bought
# An inactive SKU and a delisted product: listed with why, not totalled;
# checkout names every one of them.
as "$AY_ADMIN"
UA=$(stocked_sku 300)
UD=$(stocked_sku 400)
UOK=$(stocked_sku 500)
UB=$(new_buyer)
as "$UB"
cart_put "$UA" 1
cart_put "$UD" 1
cart_put "$UOK" 2
expect_jq .total_fen 1700 "all three can be bought"
as "$AY_ADMIN"
api PATCH "/api/v1/products/$(sql "SELECT product_id FROM skus WHERE id = $UA")/skus/$UA" '{"active":false}'
expect_status 200 "a SKU deactivated"
api POST "/api/v1/products/$(sql "SELECT product_id FROM skus WHERE id = $UD")/delist"
expect_status 200 "a product delisted"
as "$UB"
api GET /api/v1/cart
expect_status 200 "the cart with lines that cannot be bought"
expect_jq .total_fen 1000 "the total counts only what can be bought"
expect_jq '.unavailable | map("\(.sku_id):\(.reason)") | sort | join(" ")' \
    "$(printf '%s\n' "$UA:sku_inactive" "$UD:product_not_listed" | sort | tr '\n' ' ' | sed 's/ $//')" \
    "every unavailable line with why"
expect_jq "[.coops[].items[] | select(.sku_id == $UA)][0].unavailable_reason" sku_inactive "the line says why"
checkout "ua-$S" cod
expect_error 422 sku_unavailable "checkout with lines that cannot be bought"
expect_jq '.error.lines | map(.sku_id) | sort | map(tostring) | join(" ")' \
    "$(printf '%s\n' "$UA" "$UD" | sort -n | tr '\n' ' ' | sed 's/ $//')" "the refusal names every such line"

finish
