/* main.c - farmlive-shop: serve (default), migrate, seed-demo, hash-password.
 *
 * Settings come from FARMLIVE_* variables (config.c); an invalid one stops
 * start-up with a message and exit code 2. `serve` runs until SIGTERM or
 * SIGINT, then finishes in-flight requests (up to 10 s) and exits 0. */
#include "farmlive/alloc.h"
#include "farmlive/config.h"
#include "farmlive/crypto.h"
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/log.h"
#include "farmlive/shop/core/batch.h"
#include "farmlive/shop/core/hashpool.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/core/jobs.h"
#include "farmlive/shop/core/kvbatch.h"
#include "farmlive/shop/core/metrics.h"
#include "farmlive/shop/core/migrate.h"
#include "farmlive/shop/core/server.h"
#include "farmlive/shop/domain/checkout.h"
#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/domain/flash_counter.h"
#include "farmlive/shop/domain/media.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/live_flash.h"
#include "farmlive/shop/domain/live_replay.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/shop/domain/product_search.h"
#include "farmlive/shop/domain/room_counts.h"
#include "farmlive/shop/domain/room_events.h"
#include "farmlive/shop/domain/trace.h"
#include "farmlive/shop/domain/trace_cache.h"
#include "farmlive/shop/domain/trace_key.h"
#include "farmlive/shop/api/catalogue.h"
#include "farmlive/shop/rt/feed.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define EXIT_CONFIG 2
#define SHUTDOWN_GRACE_MS 10000

static int live_sweep_job(shop_ctx *ctx)
{
    return shop_live_sweep(ctx);
}

static int room_likes_job(shop_ctx *ctx)
{
    return shop_room_likes_flush(ctx);
}

static int room_viewers_job(shop_ctx *ctx)
{
    return shop_room_viewers(ctx);
}

/* Every periodic task of the shop, once, with its period (core/jobs.h).
 * Each runs at start, then every period_s seconds. */
/* clang-format off */
static const shop_job jobs[] = {
    /* name                 period_s  run */
    {"flash_counters",      3,        shop_flash_rebuild},        /* Redis counters checked against MariaDB */
    {"flash_release_ended", 3,        shop_flash_release_ended},  /* ended sales' unsold units back to lots */
    {"order_expiry",        1,        shop_orders_expire},        /* unpaid online orders cancelled */
    {"live_sweep",          5,        live_sweep_job},            /* sessions the relay no longer holds */
    {"room_likes",          1,        room_likes_job},            /* heart taps into live_sessions, totals raised */
    {"room_viewers",        2,        room_viewers_job},          /* viewer counts raised, peak and unique kept */
    {"live_replays",        2,        shop_room_replays},         /* replays of sessions just ended, from the relay */
    {"idempotency_purge",   3600,     shop_idem_purge},           /* answers older than 48 h */
    {"checkout_purge",      3600,     shop_orders_purge_checkouts}, /* consumed cart versions older than 48 h */
    {"product_search",      10,       shop_product_search_repair}, /* search rows mended from products, a pass every 5 min */
};
/* clang-format on */

static void usage(FILE *out)
{
    fprintf(out, "usage: farmlive-shop [serve | migrate | seed-demo | search-rebuild | hash-password | help]\n"
                 "  serve          run the storefront API (default)\n"
                 "  migrate        apply schema/migrations/*.sql in order\n"
                 "  seed-demo      load the demo cooperatives and accounts (development only)\n"
                 "  search-rebuild bring the product search table up to date with products at once\n"
                 "  hash-password  read a password on stdin, print its argon2id hash\n"
                 "Settings: FARMLIVE_* environment variables (see README).\n");
}

