/* event.c - the feed's events, names and texts (shop/rt/event.h). */
#include "farmlive/shop/rt/event.h"
#include "farmlive/alloc.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Digits of a positive seq as text (at most 19). */
static size_t seq_text(char out[24], long long seq)
{
    return (size_t)snprintf(out, 24, "%lld", seq);
}

/* Appends n bytes of s to out at *at, as many as fit before the NUL's
 * place (cap includes it); *at always advances, so a pass with cap 0
 * measures. */
static void put(char *out, size_t cap, size_t *at, const char *s, size_t n)
{
    if (*at + 1 < cap)
        memcpy(out + *at, s, n < cap - 1 - *at ? n : cap - 1 - *at);
    *at += n;
}

size_t shop_rt_sse_frame(char *out, size_t cap, long long seq, const char *type, const char *data, size_t len)
{
    char num[24];
    size_t at = 0, i = 0;

    put(out, cap, &at, "id: ", 4);
    put(out, cap, &at, num, seq_text(num, seq));
    put(out, cap, &at, "\nevent: ", 8);
    put(out, cap, &at, type, strlen(type));
    put(out, cap, &at, "\n", 1);
    do { /* one data: line per line; an empty data still makes one line */
        size_t start = i;
        while (i < len && data[i] != '\n' && data[i] != '\r')
            i++;
        put(out, cap, &at, "data: ", 6);
        put(out, cap, &at, data + start, i - start);
        put(out, cap, &at, "\n", 1);
        if (i < len && data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
            i++;
        if (i < len)
            i++; /* past the line end (a last one makes no empty line) */
    } while (i < len);
    put(out, cap, &at, "\n", 1);
    if (cap)
        out[at < cap ? at : cap - 1] = '\0';
    return at;
}

shop_rt_event *shop_rt_event_new(long long seq, const char *type, unsigned flags, const char *data, size_t len)
{
    size_t frame_len = shop_rt_sse_frame(NULL, 0, seq, type, data, len);
    shop_rt_event *e = fl_malloc(sizeof(*e) + len + 1 + frame_len + 1);
    char *text = (char *)(e + 1);

    atomic_init(&e->refs, 1);
    e->seq = seq;
    e->flags = flags;
    e->superseded = 0;
    snprintf(e->type, sizeof(e->type), "%s", type);
    memcpy(text, data, len);
    text[len] = '\0';
    e->data = text;
    e->data_len = len;
    shop_rt_sse_frame(text + len + 1, frame_len + 1, seq, type, data, len);
    e->frame = text + len + 1;
    e->frame_len = frame_len;
    return e;
}

shop_rt_event *shop_rt_event_ref(shop_rt_event *e)
{
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
    return e;
}

void shop_rt_event_unref(shop_rt_event *e)
{
    if (e && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
        fl_free(e);
}

/* 1..max characters, each in set (or a lowercase letter or digit). */
static int name_ok(const char *s, size_t max, const char *set)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= max || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr(set, c)))
            return 0;
    }
    return n > 0;
}

int shop_rt_topic_valid(const char *s)
{
    return name_ok(s, SHOP_RT_TOPIC_MAX, "_:-");
}

int shop_rt_type_valid(const char *s)
{
    return name_ok(s, SHOP_RT_TYPE_MAX, "_.");
}

int shop_rt_topic_live(char out[SHOP_RT_TOPIC_MAX + 1], const char *public_id)
{
    size_t n = strspn(public_id, "0123456789abcdef");
    if (n != 16 || public_id[n] != '\0')
        return -1;
    snprintf(out, SHOP_RT_TOPIC_MAX + 1, "live:%s", public_id);
    return 0;
}

int shop_rt_topic_flash(char out[SHOP_RT_TOPIC_MAX + 1], long long sale_id)
{
    if (sale_id < 1)
        return -1;
    snprintf(out, SHOP_RT_TOPIC_MAX + 1, "flash:%lld", sale_id);
    return 0;
}

int shop_rt_topic_coop_orders(char out[SHOP_RT_TOPIC_MAX + 1], long long coop_id)
{
    if (coop_id < 1)
        return -1;
    snprintf(out, SHOP_RT_TOPIC_MAX + 1, "coop:%lld:orders", coop_id);
    return 0;
}

/* The next space-separated field of [*p, end) into out (cap with NUL):
 * 0, or -1 when empty or too long. */
static int field(const char **p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    while (*p < end && **p != ' ') {
        if (n + 1 >= cap)
            return -1;
        out[n++] = *(*p)++;
    }
    out[n] = '\0';
    if (*p < end)
        (*p)++; /* the space */
    return n ? 0 : -1;
}

/* A decimal in [0, LLONG_MAX], digits only: 0, or -1. */
static int decimal(const char *s, long long *out)
{
    long long v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (LLONG_MAX - (*s - '0')) / 10)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

int shop_rt_wire_parse(const char *text, size_t len, shop_rt_wire *w)
{
    const char *nl = memchr(text, '\n', len), *p = text;
    char flags[12], seq[24];
    long long f = 0;

    if (!nl)
        return -1;
    if (field(&p, nl, w->topic, sizeof(w->topic)) || field(&p, nl, w->type, sizeof(w->type)) ||
        field(&p, nl, flags, sizeof(flags)) || field(&p, nl, seq, sizeof(seq)) || p != nl)
        return -1;
    if (!shop_rt_topic_valid(w->topic) || !shop_rt_type_valid(w->type) || decimal(flags, &f) || f > 0xffff ||
        decimal(seq, &w->seq) || w->seq < 1)
        return -1;
    w->flags = (unsigned)f;
    w->data = nl + 1;
    w->data_len = len - (size_t)(nl + 1 - text);
    if (w->data_len < 2 || w->data_len > SHOP_RT_DATA_MAX || w->data[0] != '{' || w->data[w->data_len - 1] != '}')
        return -1;
    return 0;
}
