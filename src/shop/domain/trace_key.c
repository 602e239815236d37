/* trace_key.c - the platform's signing key (contract in shop/domain/trace_key.h). */
#include "farmlive/shop/domain/trace_key.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "farmlive/log.h"

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static fl_signkey key_loaded;
static atomic_int key_ready; /* set once (under key_lock) after key_loaded is complete */

int shop_trace_key_init(const fl_config *cfg, char *err, size_t errlen)
{
    char path[sizeof(cfg->var_dir) + sizeof(SHOP_TRACE_KEY_FILE) + 1];
    int rc = 0;
    pthread_mutex_lock(&key_lock);
    if (atomic_load(&key_ready))
        goto out_unlock;
    if (mkdir(cfg->var_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", cfg->var_dir, strerror(errno));
        rc = -1;
        goto out_unlock;
    }
    snprintf(path, sizeof(path), "%s/%s", cfg->var_dir, SHOP_TRACE_KEY_FILE);
    rc = fl_signkey_load(path, &key_loaded, err, errlen);
    atomic_store(&key_ready, rc == 0);
out_unlock:
    pthread_mutex_unlock(&key_lock);
    return rc;
}

int shop_trace_key_get(const fl_config *cfg, const fl_signkey **out, shop_fault *f)
{
    char err[600];
    if (!atomic_load(&key_ready) && shop_trace_key_init(cfg, err, sizeof(err)) != 0) {
        fl_log(FL_LOG_ERROR, "trace_key", "%s", err);
        return shop_fault_set(f, SHOP_E_INTERNAL, NULL, "the signing key cannot be loaded");
    }
    *out = &key_loaded;
    return SHOP_OK;
}
