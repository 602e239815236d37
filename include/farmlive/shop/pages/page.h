/* shop/pages/page.h - what every server-rendered page of the shop shares
 * (page.c): the language, the head (title, description, Open Graph card,
 * the built style sheet), the header and footer, the page's own script and
 * the data it starts from.
 *
 *   shop_html h;
 *   int en = shop_page_lang(r);
 *   shop_page_meta m = {.title = name, .description = blurb, .image = img,
 *                       .path = "/p/12", .script = "product.js"};
 *   shop_html_init(&h, SHOP_PAGE_MAX);
 *   shop_page_begin(&h, r, en, &m);
 *   ... the page's content, through shop_html_put (html.h) ...
 *   shop_page_end(&h, r, en, &m, data);     -- data: a JSON object, stolen
 *   return shop_page_reply(r, &h, 200);
 *
 * Pages are HTML first: their content is in the first response, so a phone
 * on a weak network paints before any script arrives; the page's script
 * (src/web/pages/NAME.js, bundled by ops/build-web.sh) adds the live parts,
 * starting from `data` (in <script type="application/json" id="page-data">)
 * instead of asking the API again. Chinese by default; `?lang=en` or
 * `?lang=zh` switches and is remembered in the fl_lang cookie. For a
 * signed-in caller the page carries the session's CSRF token
 * (<meta name="csrf-token">), so a second tab can write too; such pages
 * are answered `Cache-Control: private, no-store`.
 *
 * For weak networks (issue 14): a browser's first page carries the whole
 * style sheet inline (allowed by its hash in the page's CSP) and fetches
 * the file for the pages after it (the fl_css cookie then links it); the
 * head asks for the page script's static imports (and m->preload, a module
 * it will surely import lazily) with <link rel=modulepreload>, so they
 * load beside the document instead of one round trip after another; the
 * answer is gzipped (core/gzip.h); what cannot wait for the modules runs
 * from a small inline script (shop_page_inline_script). */
#ifndef FARMLIVE_SHOP_PAGES_PAGE_H
#define FARMLIVE_SHOP_PAGES_PAGE_H

#include <jansson.h>

#include "farmlive/shop/core/http.h"
#include "farmlive/shop/pages/html.h"

#define SHOP_PAGE_MAX (2 * 1024 * 1024)
#define SHOP_LANG_COOKIE "fl_lang"
#define SHOP_CSS_COOKIE "fl_css"       /* the style sheet this browser has cached (its built name) */
#define SHOP_PAGE_CSS_MAX (256 * 1024) /* a larger style sheet is only linked, never inlined */

typedef struct shop_page_meta {
    const char *title;       /* text: the page's own title ("· farmlive 乡播" follows) */
    const char *description; /* text: the meta description and the card's */
    const char *image;       /* the card's image: a site path or an https URL; NULL: the brand's */
    const char *path;        /* the page's path, for og:url and the language switch */
    const char *script;      /* the page's entry in the build's manifest ("product.js"), or NULL */
    const char *preload;     /* an entry the script imports lazily but surely ("mpegts.js"), or NULL */
} shop_page_meta;

/* 1 for English, 0 for Chinese: ?lang= (then remembered in the cookie, a
 * Set-Cookie added to the answer), else the cookie, else Chinese. */
int shop_page_lang(shop_req *r);

/* The served path of a built entry ("/assets/product-HASH.js") from
 * web_dir/manifest.json (read once, again when the file changes), in r's
 * arena; NULL when the build has no such entry. */
const char *shop_page_asset(shop_req *r, const char *entry);

/* The document up to the start of <main>. */
void shop_page_begin(shop_html *h, shop_req *r, int en, const shop_page_meta *m);
/* A script the build made to be carried inline (src/web/inline/ENTRY,
 * the manifest's "inline"): <script>its text</script>, allowed by its hash
 * in every page's CSP; nothing when the build has no such script. For what
 * must start before the page's modules have loaded (the live room's video
 * request). */
void shop_page_inline_script(shop_html *h, shop_req *r, const char *entry);
/* Closes <main>, writes the footer, the page data (data, stolen; NULL for
 * none) and the page's script. */
void shop_page_end(shop_html *h, shop_req *r, int en, const shop_page_meta *m, json_t *data);
/* Replies with the page (shop_html_reply) and the headers every page
 * wants: its Content-Security-Policy, and no shared caching when the
 * caller is signed in. */
int shop_page_reply(shop_req *r, shop_html *h, int status);

/* fen as the shop shows money: "¥39.90", "¥0.05", "-¥1.00". */
void shop_page_money(long long fen, char out[32]);

/* The shop's words for its keys, in the page's language: categories
 * ("eggs"), certificate kinds ("geo_indication"), certificate and order
 * statuses ("expired", "pending_payment"), payment methods ("cod"), what a
 * refund did with the goods ("written_off"); the
 * key itself when it has none ("" for NULL). */
const char *shop_page_name(const char *key, int en);

/* An RFC 3339 UTC time ("2026-12-06T08:05:00Z") as China's clock shows it
 * ("2026-12-06 16:05"); "" when t is NULL or not such a time. */
#define SHOP_PAGE_TIME_LEN 20
void shop_page_time(const char *t, char out[SHOP_PAGE_TIME_LEN]);

/* Today's date in China ("2026-12-06"). */
void shop_page_today(char out[11]);

/* A certification counts (a "certified" badge) when its status is valid
 * and today is not past its valid_until. */
int shop_page_cert_current(json_t *cert, const char *today);

/* s percent-encoded for a URL's query (unreserved characters as they are),
 * in r's arena. */
const char *shop_page_urlenc(shop_req *r, const char *s);

/* A page for a caller who must sign in first: 303 to /signin?next=path. */
int shop_page_signin_first(shop_req *r, const char *path);

/* A small page saying what was not found (status 404), with a way home. */
int shop_page_not_found(shop_req *r, int en, const char *title, const char *text);

#endif
