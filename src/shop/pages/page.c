/* page.c - the frame every server-rendered page shares (contract in
 * shop/pages/page.h): language, head and Open Graph card, header, footer,
 * page data and script, and the build's manifest of hashed assets (with the
 * style sheet a first visit gets inline, and the modules to preload). */
#include "farmlive/shop/pages/page.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "farmlive/alloc.h"
#include "farmlive/timefmt.h"

#include "farmlive/shop/core/auth.h"

#define BRAND_ZH "farmlive 乡播"
#define BRAND_IMAGE "/assets/favicon.svg"

/* -- the manifest ---------------------------------------------------------- */

/* web_dir/manifest.json, read at first use and again when its modification
 * time changes (a rebuild while the shop runs); with it the built style
 * sheet's text and its CSP hash, for pages that inline it, and the same for
 * the scripts pages carry inline (the manifest's "inline" names). */
#define INLINE_SCRIPTS_MAX 4
#define INLINE_SCRIPT_MAX (16 * 1024)

typedef struct inline_asset {
    char *text; /* malloc, NUL-terminated; NULL: none */
    size_t len;
    char sha[64]; /* "sha256-BASE64" of text, for the CSP */
} inline_asset;

static struct {
    pthread_mutex_t mu;
    json_t *map;
    struct timespec mtime;
    inline_asset css; /* the style sheet, or no text: never inlined */
    inline_asset js[INLINE_SCRIPTS_MAX];
    const char *js_name[INLINE_SCRIPTS_MAX]; /* entry names, in map */
    size_t njs;
} manifest = {PTHREAD_MUTEX_INITIALIZER, NULL, {0, 0}, {NULL, 0, ""}, {{NULL, 0, ""}}, {NULL}, 0};

static void drop_inline(inline_asset *a)
{
    free(a->text);
    a->text = NULL;
    a->len = 0;
    a->sha[0] = '\0';
}

/* Reads the built asset a manifest entry names (mu held) into a: at most
 * max bytes, and none with "</" or "<!--" in it (it could end its <style>
 * or <script> element early): such an asset is never inlined. */
