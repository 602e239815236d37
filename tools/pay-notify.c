/* pay-notify.c - sign a payment notice the way the provider does, and post
 * it to the shop (or print the curl command that would).
 *
 *   pay-notify [--url BASE] [--secret S] [--timestamp T] [--print] ORDER_ID AMOUNT_FEN [TXN_ID]
 *
 * Body: {"order_id":N,"amount_fen":N,"transaction_id":"...","status":"paid"}
 * Headers: X-Timestamp: T (unix seconds, default now) and
 *          X-Signature: hex HMAC-SHA256(secret, "T." + body)
 * The secret defaults to $FARMLIVE_PAYMENT_SECRET, else the development secret
 * that `make run` / `make up` keep in $FARMLIVE_VAR_DIR/secrets.env (var/);
 * the base URL to $SHOP_URL
 * or http://127.0.0.1:$FARMLIVE_SHOP_PORT. Prints the HTTP status and the
 * answer; exits 0 on a 2xx answer, 1 otherwise, 2 on bad usage. */
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(void)
{
    fprintf(stderr, "usage: pay-notify [--url BASE] [--secret S] [--timestamp T] [--print] ORDER_ID AMOUNT_FEN "
                    "[TXN_ID]\n");
}

static int whole(const char *s, long long *out)
{
    char *end = NULL;
    if (!s || !*s)
        return -1;
    *out = strtoll(s, &end, 10);
    return *end ? -1 : 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    fwrite(data, size, n, arg);
    return size * n;
}

/* The FARMLIVE_PAYMENT_SECRET line of the local stack's secrets file
 * (ops/run.sh writes it) into out: 0, or -1 when there is none. */
static int local_secret(char *out, size_t len)
{
    char path[1024], line[512];
    const char *var = getenv("FARMLIVE_VAR_DIR");
    const char *name = "FARMLIVE_PAYMENT_SECRET=";
    int rc = -1;
    snprintf(path, sizeof(path), "%s/secrets.env", var && *var ? var : "var");
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (rc < 0 && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] &&
            (size_t)snprintf(out, len, "%s", line + strlen(name)) < len)
            rc = 0;
    }
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    const char *url = getenv("SHOP_URL"), *secret = getenv("FARMLIVE_PAYMENT_SECRET"), *pos[3] = {0};
    char base[256], ts[32], txn[64], file_secret[256], sig[2 * crypto_auth_hmacsha256_BYTES + 1], target[512], h_ts[64],
        h_sig[128];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    long long order_id, amount, when = (long long)time(NULL);
    int print = 0, npos = 0, rc = 1;
    char *body = NULL;
    CURL *curl = NULL;
    struct curl_slist *hdrs = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            url = argv[++i];
        else if (strcmp(argv[i], "--secret") == 0 && i + 1 < argc)
            secret = argv[++i];
        else if (strcmp(argv[i], "--timestamp") == 0 && i + 1 < argc && whole(argv[i + 1], &when) == 0)
            i++;
        else if (strcmp(argv[i], "--print") == 0)
            print = 1;
        else if (argv[i][0] != '-' && npos < 3)
            pos[npos++] = argv[i];
        else {
            usage();
            return 2;
        }
    }
    if ((!secret || !*secret) && local_secret(file_secret, sizeof(file_secret)) == 0)
        secret = file_secret;
    if (npos < 2 || whole(pos[0], &order_id) < 0 || whole(pos[1], &amount) < 0 || !secret || !*secret) {
        usage();
        if (!secret || !*secret)
            fprintf(stderr, "pay-notify: no secret: set FARMLIVE_PAYMENT_SECRET, pass --secret, or start the "
                            "local stack (make up) which keeps one in var/secrets.env\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    if (!url) {
        const char *port = getenv("FARMLIVE_SHOP_PORT");
        snprintf(base, sizeof(base), "http://127.0.0.1:%s", port ? port : "8080");
        url = base;
    }
    if (pos[2]) {
        snprintf(txn, sizeof(txn), "%s", pos[2]);
    } else {
        unsigned char rnd[8];
        char hex[17];
        randombytes_buf(rnd, sizeof(rnd));
        sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
        snprintf(txn, sizeof(txn), "demo-%s", hex);
    }
    json_t *notice = json_pack("{s:I,s:I,s:s,s:s}", "order_id", (json_int_t)order_id, "amount_fen", (json_int_t)amount,
                               "transaction_id", txn, "status", "paid");
    body = json_dumps(notice, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(notice);
    if (!body)
        goto out;
    snprintf(ts, sizeof(ts), "%lld", when);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig, sizeof(sig), mac, sizeof(mac));
    snprintf(target, sizeof(target), "%s/api/v1/payments/notify", url);
    if (print) {
        printf("curl -sS -X POST -H 'Content-Type: application/json' -H 'X-Timestamp: %s' -H 'X-Signature: %s' "
               "--data-binary '%s' '%s'\n",
               ts, sig, body, target);
        rc = 0;
        goto out;
    }
    snprintf(h_ts, sizeof(h_ts), "X-Timestamp: %s", ts);
    snprintf(h_sig, sizeof(h_sig), "X-Signature: %s", sig);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!(curl = curl_easy_init()))
        goto out_global;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, h_ts);
    hdrs = curl_slist_append(hdrs, h_sig);
    curl_easy_setopt(curl, CURLOPT_URL, target);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, stdout);
    printf("transaction %s\n", txn);
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        fprintf(stderr, "pay-notify: %s: %s\n", target, curl_easy_strerror(cc));
        goto out_curl;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    printf("\nHTTP %ld\n", status);
    rc = status >= 200 && status < 300 ? 0 : 1;
out_curl:
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(curl);
out_global:
    curl_global_cleanup();
out:
    free(body);
    return rc;
}
