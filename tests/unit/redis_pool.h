/* redis_pool.h - the unit tests' Redis pool (test_kv.c, test_kvbatch.c).
 *
 * redis_pool_open: with FARMLIVE_REDIS_PORT set (the test runner starts a
 * Redis), a pool of `size` connections (0: the configured size) that
 * answered a PING, in *pool; without it *pool stays NULL and the tests
 * skip. 0, or -1 (with a line on stderr) when the settings or Redis fail. */
#ifndef FARMLIVE_TEST_REDIS_POOL_H
#define FARMLIVE_TEST_REDIS_POOL_H

#include "farmlive/config.h"
#include "farmlive/kv.h"

#include <stdio.h>
#include <stdlib.h>

static int redis_pool_open(fl_config *cfg, fl_kv_pool **pool, int size)
{
    char err[256];
    *pool = NULL;
    if (!getenv("FARMLIVE_REDIS_PORT"))
        return 0;
    if (fl_config_load(cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "config: %s\n", err);
        return -1;
    }
    if (size > 0)
        cfg->redis_pool = size;
    *pool = fl_kv_pool_new(cfg);
    if (fl_kv_pool_ping(*pool) != FL_KV_OK) {
        fprintf(stderr, "cannot reach Redis on port %d\n", cfg->redis_port);
        return -1;
    }
    return 0;
}

#endif
