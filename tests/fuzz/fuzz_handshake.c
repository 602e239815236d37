/* fuzz_handshake.c - libFuzzer harness for src/relay/rtmp_handshake.c.
 * The input is split at points taken from its first byte, so partial
 * feeds are exercised as well as whole ones; leftovers after DONE must lie
 * inside the input. Build: make fuzz (clang -fsanitize=fuzzer,address,undefined). */
#include <stddef.h>
#include <stdint.h>

#include "farmlive/rtmp_handshake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtmp_hs hs;
    size_t pos = 0, step = size ? (size_t)data[0] * 13 + 1 : 1;
    rtmp_hs_init(&hs, 1, 2);
    while (pos < size) {
        size_t n = size - pos < step ? size - pos : step, used;
        const uint8_t *reply;
        int rc = rtmp_hs_feed(&hs, data + pos, n, &used, &reply);
        if (used > n)
            __builtin_trap();
        if (reply && reply[0] != 3)
            __builtin_trap();
        pos += used;
        if (rc != RTMP_HS_AGAIN)
            break;
    }
    return 0;
}
