/* room_events.c - notices other areas raise in a live room (see
 * shop/domain/room_events.h). */
#include "farmlive/shop/domain/room_events.h"
#include "farmlive/shop/domain/chat_text.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/rt/feed.h"
#include "farmlive/log.h"
#include "farmlive/timefmt.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PRODUCT_NAME_MAX 256 /* bytes of the name carried */

void shop_room_bought(const shop_ctx *ctx, long long live_id, long long buyer_account_id, const char *product_name,
                      long long qty)
{
    enum { BC_PUBLIC_ID, BC_NAME };
    char masked[8], at[FL_TIME_LEN], topic[SHOP_RT_TOPIC_MAX + 1], name[PRODUCT_NAME_MAX + 1];
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *m = NULL;
    char *text = NULL;
    int rc;

    if (!ctx || live_id <= 0 || qty <= 0)
        return;
    if ((rc = fl_db_acquire(ctx->db, &db)) == FL_DB_OK)
        rc = fl_db_query(db, &rows,
                         "SELECT l.public_id, (SELECT a.display_name FROM accounts a WHERE a.id = ?) "
                         "FROM live_sessions l WHERE l.id = ?",
                         "ii", buyer_account_id, live_id);
    fl_db_release(db);
    if (rc != FL_DB_OK || fl_rows_count(rows) != 1) {
        fl_log(FL_LOG_WARN, "room_bought_lost", "no notice for live session %lld (database %d)", live_id, rc);
        goto out_free;
    }
    shop_chat_mask_name(fl_rows_str(rows, 0, BC_NAME), masked);
    /* a name cut on a character boundary; json_string refuses invalid UTF-8 */
    snprintf(name, sizeof(name), "%s", product_name ? product_name : "");
    for (size_t n = strlen(name); n > 0 && shop_utf8_chars(name, n) < 0; n--)
        name[n - 1] = '\0';
    fl_time_format((long long)time(NULL), at);
    m = json_pack("{s:s,s:s,s:s,s:I,s:s}", "live_id", fl_rows_str(rows, 0, BC_PUBLIC_ID), "buyer", masked, "product",
                  name, "qty", (json_int_t)qty, "at", at);
    text = m ? json_dumps(m, JSON_COMPACT) : NULL;
    if (!text || shop_rt_topic_live(topic, fl_rows_str(rows, 0, BC_PUBLIC_ID)) != 0 ||
        shop_rt_publish(ctx->rt, topic, SHOP_ROOM_EVENT_BOUGHT, 0, text, strlen(text)) != 0)
        fl_log(FL_LOG_WARN, "room_bought_lost", "the notice of live session %lld was not raised", live_id);
out_free:
    free(text);
    json_decref(m);
    fl_rows_free(rows);
}
