/* shop/pages/studio_pages.h - the farmer studio (studio_pages.c): a
 * cooperative member's own live sessions, phone first.
 *
 *   GET /studio         the caller's sessions (live, coming up, ended) and
 *                       "new session": now or scheduled, title, cover
 *                       picture, planned start, the shelf's products
 *                       (studio.js calls POST /api/v1/live, .../cover,
 *                       PUT .../shelf/{sku})
 *   GET /studio/{id}    one session: the RTMP server and key with copy
 *                       buttons and the push URL's QR code (its farmer and
 *                       the cooperative's admins only), the stream's
 *                       preview and health, the shelf with pin / unpin, a
 *                       flash sale, the live counters, chat moderation, the
 *                       end, then the report and the replay
 *                       (studio_live.js, over the API and the room's events)
 *
 * A guest is sent to sign in; an account that is no member of the
 * session's cooperative (nor a platform admin) gets a refusal page (403)
 * with nothing of the session in it. */
#ifndef FARMLIVE_SHOP_PAGES_STUDIO_PAGES_H
#define FARMLIVE_SHOP_PAGES_STUDIO_PAGES_H

#include "farmlive/shop/core/http.h"

int shop_studio_page(shop_req *r);      /* GET /studio */
int shop_studio_live_page(shop_req *r); /* GET /studio/{id} */

#endif
