/* gzip.c - compressed answers (contract in shop/core/gzip.h). One deflate
 * call over the whole body: pages are built whole before they are sent
 * (pages/html.c), and deflateBound sizes the output so it never grows. */
#include "farmlive/shop/core/gzip.h"

#include <limits.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define GZIP_LEVEL 6   /* zlib's default: most of level 9's gain for a third of its time */
#define GZIP_WINDOW 31 /* 15-bit window + 16: a gzip header and trailer, not zlib's */

int shop_accepts_gzip(shop_req *r)
{
    const char *ae = shop_header(r, "Accept-Encoding");
    return ae && strstr(ae, "gzip") != NULL;
}

int shop_gzip(fl_arena *a, const void *data, size_t len, const char **out, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (len > UINT_MAX || deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong cap = deflateBound(&z, (uLong)len) + 32; /* + the gzip header and trailer deflateBound may leave out */
    unsigned char *buf = fl_arena_alloc(a, cap);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        return -1;
    *out = (const char *)buf;
    *out_len = n;
    return 0;
}

/* Adds Accept-Encoding to the answer's Vary (a page's says Cookie already). */
static void vary_encoding(shop_req *r)
{
    for (size_t i = 0; i < r->nhdrs; i++)
        if (strcasecmp(r->hdr_name[i], "Vary") == 0) {
            if (!strcasestr(r->hdr_value[i], "Accept-Encoding"))
                shop_add_header(r, "Vary", fl_arena_printf(r->arena, "%s, Accept-Encoding", r->hdr_value[i]));
            return;
        }
    shop_add_header(r, "Vary", "Accept-Encoding");
}

int shop_reply_compressible(shop_req *r, int status, const char *type, const char *data, size_t len)
{
    const char *gz;
    size_t gzlen;
    vary_encoding(r);
    if (len >= SHOP_GZIP_MIN && shop_accepts_gzip(r) && shop_gzip(r->arena, data, len, &gz, &gzlen) == 0 &&
        gzlen < len) {
        shop_add_header(r, "Content-Encoding", "gzip");
        return shop_reply_raw(r, status, type, gz, gzlen);
    }
    return shop_reply_raw(r, status, type, data, len);
}
