/* media.c - uploaded images: checked by content, drawn anew at the
 * widths the pages use, stored by content hash (see media.h). */
#include "farmlive/shop/domain/media.h"
#include "farmlive/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

const int shop_media_widths[] = {320, 640, 1080};
const size_t shop_media_nwidths = sizeof(shop_media_widths) / sizeof(shop_media_widths[0]);

/* The loaders an upload may reach: libvips' classes, each with its
 * buffer, file and source subclasses ("VipsForeignLoadJpegBuffer"). */
static const char *const loader_classes[] = {"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp"};
#define NLOADERS (sizeof(loader_classes) / sizeof(loader_classes[0]))

/* libvips' own warnings (a broken file's "error in tile") belong to the
 * upload that is refused with them: logged at debug level only. */
static void vips_warning(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer arg)
{
    (void)domain, (void)level, (void)arg;
    fl_log(FL_LOG_DEBUG, "media_decoder", "%s", msg);
}

int shop_media_init(const char *argv0)
{
    if (VIPS_INIT(argv0) != 0) {
        fl_log(FL_LOG_ERROR, "start_failed", "libvips did not start: %s", vips_error_buffer());
        vips_error_clear();
        return -1;
    }
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO, vips_warning, NULL);
    vips_concurrency_set(1); /* the shop's workers are the parallelism */
    vips_cache_set_max(0);   /* every upload is new: nothing to reuse */
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (size_t i = 0; i < NLOADERS; i++)
        vips_operation_block_set(loader_classes[i], FALSE);
    return 0;
}

void shop_media_shutdown(void)
{
    vips_shutdown();
}

int shop_media_name_valid(const char *file)
{
    size_t i;
    for (i = 0; i < SHOP_MEDIA_NAME_LEN; i++)
        if (!((file[i] >= '0' && file[i] <= '9') || (file[i] >= 'a' && file[i] <= 'f')))
            return 0;
    if (file[i] != '-')
        return 0;
    for (size_t k = 0; k < shop_media_nwidths; k++) {
        char tail[24];
        snprintf(tail, sizeof(tail), "-%d.jpg", shop_media_widths[k]);
        if (strcmp(file + i, tail) == 0)
            return 1;
    }
    return 0;
}

/* libvips' last error as one line for a refusal (then cleared). */
static const char *vips_why(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", vips_error_buffer());
    vips_error_clear();
    for (char *p = buf; *p; p++)
        if (*p == '\n')
            *p = (p[1] ? ';' : '\0');
    return buf[0] ? buf : "unknown error";
}

/* Writes data to dir/file through a temporary name. 0, or -1 logged. */
static int write_file(const char *dir, const char *file, const void *data, size_t len)
{
    char path[1200], tmp[1300];
    unsigned char rnd[8];
    char hex[17];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    snprintf(tmp, sizeof(tmp), "%s/.%s.%s.tmp", dir, file, hex);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        goto fail;
    const unsigned char *p = data;
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            unlink(tmp);
            goto fail;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        goto fail;
    }
    return 0;
fail:
    fl_log(FL_LOG_ERROR, "media_write_failed", "cannot write %s: %s", path, strerror(errno));
    return -1;
}

