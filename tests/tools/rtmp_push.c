/* rtmp_push.c - a tiny RTMP publisher for ingest tests: sends what FFmpeg
 * will not (HEVC in FLV, broken timestamps, hostile chunk headers) and
 * reports how the relay reacted.
 *
 *   rtmp_push HOST PORT KEY MODE
 *     ok             publish, H.264 sequence header + 2 s of fake frames;
 *                    expects NetStream.Publish.Start and an open connection
 *     hevc           legacy HEVC (CodecID 12) sequence header: expects an
 *                    onStatus error naming HEVC, then a close
 *     hevc-enhanced  enhanced-RTMP "hvc1" sequence header: likewise
 *     ts-back        H.264 frames at 0, 1000, 500 ms: expects it kept open
 *     ts-jump        H.264 frames at 0, 40, 20040 ms: expects it kept open
 *     chunk-huge     Set Chunk Size 0x7fffffff after the handshake: expects a close
 *     msg-huge       a 16 MiB message header: expects a close
 *     refused        publish only: expects an onStatus error and a close
 *     preauth-big    before connecting: two 8 MiB messages left unfinished (4 MiB
 *                    of each sent, 1 MiB every 100 ms); expects a close within
 *                    500 ms (before the second MiB), and prints when
 *     preauth-cmds   connect, then 40 unknown commands: expects a close
 *     idle           the handshake, then nothing for 3 s; prints "closed" or
 *                    "open" and always exits 0 (refused at accept included)
 *
 *   rtmp_push HOST PORT KEY REWRITE CLIP.flv [CLIP2.flv ...]
 *     publishes the clips' tags one after the other (a later clip's times
 *     carry on from the earlier one's end: a codec change mid-stream when
 *     they differ), paced on the wall clock by their original times, with
 *     their timestamps (or timing) rewritten; expects the connection to
 *     stay open to the end, then unpublishes (deleteStream).
 *     REWRITE:
 *     clean       as they are
 *     a-repeat    every 4th audio frame repeats the audio frame before's time
 *     v-repeat    every 5th video frame repeats the video frame before's time
 *     back        from 3 s on, every time 1 s lower (both tracks)
 *     jump        from 3 s on, every time 30 s higher
 *     start5h     every time 5 h higher
 *     a-off2      audio stamped 2 s later than it is sent
 *     a-off12     audio stamped 12 s later (ffmpeg -itsoffset 12)
 *     a-start2    no audio frame before 2 s (the header comes at 0)
 *     aseq-late   no audio before 2 s, header included: it arrives 2 s late
 *     audio-only  no video tag at all
 *     early       media sent right after publish, not waiting for the reply
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
static uint32_t out_chunk = 128;
static char status_code[128], status_desc[256];
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
    size_t cap = rtmp_chunk_bound(n, out_chunk);
    uint8_t *buf = malloc(cap);
    size_t w = rtmp_chunk_write(buf, cap, &m, out_chunk);
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
                if (amf0_decode_all(m.payload, m.len, v, 4, &nv) == AMF0_OK && nv == 4 && amf0_string(v[0]) &&
                    strcmp(v[0]->str, "onStatus") == 0 && amf0_get_string(v[3], "code")) {
                    const char *d = amf0_get_string(v[3], "description");
                    snprintf(status_code, sizeof(status_code), "%s", amf0_get_string(v[3], "code"));
                    snprintf(status_desc, sizeof(status_desc), "%s", d ? d : "");
                }
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
static const uint8_t avc_seq[] = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x42, 0xc0, 0x0d, 0xff, 0xe1, 0x00, 0x16, 0x67,
                                  0x42, 0xc0, 0x0d, 0xda, 0x05, 0x07, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40,
                                  0x00, 0x00, 0x0c, 0x83, 0xc5, 0x0a, 0xa8, 0x01, 0x00, 0x04, 0x68, 0xce, 0x0f, 0xc8};

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

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 13 && fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)n)) &&
        fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    *len = p ? (size_t)n : 0;
    fclose(f);
    return p;
}

/* The time a tag of the clips is stamped with under rewrite rw; t is its
 * time on the clips' timeline. -1: the tag is not sent. */
