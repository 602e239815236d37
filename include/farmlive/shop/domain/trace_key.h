/* shop/domain/trace_key.h - the platform's Ed25519 key that signs lot chain
 * heads and certificates.
 *
 * It lives in {var_dir}/trace-ed25519.key (created on first use, mode 0600;
 * sign.h). One key per process, loaded once and read-only after that. */
#ifndef FARMLIVE_SHOP_DOMAIN_TRACE_KEY_H
#define FARMLIVE_SHOP_DOMAIN_TRACE_KEY_H

#include <stddef.h>

#include "farmlive/config.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/sign.h"

#define SHOP_TRACE_KEY_FILE "trace-ed25519.key"

/* Loads (creating when absent) the key; serve() calls it once at start so
 * the key exists before the first request. 0, or -1 with a message in err.
 * Later calls do nothing. Thread-safe. */
int shop_trace_key_init(const fl_config *cfg, char *err, size_t errlen);

/* The loaded key in *out (loading it first when no one has: tools, tests):
 * SHOP_OK, or SHOP_E_INTERNAL (logged) when it cannot be loaded. */
int shop_trace_key_get(const fl_config *cfg, const fl_signkey **out, shop_fault *f);

#endif
