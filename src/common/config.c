/* config.c - FARMLIVE_* environment variables: the table, defaults, checks.
 *
 * Every setting is one row: name, kind, where it goes, its default and range.
 * README's configuration section lists the same rows. */
#include "farmlive/config.h"
#include "farmlive/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { K_STR, K_INT, K_PORT, K_BOOL, K_LEVEL, K_CIDRS, K_RENDITION };

struct setting {
    const char *name;
    enum kind kind;
    size_t offset;
    size_t size;      /* for strings: buffer size */
    const char *dflt; /* default as text */
    long min, max;    /* for ints */
};

#define S(field) offsetof(fl_config, field), sizeof(((fl_config *)0)->field)
#define I(field) offsetof(fl_config, field), 0

static const struct setting settings[] = {
    {"FARMLIVE_SHOP_HOST", K_STR, S(shop_host), "127.0.0.1", 0, 0},
    {"FARMLIVE_SHOP_PORT", K_PORT, I(shop_port), "8080", 1, 65535},
    {"FARMLIVE_SHOP_THREADS", K_INT, I(shop_threads), "0", 0, 256},
    {"FARMLIVE_PUBLIC_BASE", K_STR, S(public_base), "", 0, 0},
    {"FARMLIVE_VAR_DIR", K_STR, S(var_dir), "var", 0, 0},
    {"FARMLIVE_WEB_DIR", K_STR, S(web_dir), "build/web", 0, 0},
    {"FARMLIVE_MEDIA_DIR", K_STR, S(media_dir), "media", 0, 0},
    {"FARMLIVE_SCHEMA_DIR", K_STR, S(schema_dir), "schema", 0, 0},
    {"FARMLIVE_DB_HOST", K_STR, S(db_host), "127.0.0.1", 0, 0},
    {"FARMLIVE_DB_PORT", K_PORT, I(db_port), "3307", 1, 65535},
    {"FARMLIVE_DB_SOCKET", K_STR, S(db_socket), "", 0, 0},
    {"FARMLIVE_DB_USER", K_STR, S(db_user), "farmlive", 0, 0},
    {"FARMLIVE_DB_PASSWORD", K_STR, S(db_password), "farmlive", 0, 0},
    {"FARMLIVE_DB_NAME", K_STR, S(db_name), "farmlive", 0, 0},
    {"FARMLIVE_DB_POOL", K_INT, I(db_pool), "16", 1, 1024},
    {"FARMLIVE_REDIS_HOST", K_STR, S(redis_host), "127.0.0.1", 0, 0},
    {"FARMLIVE_REDIS_PORT", K_PORT, I(redis_port), "6380", 1, 65535},
    {"FARMLIVE_REDIS_SOCKET", K_STR, S(redis_socket), "", 0, 0},
    {"FARMLIVE_REDIS_POOL", K_INT, I(redis_pool), "16", 1, 1024},
    {"FARMLIVE_SESSION_TTL", K_INT, I(session_ttl), "1209600", 60, 31536000},
    {"FARMLIVE_COOKIE_SECURE", K_BOOL, I(cookie_secure), "0", 0, 1},
    {"FARMLIVE_LOGIN_MAX_FAILURES", K_INT, I(login_max_failures), "5", 1, 1000},
    {"FARMLIVE_LOGIN_MAX_IP_FAILURES", K_INT, I(login_max_ip_failures), "50", 1, 100000},
    {"FARMLIVE_LOGIN_WINDOW", K_INT, I(login_window), "900", 1, 86400},
    {"FARMLIVE_LOGIN_IP_DELAY_MAX", K_INT, I(login_ip_delay_max), "30", 1, 3600},
    {"FARMLIVE_SIGNUP_MAX_IP", K_INT, I(signup_max_ip), "20", 1, 1000000},
    {"FARMLIVE_SIGNUP_WINDOW", K_INT, I(signup_window), "3600", 1, 86400},
    {"FARMLIVE_SIGNUP_MAX_GLOBAL", K_INT, I(signup_max_global), "300", 1, 1000000},
    {"FARMLIVE_HASH_THREADS", K_INT, I(hash_threads), "0", 0, 64},
    {"FARMLIVE_HASH_QUEUE", K_INT, I(hash_queue), "64", 1, 100000},
    {"FARMLIVE_TRUSTED_PROXIES", K_CIDRS, I(trusted_proxies), "", 0, 0},
    {"FARMLIVE_CATALOGUE_CACHE_MS", K_INT, I(catalogue_cache_ms), "2000", 0, 3600000},
    {"FARMLIVE_LOG_LEVEL", K_LEVEL, I(log_level), "info", 0, 0},
    {"FARMLIVE_PAYMENT_SECRET", K_STR, S(payment_secret), "", 0, 0},
    {"FARMLIVE_PAY_SANDBOX", K_BOOL, I(pay_sandbox), "0", 0, 1},
    {"FARMLIVE_ORDER_EXPIRY", K_INT, I(order_expiry_s), "900", 5, 86400},
    {"FARMLIVE_REFUND_WINDOW_DAYS", K_INT, I(refund_window_days), "15", 0, 365},
    {"FARMLIVE_ORDER_WRITERS", K_INT, I(order_writers), "1", 1, 64},
    {"FARMLIVE_RELAY_HOST", K_STR, S(relay_host), "127.0.0.1", 0, 0},
    {"FARMLIVE_RTMP_PORT", K_PORT, I(rtmp_port), "1935", 1, 65535},
    {"FARMLIVE_SRT_PORT", K_INT, I(srt_port), "0", 0, 65535},
    {"FARMLIVE_SRT_LATENCY", K_INT, I(srt_latency_ms), "500", 20, 8000},
    {"FARMLIVE_RELAY_HTTP_PORT", K_PORT, I(relay_http_port), "8081", 1, 65535},
    {"FARMLIVE_RTMP_PUBLIC_URL", K_STR, S(rtmp_public_url), "", 0, 0},
    {"FARMLIVE_SRT_PUBLIC_ADDR", K_STR, S(srt_public_addr), "", 0, 0},
    {"FARMLIVE_RESTREAM_KEY_FILE", K_STR, S(restream_key_file), "", 0, 0},
    {"FARMLIVE_RELAY_PUBLIC_BASE", K_STR, S(relay_public_base), "", 0, 0},
    {"FARMLIVE_RELAY_URL", K_STR, S(relay_url), "", 0, 0},
    {"FARMLIVE_SHOP_INTERNAL_URL", K_STR, S(shop_internal_url), "", 0, 0},
    {"FARMLIVE_INTERNAL_SECRET", K_STR, S(internal_secret), "", 0, 0},
    {"FARMLIVE_LIVE_GRACE", K_INT, I(live_grace_s), "60", 1, 86400},
    {"FARMLIVE_THUMB_INTERVAL", K_INT, I(thumb_interval_s), "10", 1, 3600},
    {"FARMLIVE_RECORD_KEEP_DAYS", K_INT, I(record_keep_days), "30", 1, 36500},
    {"FARMLIVE_RECORD_MAX_MB", K_INT, I(record_max_mb), "20480", 1, 100000000},
    {"FARMLIVE_RELAY_LOW_RENDITION", K_RENDITION, I(low_rendition), "off", 0, 0},
};