static int serve(const fl_config *cfg)
{
    char err[640];
    sigset_t set;
    int sig = 0;
    shop_ctx ctx = {.cfg = cfg};

    signal(SIGPIPE, SIG_IGN);
    fl_alloc_keep_freed();                     /* once: glibc applies them to every arena from then on */
    curl_global_init(CURL_GLOBAL_DEFAULT);     /* before any thread: the live sweep asks the relay */
    if (shop_media_init("farmlive-shop") != 0) /* before any thread too: uploaded images */
        return 1;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread started below inherits this */

    ctx.db = fl_db_pool_new(cfg);
    ctx.kv = fl_kv_pool_new(cfg);
    shop_metrics_init();
    ctx.catalogue = shop_catalogue_new(&ctx);
    ctx.catalogue_changed = shop_catalogue_bump; /* stock levels: domain/stock_level.h */
    /* a flash sale's winners of one burst (hundreds) fit one transaction:
     * a cap below that only adds a transaction at the tail of the burst */
    ctx.orders = shop_batch_start(ctx.db, cfg->order_writers, 1024);
    ctx.kv_batch = shop_kvbatch_start(ctx.kv, 1024);
    ctx.hashes = shop_hashpool_start(cfg->hash_threads, cfg->hash_queue);
    ctx.notices = shop_room_notices_new(); /* raised by the room ticker */
    shop_server *srv = NULL;
    shop_room_ticker *ticker = NULL;
    if (!ctx.orders || !ctx.kv_batch || !ctx.hashes) {
        fl_log(FL_LOG_ERROR, "start_failed", "cannot start the order writer, the Redis batch or the password hashing");
        goto out_free;
    }
    /* one pipeline's winners: one order batch */
    shop_kvbatch_around_done(ctx.kv_batch, shop_batch_hold, shop_batch_release, ctx.orders);
    /* the realtime feed publishes through the Redis batch */
    if (!(ctx.rt = shop_rt_start(&ctx)))
        goto out_free;
    if (shop_trace_key_init(cfg, err, sizeof(err)) != 0) {
        fl_log(FL_LOG_ERROR, "start_failed", "%s", err);
        goto out_free;
    }
    /* live rooms' flash sales and "just bought" notices, on the feed: before
     * the first request may queue a notice */
    if (!(ticker = shop_room_ticker_start(&ctx)))
        goto out_free;
    srv = shop_server_start(&ctx, err, sizeof(err));
    if (!srv) {
        fl_log(FL_LOG_ERROR, "start_failed", "%s", err);
        goto out_free;
    }
    fl_log(FL_LOG_INFO, "listening", "shop on http://%s:%d (%d threads, %d hashing passwords), public base %s",
           cfg->shop_host, cfg->shop_port, cfg->shop_threads, cfg->hash_threads, cfg->public_base);
    shop_jobs *periodic = shop_jobs_start(&ctx, jobs, sizeof(jobs) / sizeof(jobs[0]));
    sigwait(&set, &sig);
    fl_log(FL_LOG_INFO, "shutdown", "signal %d: finishing in-flight requests", sig);
    shop_rt_quiesce(ctx.rt); /* long-polls answer, streams end: the server waits for both */
    shop_server_stop(srv, SHUTDOWN_GRACE_MS);
    shop_jobs_stop(periodic);
out_free:
    /* after the server, which waited for every request they held (the
     * ticker raises the notices they queued); the feed before the Redis
     * batch it publishes through; the Redis batch before the order writer:
     * it hands winners to it */
    shop_room_ticker_stop(ticker);
    shop_rt_stop(ctx.rt);
    shop_hashpool_stop(ctx.hashes);
    shop_kvbatch_stop(ctx.kv_batch);
    shop_batch_stop(ctx.orders);
    shop_room_notices_free(ctx.notices); /* after the threads that queue notices */
    shop_trace_cache_free();
    shop_catalogue_free(ctx.catalogue);
    shop_metrics_free();
    fl_kv_pool_free(ctx.kv);
    fl_db_pool_free(ctx.db);
    curl_global_cleanup();
    shop_media_shutdown();
    if (srv)
        fl_log(FL_LOG_INFO, "stopped", "shop stopped");
    return srv ? 0 : 1;
}

/* product_search made to agree with products, in one whole pass (what the
 * periodic job does a slice at a time): 0, or -1 with the error printed. */
static int search_rebuild(fl_db_pool *pool)
{
    fl_db *db = NULL;
    long long next = 0, done = -1;
    if (fl_db_acquire(pool, &db) == FL_DB_OK)
        done = shop_product_search_repair_from(db, 0, 0, &next);
    if (done < 0)
        fprintf(stderr, "search-rebuild: %s\n", db ? fl_db_error(db) : "MariaDB unreachable");
    else
        printf("search-rebuild: %lld products' search rows written\n", done);
    fl_db_release(db);
    return done < 0 ? -1 : 0;
}

static int with_db(const fl_config *cfg, const char *what)
{
    char path[1100];
    fl_db_pool *pool = fl_db_pool_new(cfg);
    int rc;
    if (strcmp(what, "migrate") == 0) {
        snprintf(path, sizeof(path), "%s/migrations", cfg->schema_dir);
        rc = shop_migrate_run(pool, path);
    } else if (strcmp(what, "search-rebuild") == 0) {
        rc = search_rebuild(pool);
    } else {
        snprintf(path, sizeof(path), "%s/seed/demo.sql", cfg->schema_dir);
        rc = shop_migrate_seed(pool, path);
        if (rc == 0)
            rc = shop_trace_seal_all(pool, cfg); /* hash and sign the seeded trace rows */
        if (rc == 0)
            rc = search_rebuild(pool); /* the seeded products searchable before the shop starts */
    }
    fl_db_pool_free(pool);
    return rc == 0 ? 0 : 1;
}

static int hash_password(void)
{
    char pw[256], out[FL_PWHASH_MAX];
    if (!fgets(pw, sizeof(pw), stdin))
        return 1;
    pw[strcspn(pw, "\r\n")] = '\0';
    if (fl_password_hash(pw, out) != 0)
        return 1;
    sodium_memzero(pw, sizeof(pw));
    printf("%s\n", out);
    return 0;
}

int main(int argc, char **argv)
{
    fl_config cfg;
    char err[512];
    const char *cmd = argc > 1 ? argv[1] : "serve";

    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (fl_config_load(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "farmlive-shop: %s\n", err);
        return EXIT_CONFIG;
    }
    fl_log_set_level(cfg.log_level);
    if (fl_crypto_init() != 0) {
        fprintf(stderr, "farmlive-shop: libsodium failed to initialise\n");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(cmd, "serve") == 0)
        return serve(&cfg);
    if (strcmp(cmd, "migrate") == 0 || strcmp(cmd, "seed-demo") == 0 || strcmp(cmd, "search-rebuild") == 0)
        return with_db(&cfg, cmd);
    if (strcmp(cmd, "hash-password") == 0)
        return hash_password();
    fprintf(stderr, "farmlive-shop: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_CONFIG;
}