static int64_t rewrite(const char *rw, int audio, int seq, int64_t t, int64_t prev)
{
    static unsigned nth[2];
    int64_t out = t;
    if (!seq)
        nth[audio]++;
    if (strcmp(rw, "audio-only") == 0 && !audio)
        return -1;
    if ((strcmp(rw, "a-start2") == 0 || strcmp(rw, "aseq-late") == 0) && audio && !seq && t < 2000)
        return -1;
    if (strcmp(rw, "a-repeat") == 0 && audio && !seq && nth[1] % 4 == 0 && prev >= 0)
        out = prev;
    else if (strcmp(rw, "v-repeat") == 0 && !audio && !seq && nth[0] % 5 == 0 && prev >= 0)
        out = prev;
    else if (strcmp(rw, "back") == 0 && t >= 3000)
        out = t - 1000;
    else if (strcmp(rw, "jump") == 0 && t >= 3000)
        out = t + 30000;
    else if (strcmp(rw, "start5h") == 0)
        out = t + 5 * 3600 * 1000;
    else if (strcmp(rw, "a-off2") == 0 && audio)
        out = t + 2000;
    else if (strcmp(rw, "a-off12") == 0 && audio)
        out = t + 12000;
    return out;
}

/* Publishes the clips (argv[5..]) as REWRITE says; 0 when the relay kept
 * the connection open to the end. */
