/* page.c - the frame every server-rendered page shares (contract in
 * shop/pages/page.h): language, head and Open Graph card, header, footer,
 * page data and script, and the build's manifest of hashed assets. */
#include "farmlive/shop/pages/page.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "farmlive/shop/core/auth.h"

#define BRAND_ZH "farmlive 乡播"
#define BRAND_IMAGE "/assets/favicon.svg"

/* -- the manifest ---------------------------------------------------------- */

/* web_dir/manifest.json, read at first use and again when its modification
 * time changes (a rebuild while the shop runs). */
static struct {
    pthread_mutex_t mu;
    json_t *map;
    struct timespec mtime;
} manifest = {PTHREAD_MUTEX_INITIALIZER, NULL, {0, 0}};

const char *shop_page_asset(shop_req *r, const char *entry)
{
    char path[1100];
    struct stat st;
    const char *out = NULL;
    snprintf(path, sizeof(path), "%s/manifest.json", r->ctx->cfg->web_dir);
    pthread_mutex_lock(&manifest.mu);
    if (stat(path, &st) == 0 &&
        (!manifest.map || st.st_mtim.tv_sec != manifest.mtime.tv_sec || st.st_mtim.tv_nsec != manifest.mtime.tv_nsec)) {
        json_decref(manifest.map);
        manifest.map = json_load_file(path, 0, NULL);
        manifest.mtime = st.st_mtim;
    }
    json_t *v = json_object_get(manifest.map, entry);
    if (json_is_string(v))
        out = fl_arena_printf(r->arena, "/%s", json_string_value(v));
    pthread_mutex_unlock(&manifest.mu);
    return out;
}

/* -- language --------------------------------------------------------------- */

int shop_page_lang(shop_req *r)
{
    const char *q = shop_query(r, "lang"), *c;
    if (q && (strcmp(q, "en") == 0 || strcmp(q, "zh") == 0)) {
        shop_add_header(r, "Set-Cookie",
                        fl_arena_printf(r->arena, "%s=%s; Path=/; Max-Age=31536000; SameSite=Lax%s", SHOP_LANG_COOKIE,
                                        q, r->ctx->cfg->cookie_secure ? "; Secure" : ""));
        return q[0] == 'e';
    }
    c = shop_cookie(r, SHOP_LANG_COOKIE);
    return c && strcmp(c, "en") == 0;
}

/* -- the frame -------------------------------------------------------------- */

/* An absolute URL for the card: https URLs as they are, site paths under
 * the public base. */
static const char *absolute(shop_req *r, const char *url)
{
    if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0)
        return url;
    return fl_arena_printf(r->arena, "%s%s", r->ctx->cfg->public_base, url);
}

void shop_page_begin(shop_html *h, shop_req *r, int en, const shop_page_meta *m)
{
    const char *css = shop_page_asset(r, "style.css");
    const char *title = m->title ? fl_arena_printf(r->arena, "%s · %s", m->title, BRAND_ZH) : BRAND_ZH;
    const char *path = m->path ? m->path : "/";
    shop_html_put(h,
                  "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1,viewport-fit=cover\">"
                  "<meta name=\"theme-color\" content=\"#2f6b3a\"><title>%s</title>",
                  en ? "en" : "zh-CN", title);
    if (m->description)
        shop_html_put(h, "<meta name=\"description\" content=\"%s\">", m->description);
    shop_html_put(h,
                  "<meta property=\"og:type\" content=\"website\"><meta property=\"og:site_name\" content=\"%s\">"
                  "<meta property=\"og:title\" content=\"%s\"><meta property=\"og:url\" content=\"%s\">"
                  "<meta property=\"og:image\" content=\"%s\">",
                  BRAND_ZH, m->title ? m->title : BRAND_ZH, absolute(r, path),
                  absolute(r, m->image ? m->image : BRAND_IMAGE));
    if (m->description)
        shop_html_put(h, "<meta property=\"og:description\" content=\"%s\">", m->description);
    if (r->session)
        shop_html_put(h, "<meta name=\"csrf-token\" content=\"%s\">", r->session->csrf);
    shop_html_put(h, "<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">");
    if (css)
        shop_html_put(h, "<link rel=\"stylesheet\" href=\"%s\">", css);
    shop_html_put(h,
                  "</head><body><a class=\"skip\" href=\"#main\">%s</a><header class=\"top\"><div class=\"top-inner\">"
                  "<a class=\"brand\" href=\"/\"><span class=\"brand-mark\" aria-hidden=\"true\">乡"
                  "</span><span class=\"brand-text\">farmlive <b>乡播</b></span></a><nav class=\"top-nav\" "
                  "aria-label=\"%s\"><a href=\"/cart\">%s</a>",
                  en ? "Skip to content" : "跳到正文", en ? "Site" : "网站导航", en ? "Cart" : "购物车");
    if (r->session)
        shop_html_put(h, "<a href=\"/me/orders\">%s</a><a href=\"/me\">%s</a>", en ? "Orders" : "我的订单",
                      en ? "Account" : "我的");
    else
        shop_html_put(h, "<a href=\"/signin?next=%s\">%s</a>", path, en ? "Sign in" : "登录");
    shop_html_put(h,
                  "<a href=\"%s%slang=%s\" lang=\"%s\" hreflang=\"%s\">%s</a></nav></div></header>"
                  "<main id=\"main\" class=\"page\">",
                  path, strchr(path, '?') ? "&" : "?", en ? "zh" : "en", en ? "zh-CN" : "en", en ? "zh-CN" : "en",
                  en ? "中文" : "EN");
}

void shop_page_end(shop_html *h, shop_req *r, int en, const shop_page_meta *m, json_t *data)
{
    const char *js = m->script ? shop_page_asset(r, m->script) : NULL;
    shop_html_put(h, "</main><footer class=\"foot\"><p>%s</p></footer>",
                  en ? "farmlive · live selling for rural cooperatives" : "farmlive 乡播 · 乡村合作社直播电商");
    if (data) {
        json_object_set_new(data, "lang", json_string(en ? "en" : "zh"));
        /* JSON_ESCAPE_SLASH: "</script>" in a value cannot end the element */
        char *text = json_dumps(data, JSON_COMPACT | JSON_ESCAPE_SLASH);
        shop_html_put(h, "<script type=\"application/json\" id=\"page-data\">%m</script>", text ? text : "{}");
        free(text);
        json_decref(data);
    }
    if (js)
        shop_html_put(h, "<script type=\"module\" src=\"%s\"></script>", js);
    shop_html_put(h, "</body></html>");
}

int shop_page_reply(shop_req *r, shop_html *h, int status)
{
    const char *relay = r->ctx->cfg->relay_public_base; /* the video comes from the relay */
    shop_add_header(r, "Content-Security-Policy",
                    fl_arena_printf(r->arena,
                                    "default-src 'self'; img-src 'self' data: https: %s; media-src 'self' blob: %s; "
                                    "connect-src 'self' %s; style-src 'self'; script-src 'self'; object-src 'none'; "
                                    "base-uri 'self'; frame-ancestors 'none'",
                                    relay, relay, relay));
    shop_add_header(r, "Cache-Control", r->session ? "private, no-store" : "no-cache");
    shop_add_header(r, "Vary", "Cookie");
    return shop_html_reply(r, h, status, "text/html; charset=utf-8");
}

void shop_page_money(long long fen, char out[32])
{
    unsigned long long a = fen < 0 ? (unsigned long long)(-(fen + 1)) + 1 : (unsigned long long)fen;
    snprintf(out, 32, "%s¥%llu.%02llu", fen < 0 ? "-" : "", a / 100, a % 100);
}
