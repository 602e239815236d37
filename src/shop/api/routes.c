/* routes.c - the whole shop API on one screen.
 *
 * Order matters only for readability: the matcher tries every route and a
 * literal segment never matches a {param} of another route first, because
 * patterns here never overlap. schema/openapi.yaml describes the same list;
 * tests/unit/shop/core/test_openapi.c checks the two agree. Each handler is
 * declared by its resource's header (api/, pages/). */
#include "farmlive/shop/core/routes.h"
#include "farmlive/shop/core/metrics.h"
#include "farmlive/shop/api/accounts.h"
#include "farmlive/shop/api/addresses.h"
#include "farmlive/shop/api/carts.h"
#include "farmlive/shop/api/certificates.h"
#include "farmlive/shop/api/coops.h"
#include "farmlive/shop/api/epcis.h"
#include "farmlive/shop/api/flash.h"
#include "farmlive/shop/api/health.h"
#include "farmlive/shop/api/inventory.h"
#include "farmlive/shop/api/invitations.h"
#include "farmlive/shop/api/live.h"
#include "farmlive/shop/api/live_room.h"
#include "farmlive/shop/api/lots.h"
#include "farmlive/shop/api/orders.h"
#include "farmlive/shop/api/payments.h"
#include "farmlive/shop/api/products.h"
#include "farmlive/shop/api/restream.h"
#include "farmlive/shop/api/room.h"
#include "farmlive/shop/api/sales.h"
#include "farmlive/shop/api/sessions.h"
#include "farmlive/shop/api/trace.h"
#include "farmlive/shop/pages/account_pages.h"
#include "farmlive/shop/pages/buy_pages.h"
#include "farmlive/shop/pages/dash_inventory.h"
#include "farmlive/shop/pages/dash_orders.h"
#include "farmlive/shop/pages/dash_sales.h"
#include "farmlive/shop/pages/home_page.h"
#include "farmlive/shop/pages/dash_pages.h"
#include "farmlive/shop/pages/labels.h"
#include "farmlive/shop/pages/live_page.h"
#include "farmlive/shop/pages/orders_csv.h"
#include "farmlive/shop/pages/product_page.h"
#include "farmlive/shop/pages/studio_pages.h"
#include "farmlive/shop/pages/trace_page.h"
#include "farmlive/shop/pages/web.h"

#define PUB SHOP_ROLE_PUBLIC
#define USER SHOP_ROLE_USER
#define USER_D SHOP_ROLE_USER_DEFERRED
#define MEMBER SHOP_ROLE_COOP_MEMBER
#define ADMIN SHOP_ROLE_COOP_ADMIN
#define OPS SHOP_ROLE_PLATFORM_ADMIN
#define JSON SHOP_BODY_JSON
#define JSON_OPT SHOP_BODY_JSON_OPT
#define NONE SHOP_BODY_NONE
#define UPLOAD SHOP_BODY_UPLOAD