static int push_clips(const char *rw, char **files, int nfiles)
{
    int64_t t0 = mono_ms(), base = 0, prev[2] = {-1, -1};
    uint8_t *held = NULL; /* aseq-late: the audio sequence header, held back once */
    size_t held_len = 0;
    int hold = strcmp(rw, "aseq-late") == 0;
    uint8_t csz[4] = {0, 0, 0x10, 0}; /* 4096 */
    send_msg(2, RTMP_MSG_SET_CHUNK_SIZE, 0, 0, csz, 4);
    out_chunk = 4096;
    for (int f = 0; f < nfiles && !closed; f++) {
        size_t len, pos = 13;
        int64_t last = 0;
        uint8_t *p = read_file(files[f], &len);
        if (!p) {
            fprintf(stderr, "rtmp_push: cannot read %s\n", files[f]);
            return 2;
        }
        while (pos + 15 <= len && !closed) {
            uint8_t type = p[pos];
            size_t n = (size_t)p[pos + 1] << 16 | (size_t)p[pos + 2] << 8 | p[pos + 3];
            int64_t t = (int64_t)((uint32_t)p[pos + 7] << 24 | (uint32_t)p[pos + 4] << 16 | (uint32_t)p[pos + 5] << 8 |
                                  p[pos + 6]);
            const uint8_t *body = p + pos + 11;
            if (pos + 11 + n + 4 > len)
                break;
            pos += 11 + n + 4;
            last = t;
            t += base;
            int64_t wait = t0 + t - mono_ms();
            if (wait > 0)
                pump((int)wait);
            if (type == RTMP_MSG_DATA_AMF0) {
                if (f == 0)
                    send_msg(4, type, 1, 0, body, n);
                continue;
            }
            if ((type != RTMP_MSG_AUDIO && type != RTMP_MSG_VIDEO) || n < 2)
                continue;
            int audio = type == RTMP_MSG_AUDIO;
            int64_t ts = rewrite(rw, audio, body[1] == 0, t, prev[audio]);
            if (hold && audio && body[1] == 0 && !held) {
                held = malloc(n);
                memcpy(held, body, n);
                held_len = n;
                continue;
            }
            if (ts < 0)
                continue;
            if (held && audio) {
                send_msg(5, RTMP_MSG_AUDIO, 1, (uint32_t)ts, held, held_len);
                free(held);
                held = NULL;
                hold = 0;
            }
            if (body[1] != 0)
                prev[audio] = ts;
            send_msg(audio ? 5 : 6, type, 1, (uint32_t)ts, body, n);
        }
        base += last + 40;
        free(p);
    }
    free(held);
    command("FCUnpublish", 6, NULL, NULL, 0);
    command("deleteStream", 7, NULL, NULL, 0);
    pump(500);
    return closed;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: rtmp_push HOST PORT KEY MODE | rtmp_push HOST PORT KEY REWRITE CLIP.flv...\n");
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
            if (strcmp(mode, "idle") == 0) {
                printf("rtmp_push idle: closed\n");
                return 0;
            }
            fprintf(stderr, "rtmp_push: handshake failed\n");
            return 2;
        }
        got += (size_t)n;
    }
    send_all(s + 1, 1536);

    if (strcmp(mode, "preauth-big") == 0) {
        static uint8_t zeros[1 << 20];
        int64_t t0 = mono_ms(), t_closed = -1;
        size_t sent = 0;
        uint8_t csz[4] = {0, 0x80, 0, 0}; /* chunk size 8 MiB: one chunk a message */
        send_msg(2, RTMP_MSG_SET_CHUNK_SIZE, 0, 0, csz, 4);
        for (int k = 0; k < 8 && !closed; k++) {
            if (k % 4 == 0) { /* a new 8 MiB video message on csid 4, then 5 */
                uint8_t h[12] = {(uint8_t)(4 + k / 4), 0, 0, 0, 0x80, 0, 0, 9, 1, 0, 0, 0};
                send_all(h, sizeof(h));
            }
            send_all(zeros, sizeof(zeros));
            if (!closed)
                sent += sizeof(zeros);
            pump(100);
            if (closed && t_closed < 0)
                t_closed = mono_ms() - t0;
        }
        pump(2000);
        if (closed && t_closed < 0)
            t_closed = mono_ms() - t0;
        printf("rtmp_push preauth-big: %s after %lld ms, %zu bytes taken by the socket\n", closed ? "closed" : "open",
               (long long)t_closed, sent);
        close(fd);
        return closed && t_closed < 500 ? 0 : 1;
    }
    if (strcmp(mode, "idle") == 0) {
        pump(3000);
        printf("rtmp_push idle: %s\n", closed ? "closed" : "open");
        close(fd);
        return 0;
    }
    if (strcmp(mode, "preauth-cmds") == 0) {
        char tc[300];
        snprintf(tc, sizeof(tc), "rtmp://%s:%s/live", argv[1], argv[2]);
        command("connect", 1, tc, NULL, 0);
        for (int i = 0; i < 40 && !closed; i++)
            command("getStreamLength", 2 + i, argv[3], NULL, 0);
        pump(2000);
        printf("rtmp_push preauth-cmds: %s\n", closed ? "closed" : "open");
        close(fd);
        return closed ? 0 : 1;
    }
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
        if (argc > 5) {
            int early = strcmp(mode, "early") == 0, rc;
            for (int i = 0; i < 50 && !early && !status_code[0] && !closed; i++)
                pump(100);
            rc = push_clips(mode, argv + 5, argc - 5);
            printf("rtmp_push %s: %s %s\n", mode, status_code[0] ? status_code : "-", closed ? "closed" : "open");
            rtmp_chunk_reader_free(&rd);
            close(fd);
            return rc == 0 && strcmp(status_code, "NetStream.Publish.Start") == 0 ? 0 : 1;
        }
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
    int want_closed = strcmp(mode, "ok") != 0 && strcmp(mode, "ts-back") != 0 && strcmp(mode, "ts-jump") != 0;
    int hevc = strncmp(mode, "hevc", 4) == 0;
    printf("rtmp_push %s: %s (%s) %s\n", mode, status_code[0] ? status_code : "-", status_desc,
           closed ? "closed" : "open");
    rtmp_chunk_reader_free(&rd);
    close(fd);
    if (hevc && (strcmp(status_code, "NetStream.Publish.Failed") != 0 || !strstr(status_desc, "HEVC")))
        return 1; /* the encoder must hear which codec was refused */
    return closed == want_closed ? 0 : 1;
}
