/* relay_record.h - sessions recorded to MP4, and the replay listing.
 *
 * A recording is written to {var_dir}/recordings/{live_id}-{start}.mp4.part
 * by the stream's media worker and renamed to .mp4 once finalised (end of
 * the publish epoch: unpublish grace over, takeover with new codecs, relay
 * shutdown), so a listed file is always playable. {start} is the UTC start,
 * YYYYMMDDTHHMMSSZ. */
#ifndef FARMLIVE_RELAY_RECORD_H
#define FARMLIVE_RELAY_RECORD_H

#include <jansson.h>

#include "farmlive/relay_media.h"

typedef struct relay_rec relay_rec;

/* Media worker only. NULL (logged) when the file cannot be created. */
relay_rec *relay_rec_open(const char *var_dir, const char *live_id, const relay_media_params *p);
/* pkt from relay_media_packet (time base 1/1000); consumed. */
int relay_rec_write(relay_rec *r, AVPacket *pkt);
/* Writes the index (faststart), renames the file, frees r; NULL-safe. */
void relay_rec_close(relay_rec *r);

/* [{"file","live_id","started","size","url"}], newest first; live_id NULL
 * lists all. New reference; never NULL. */
json_t *relay_recordings_list(const char *var_dir, const char *live_id);
/* The path of a finished recording called file, or -1 when file is not a
 * plain recording name (no '/', no "..", ends in .mp4). */
int relay_recording_path(const char *var_dir, const char *file, char *out, size_t outlen);
/* A live id the relay accepts: 1-64 of [A-Za-z0-9_-]. */
int relay_live_id_valid(const char *live_id);

#endif
