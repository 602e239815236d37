/* shop/api/trace.h - the trace chain's routes (handlers of the route table;
 * contract in core/http.h), and what every traceability handler takes from
 * a request. */
#ifndef FARMLIVE_SHOP_API_TRACE_H
#define FARMLIVE_SHOP_API_TRACE_H

#include "farmlive/shop/core/http.h"
#include "farmlive/sign.h"

/* POST /api/v1/lots/{lot_code}/events */
int shop_trace_events_create(shop_req *r);
/* GET /api/v1/trace/keys */
int shop_trace_keys_get(shop_req *r);
/* GET /api/v1/trace/{lot_code} */
int shop_trace_get(shop_req *r);
/* GET /api/v1/trace/{lot_code}/verify */
int shop_trace_verify(shop_req *r);

/* The request's MariaDB connection and the platform's signing key (either
 * may be NULL when not wanted): SHOP_OK, or failed (503, 500). */
int shop_trace_req(shop_req *r, fl_db **db, const fl_signkey **key);

#endif
