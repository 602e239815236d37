/* health.c - GET /healthz: 200 only when MariaDB and Redis both answer;
 * else 503 in the one error shape (core/http.h), its message naming what is
 * down, with Retry-After. */
#include "farmlive/shop/api/health.h"

int shop_health_get(shop_req *r)
{
    int db_ok = fl_db_pool_ping(r->ctx->db) == FL_DB_OK;
    int kv_ok = fl_kv_pool_ping(r->ctx->kv) == FL_KV_OK;
    shop_fault f;
    if (db_ok && kv_ok)
        return shop_reply_json(
            r, 200, json_pack("{s:s,s:{s:s,s:s}}", "status", "ok", "checks", "mariadb", "ok", "redis", "ok"));
    shop_fault_set(&f, SHOP_E_UNAVAILABLE, db_ok ? "redis_unavailable" : "database_unavailable", "%s",
                   !db_ok && !kv_ok ? "MariaDB and Redis are down"
                   : !db_ok         ? "MariaDB is down"
                                    : "Redis is down");
    f.retry_after_s = 2;
    return shop_fail_fault(r, &f);
}
