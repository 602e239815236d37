/* lot_code.c - lot codes and their QR URL (contract in shop/domain/lot_code.h). */
#include "farmlive/shop/domain/lot_code.h"

#include <string.h>

int shop_lot_code_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < SHOP_LOT_CODE_MIN || n > SHOP_LOT_CODE_MAX || s[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
            return 0;
    return 1;
}

const char *shop_lot_code_canon(fl_arena *a, const char *s)
{
    if (!s)
        return NULL;
    char *c = fl_arena_strdup(a, s);
    for (char *p = c; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    return c;
}

const char *shop_lot_qr_url(fl_arena *a, const char *public_base, const char *gtin, const char *code)
{
    if (gtin && *gtin)
        return fl_arena_printf(a, "%s/01/%s/10/%s", public_base, gtin, code);
    return fl_arena_printf(a, "%s/t/%s", public_base, code);
}
