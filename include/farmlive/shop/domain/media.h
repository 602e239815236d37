/* shop/domain/media.h - images cooperatives upload (media.c, libvips).
 *
 * An upload is checked by its content, never its name: JPEG, PNG or WebP
 * only (libvips' other loaders, SVG, PDF, TIFF and the rest, are refused
 * and blocked as untrusted), at most SHOP_IMAGE_BYTES_MAX bytes,
 * SHOP_IMAGE_SIDE_MIN..SHOP_IMAGE_SIDE_MAX pixels a side and
 * SHOP_IMAGE_PIXELS_MAX pixels in all (read from the header before any
 * decoding, so a decompression bomb costs nothing), and it must decode to
 * its end. What is kept is never the uploaded file: each of
 * shop_media_widths is drawn anew from it (turned upright by its EXIF
 * orientation, transparency flattened on white, sRGB, metadata including
 * GPS position stripped) and saved as a progressive JPEG named
 * "{name}-{width}.jpg", where name is the upload's content hash (32 hex
 * digits). An image narrower than a width is not enlarged: that file holds
 * its own width. Files are written to a temporary name and renamed, so a
 * reader never sees half a file, and the same upload twice is one set of
 * files.
 *
 * The files live in {var_dir}/media and are served at /media/{file} with a
 * year's immutable caching (their names change with their content). */
#ifndef FARMLIVE_SHOP_DOMAIN_MEDIA_H
#define FARMLIVE_SHOP_DOMAIN_MEDIA_H

#include <stddef.h>
#include "farmlive/shop/core/status.h"

#define SHOP_IMAGE_BYTES_MAX (8 * 1024 * 1024)
#define SHOP_IMAGE_SIDE_MIN 64
#define SHOP_IMAGE_SIDE_MAX 12000
#define SHOP_IMAGE_PIXELS_MAX (48LL * 1000 * 1000)
#define SHOP_MEDIA_NAME_LEN 32

/* The widths drawn, smallest first; the last is what a stored URL names. */
extern const int shop_media_widths[];
extern const size_t shop_media_nwidths;

/* Starts libvips for the process (once, before the workers; single
 * threaded per call, no operation cache). 0, or -1 logged. */
int shop_media_init(const char *argv0);
void shop_media_shutdown(void);

/* Checks and stores one upload (see above) under dir (created when
 * missing). name receives the content hash (NUL-terminated), *width and
 * *height the upright image's size. SHOP_OK; a refusal fills f:
 * 415 unsupported_media_type (not a JPEG, PNG or WebP), 413 (too many
 * bytes), 422 image_too_small / image_too_large / image_unreadable
 * (naming what libvips found); 500 when the files could not be written. */
int shop_media_store_image(const char *dir, const void *data, size_t len, char name[SHOP_MEDIA_NAME_LEN + 1],
                           int *width, int *height, shop_fault *f);

/* 1 when file is a name shop_media_store_image writes ("{32 hex}-{width}.jpg"
 * with one of shop_media_widths), else 0: the only names /media serves. */
int shop_media_name_valid(const char *file);

#endif