/* Creates dir and its parent when missing. 0, or -1 logged. */
static int make_dir(const char *dir)
{
    char parent[1024];
    snprintf(parent, sizeof(parent), "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir(parent, 0755) != 0 && errno != EEXIST)
            goto fail;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        goto fail;
    return 0;
fail:
    fl_log(FL_LOG_ERROR, "media_write_failed", "cannot make %s: %s", dir, strerror(errno));
    return -1;
}

/* One width drawn from the upload: upright, flattened, sRGB, a stripped
 * progressive JPEG in *jpg (g_free). 0, or -1 with why. */
static int draw(const void *data, size_t len, int width, void **jpg, size_t *jpg_len, int *w, int *h, char *why,
                size_t why_cap)
{
    VipsImage *thumb = NULL, *flat = NULL, *srgb = NULL;
    int rc = -1;
    /* the loader's own fail_on goes through option_string: thumbnail would
     * otherwise draw a truncated file's missing rows grey and say nothing */
    if (vips_thumbnail_buffer((void *)data, len, &thumb, width, "height", VIPS_MAX_COORD, "size", VIPS_SIZE_DOWN,
                              "option_string", "fail_on=truncated", NULL) != 0)
        goto out;
    VipsImage *img = thumb;
    if (vips_image_hasalpha(img)) {
        VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
        int frc = vips_flatten(img, &flat, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        if (frc != 0)
            goto out;
        img = flat;
    }
    if (vips_colourspace(img, &srgb, VIPS_INTERPRETATION_sRGB, NULL) != 0)
        goto out;
    if (vips_jpegsave_buffer(srgb, jpg, jpg_len, "Q", 82, "strip", TRUE, "interlace", TRUE, "optimize_coding", TRUE,
                             NULL) != 0)
        goto out;
    *w = vips_image_get_width(srgb);
    *h = vips_image_get_height(srgb);
    rc = 0;
out:
    if (rc != 0)
        vips_why(why, why_cap);
    if (srgb)
        g_object_unref(srgb);
    if (flat)
        g_object_unref(flat);
    if (thumb)
        g_object_unref(thumb);
    return rc;
}

int shop_media_store_image(const char *dir, const void *data, size_t len, char name[SHOP_MEDIA_NAME_LEN + 1],
                           int *width, int *height, shop_fault *f)
{
    char why[512];
    VipsImage *hdr = NULL;
    int rc;

    if (len > SHOP_IMAGE_BYTES_MAX)
        return shop_fault_set(f, SHOP_E_TOO_LARGE, NULL, "an image may have at most %d bytes", SHOP_IMAGE_BYTES_MAX);
    const char *loader = len ? vips_foreign_find_load_buffer(data, len) : NULL;
    int known = 0;
    for (size_t i = 0; loader && i < NLOADERS; i++)
        known |= strncmp(loader, loader_classes[i], strlen(loader_classes[i])) == 0;
    vips_error_clear();
    if (!known)
        return shop_fault_set(f, SHOP_E_MEDIA_TYPE, NULL, "the image must be a JPEG, PNG or WebP file");

    /* The header alone: no pixel is decoded before the size is known. */
    hdr = vips_image_new_from_buffer(data, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!hdr)
        return shop_fault_set(f, SHOP_E_VALIDATION, "image_unreadable", "the image cannot be read: %s",
                              vips_why(why, sizeof(why)));
    long long w = vips_image_get_width(hdr), h = vips_image_get_height(hdr);
    g_object_unref(hdr);
    if (w < SHOP_IMAGE_SIDE_MIN || h < SHOP_IMAGE_SIDE_MIN)
        return shop_fault_set(f, SHOP_E_VALIDATION, "image_too_small",
                              "the image is %lldx%lld pixels; each side needs at least %d", w, h, SHOP_IMAGE_SIDE_MIN);
    if (w > SHOP_IMAGE_SIDE_MAX || h > SHOP_IMAGE_SIDE_MAX || w * h > SHOP_IMAGE_PIXELS_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, "image_too_large",
                              "the image is %lldx%lld pixels; at most %d a side and %lld million in all", w, h,
                              SHOP_IMAGE_SIDE_MAX, SHOP_IMAGE_PIXELS_MAX / 1000000);

    unsigned char hash[SHOP_MEDIA_NAME_LEN / 2];
    crypto_generichash(hash, sizeof(hash), data, len, NULL, 0);
    sodium_bin2hex(name, SHOP_MEDIA_NAME_LEN + 1, hash, sizeof(hash));
    if (make_dir(dir) != 0)
        return shop_fault_set(f, SHOP_E_INTERNAL, NULL, "the image could not be stored");

    /* Largest first: it decodes the most, so a broken file fails before
     * anything is written. */
    rc = SHOP_OK;
    for (size_t k = shop_media_nwidths; k-- > 0 && rc == SHOP_OK;) {
        void *jpg = NULL;
        size_t jpg_len = 0;
        int dw = 0, dh = 0;
        char file[64];
        if (draw(data, len, shop_media_widths[k], &jpg, &jpg_len, &dw, &dh, why, sizeof(why)) != 0)
            return shop_fault_set(f, SHOP_E_VALIDATION, "image_unreadable", "the image cannot be decoded: %s", why);
        if (k == shop_media_nwidths - 1)
            *width = dw, *height = dh;
        snprintf(file, sizeof(file), "%s-%d.jpg", name, shop_media_widths[k]);
        if (write_file(dir, file, jpg, jpg_len) != 0)
            rc = shop_fault_set(f, SHOP_E_INTERNAL, NULL, "the image could not be stored");
        g_free(jpg);
    }
    return rc;
}
