/* hub.c - the live_id -> relay_stream map, publish / takeover / grace.
 *
 *   publish(id) --- exists? --yes--> publisher_add + new epoch (takeover:
 *        |                           viewers stay, HLS discontinuity)
 *        no --> relay_stream_new, into `live`
 *   unpublish(s) -> publisher_remove: the last one starts the grace period
 *   tick() ------> expired streams: out of `live`, relay_stream_end, into
 *                  `ending`; `ending` streams whose worker finished
 *                  (recording finalised) are joined and released.
 *   drop(id) ----> (the shop ended the session) out of `live` at once,
 *                  marked dropped (ingest closes its publisher), ended,
 *                  into `ending`.
 *
 * References: the hub holds one per stream while it is listed; a publisher
 * holds one from publish to unpublish, so a dropped stream the hub already
 * released stays valid until its publisher's connection let go of it.
 *
 * One mutex guards both lists and the publish bookkeeping. The ingest thread
 * never waits on a worker: joins happen in tick only once a worker is done,
 * and in relay_hub_free. HTTP threads take references with relay_hub_get. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"
#include "farmlive/relay_hub.h"
#include "farmlive/relay_record.h"

#include <libavutil/log.h>

typedef struct hub_entry {
    relay_stream *s;
    struct hub_entry *next;
} hub_entry;

struct relay_hub {
    const fl_config *cfg;
    pthread_mutex_t lock;
    hub_entry *live;
    hub_entry *ending;
};

/* libav* messages, errors only, as our JSON log lines. */
static void av_log_to_fl(void *avcl, int level, const char *fmt, va_list vl)
{
    (void)avcl;
    if (level > AV_LOG_ERROR)
        return;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, vl);
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\n')
        line[n - 1] = 0;
    if (restream_note_av_error(line)) /* a restream target's: it logs it itself, its key masked */
        return;
    fl_log(FL_LOG_WARN, "libav", "%s", line);
}

relay_hub *relay_hub_new(const fl_config *cfg)
{
    av_log_set_callback(av_log_to_fl);
    relay_hub *hub = fl_calloc(1, sizeof(*hub));
    hub->cfg = cfg;
    pthread_mutex_init(&hub->lock, NULL);
    return hub;
}

const fl_config *relay_hub_config(const relay_hub *hub)
{
    return hub->cfg;
}

static void finish(hub_entry *e)
{
    relay_stream_join(e->s);
    relay_stream_release(e->s);
    fl_free(e);
}

void relay_hub_free(relay_hub *hub)
{
    if (!hub)
        return;
    pthread_mutex_lock(&hub->lock);
    for (hub_entry *e = hub->live; e; e = e->next)
        relay_stream_end(e->s);
    hub_entry *lists[2] = {hub->live, hub->ending};
    hub->live = hub->ending = NULL;
    pthread_mutex_unlock(&hub->lock);
    for (int i = 0; i < 2; i++) {
        while (lists[i]) {
            hub_entry *e = lists[i];
            lists[i] = e->next;
            finish(e);
        }
    }
    pthread_mutex_destroy(&hub->lock);
    fl_free(hub);
}

static hub_entry *find_locked(relay_hub *hub, const char *live_id)
{
    for (hub_entry *e = hub->live; e; e = e->next)
        if (strcmp(relay_stream_id(e->s), live_id) == 0)
            return e;
    return NULL;
}

relay_stream *relay_hub_publish(relay_hub *hub, const char *live_id)
{
    if (!relay_live_id_valid(live_id)) {
        fl_log(FL_LOG_WARN, "relay_publish", "refused live id (want 1-64 of [A-Za-z0-9_-])");
        return NULL;
    }
    pthread_mutex_lock(&hub->lock);
    hub_entry *e = find_locked(hub, live_id);
    if (e) {
        relay_stream_new_epoch(e->s);
        fl_log(FL_LOG_INFO, "relay_takeover", "live %s: new publisher takes over", live_id);
    } else {
        e = fl_calloc(1, sizeof(*e));
        e->s = relay_stream_new(hub->cfg, live_id);
        e->next = hub->live;
        hub->live = e;
        fl_log(FL_LOG_INFO, "relay_publish", "live %s: stream starts", live_id);
    }
    relay_stream_publisher_add(e->s);
    relay_stream *s = relay_stream_ref(e->s);
    pthread_mutex_unlock(&hub->lock);
    return s;
}

