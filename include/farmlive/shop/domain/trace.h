/* shop/domain/trace.h - a lot's trace chain in MariaDB: appending events,
 * sealing and signing the head, verifying (the bytes: trace_chain.h).
 *
 * An append locks the lot row, reads the newest event, inserts the next one
 * with its hash and re-signs the head, all in one transaction; the table's
 * triggers refuse UPDATE and DELETE, and nothing edits an event. Rows the
 * demo seed inserts unsealed (hash NULL) are sealed once, by
 * shop_trace_seal_all() after seeding or, failing that, on first read. */
#ifndef FARMLIVE_SHOP_DOMAIN_TRACE_H
#define FARMLIVE_SHOP_DOMAIN_TRACE_H

#include <jansson.h>

#include "farmlive/config.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/sign.h"

/* An event to append. kind is one of planted, raised, fed, treated,
 * harvested, inspected, packed, shipped, received, sold; occurred_at an RFC
 * 3339 time ("2026-11-20T07:00:00Z", "2026-11-20T15:00:00+08:00"; a
 * fraction is dropped), not in the future nor before the lot's last event,
 * stored, hashed and answered in UTC ("...Z"); actor NULL: the acting
 * account's display name; details an object without decimal numbers
 * (NULL: {}), at most 16 KiB canonical, holding results [{item, result,
 * ...}] for an inspection. Borrowed. */
typedef struct shop_trace_event_new {
    const char *kind, *occurred_at, *place, *actor;
    const json_t *details;
} shop_trace_event_new;

/* Appends an event to the chain of lot code, as who (a member of the lot's
 * cooperative), and re-signs the head: SHOP_OK with *created (new) the event
 * {lot_code, seq, kind, occurred_at, place, actor, details, prev_hash, hash}.
 * Refuses 404 (no such lot), 401/403, 422 (the event breaks a rule above). */
int shop_trace_append(fl_db *db, const fl_signkey *key, const shop_actor *who, const char *code,
                      const shop_trace_event_new *in, json_t **created, shop_fault *f);

/* Inside the caller's transaction, with the lot row locked: seals the lot's
 * unsealed events and (re)signs its chain head (an empty chain gets a head
 * of 0 events). For a new lot and for seeded rows. FL_DB_* status. */
int shop_trace_head_update(fl_db *db, const fl_signkey *key, long long lot_id, const char *code);

/* After `seed-demo`: seals every trace event inserted unsealed by SQL and
 * signs its lot's chain head and every unsigned certificate. 0 or -1
 * (logged). */
int shop_trace_seal_all(fl_db_pool *pool, const fl_config *cfg);

/* Reads lot_id's chain (sealing unsealed rows first) and checks it and the
 * certificates certs (shop_cert_for_lot) with key: *verification (new) as
 * trace_chain.h's shop_trace_verification_json, and, when events is not
 * NULL, *events (new) the public event list. */
int shop_trace_check(fl_db *db, const fl_signkey *key, long long lot_id, const char *code, const json_t *certs,
                     json_t **verification, json_t **events, shop_fault *f);

/* What GET /api/v1/trace/{code}/verify answers: the lot's chain, head and
 * certificates checked, in *out (new). 404 when no lot has that code. */
int shop_trace_verify_lot(fl_db *db, const fl_signkey *key, const char *code, json_t **out, shop_fault *f);

#endif
