/* shop/pages/dash.h - the cooperative dashboard's shell (dash.c): the
 * rights check every dashboard page starts with, the frame and the one
 * table of its sections.
 *
 *   GET /dash                      the caller's cooperatives (one: 303 to it;
 *                                  a platform admin: every cooperative)
 *   GET /dash/{coop_id}            the overview (dash_pages.c)
 *   GET /dash/{coop_id}/SECTION    a section: its row in dash.c's SECTIONS
 *                                  names it, its words and the least role
 *                                  that sees it (a farmer: lots and
 *                                  certificates; an admin: all of their
 *                                  cooperative; a platform admin: all)
 *
 * A section's handler:
 *
 *   shop_dash d;
 *   int rc = shop_dash_enter(r, "lots", &d);
 *   if (!d.ready)
 *       return rc;                 -- replied: sign in, 404, or the refusal
 *   shop_html h;
 *   shop_dash_begin(&h, r, &d, "dash_lots.js");
 *   ... the section, through shop_html_put ...
 *   shop_dash_end(&h, r, &d, data);  -- data: a JSON object (stolen) or NULL
 *   return shop_page_reply(r, &h, 200);
 *
 * A guest is sent to sign in; a cooperative that does not exist is a 404
 * page; an account without the section's role in the cooperative (and not
 * a platform admin) gets a refusal page (403) with nothing of the
 * cooperative on it, not even its name. The page only decides what to
 * show: every write goes through the API and its own role checks. */
#ifndef FARMLIVE_SHOP_PAGES_DASH_H
#define FARMLIVE_SHOP_PAGES_DASH_H

#include <jansson.h>

#include "farmlive/shop/core/http.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/pages/html.h"

typedef struct shop_dash {
    int ready;           /* 1: draw the page; 0: shop_dash_enter has replied */
    int en;              /* the page's language (shop_page_lang) */
    shop_actor who;      /* the caller */
    long long coop_id;   /* the cooperative of the URL */
    int role;            /* the caller's SHOP_MEMBER_* in it; a platform admin: SHOP_MEMBER_ADMIN */
    const char *section; /* the SECTIONS key ("" for the overview) */
    const char *title;   /* the section's title, in the page's language */
    const char *name;    /* the cooperative's name (r's arena) */
    const char *path;    /* "/dash/{coop_id}[/section]" (r's arena) */
    const char *script;  /* set by shop_dash_begin */
} shop_dash;

/* Checks the caller may open section of the cooperative in path parameter
 * 0 (see above) and fills *d; on a refusal, replies and leaves d->ready 0.
 * Returns the reply's status when it replied, else SHOP_OK. */
int shop_dash_enter(shop_req *r, const char *section, shop_dash *d);

/* The document up to the section's content: the page frame (page.h), the
 * cooperative's name and the sections' navigation (those d->role may see,
 * the current one marked), then the section's <h1>. script: the page's
 * entry in the build ("dash_lots.js") or NULL. */
void shop_dash_begin(shop_html *h, shop_req *r, shop_dash *d, const char *script);
/* Closes the section and the page (shop_page_end); data (stolen, NULL: an
 * empty object) gets coop_id, role ("farmer", "coop_admin") and section. */
void shop_dash_end(shop_html *h, shop_req *r, const shop_dash *d, json_t *data);

/* 1 when d's caller holds at least min_role (SHOP_MEMBER_*) in its
 * cooperative: what a section shows beyond what it lists. */
int shop_dash_may(const shop_dash *d, int min_role);

#endif
