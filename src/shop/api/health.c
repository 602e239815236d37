/* health.c - GET /healthz: 200 only when MariaDB and Redis both answer. */
#include "farmlive/shop/api/health.h"

int shop_health_get(shop_req *r)
{
    int db_ok = fl_db_pool_ping(r->ctx->db) == FL_DB_OK;
    int kv_ok = fl_kv_pool_ping(r->ctx->kv) == FL_KV_OK;
    json_t *body = json_pack("{s:s,s:{s:s,s:s}}", "status", (db_ok && kv_ok) ? "ok" : "unavailable", "checks",
                             "mariadb", db_ok ? "ok" : "down", "redis", kv_ok ? "ok" : "down");
    if (!(db_ok && kv_ok)) {
        json_object_set_new(body, "error",
                            json_pack("{s:s,s:s}", "code", "dependency_down", "message",
                                      !db_ok && !kv_ok ? "MariaDB and Redis are down"
                                      : !db_ok         ? "MariaDB is down"
                                                       : "Redis is down"));
        shop_add_header(r, "Retry-After", "2");
    }
    return shop_reply_json(r, (db_ok && kv_ok) ? 200 : 503, body);
}
