/* shop/domain/trace_doc.h - a lot's public trace document: what GET
 * /api/v1/trace/{code} sends, the trace page shows and the EPCIS export
 * rewrites.
 *
 *   {lot, product, cooperative, base, farmer, certificates, events,
 *    verification, links}
 *
 * Every read recomputes the verification (the API caches the rendered
 * document: trace_cache.h). */
#ifndef FARMLIVE_SHOP_DOMAIN_TRACE_DOC_H
#define FARMLIVE_SHOP_DOMAIN_TRACE_DOC_H

#include <jansson.h>

#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/sign.h"

/* The trace document of lot code in *out (new); URLs under public_base,
 * strings in a. SHOP_E_NOT_FOUND when no lot has that code. */
int shop_trace_document(fl_db *db, const fl_signkey *key, const char *public_base, const char *code, fl_arena *a,
                        json_t **out, shop_fault *f);

#endif
