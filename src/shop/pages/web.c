/* web.c - the storefront's pages and static assets.
 *
 * GET / serves web_dir/index.html; GET /assets/{file} serves a file from
 * web_dir or, failing that, media_dir. File names are restricted to
 * [A-Za-z0-9._-] without a leading dot, so no path can leave those folders. */
#include "farmlive/shop/api/handlers.h"

#include <stdio.h>
#include <string.h>

#define ASSET_MAX (4 * 1024 * 1024)

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"}, {".svg", "image/svg+xml"},
    {".png", "image/png"}, {".jpg", "image/jpeg"}, {".json", "application/json"},
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

/* Reads dir/name into the arena; 0 on success, -1 when absent. */
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
    if (!*data || fread(*data, 1, (size_t)size, f) != (size_t)size)
        goto out_close;
    *len = (size_t)size;
    rc = 0;
out_close:
    fclose(f);
    return rc;
}

static int serve(shop_req *r, const char *name, const char *cache)
{
    char *data = NULL;
    size_t len = 0;
    const char *type = type_of(name);
    const fl_config *cfg = r->ctx->cfg;
    if (!safe_name(name) || !type)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such asset");
    if (load(r, cfg->web_dir, name, &data, &len) < 0 && load(r, cfg->media_dir, name, &data, &len) < 0)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such asset: %s", name);
    shop_add_header(r, "Cache-Control", cache);
    return shop_reply_raw(r, 200, type, data, len);
}

int shop_web_page(shop_req *r)
{
    shop_add_header(r, "Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'");
    return serve(r, "index.html", "no-cache");
}

int shop_web_asset(shop_req *r)
{
    return serve(r, shop_param(r, 0), "public, max-age=3600");
}
