/* rtmp_push.c - a tiny RTMP publisher for ingest tests: sends what FFmpeg
 * will not (HEVC in FLV, broken timestamps, hostile chunk headers) and
 * reports how the relay reacted.
 *
 *   rtmp_push HOST PORT KEY MODE
 *     ok             publish, H.264 sequence header + 2 s of fake frames;
 *                    expects NetStream.Publish.Start and an open connection
 *     hevc           legacy HEVC (CodecID 12) sequence header: expects a close
 *     hevc-enhanced  enhanced-RTMP "hvc1" sequence header: expects a close
 *     ts-back        H.264 frames at 0, 1000, 500 ms: expects a close
 *     ts-jump        H.264 frames at 0, 40, 20040 ms: expects a close
 *     chunk-huge     Set Chunk Size 0x7fffffff after the handshake: expects a close
 *     msg-huge       a 16 MiB message header: expects a close
 *     refused        publish only: expects an onStatus error and a close
 *
 * Prints one line (the onStatus code seen, and "closed" or "open") and
 * exits 0 when the relay did what the mode expects, 1 when not, 2 on usage
 * or connection errors. Uses the relay's own chunk writer and AMF0 encoder
 * to build messages, and its chunk reader to read the replies. */
#include "farmlive/amf0.h"
#include "farmlive/rtmp_chunk.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fd = -1;
static int closed;
static char status_code[128];
static rtmp_chunk_reader rd;

static void send_all(const uint8_t *p, size_t n)
{
    while (n > 0 && !closed) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            closed = 1;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void send_msg(uint32_t csid, uint8_t type, uint32_t sid, uint32_t ts, const uint8_t *p, size_t n)
{
    rtmp_msg m = {.csid = csid, .type = type, .stream_id = sid, .ts = ts, .payload = p, .len = n};
    size_t cap = rtmp_chunk_bound(n, 128);
    uint8_t *buf = malloc(cap);
    size_t w = rtmp_chunk_write(buf, cap, &m, 128);
    send_all(buf, w);
    free(buf);
}

/* Reads replies for up to ms milliseconds, noting onStatus codes and EOF. */
static void pump(int ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0 || closed)
            return;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0)
            continue;
        uint8_t buf[8192];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
            closed = 1;
            return;
        }
        size_t pos = 0;
        while (pos < (size_t)n) {
            size_t used;
            rtmp_msg m;
            int rc = rtmp_chunk_read(&rd, buf + pos, (size_t)n - pos, &used, &m);
            pos += used;
            if (rc < 0)
                return;
            if (rc == RTMP_CHUNK_MSG && m.type == RTMP_MSG_COMMAND_AMF0) {
                amf0_value *v[4];
                size_t nv;
                if (amf0_decode_all(m.payload, m.len, v, 4, &nv) == AMF0_OK && nv == 4 &&
                    amf0_string(v[0]) && strcmp(v[0]->str, "onStatus") == 0 && amf0_get_string(v[3], "code"))
                    snprintf(status_code, sizeof(status_code), "%s", amf0_get_string(v[3], "code"));
                amf0_free_all(v, nv);
            }
        }
    }
}

static void command(const char *name, double txn, const char *arg1, const char *arg2, uint32_t sid)
{
    amf0_buf b;
    amf0_buf_init(&b, 4096);
    amf0_put_cstr(&b, name);
    amf0_put_number(&b, txn);
    if (strcmp(name, "connect") == 0) {
        amf0_put_object_begin(&b);
        amf0_put_key(&b, "app", 3);
        amf0_put_cstr(&b, "live");
        amf0_put_key(&b, "tcUrl", 5);
        amf0_put_cstr(&b, arg1);
        amf0_put_object_end(&b);
    } else {
        amf0_put_null(&b);
        if (arg1)
            amf0_put_cstr(&b, arg1);
        if (arg2)
            amf0_put_cstr(&b, arg2);
    }
    send_msg(3, RTMP_MSG_COMMAND_AMF0, sid, 0, b.p, b.len);
    amf0_buf_free(&b);
}

/* A real H.264 sequence header (x264 baseline 320x240), so the outputs
 * accept the stream and only the check under test can refuse it. */
