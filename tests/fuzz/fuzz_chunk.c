/* fuzz_chunk.c - libFuzzer harness for src/relay/rtmp_chunk.c's reader.
 * Feeds the input in pieces (sizes from its first byte) after a valid
 * handshake-free start, until an error; every message must lie within the
 * reader's bounds. Small max_msg so limits are reached quickly. */
#include <stddef.h>
#include <stdint.h>

#include "farmlive/rtmp_chunk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rtmp_chunk_reader r;
    size_t pos = 1, step = size ? (size_t)data[0] + 1 : 1;
    rtmp_chunk_reader_init(&r, 1 << 16);
    while (pos < size) {
        size_t n = size - pos < step ? size - pos : step, used;
        rtmp_msg m;
        int rc = rtmp_chunk_read(&r, data + pos, n, &used, &m);
        if (used > n)
            __builtin_trap();
        pos += used;
        if (rc < 0)
            break;
        if (rc == RTMP_CHUNK_MSG) {
            if (m.len > r.max_msg)
                __builtin_trap();
            volatile uint8_t sink = 0;
            for (size_t i = 0; i < m.len; i++) /* ASan checks every byte is ours */
                sink ^= m.payload[i];
            (void)sink;
        }
    }
    rtmp_chunk_reader_free(&r);
    return 0;
}
