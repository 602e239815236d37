/* fuzz_amf0.c - libFuzzer harness for src/relay/amf0.c. Decodes every
 * value of the input; what decodes is encoded again, decoded again and
 * encoded a third time: the two encodings must be identical (the codec is
 * stable on its own output). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "farmlive/amf0.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXV 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    amf0_value *v[MAXV], *w[MAXV];
    size_t n = 0, m = 0;
    if (amf0_decode_all(data, size, v, MAXV, &n) != AMF0_OK)
        return 0;
    amf0_buf a, b;
    amf0_buf_init(&a, 1 << 24);
    amf0_buf_init(&b, 1 << 24);
    for (size_t i = 0; i < n; i++)
        amf0_put_value(&a, v[i]);
    if (!a.err) {
        if (amf0_decode_all(a.p, a.len, w, MAXV, &m) != AMF0_OK || m != n)
            __builtin_trap();
        for (size_t i = 0; i < m; i++)
            amf0_put_value(&b, w[i]);
        if (b.err || b.len != a.len || (a.len && memcmp(a.p, b.p, a.len) != 0))
            __builtin_trap();
        amf0_free_all(w, m);
    }
    amf0_free_all(v, n);
    amf0_buf_free(&a);
    amf0_buf_free(&b);
    return 0;
}
