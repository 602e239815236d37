/* relay_thumb.h - a JPEG thumbnail from one H.264 keyframe.
 *
 * Media worker only (it decodes, scales and encodes: a few ms at 640x360).
 * The worker calls it every cfg->thumb_interval_s on a keyframe; the
 * result is served from memory at /live/{live_id}/thumb.jpg. */
#ifndef FARMLIVE_RELAY_THUMB_H
#define FARMLIVE_RELAY_THUMB_H

#include "farmlive/relay_media.h"

#define RELAY_THUMB_WIDTH 320

/* key: a keyframe tag of the epoch described by p. A JPEG (yuvj420p, at
 * most RELAY_THUMB_WIDTH wide, aspect kept), or NULL (logged). */
relay_blob *relay_thumb_make(const relay_media_params *p, relay_tag *key);

#endif