/* A list of CIDR ranges separated by commas or spaces into
 * cfg->trusted_proxies: 0, or -1 naming the entry at fault. */
static int apply_cidrs(fl_config *cfg, const struct setting *s, const char *value, char *err, size_t errlen)
{
    char item[FL_IP_TEXT_MAX + 8];
    cfg->trusted_proxies_n = 0;
    for (const char *p = value; *p;) {
        size_t n = strcspn(p, ", \t");
        if (n == 0) {
            p++;
            continue;
        }
        if (n >= sizeof(item) || cfg->trusted_proxies_n == FL_TRUSTED_PROXIES_MAX) {
            snprintf(err, errlen, "%s is invalid: want at most %d CIDR ranges such as 10.0.0.0/8 or ::1", s->name,
                     FL_TRUSTED_PROXIES_MAX);
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        if (fl_cidr_parse(item, &cfg->trusted_proxies[cfg->trusted_proxies_n]) != 0) {
            snprintf(err, errlen, "%s is invalid: %s is not a CIDR range such as 10.0.0.0/8, 127.0.0.1 or ::1/128",
                     s->name, item);
            return -1;
        }
        cfg->trusted_proxies_n++;
        p += n;
    }
    return 0;
}

/* HOST:PORT (a name, an IPv4 address or a [bracketed] IPv6 one; port
 * 1..65535): 1 when addr is one. */
static int host_port_valid(const char *addr)
{
    const char *colon = strrchr(addr, ':');
    char *end = NULL;
    if (!colon || colon == addr)
        return 0;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535)
        return 0;
    size_t n = (size_t)(colon - addr);
    if (addr[0] == '[')
        return n > 2 && addr[n - 1] == ']' && strspn(addr + 1, "0123456789abcdefABCDEF:.") == n - 2;
    return strspn(addr, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

static int apply(fl_config *cfg, const struct setting *s, const char *value, char *err, size_t errlen)
{
    char *field = (char *)cfg + s->offset;
    switch (s->kind) {
    case K_STR:
        if (strlen(value) >= s->size) {
            snprintf(err, errlen, "%s is too long (at most %zu characters)", s->name, s->size - 1);
            return -1;
        }
        memcpy(field, value, strlen(value) + 1);
        return 0;
    case K_INT:
    case K_PORT:
    case K_BOOL: {
        char *end = NULL;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (s->kind == K_BOOL && (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0)) {
            v = 1;
        } else if (s->kind == K_BOOL && (strcmp(value, "false") == 0 || strcmp(value, "no") == 0)) {
            v = 0;
        } else if (errno || end == value || *end != '\0' || v < s->min || v > s->max) {
            snprintf(err, errlen, "%s=%s is invalid: want an integer from %ld to %ld", s->name, value, s->min, s->max);
            return -1;
        }
        *(int *)field = (int)v;
        return 0;
    }
    case K_CIDRS:
        return apply_cidrs(cfg, s, value, err, errlen);
    case K_LEVEL: {
        int lv = fl_log_parse_level(value);
        if (lv < 0) {
            snprintf(err, errlen, "%s=%s is invalid: want debug, info, warn or error", s->name, value);
            return -1;
        }
        *(int *)field = lv;
        return 0;
    }
    case K_RENDITION: {
        static const char *const modes[] = {"off", "on", "auto"}; /* FL_LOW_RENDITION_* */
        for (int i = 0; i < 3; i++)
            if (strcmp(value, modes[i]) == 0) {
                *(int *)field = i;
                return 0;
            }
        snprintf(err, errlen, "%s=%s is invalid: want off, on or auto", s->name, value);
        return -1;
    }
    }
    return -1;
}

int fl_config_load(fl_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        const struct setting *s = &settings[i];
        if (apply(cfg, s, s->dflt, err, errlen) < 0)
            return -1;
        const char *v = getenv(s->name);
        if (v && apply(cfg, s, v, err, errlen) < 0)
            return -1;
    }
    if (cfg->shop_threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        /* one per CPU (two at least): measured best on two cores for
         * the cached catalogue, the flash sale and the row-lock path
         * alike (README "Performance"); nothing waits seconds on a worker */
        cfg->shop_threads = n > 2 ? (int)n : 2;
    }
    if (cfg->hash_threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        /* half the CPUs (one at least), niced: the workers keep the rest */
        cfg->hash_threads = n > 2 ? (int)(n / 2) : 1;
    }
    if (cfg->public_base[0] == '\0')
        snprintf(cfg->public_base, sizeof(cfg->public_base), "http://localhost:%d", cfg->shop_port);
    if (strncmp(cfg->public_base, "http://", 7) != 0 && strncmp(cfg->public_base, "https://", 8) != 0) {
        snprintf(err, errlen, "FARMLIVE_PUBLIC_BASE=%s is invalid: want an http:// or https:// URL", cfg->public_base);
        return -1;
    }
    if (cfg->rtmp_public_url[0] == '\0')
        snprintf(cfg->rtmp_public_url, sizeof(cfg->rtmp_public_url), "rtmp://localhost:%d/live", cfg->rtmp_port);
    if (cfg->relay_public_base[0] == '\0')
        snprintf(cfg->relay_public_base, sizeof(cfg->relay_public_base), "http://localhost:%d", cfg->relay_http_port);
    if (cfg->shop_internal_url[0] == '\0')
        snprintf(cfg->shop_internal_url, sizeof(cfg->shop_internal_url), "http://127.0.0.1:%d", cfg->shop_port);
    if (cfg->srt_public_addr[0] && !host_port_valid(cfg->srt_public_addr)) {
        snprintf(err, errlen, "FARMLIVE_SRT_PUBLIC_ADDR=%s is invalid: want HOST:PORT, e.g. live.example.com:8890",
                 cfg->srt_public_addr);
        return -1;
    }
    if (cfg->restream_key_file[0] == '\0' &&
        snprintf(cfg->restream_key_file, sizeof(cfg->restream_key_file), "%s/restream-secretbox.key", cfg->var_dir) >=
            (int)sizeof(cfg->restream_key_file)) {
        snprintf(err, errlen, "FARMLIVE_VAR_DIR is too long for the restream key file's path");
        return -1;
    }
    size_t pb = strlen(cfg->public_base);
    if (pb > 0 && cfg->public_base[pb - 1] == '/')
        cfg->public_base[pb - 1] = '\0';
    return 0;
}