static void load_inline(const char *web_dir, const char *entry, size_t max, inline_asset *a)
{
    drop_inline(a);
    json_t *v = json_object_get(manifest.map, entry);
    char path[1200];
    if (!json_is_string(v))
        return;
    snprintf(path, sizeof(path), "%s/%s", web_dir, json_string_value(v));
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *text = fl_malloc(max + 1);
    size_t n = fread(text, 1, max + 1, f);
    fclose(f);
    text[n > max ? max : n] = '\0';
    if (n == 0 || n > max || memmem(text, n, "</", 2) || memmem(text, n, "<!--", 4)) {
        free(text);
        return;
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    crypto_hash_sha256(h, (const unsigned char *)text, n);
    sodium_bin2base64(b64, sizeof(b64), h, sizeof(h), sodium_base64_VARIANT_ORIGINAL);
    snprintf(a->sha, sizeof(a->sha), "sha256-%s", b64);
    a->text = text;
    a->len = n;
}

/* The style sheet and the inline scripts of a manifest just read (mu held). */
static void load_inlines(const char *web_dir)
{
    size_t i;
    json_t *x;
    load_inline(web_dir, "style.css", SHOP_PAGE_CSS_MAX, &manifest.css);
    for (i = 0; i < manifest.njs; i++)
        drop_inline(&manifest.js[i]);
    manifest.njs = 0;
    json_array_foreach(json_object_get(manifest.map, "inline"), i, x)
    {
        if (manifest.njs == INLINE_SCRIPTS_MAX || !json_is_string(x))
            break;
        manifest.js_name[manifest.njs] = json_string_value(x);
        load_inline(web_dir, json_string_value(x), INLINE_SCRIPT_MAX, &manifest.js[manifest.njs++]);
    }
}

/* Locks the manifest, (re)reading it when the file changed; NULL-safe map. */
static json_t *manifest_lock(shop_req *r)
{
    char path[1100];
    struct stat st;
    snprintf(path, sizeof(path), "%s/manifest.json", r->ctx->cfg->web_dir);
    pthread_mutex_lock(&manifest.mu);
    if (stat(path, &st) == 0 &&
        (!manifest.map || st.st_mtim.tv_sec != manifest.mtime.tv_sec || st.st_mtim.tv_nsec != manifest.mtime.tv_nsec)) {
        json_decref(manifest.map);
        manifest.map = json_load_file(path, 0, NULL);
        manifest.mtime = st.st_mtim;
        load_inlines(r->ctx->cfg->web_dir);
    }
    return manifest.map;
}

const char *shop_page_asset(shop_req *r, const char *entry)
{
    const char *out = NULL;
    json_t *v = json_object_get(manifest_lock(r), entry);
    if (json_is_string(v))
        out = fl_arena_printf(r->arena, "/%s", json_string_value(v));
    pthread_mutex_unlock(&manifest.mu);
    return out;
}

/* <link rel="modulepreload"> for the static imports of the page's script
 * (the manifest's "imports") and for lazy, a module the script will surely
 * import once it runs, with its own imports; each module once. What a page's
 * script would fetch only after it arrived and ran is asked for with the
 * document instead. */
#define PRELOAD_MAX 16

static void preload_modules(shop_html *h, shop_req *r, const char *script, const char *lazy)
{
    const char *seen[PRELOAD_MAX];
    size_t nseen = 0, i, k;
    json_t *x, *map = manifest_lock(r), *imports = json_object_get(map, "imports");
    json_t *self = json_array(); /* the lazy module itself, between the script's imports and its own */
    if (lazy && json_is_string(json_object_get(map, lazy)))
        json_array_append(self, json_object_get(map, lazy));
    json_t *lists[3] = {json_object_get(imports, script ? script : ""), self,
                        json_object_get(imports, lazy ? lazy : "")};
    for (int l = 0; l < 3; l++)
        json_array_foreach(lists[l], i, x)
        {
            const char *p = json_string_value(x);
            for (k = 0; p && k < nseen && strcmp(seen[k], p) != 0; k++)
                ;
            if (p && k == nseen && nseen < PRELOAD_MAX)
                seen[nseen++] = p;
        }
    for (k = 0; k < nseen; k++)
        shop_html_put(h, "<link rel=\"modulepreload\" href=\"/%s\">", seen[k]);
    pthread_mutex_unlock(&manifest.mu);
    json_decref(self);
}

/* Whether this answer carries the style sheet inline: the browser has not
 * got this build's sheet yet (no SHOP_CSS_COOKIE naming it) and the sheet
 * could be read. css: its served path. */
static int css_inline(shop_req *r, const char *css)
{
    const char *have = shop_cookie(r, SHOP_CSS_COOKIE), *tag = strrchr(css, '/') + 1;
    if (have && strcmp(have, tag) == 0)
        return 0;
    manifest_lock(r);
    int yes = manifest.css.text != NULL;
    pthread_mutex_unlock(&manifest.mu);
    return yes;
}

/* The style sheet, inline in a <style> for a browser that has not got it
 * yet: its first page paints without waiting for another round trip. That
 * page also fetches the sheet itself (shop_page_end: at the end of the
 * body, media="print", so it blocks nothing and holds back no image) and
 * the answer sets the cookie, so the pages after it link the cached file. */
static void style_sheet(shop_html *h, shop_req *r, const char *css)
{
    if (!css_inline(r, css)) {
        shop_html_put(h, "<link rel=\"stylesheet\" href=\"%s\">", css);
        return;
    }
    manifest_lock(r);
    shop_html_put(h, "<style>");
    shop_html_raw(h, manifest.css.text, manifest.css.len); /* checked when read: no "</" in it */
    shop_html_put(h, "</style>");
    pthread_mutex_unlock(&manifest.mu);
    shop_add_header(r, "Set-Cookie",
                    fl_arena_printf(r->arena, "%s=%s; Path=/; Max-Age=31536000; SameSite=Lax%s", SHOP_CSS_COOKIE,
                                    strrchr(css, '/') + 1, r->ctx->cfg->cookie_secure ? "; Secure" : ""));
}

void shop_page_inline_script(shop_html *h, shop_req *r, const char *entry)
{
    manifest_lock(r);
    for (size_t i = 0; i < manifest.njs; i++)
        if (manifest.js[i].text && strcmp(manifest.js_name[i], entry) == 0) {
            shop_html_put(h, "<script>");
            shop_html_raw(h, manifest.js[i].text, manifest.js[i].len); /* checked when read: no "</" in it */
            shop_html_put(h, "</script>");
        }
    pthread_mutex_unlock(&manifest.mu);
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
        style_sheet(h, r, css);
    if (m->script || m->preload)
        preload_modules(h, r, m->script, m->preload);
    shop_html_put(h,
                  "</head><body><a class=\"skip\" href=\"#main\">%s</a><header class=\"top\"><div class=\"top-inner\">"
                  "<a class=\"brand\" href=\"/\"><span class=\"brand-mark\" aria-hidden=\"true\">乡"
                  "</span><span class=\"brand-text\"><span class=\"brand-latin\">farmlive "
                  "</span><b>乡播</b></span></a><nav class=\"top-nav\" "
                  "aria-label=\"%s\"><a href=\"/cart\">%s</a>",
                  en ? "Skip to content" : "跳到正文", en ? "Site" : "网站导航", en ? "Cart" : "购物车");
    if (r->session)
        shop_html_put(h, "<a href=\"/orders\">%s</a><a href=\"/account\">%s</a>", en ? "Orders" : "我的订单",
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
    const char *css = shop_page_asset(r, "style.css");
    if (css && css_inline(r, css)) /* the sheet inlined above, for the pages that follow */
        shop_html_put(h, "<link rel=\"stylesheet\" href=\"%s\" media=\"print\">", css);
    shop_html_put(h, "</body></html>");
}

int shop_page_reply(shop_req *r, shop_html *h, int status)
{
    const char *relay = r->ctx->cfg->relay_public_base; /* the video comes from the relay */
    manifest_lock(r);
    const char *inline_css = manifest.css.text ? fl_arena_printf(r->arena, " '%s'", manifest.css.sha) : "";
    const char *inline_js = "";
    for (size_t i = 0; i < manifest.njs; i++)
        if (manifest.js[i].text)
            inline_js = fl_arena_printf(r->arena, "%s '%s'", inline_js, manifest.js[i].sha);
    pthread_mutex_unlock(&manifest.mu);
    shop_add_header(
        r, "Content-Security-Policy",
        fl_arena_printf(r->arena,
                        "default-src 'self'; img-src 'self' data: https: %s; media-src 'self' blob: %s; "
                        "connect-src 'self' %s; style-src 'self'%s; script-src 'self'%s; object-src 'none'; "
                        "base-uri 'self'; frame-ancestors 'none'",
                        relay, relay, relay, inline_css, inline_js));
    shop_add_header(r, "Cache-Control", r->session ? "private, no-store" : "no-cache");
    shop_add_header(r, "Vary", "Cookie");
    return shop_html_reply(r, h, status, "text/html; charset=utf-8");
}

void shop_page_money(long long fen, char out[32])
{
    unsigned long long a = fen < 0 ? (unsigned long long)(-(fen + 1)) + 1 : (unsigned long long)fen;
    snprintf(out, 32, "%s¥%llu.%02llu", fen < 0 ? "-" : "", a / 100, a % 100);
}

/* -- words -------------------------------------------------------------------- */

/* clang-format off */
static const struct {
    const char *key, *zh, *en;
} NAMES[] = {
    {"eggs", "禽蛋", "Eggs"},                   {"vegetables", "蔬菜", "Vegetables"},
    {"fruit", "水果", "Fruit"},                 {"tea", "茶叶", "Tea"},
    {"honey", "蜂蜜", "Honey"},                 {"poultry", "禽肉", "Poultry"},
    {"grain", "粮食", "Grain"},                 {"oil", "食用油", "Oil"},
    {"condiments", "调味品", "Condiments"},     {"dried", "干货", "Dried goods"},
    {"conformity", "承诺达标合格证", "Certificate of conformity"},
    {"pollution_free", "无公害农产品", "Pollution-free"},
    {"green_food", "绿色食品", "Green food"},
    {"organic", "有机产品", "Organic"},
    {"geo_indication", "农产品地理标志", "Geographical indication"},
    {"valid", "有效", "Valid"},                 {"suspended", "已暂停", "Suspended"},
    {"revoked", "已撤销", "Revoked"},           {"expired", "已过期", "Expired"},
    {"pending_payment", "待付款", "Awaiting payment"},
    {"paid", "已付款", "Paid"},                 {"confirmed", "已确认（货到付款）", "Confirmed (cash on delivery)"},
    {"shipped", "已发货", "Shipped"},           {"delivered", "已送达", "Delivered"},
    {"completed", "已完成", "Completed"},       {"cancelled", "已取消", "Cancelled"},
    {"refunded", "已退款", "Refunded"},
    {"online", "在线支付", "Online payment"},   {"cod", "货到付款", "Cash on delivery"},
    {"restocked", "未发货，库存已退回", "Not shipped: back in stock"},
    {"awaiting_return", "等待退货", "Awaiting the return of the goods"},
    {"returned", "退货已收到", "Goods returned"},
    {"written_off", "货物不退回", "Goods not returned"},
    {"live", "直播中", "Live"},                 {"idle", "暂停中", "Paused"},
    {"created", "即将开播", "Coming up"},       {"ended", "已结束", "Ended"},
};
/* clang-format on */

const char *shop_page_name(const char *key, int en)
{
    for (size_t i = 0; key && i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
        if (strcmp(key, NAMES[i].key) == 0)
            return en ? NAMES[i].en : NAMES[i].zh;
    return key ? key : "";
}

/* -- times -------------------------------------------------------------------- */

void shop_page_time(const char *t, char out[SHOP_PAGE_TIME_LEN])
{
    long long s;
    char iso[FL_TIME_LEN];
    out[0] = '\0';
    if (!t || fl_time_parse(t, &s) < 0)
        return;
    fl_time_format(s + FL_CHINA_UTC_OFFSET_S, iso); /* "2026-12-06T16:05:00Z" on China's clock */
    snprintf(out, SHOP_PAGE_TIME_LEN, "%.10s %.5s", iso, iso + 11);
}

void shop_page_today(char out[11])
{
    char d[FL_DATE_LEN];
    fl_date_format((long long)time(NULL) + FL_CHINA_UTC_OFFSET_S, d);
    snprintf(out, 11, "%s", d);
}

int shop_page_cert_current(json_t *c, const char *today)
{
    const char *status = json_string_value(json_object_get(c, "status"));
    const char *until = json_string_value(json_object_get(c, "valid_until"));
    return status && strcmp(status, "valid") == 0 && (!until || strcmp(until, today) >= 0);
}

/* -- answers ------------------------------------------------------------------ */

const char *shop_page_urlenc(shop_req *r, const char *s)
{
    static const char HEX[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = fl_arena_alloc(r->arena, 3 * n + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = HEX[c >> 4];
            *o++ = HEX[c & 15];
        }
    }
    *o = '\0';
    return out;
}

int shop_page_signin_first(shop_req *r, const char *path)
{
    shop_add_header(r, "Location", fl_arena_printf(r->arena, "/signin?next=%s", shop_page_urlenc(r, path)));
    shop_add_header(r, "Cache-Control", "no-store");
    return shop_reply_empty(r, 303);
}

int shop_page_not_found(shop_req *r, int en, const char *title, const char *text)
{
    shop_html h;
    shop_page_meta m = {.title = title, .path = "/"};
    shop_html_init(&h, SHOP_PAGE_MAX);
    shop_page_begin(&h, r, en, &m);
    shop_html_put(&h,
                  "<section class=\"panel\"><h1>%s</h1><p>%s</p><p><a class=\"btn btn-primary\" href=\"/\">%s</a></p>"
                  "</section>",
                  title, text, en ? "Back to the shop" : "返回首页");
    shop_page_end(&h, r, en, &m, NULL);
    return shop_page_reply(r, &h, 404);
}
