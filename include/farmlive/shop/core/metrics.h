/* shop/core/metrics.h - request counters and latency histograms (lock-free).
 *
 * http.c calls shop_metrics_observe() once per finished request; route_index
 * is shop_route_index() or shop_routes_count for requests that matched no
 * route. GET /metrics renders the Prometheus text format. */
#ifndef FARMLIVE_SHOP_CORE_METRICS_H
#define FARMLIVE_SHOP_CORE_METRICS_H

#include <stddef.h>
#include "farmlive/shop/core/http.h"

void shop_metrics_init(void);
void shop_metrics_free(void);
void shop_metrics_observe(size_t route_index, int status, double seconds);
void shop_metrics_inflight(int delta);
/* GET /metrics: the Prometheus text of the counters, the histograms and the
 * pools' use. */
int shop_metrics_get(shop_req *r);

#endif
