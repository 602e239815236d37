/* shop/domain/trace_chain.h - a lot's trace chain as bytes: the canonical
 * forms that are hashed and signed, and the verdict on a chain as stored.
 *
 *   event n:  canon_n = canonical JSON (canon_json.h) of
 *               {"actor","details","kind","lot","occurred_at","place","seq"}
 *             hash_n  = SHA-256(canon_n || hash_{n-1})      hash_0 = 64 x '0'
 *   head:     Ed25519 over the canonical JSON
 *               {"count":n,"head":hash_n,"lot":code,"type":"farmlive.lot-head.v1"}
 *
 * Pure: no I/O, no globals (fl_crypto_init() must have run). trace.c reads
 * the rows from MariaDB and hands them here; unit tests hand them directly. */
#ifndef FARMLIVE_SHOP_DOMAIN_TRACE_CHAIN_H
#define FARMLIVE_SHOP_DOMAIN_TRACE_CHAIN_H

#include <stddef.h>
#include <jansson.h>

#include "farmlive/hashchain.h"
#include "farmlive/sign.h"

#define SHOP_TRACE_HEAD_TYPE "farmlive.lot-head.v1"
#define SHOP_TRACE_REASON_MAX 192

/* One trace event as stored: texts as MariaDB gives them (occurred_at as
 * "YYYY-MM-DDTHH:MM:SSZ", details as JSON text); prev_hash and hash are NULL
 * while the event is unsealed. Borrowed pointers. */
typedef struct shop_trace_event {
    long long id, seq;
    const char *kind, *occurred_at, *place, *actor, *details, *prev_hash, *hash;
} shop_trace_event;

/* A lot's signed chain head as stored. */
typedef struct shop_trace_head {
    long long count;
    const char *hash, *signature, *key_id;
} shop_trace_head;

/* The event's canonical text for lot code (fl_malloc; *len its length), or
 * NULL when its details are not JSON that has a canonical form (a tampered
 * row, or a decimal number). */
char *shop_trace_event_canon(const char *code, const shop_trace_event *ev, size_t *len);

/* The message a chain head's signature covers (fl_malloc; *len its length). */
char *shop_trace_head_message(const char *code, long long count, const char *head, size_t *len);

/* Signs the head (count events ending in hash head) into sig. */
void shop_trace_head_sign(const fl_signkey *key, const char *code, long long count, const char *head,
                          char sig[FL_SIG_HEX]);

/* What shop_trace_chain_check found. The chain verifies when reason is "". */
typedef struct shop_trace_verdict {
    size_t checked;         /* events looked at: n */
    size_t broken;          /* index of the first broken event, or n when none is */
    const char *broken_why; /* why that event is broken (static text), or NULL */
    int head_valid;         /* the stored head's signature holds */
    char reason[SHOP_TRACE_REASON_MAX];
} shop_trace_verdict;

/* Checks events ev[0..n) of lot code, in seq order, against each other and
 * against the signed head (NULL when the lot has none), with the platform's
 * public key pk. The first failure wins, in this order: an event whose seq
 * is not its place, whose details have no canonical form, whose prev_hash is
 * not the hash before it or whose hash is not its content's; then the head:
 * missing (a fault even with no events: a lot nothing signed never
 * verifies), its signature, the number of events it covers, the hash it
 * names. Never fails itself. */
void shop_trace_chain_check(const char *code, const shop_trace_event *ev, size_t n, const shop_trace_head *head,
                            const unsigned char pk[crypto_sign_PUBLICKEYBYTES], shop_trace_verdict *v);

/* The public JSON of an event: {id, seq, kind, occurred_at, place, actor,
 * details, prev_hash, hash} (details parsed; null when they do not parse). */
json_t *shop_trace_event_json(const shop_trace_event *ev);

/* What /verify answers and the trace document carries as "verification":
 * {lot_code, verified, reason, events_checked, broken_event, head,
 * certificates, key_id, algorithm}. certs is the lot's certificate list
 * (each with id, kind, signature_valid); a certificate whose signature does
 * not hold fails a chain that otherwise verifies. A new object. */
json_t *shop_trace_verification_json(const char *code, const shop_trace_event *ev, const shop_trace_head *head,
                                     const shop_trace_verdict *v, const json_t *certs, const char *key_id);

#endif
