/* tsnorm.c - a stream's timestamps made fit for every muxer. Pure; see
 * relay_tsnorm.h for the guarantees.
 *
 *   frame(track, in, now)
 *     first frame of the epoch?  offset = base - in   (base: 0, or head + gap)
 *     other track's first?       offset = the first track's (shared clock)
 *     c = in + offset
 *       c > head + (now - head_wall) + slack  -> jump ahead      -> rebase
 *       c < head - max skew                   -> far behind      -> rebase
 *       c <= last_out, by < nudge max         -> repeat / jitter -> last_out +
 *                                                             half a step
 *       c <= last_out, by more                -> went back       -> rebase
 *     rebase: c = last_out + step (the track's own pace) when the track is
 *     near the head, else the head; offset = c - in from then on.
 *
 * The wall clock only bounds jumps ahead: a publisher that paused (network
 * stall, muted mic) and resumes with its media clock advanced by the pause
 * is right, and is kept. */
#include "farmlive/relay_tsnorm.h"

#include <string.h>

static const int64_t default_step[2] = {40, 23}; /* 25 fps video, 44.1 kHz AAC */

void relay_tsnorm_init(relay_tsnorm *n)
{
    memset(n, 0, sizeof(*n));
    n->head = -1;
    for (int i = 0; i < 2; i++) {
        n->t[i].last_out = -1;
        n->t[i].step = default_step[i];
    }
}

void relay_tsnorm_new_epoch(relay_tsnorm *n)
{
    for (int i = 0; i < 2; i++)
        n->t[i].have = 0;
}

uint32_t relay_tsnorm_head(const relay_tsnorm *n)
{
    return n->head < 0 ? 0 : (uint32_t)n->head;
}

/* Where a rebased track carries on. */
static int64_t rebase_target(const relay_tsnorm *n, const tsn_track *t)
{
    int64_t c = n->head;
    if (t->last_out >= 0 && t->last_out >= n->head - TSN_MAX_SKEW_MS)
        c = t->last_out + t->step;
    return c;
}

uint32_t relay_tsnorm_frame(relay_tsnorm *n, int track, uint32_t in, int64_t now_ms, int *what)
{
    tsn_track *t = &n->t[track ? 1 : 0];
    const tsn_track *o = &n->t[track ? 0 : 1];
    int done = TSN_OK;
    if (!t->have) {
        if (o->have)
            t->offset = o->offset;
        else
            t->offset = (n->head < 0 ? 0 : n->head + TSN_EPOCH_GAP_MS) - (int64_t)in;
        t->have = 1;
        if (n->head < 0)
            n->head_wall = now_ms;
    }
    int64_t c = (int64_t)in + t->offset;
    if (n->head >= 0) {
        int64_t since = now_ms > n->head_wall ? now_ms - n->head_wall : 0;
        int ahead = c > n->head + since + TSN_JUMP_SLACK_MS;
        int behind = c < n->head - TSN_MAX_SKEW_MS || c < -TSN_NUDGE_MAX_MS;
        int back = t->last_out >= 0 && c <= t->last_out;
        if (!ahead && !behind && back && t->last_out - c < TSN_NUDGE_MAX_MS) {
            /* half a step: the frame keeps some of its duration (a reader
             * at the frame rate sees no two frames on one tick), the next
             * one, a step after the last, still comes after it */
            c = t->last_out + (t->step > 1 ? t->step / 2 : 1);
            done = TSN_NUDGED;
        } else if (ahead || behind || back) {
            c = rebase_target(n, t);
            done = TSN_REBASED;
        }
    }
    if (c < 0) { /* a little before the session's first frame (audio stamped before the first picture) */
        c = 0;
        done = done == TSN_OK ? TSN_NUDGED : done;
    }
    if (t->last_out >= 0 && c <= t->last_out) /* the head may trail the track */
        c = t->last_out + 1;
    if (done == TSN_REBASED)
        t->offset = c - (int64_t)in;
    else if (done == TSN_OK && t->seen && in > t->last_in && in - t->last_in <= 1000)
        t->step = in - t->last_in; /* the publisher's own pace */
    t->seen = 1;
    t->last_in = in;
    t->last_out = c;
    if (c > n->head) {
        n->head = c;
        n->head_wall = now_ms;
    }
    n->nudged += done == TSN_NUDGED;
    n->rebased += done == TSN_REBASED;
    if (what)
        *what = done;
    return c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}