static const uint8_t avc_seq[] = {
    0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x0d, 0xff, 0xe1, 0x00, 0x16, 0x67, 0x42, 0xc0, 0x0d,
    0xda, 0x05, 0x07, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0c, 0x83, 0xc5, 0x0a,
    0xa8, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};

static void video(uint32_t ts, uint8_t b0, uint8_t pkt)
{
    uint8_t body[64] = {b0, pkt, 0, 0, 0};
    if (b0 == 0x17 && pkt == 0) {
        send_msg(6, RTMP_MSG_VIDEO, 1, ts, avc_seq, sizeof(avc_seq));
        return;
    }
    if (b0 & 0x80)
        memcpy(body + 1, "hvc1", 4);
    else if (pkt == 1) /* one length-prefixed NAL unit (a slice) */
        memcpy(body + 5, "\x00\x00\x00\x05\x65\x88\x84\x00\x21", 9);
    send_msg(6, RTMP_MSG_VIDEO, 1, ts, body, pkt == 1 ? 14 : sizeof(body));
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: rtmp_push HOST PORT KEY MODE\n");
        return 2;
    }
    const char *mode = argv[4];
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)strtol(argv[2], NULL, 10))};
    if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1)
        return 2;
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "rtmp_push: connect: %s\n", strerror(errno));
        return 2;
    }
    rtmp_chunk_reader_init(&rd, 0);

    /* handshake: C0+C1, read S0+S1+S2, send C2 */
    static uint8_t c[1 + 1536], s[1 + 2 * 1536];
    c[0] = 3;
    send_all(c, sizeof(c));
    size_t got = 0;
    while (got < sizeof(s)) {
        ssize_t n = recv(fd, s + got, sizeof(s) - got, 0);
        if (n <= 0) {
            fprintf(stderr, "rtmp_push: handshake failed\n");
            return 2;
        }
        got += (size_t)n;
    }
    send_all(s + 1, 1536);

    if (strcmp(mode, "chunk-huge") == 0) {
        uint8_t p[4] = {0x7f, 0xff, 0xff, 0xff};
        send_msg(2, RTMP_MSG_SET_CHUNK_SIZE, 0, 0, p, 4);
    } else if (strcmp(mode, "msg-huge") == 0) {
        uint8_t h[12] = {0x06, 0, 0, 0, 0xff, 0xff, 0xff, 0x09, 1, 0, 0, 0};
        send_all(h, sizeof(h));
    } else {
        char tc[300];
        snprintf(tc, sizeof(tc), "rtmp://%s:%s/live", argv[1], argv[2]);
        command("connect", 1, tc, NULL, 0);
        command("createStream", 2, NULL, NULL, 0);
        command("publish", 3, argv[3], "live", 1);
        for (int i = 0; i < 50 && !status_code[0] && !closed; i++)
            pump(100);
        if (strcmp(mode, "refused") != 0 && strcmp(status_code, "NetStream.Publish.Start") != 0) {
            printf("rtmp_push %s: publish not started (%s) %s\n", mode, status_code, closed ? "closed" : "open");
            return 1;
        }
        if (strcmp(mode, "hevc") == 0)
            video(0, 0x1c, 0);
        else if (strcmp(mode, "hevc-enhanced") == 0)
            video(0, 0x90, 0);
        else if (strcmp(mode, "ts-back") == 0 || strcmp(mode, "ts-jump") == 0 || strcmp(mode, "ok") == 0) {
            int jump = strcmp(mode, "ts-jump") == 0, back = strcmp(mode, "ts-back") == 0;
            video(0, 0x17, 0);
            video(back ? 1000 : 40, 0x17, 1);
            video(back ? 500 : jump ? 20040 : 80, 0x27, 1);
            for (uint32_t ts = 120; !jump && !back && ts < 2000; ts += 40) {
                video(ts, 0x27, 1);
                pump(40);
            }
        }
    }
    pump(3000);
    int want_closed = strcmp(mode, "ok") != 0;
    printf("rtmp_push %s: %s %s\n", mode, status_code[0] ? status_code : "-", closed ? "closed" : "open");
    rtmp_chunk_reader_free(&rd);
    close(fd);
    return closed == want_closed ? 0 : 1;
}
