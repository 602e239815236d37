/* web.c - the storefront's pages and static assets.
 *
 * web_dir is what ops/build-web.sh made (build/web): static files, the
 * bundles in assets/ with their content hash in their names (and a .gz
 * beside each), and manifest.json naming the bundle of each entry point.
 *
 * GET /search serves web_dir/index.html (the script-driven catalogue
 * browser; the front page is pages/home_page.c), each "/assets/NAME" in it
 * that the manifest knows written as the bundle's hashed path. GET /assets/{file}
 * serves web_dir/assets/file (a bundle: cached for a year, immutable; its
 * .gz when the client accepts gzip), else web_dir/file, else
 * media_dir/file (an hour). File names are restricted to [A-Za-z0-9._-]
 * without a leading dot, so no path can leave those folders. */
#include "farmlive/shop/pages/web.h"
#include "farmlive/shop/pages/page.h"
#include "farmlive/buf.h"
#include "farmlive/shop/core/gzip.h"
#include "farmlive/shop/domain/media.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define ASSET_MAX (4 * 1024 * 1024)

#define BUNDLE_CACHE "public, max-age=31536000, immutable"
#define STATIC_CACHE "public, max-age=3600"

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webp", "image/webp"},
};

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

static int safe_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 128)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '.' ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Reads dir/name into the arena, NUL-terminated; 0 on success, -1 when
 * absent or larger than ASSET_MAX. */
static int load(shop_req *r, const char *dir, const char *name, char **data, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int rc = -1;
    if (fseek(f, 0, SEEK_END) != 0)
        goto out_close;
    long size = ftell(f);
    if (size < 0 || size > ASSET_MAX || fseek(f, 0, SEEK_SET) != 0)
        goto out_close;
    *data = fl_arena_alloc(r->arena, (size_t)size + 1);
    if (fread(*data, 1, (size_t)size, f) != (size_t)size)
        goto out_close;
    (*data)[size] = '\0'; /* text files are read as strings */
    *len = (size_t)size;
    rc = 0;
out_close:
    fclose(f);
    return rc;
}

int shop_web_asset(shop_req *r)
{
    char *data = NULL, dir[1100];
    size_t len = 0;
    const char *name = shop_param(r, 0), *type = type_of(name);
    const fl_config *cfg = r->ctx->cfg;
    if (!safe_name(name) || !type)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such asset");
    snprintf(dir, sizeof(dir), "%s/assets", cfg->web_dir);
    if (load(r, dir, name, &data, &len) == 0) { /* a bundle: its name changes with its content */
        char *gz = NULL;
        size_t gzlen = 0;
        shop_add_header(r, "Cache-Control", BUNDLE_CACHE);
        shop_add_header(r, "Vary", "Accept-Encoding");
        if (shop_accepts_gzip(r) && load(r, dir, fl_arena_printf(r->arena, "%s.gz", name), &gz, &gzlen) == 0) {
            shop_add_header(r, "Content-Encoding", "gzip");
            return shop_reply_raw(r, 200, type, gz, gzlen);
        }
        return shop_reply_raw(r, 200, type, data, len);
    }
    if (load(r, cfg->web_dir, name, &data, &len) < 0 && load(r, cfg->media_dir, name, &data, &len) < 0)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such asset: %s", name);
    shop_add_header(r, "Cache-Control", STATIC_CACHE);
    return shop_reply_compressible(r, 200, type, data, len);
}

/* GET /media/{file}: an uploaded image's rendition (domain/media.h), from
 * var_dir/media; its name is its content's hash, so it is cached for a
 * year. Only names media.c writes are looked up. */
int shop_web_media(shop_req *r)
{
    char *data = NULL, dir[1100];
    size_t len = 0;
    const char *name = shop_param(r, 0);
    if (!shop_media_name_valid(name))
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such image");
    snprintf(dir, sizeof(dir), "%s/media", r->ctx->cfg->var_dir);
    if (load(r, dir, name, &data, &len) < 0)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such image: %s", name);
    shop_add_header(r, "Cache-Control", BUNDLE_CACHE);
    return shop_reply_raw(r, 200, "image/jpeg", data, len);
}

/* page with every "/assets/NAME" the manifest knows written as its
 * bundle's path (shop_page_asset), in the arena. */
static const char *with_bundles(shop_req *r, const char *page, size_t len, size_t *out_len)
{
    fl_buf b;
    fl_buf_init(&b, len + 256, 4 * len + 4096);
    const char *p = page, *end = page + len;
    while (p < end) {
        const char *at = strstr(p, "/assets/");
        if (!at || at >= end) {
            fl_buf_append(&b, p, (size_t)(end - p));
            break;
        }
        fl_buf_append(&b, p, (size_t)(at - p));
        const char *n = at + 8, *ne = n;
        while (ne < end && *ne != '"' && *ne != '\'' && *ne != ' ' && *ne != '>')
            ne++;
        const char *hashed = shop_page_asset(r, fl_arena_strndup(r->arena, n, (size_t)(ne - n)));
        if (hashed)
            fl_buf_append(&b, hashed, strlen(hashed));
        else
            fl_buf_append(&b, at, (size_t)(ne - at));
        p = ne;
    }
    const char *res = fl_arena_strndup(r->arena, b.p ? b.p : "", b.len);
    *out_len = b.len;
    fl_buf_free(&b);
    return res;
}

int shop_web_page(shop_req *r)
{
    char *data = NULL;
    size_t len = 0;
    if (load(r, r->ctx->cfg->web_dir, "index.html", &data, &len) < 0)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no storefront page (build it: make web)");
    const char *page = with_bundles(r, data, len, &len);
    shop_add_header(r, "Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'");
    shop_add_header(r, "Cache-Control", "no-cache");
    return shop_reply_compressible(r, 200, "text/html; charset=utf-8", page, len);
}
