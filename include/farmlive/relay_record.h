/* relay_record.h - one recording per live session, and the replay listing.
 *
 * A session's recording is a folder of fragmented MP4 with a VOD playlist,
 * {var_dir}/recordings/{live_id}/:
 *
 *   index.m3u8   EXT-X-PLAYLIST-TYPE EVENT while recording, VOD with
 *                EXT-X-ENDLIST once the session ended; its timeline starts
 *                at 0 and carries on across publisher reconnects
 *   init-K.mp4   one per codec configuration (a phone rotated, an audio
 *                track that came late: EXT-X-DISCONTINUITY before it)
 *   seg-N.m4s    about RELAY_REC_SEGMENT_MS each, starting at a video
 *                keyframe (audio only: at any frame)
 *   info.json    {"live_id","started","duration_s","size","segments",
 *                 "finished"}, rewritten with the playlist
 *
 * Files are written beside and renamed in place, so whatever is listed is
 * complete. A relay restart resumes the same recording (a discontinuity).
 * A failed write (disk full) stops that session's recording for good, with
 * a log line; the live outputs never hear of it.
 *
 * Retention (a thread): finished recordings older than keep_days are
 * deleted, and the oldest finished ones while all of them take more than
 * max_bytes; checked every minute and whenever a recording finishes. */
#ifndef FARMLIVE_RELAY_RECORD_H
#define FARMLIVE_RELAY_RECORD_H

#include <jansson.h>

#include "farmlive/relay_media.h"

#define RELAY_REC_SEGMENT_MS 4000

typedef struct relay_rec relay_rec;

enum { REC_OK = 0, REC_STOPPED = 1 };

/* Media worker only. Never NULL: a recording that cannot be started is
 * stopped from the start (logged). */
relay_rec *relay_rec_open(const char *var_dir, const char *live_id);
/* pkt from relay_media_packet (time base 1/1000, duration set), of the
 * codecs p; consumed. A change of p starts a new init at the next video
 * keyframe (until then the packet is left out). 0, REC_STOPPED when the
 * recording stopped now (a write failed: logged), or a negative AVERROR
 * for this packet alone. */
int relay_rec_write(relay_rec *r, const relay_media_params *p, AVPacket *pkt);
int relay_rec_stopped(const relay_rec *r);
/* Writes what is pending, ends the playlist, frees r; NULL-safe. */
void relay_rec_close(relay_rec *r);

/* The session's recording: {"live_id","started","duration_s","size",
 * "segments","finished","url"} in a list (empty when none); live_id NULL
 * lists all, newest first. New reference; never NULL. */
json_t *relay_recordings_list(const char *var_dir, const char *live_id);
/* The path of a recording's file, "{live_id}/{name}" with name index.m3u8,
 * init-K.mp4 or seg-N.m4s, and its MIME type; -1 for any other name. */
int relay_recording_path(const char *var_dir, const char *file, char *out, size_t outlen, const char **mime);
/* A live id the relay accepts: 1-64 of [A-Za-z0-9_-]. */
int relay_live_id_valid(const char *live_id);

/* Deletes what retention says (see above) at now (unix seconds); returns
 * the recordings deleted. Any thread. */
int relay_rec_sweep(const char *var_dir, int keep_days, uint64_t max_bytes, int64_t now);
/* The sweeping thread; stop joins it. 0, or -1 when it cannot start. */
int relay_rec_retention_start(const char *var_dir, int keep_days, uint64_t max_bytes);
void relay_rec_retention_stop(void);

#endif