/* clang-format off */
const shop_route shop_routes[] = {
    /* method  pattern                                      handler                     role    body */
    {"GET",    "/healthz",                                  shop_health_get,            PUB,    NONE},
    {"GET",    "/metrics",                                  shop_metrics_get,           PUB,    NONE},
    {"GET",    "/assets/{file}",                            shop_web_asset,             PUB,    NONE},
    {"GET",    "/media/{file}",                             shop_web_media,             PUB,    NONE},
    /* -- pages: pages/ (a page that needs a session sends a guest to /signin) -- */
    {"GET",    "/",                                         shop_home_page,             PUB,    NONE},
    {"GET",    "/search",                                   shop_web_page,              PUB,    NONE},
    {"GET",    "/p/{id}",                                   shop_product_page,          PUB,    NONE},
    {"GET",    "/live/{id}",                                shop_live_room_page,        PUB,    NONE},
    {"GET",    "/c/{id}",                                   shop_coop_page,             PUB,    NONE},
    {"GET",    "/cart",                                     shop_cart_page,             PUB,    NONE},
    {"GET",    "/checkout",                                 shop_checkout_page,         PUB,    NONE},
    {"GET",    "/checkout/done",                            shop_order_placed_page,     PUB,    NONE},
    {"GET",    "/orders",                                   shop_my_orders_page,        PUB,    NONE},
    {"GET",    "/orders/{id}",                              shop_my_order_page,         PUB,    NONE},
    {"GET",    "/pay/{id}",                                 shop_cashier_page,          PUB,    NONE},
    {"GET",    "/signin",                                   shop_signin_page,           PUB,    NONE},
    {"GET",    "/register",                                 shop_register_page,         PUB,    NONE},
    {"GET",    "/account",                                  shop_account_page,          PUB,    NONE},
    {"GET",    "/studio",                                   shop_studio_page,           PUB,    NONE},
    {"GET",    "/studio/{id}",                              shop_studio_live_page,      PUB,    NONE},
    {"GET",    "/dash",                                     shop_dash_home_page,        PUB,    NONE},
    {"GET",    "/dash/{id}",                                shop_dash_overview_page,    PUB,    NONE},
    {"GET",    "/dash/{id}/members",                        shop_dash_members_page,     PUB,    NONE},
    {"GET",    "/dash/{id}/bases",                          shop_dash_bases_page,       PUB,    NONE},
    {"GET",    "/dash/{id}/products",                       shop_dash_products_page,    PUB,    NONE},
    {"GET",    "/dash/{id}/lots",                           shop_dash_lots_page,        PUB,    NONE},
    {"GET",    "/dash/{id}/lots/{lot_code}",                shop_dash_lot_page,         PUB,    NONE},
    {"GET",    "/dash/{id}/certificates",                   shop_dash_certs_page,       PUB,    NONE},
    {"GET",    "/dash/{id}/orders",                         shop_dash_orders_page,      PUB,    NONE},
    {"GET",    "/dash/{id}/inventory",                      shop_dash_inventory_page,   PUB,    NONE},
    {"GET",    "/dash/{id}/sales",                          shop_dash_sales_page,       PUB,    NONE},
    {"GET",    "/dash/{id}/settings",                       shop_dash_settings_page,    PUB,    NONE},

    {"POST",   "/api/v1/accounts",                          shop_accounts_create,       PUB,    JSON},
    {"GET",    "/api/v1/me",                                shop_accounts_me,           USER,   NONE},
    {"GET",    "/api/v1/me/addresses",                      shop_addresses_list,        USER,   NONE},
    {"POST",   "/api/v1/me/addresses",                      shop_addresses_create,      USER,   JSON},
    {"PATCH",  "/api/v1/me/addresses/{id}",                 shop_addresses_update,      USER,   JSON},
    {"DELETE", "/api/v1/me/addresses/{id}",                 shop_addresses_delete,      USER,   NONE},
    {"POST",   "/api/v1/sessions",                          shop_sessions_create,       PUB,    JSON},
    {"DELETE", "/api/v1/sessions/current",                  shop_sessions_delete,       USER,   NONE},
    {"GET",    "/api/v1/me/invitations",                    shop_invitations_list,      USER,   NONE},
    {"POST",   "/api/v1/me/invitations/{id}/accept",        shop_invitations_accept,    USER,   NONE},
    {"POST",   "/api/v1/me/invitations/{id}/decline",       shop_invitations_decline,   USER,   NONE},

    {"GET",    "/api/v1/coops",                             shop_coops_list,            PUB,    NONE},
    {"POST",   "/api/v1/coops",                             shop_coops_create,          OPS,    JSON},
    {"GET",    "/api/v1/coops/{id}",                        shop_coops_get,             PUB,    NONE},
    {"PATCH",  "/api/v1/coops/{id}",                        shop_coops_update,          ADMIN,  JSON},
    {"GET",    "/api/v1/coops/{id}/members",                shop_coops_members_list,    MEMBER, NONE},
    {"POST",   "/api/v1/coops/{id}/members",                shop_coops_members_add,     ADMIN,  JSON},
    {"PATCH",  "/api/v1/coops/{id}/members/{account_id}",   shop_coops_members_update,  ADMIN,  JSON},
    {"DELETE", "/api/v1/coops/{id}/members/{account_id}",   shop_coops_members_remove,  ADMIN,  NONE},
    {"GET",    "/api/v1/coops/{id}/bases",                  shop_coops_bases_list,      PUB,    NONE},
    {"POST",   "/api/v1/coops/{id}/bases",                  shop_coops_bases_create,    ADMIN,  JSON},
    {"PATCH",  "/api/v1/coops/{id}/bases/{base_id}",        shop_coops_bases_update,    ADMIN,  JSON},
    {"POST",   "/api/v1/coops/{id}/bases/{base_id}/photos", shop_coops_bases_photos_upload, ADMIN, UPLOAD},

    {"GET",    "/api/v1/products",                          shop_products_list,         PUB,    NONE},
    {"POST",   "/api/v1/products",                          shop_products_create,       ADMIN,  JSON},
    {"GET",    "/api/v1/products/{id}",                     shop_products_get,          PUB,    NONE},
    {"PATCH",  "/api/v1/products/{id}",                     shop_products_update,       ADMIN,  JSON},
    {"POST",   "/api/v1/products/{id}/delist",              shop_products_delist,       ADMIN,  NONE},
    {"POST",   "/api/v1/products/{id}/images",              shop_products_images_upload, ADMIN, UPLOAD},
    {"POST",   "/api/v1/products/{id}/skus",                shop_products_sku_create,   ADMIN,  JSON},
    {"PATCH",  "/api/v1/products/{id}/skus/{sku_id}",       shop_products_sku_update,   ADMIN,  JSON},

    /* -- traceability: lots.c, certificates.c, trace.c, labels.c -- */
    {"POST",   "/api/v1/coops/{id}/lots",                   shop_lots_create,           MEMBER, JSON},
    {"GET",    "/api/v1/coops/{id}/lots",                   shop_lots_list,             MEMBER, NONE},
    {"POST",   "/api/v1/coops/{id}/certificates",           shop_certificates_create,   MEMBER, JSON},
    {"GET",    "/api/v1/coops/{id}/certificates",           shop_certificates_list,     PUB,    NONE},
    {"GET",    "/api/v1/certificates/{cert_id}",            shop_certificates_get,      PUB,    NONE},
    {"POST",   "/api/v1/certificates/{cert_id}/attachments", shop_certificates_attach,  MEMBER, JSON},
    {"POST",   "/api/v1/certificates/{cert_id}/revoke",     shop_certificates_revoke,   ADMIN,  JSON},
    {"POST",   "/api/v1/certificates/{cert_id}/verify",     shop_certificates_verify,   OPS,    JSON},
    {"GET",    "/api/v1/lots/{lot_code}",                   shop_lots_get,              PUB,    NONE},
    {"POST",   "/api/v1/lots/{lot_code}/events",            shop_trace_events_create,   MEMBER, JSON},
    {"GET",    "/api/v1/lots/{lot_code}/qr.svg",            shop_labels_qr_svg,         PUB,    NONE},
    {"GET",    "/api/v1/lots/{lot_code}/qr.png",            shop_labels_qr_png,         PUB,    NONE},
    {"GET",    "/api/v1/lots/{lot_code}/labels",            shop_labels_sheet,          PUB,    NONE},
    {"GET",    "/api/v1/trace/keys",                        shop_trace_keys_get,        PUB,    NONE},
    {"GET",    "/api/v1/trace/{lot_code}",                  shop_trace_get,             PUB,    NONE},
    {"GET",    "/api/v1/trace/{lot_code}/verify",           shop_trace_verify,          PUB,    NONE},
    {"GET",    "/api/v1/trace/{lot_code}/epcis",            shop_epcis_get,             PUB,    NONE},
    {"GET",    "/t/{lot_code}",                             shop_trace_page,            PUB,    NONE},
    {"GET",    "/01/{gtin}/10/{lot_code}",                  shop_trace_digital_link,    PUB,    NONE},

    /* -- buying: carts.c, orders.c, inventory.c, payments.c, flash.c -- */
    /* carts are public: a guest's cart lives under an anonymous cart token */
    {"GET",    "/api/v1/cart",                              shop_carts_get,             PUB,    NONE},
    {"PUT",    "/api/v1/cart/items/{sku_id}",               shop_carts_put_item,        PUB,    JSON},
    {"DELETE", "/api/v1/cart",                              shop_carts_clear,           PUB,    NONE},
    {"POST",   "/api/v1/orders",                            shop_orders_create,         USER,   JSON},
    {"GET",    "/api/v1/orders",                            shop_orders_list,           USER,   NONE},
    {"GET",    "/api/v1/orders/{id}",                       shop_orders_get,            USER,   NONE},
    {"POST",   "/api/v1/orders/{id}/cancel",                shop_orders_cancel,         USER,   JSON_OPT},
    {"POST",   "/api/v1/orders/{id}/ship",                  shop_orders_ship,           MEMBER, JSON},
    {"POST",   "/api/v1/orders/{id}/deliver",               shop_orders_deliver,        MEMBER, NONE},
    {"POST",   "/api/v1/orders/{id}/complete",              shop_orders_complete,       USER,   NONE},
    {"POST",   "/api/v1/orders/{id}/refund",                shop_orders_refund,         ADMIN,  JSON},
    {"POST",   "/api/v1/orders/{id}/return-received",       shop_orders_return_received, MEMBER, NONE},
    {"GET",    "/api/v1/coops/{id}/orders",                 shop_orders_coop_list,      MEMBER, NONE},
    {"POST",   "/api/v1/coops/{id}/orders/ship",            shop_orders_coop_ship,      MEMBER, JSON},
    {"GET",    "/api/v1/coops/{id}/orders.csv",             shop_orders_csv,            MEMBER, NONE},
    {"POST",   "/api/v1/skus/{sku_id}/restock",             shop_inventory_restock,     ADMIN,  JSON},
    {"POST",   "/api/v1/skus/{sku_id}/adjustments",         shop_inventory_adjust,      ADMIN,  JSON},
    {"GET",    "/api/v1/skus/{sku_id}/stock",               shop_inventory_get,         MEMBER, NONE},
    {"GET",    "/api/v1/coops/{id}/inventory",              shop_inventory_coop,        MEMBER, NONE},
    {"GET",    "/api/v1/coops/{id}/sales",                  shop_sales_get,             ADMIN,  NONE},
    /* the provider's webhook: PUB in this table, X-Signature checked by the handler */
    {"POST",   "/api/v1/payments/notify",                   shop_payments_notify,       PUB,    JSON},
    {"POST",   "/api/v1/flash-sales",                       shop_flash_sales_create,    ADMIN,  JSON},
    {"GET",    "/api/v1/flash-sales/{id}",                  shop_flash_sales_get,       PUB,    NONE},
    {"POST",   "/api/v1/flash-sales/{id}/end",              shop_flash_sales_end,       ADMIN,  JSON},
    {"POST",   "/api/v1/flash-sales/{id}/orders",           shop_flash_sales_buy,       USER_D, JSON},

    /* -- live: live.c -- */
    {"GET",    "/api/v1/live",                              shop_live_list,             PUB,    NONE},
    {"POST",   "/api/v1/live",                              shop_live_create,           MEMBER, JSON},
    {"GET",    "/api/v1/live/{id}",                         shop_live_get,              PUB,    NONE},
    {"GET",    "/api/v1/live/{id}/events",                  shop_live_events,           PUB,    NONE},
    {"POST",   "/api/v1/live/{id}/key",                     shop_live_key_rotate,       MEMBER, NONE},
    {"POST",   "/api/v1/live/{id}/cover",                   shop_live_cover_upload,     MEMBER, UPLOAD},
    {"GET",    "/api/v1/live/{id}/health",                  shop_live_health_get,       MEMBER, NONE},
    /* -- a live room's chat, mutes, likes: room.c -- */
    {"POST",   "/api/v1/live/{id}/chat",                    shop_room_chat_post,        USER,   JSON},
    {"GET",    "/api/v1/live/{id}/chat",                    shop_room_chat_list,        PUB,    NONE},
    {"DELETE", "/api/v1/live/{id}/chat/{msg_id}",           shop_room_chat_delete,      MEMBER, NONE},
    {"POST",   "/api/v1/live/{id}/mutes",                   shop_room_mute,             MEMBER, JSON},
    {"DELETE", "/api/v1/live/{id}/mutes/{account_id}",      shop_room_unmute,           MEMBER, NONE},
    {"POST",   "/api/v1/live/{id}/likes",                   shop_room_likes_post,       USER,   JSON},
    {"GET",    "/api/v1/coops/{id}/banned-words",           shop_room_words_list,       ADMIN,  NONE},
    {"POST",   "/api/v1/coops/{id}/banned-words",           shop_room_words_add,        ADMIN,  JSON},
    {"DELETE", "/api/v1/coops/{id}/banned-words/{word_id}", shop_room_words_remove,     ADMIN,  NONE},
    {"GET",    "/api/v1/admin/banned-words",                shop_room_platform_words_list, OPS, NONE},
    {"POST",   "/api/v1/admin/banned-words",                shop_room_platform_words_add, OPS,  JSON},
    {"DELETE", "/api/v1/admin/banned-words/{word_id}",      shop_room_platform_words_remove, OPS, NONE},
    /* -- other platforms a coop's sessions are forwarded to: restream.c -- */
    {"GET",    "/api/v1/coops/{id}/restream-targets",       shop_restream_list,         ADMIN,  NONE},
    {"POST",   "/api/v1/coops/{id}/restream-targets",       shop_restream_add,          ADMIN,  JSON},
    {"PATCH",  "/api/v1/coops/{id}/restream-targets/{target_id}", shop_restream_update, ADMIN,  JSON},
    {"DELETE", "/api/v1/coops/{id}/restream-targets/{target_id}", shop_restream_remove, ADMIN,  NONE},

    /* -- a live session that sells: live_room.c -- */
    {"GET",    "/api/v1/live/{id}/shelf",                   shop_live_shelf_get,        PUB,    NONE},
    {"PUT",    "/api/v1/live/{id}/shelf/{sku_id}",          shop_live_shelf_put,        MEMBER, JSON},
    {"DELETE", "/api/v1/live/{id}/shelf/{sku_id}",          shop_live_shelf_delete,     MEMBER, NONE},
    {"POST",   "/api/v1/live/{id}/pin",                     shop_live_pin,              MEMBER, JSON},
    {"DELETE", "/api/v1/live/{id}/pin",                     shop_live_unpin,            MEMBER, NONE},
    {"GET",    "/api/v1/live/{id}/moments",                 shop_live_moments,          PUB,    NONE},
    {"POST",   "/api/v1/live/{id}/flash-sales",             shop_live_flash_create,     MEMBER, JSON},
    {"GET",    "/api/v1/live/{id}/flash-sales",             shop_live_flash_list,       PUB,    NONE},
    {"POST",   "/api/v1/live/{id}/end",                     shop_live_end,              MEMBER, NONE},
    {"GET",    "/api/v1/live/{id}/replay",                  shop_live_replay,           PUB,    NONE},
    {"GET",    "/api/v1/live/{id}/report",                  shop_live_report,           MEMBER, NONE},
    {"GET",    "/api/v1/coops/{id}/live",                   shop_live_coop_list,        MEMBER, NONE},
    /* the relay's calls: PUB in this table, X-Internal-Secret checked by the handler */
    {"POST",   "/internal/v1/live/publish",                 shop_live_internal_publish, PUB,    JSON},
    {"POST",   "/internal/v1/live/unpublish",               shop_live_internal_unpublish, PUB,  JSON},
    {"POST",   "/internal/v1/live/ended",                   shop_live_internal_ended,   PUB,    JSON},
};
/* clang-format on */

const size_t shop_routes_count = sizeof(shop_routes) / sizeof(shop_routes[0]);
