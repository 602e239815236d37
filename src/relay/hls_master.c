/* hls_master.c - the multivariant playlist of a stream (RFC 8216bis 4.4.6):
 * one EXT-X-STREAM-INF per variant (the source, and the low rendition when
 * the stream has one), each pointing at that variant's own media playlist.
 *
 *   #EXTM3U
 *   #EXT-X-VERSION:7
 *   #EXT-X-STREAM-INF:BANDWIDTH=2200000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"
 *   index.m3u8
 *   #EXT-X-STREAM-INF:BANDWIDTH=520000,RESOLUTION=640x360,CODECS="avc1.42c01e,mp4a.40.2"
 *   low/index.m3u8
 *
 * Pure: values in, text out. Both variants cut their segments at the same
 * source keyframes (the rendition forces one where the source has one),
 * so a player switching between them finds the same boundaries.
 * EXT-X-INDEPENDENT-SEGMENTS is left out: the source's long-GOP segments
 * are not (hls.c says so in its own playlist). */
#include <stdio.h>

#include "farmlive/relay_rendition.h"

void relay_hls_master_write(fl_buf *b, const relay_hls_variant *v, size_t n)
{
    fl_buf_printf(b, "#EXTM3U\n#EXT-X-VERSION:7\n");
    for (size_t i = 0; i < n; i++) {
        fl_buf_printf(b, "#EXT-X-STREAM-INF:BANDWIDTH=%lld", (long long)(v[i].bandwidth > 0 ? v[i].bandwidth : 1));
        if (v[i].width > 0 && v[i].height > 0)
            fl_buf_printf(b, ",RESOLUTION=%dx%d", v[i].width, v[i].height);
        if (v[i].codecs && v[i].codecs[0])
            fl_buf_printf(b, ",CODECS=\"%s\"", v[i].codecs);
        fl_buf_printf(b, "\n%s\n", v[i].uri);
    }
}
