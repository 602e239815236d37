/* test_media.c - src/shop/domain/media.c: which names /media serves, and an
 * upload checked by its content, drawn at every width, stored by hash. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include "farmlive/shop/domain/media.h"

static void test_names(void **state)
{
    static const struct {
        const char *name;
        int valid;
    } cases[] = {
        {"0123456789abcdef0123456789abcdef-320.jpg", 1},
        {"0123456789abcdef0123456789abcdef-640.jpg", 1},
        {"0123456789abcdef0123456789abcdef-1080.jpg", 1},
        {"0123456789abcdef0123456789abcdef-1081.jpg", 0}, /* a width never drawn */
        {"0123456789ABCDEF0123456789abcdef-320.jpg", 0},  /* upper case */
        {"0123456789abcdef0123456789abcde-320.jpg", 0},   /* 31 digits */
        {"0123456789abcdef0123456789abcdef-320.jpg.gz", 0},
        {"0123456789abcdef0123456789abcdef-320.png", 0},
        {"../0123456789abcdef0123456789ab-320.jpg", 0},
        {"", 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(shop_media_name_valid(cases[i].name), cases[i].valid);
}

/* A w x h PNG made by libvips itself: RGB, or RGBA when alpha. */
static void *png(int w, int h, int alpha, size_t *len)
{
    VipsImage *g = NULL, *out = NULL;
    void *buf = NULL;
    assert_int_equal(vips_black(&g, w, h, "bands", alpha ? 4 : 3, NULL), 0);
    assert_int_equal(vips_cast_uchar(g, &out, NULL), 0);
    assert_int_equal(vips_pngsave_buffer(out, &buf, len, NULL), 0);
    g_object_unref(g);
    g_object_unref(out);
    return buf;
}

static void test_store(void **state)
{
    char dir[] = "/tmp/farmlive-media-XXXXXX", name[SHOP_MEDIA_NAME_LEN + 1], path[256];
    shop_fault f;
    size_t len = 0;
    int w = 0, h = 0;
    struct stat st;
    (void)state;
    assert_non_null(mkdtemp(dir));

    void *img = png(1600, 400, 1, &len);
    assert_int_equal(shop_media_store_image(dir, img, len, name, &w, &h, &f), SHOP_OK);
    assert_int_equal(strlen(name), SHOP_MEDIA_NAME_LEN);
    assert_int_equal(w, 1080);
    assert_int_equal(h, 270);
    for (size_t k = 0; k < shop_media_nwidths; k++) {
        snprintf(path, sizeof(path), "%s/%s-%d.jpg", dir, name, shop_media_widths[k]);
        assert_int_equal(stat(path, &st), 0);
        VipsImage *back = vips_image_new_from_file(path, NULL);
        assert_non_null(back);
        assert_int_equal(vips_image_get_width(back), shop_media_widths[k]);
        assert_int_equal(vips_image_get_bands(back), 3); /* flattened: no alpha left */
        g_object_unref(back);
        unlink(path);
    }

    /* the same file cut short: refused, nothing written */
    assert_int_equal(shop_media_store_image(dir, img, len / 2, name, &w, &h, &f), SHOP_E_VALIDATION);
    assert_string_equal(f.code, "image_unreadable");
    g_free(img);

    img = png(32, 900, 0, &len);
    assert_int_equal(shop_media_store_image(dir, img, len, name, &w, &h, &f), SHOP_E_VALIDATION);
    assert_string_equal(f.code, "image_too_small");
    g_free(img);

    static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\"/>";
    assert_int_equal(shop_media_store_image(dir, svg, sizeof(svg) - 1, name, &w, &h, &f), SHOP_E_MEDIA_TYPE);
    assert_int_equal(shop_media_store_image(dir, "", 0, name, &w, &h, &f), SHOP_E_MEDIA_TYPE);
    assert_int_equal(rmdir(dir), 0); /* nothing was left behind */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_names), cmocka_unit_test(test_store)};
    if (shop_media_init("test_media") != 0)
        return 1;
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    shop_media_shutdown();
    return failed;
}