void relay_hub_unpublish(relay_hub *hub, relay_stream *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&hub->lock);
    if (!relay_stream_dropped(s))
        relay_stream_publisher_remove(s, fl_mono_ms() / 1000);
    pthread_mutex_unlock(&hub->lock);
    relay_stream_release(s);
}

relay_stream *relay_hub_drop(relay_hub *hub, const char *live_id, int *was_live)
{
    relay_stream *s = NULL;
    *was_live = 0;
    if (!relay_live_id_valid(live_id))
        return NULL;
    pthread_mutex_lock(&hub->lock);
    for (hub_entry **pe = &hub->live; *pe; pe = &(*pe)->next) {
        hub_entry *e = *pe;
        if (strcmp(relay_stream_id(e->s), live_id) != 0)
            continue;
        *pe = e->next;
        relay_stream_mark_dropped(e->s);
        relay_stream_end(e->s);
        e->next = hub->ending;
        hub->ending = e;
        *was_live = 1;
        fl_log(FL_LOG_INFO, "relay_drop",
               "live %s: the shop ended the session: closing its publisher, finalising its recording", live_id);
        break;
    }
    for (hub_entry *e = hub->ending; e; e = e->next) /* this one, or one ended earlier and still finalising */
        if (strcmp(relay_stream_id(e->s), live_id) == 0) {
            s = relay_stream_ref(e->s);
            break;
        }
    pthread_mutex_unlock(&hub->lock);
    return s;
}

#define TICK_MAX_ENDED 64

void relay_hub_tick(relay_hub *hub, void (*ended)(void *arg, const char *live_id), void *arg)
{
    char ids[TICK_MAX_ENDED][RELAY_LIVE_ID_MAX + 1];
    int nended = 0;
    hub_entry *done = NULL;
    int64_t now = fl_mono_ms() / 1000;
    int grace = hub->cfg->live_grace_s;

    pthread_mutex_lock(&hub->lock);
    for (hub_entry **pe = &hub->live; *pe;) {
        hub_entry *e = *pe;
        relay_stream_tick(e->s);
        if (nended < TICK_MAX_ENDED && relay_stream_expired(e->s, now, grace)) {
            *pe = e->next;
            memcpy(ids[nended++], relay_stream_id(e->s), RELAY_LIVE_ID_MAX + 1);
            relay_stream_end(e->s);
            e->next = hub->ending;
            hub->ending = e;
            fl_log(FL_LOG_INFO, "relay_end", "live %s: no publisher for %d s, stream ends", relay_stream_id(e->s),
                   grace);
        } else {
            pe = &e->next;
        }
    }
    for (hub_entry **pe = &hub->ending; *pe;) {
        hub_entry *e = *pe;
        if (relay_stream_worker_done(e->s)) {
            *pe = e->next;
            e->next = done;
            done = e;
        } else {
            pe = &e->next;
        }
    }
    pthread_mutex_unlock(&hub->lock);

    while (done) { /* workers already returned: joins do not wait */
        hub_entry *e = done;
        done = e->next;
        finish(e);
    }
    for (int i = 0; i < nended && ended; i++)
        ended(arg, ids[i]);
}

relay_stream *relay_hub_get(relay_hub *hub, const char *live_id)
{
    pthread_mutex_lock(&hub->lock);
    hub_entry *e = find_locked(hub, live_id);
    relay_stream *s = e ? relay_stream_ref(e->s) : NULL;
    pthread_mutex_unlock(&hub->lock);
    return s;
}

size_t relay_hub_list(relay_hub *hub, relay_stream_info **out)
{
    size_t n = 0, i = 0;
    pthread_mutex_lock(&hub->lock);
    for (hub_entry *e = hub->live; e; e = e->next)
        n++;
    relay_stream **refs = fl_calloc(n ? n : 1, sizeof(*refs));
    int *publishing = fl_calloc(n ? n : 1, sizeof(*publishing));
    for (hub_entry *e = hub->live; e; e = e->next, i++) {
        refs[i] = relay_stream_ref(e->s);
        publishing[i] = relay_stream_publishing(e->s);
    }
    pthread_mutex_unlock(&hub->lock);
    relay_stream_info *infos = fl_calloc(n ? n : 1, sizeof(*infos));
    for (i = 0; i < n; i++) {
        relay_stream_get_info(refs[i], &infos[i]);
        infos[i].publishing = publishing[i];
        relay_stream_release(refs[i]);
    }
    fl_free(publishing);
    fl_free(refs);
    *out = infos;
    return n;
}
