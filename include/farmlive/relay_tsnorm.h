/* relay_tsnorm.h - one stream's timestamp normalizer: what a publisher
 * says its frames' times are, in; the times every output uses, out. Pure:
 * no I/O, no clock (the caller passes the arrival time), no allocation.
 *
 * Guarantees of the output, per session (every publish epoch of a live id):
 *   - starts at 0 and carries on across publisher reconnects (a new epoch
 *     starts TSN_EPOCH_GAP_MS after the last output);
 *   - strictly increasing per track (what the mp4 muxers demand);
 *   - a track never more than TSN_MAX_SKEW_MS behind the stream's head, and
 *     never further ahead of it than the wall time since the head moved plus
 *     TSN_JUMP_SLACK_MS;
 * whatever the input does: repeated or slightly backwards times are nudged
 * forward by half the track's step (TSN_NUDGED, the offset kept, so A/V
 * sync is not lost);
 * a jump forward or back (encoder restart, clock wrap, a track starting far
 * from the other, timestamps starting at 5 h) rebases that track so that it
 * carries on one frame step after its last output (TSN_REBASED). Nothing
 * is ever refused: the publisher is never cut off for its clock. */
#ifndef FARMLIVE_RELAY_TSNORM_H
#define FARMLIVE_RELAY_TSNORM_H

#include <stdint.h>

#define TSN_EPOCH_GAP_MS 100   /* between the last output and a new publisher's first */
#define TSN_MAX_SKEW_MS 3000   /* a track this far behind the head is rebased */
#define TSN_JUMP_SLACK_MS 3000 /* ahead of the head by more than the wall time since + this */
#define TSN_NUDGE_MAX_MS 200   /* backwards by less: nudged; by more: rebased */

enum { TSN_VIDEO = 0, TSN_AUDIO = 1 };
enum { TSN_OK = 0, TSN_NUDGED = 1, TSN_REBASED = 2 };

typedef struct tsn_track {
    int have;         /* a frame of this epoch was seen */
    int64_t offset;   /* out = in + offset */
    int64_t last_out; /* -1: none yet in this session */
    int64_t step;     /* the publisher's last step (in its own times), a frame's duration */
    int seen;         /* last_in holds a time */
    uint32_t last_in;
} tsn_track;

typedef struct relay_tsnorm {
    tsn_track t[2];
    int64_t head;      /* highest output so far, both tracks; -1: none */
    int64_t head_wall; /* caller's clock (ms) when head last moved */
    uint64_t nudged, rebased;
} relay_tsnorm;

void relay_tsnorm_init(relay_tsnorm *n);
/* A new publisher: its clock owes nothing to the last one's. */
void relay_tsnorm_new_epoch(relay_tsnorm *n);
/* The output time of a frame of track (TSN_VIDEO / TSN_AUDIO) stamped in
 * (ms) that arrived at now_ms (any monotonic clock); *what (may be NULL)
 * gets TSN_OK, TSN_NUDGED or TSN_REBASED. */
uint32_t relay_tsnorm_frame(relay_tsnorm *n, int track, uint32_t in, int64_t now_ms, int *what);
/* The time to stamp a sequence header or metadata with: the head (0 before
 * any frame). Changes nothing. */
uint32_t relay_tsnorm_head(const relay_tsnorm *n);

#endif
