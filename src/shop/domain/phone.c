/* phone.c - China's phone number forms (see shop/domain/phone.h). */
#include "farmlive/shop/domain/phone.h"

#include <stddef.h>
#include <string.h>

/* Whether the digits d (n of them; intl: after +86, so no trunk 0) are a
 * landline: area code 010 or 02X then 8 digits, or 0XXX then 7 or 8, the
 * local number not starting with 0 or 1. */
static int landline_digits(const char *d, size_t n, int intl)
{
    size_t area;
    if (!intl && (n == 0 || *d++ != '0'))
        return 0;
    n -= !intl;
    if (n < 2)
        return 0;
    area = (d[0] == '1' && d[1] == '0') || d[0] == '2' ? 2 : d[0] >= '3' && d[0] <= '9' ? 3 : 0;
    if (!area || n <= area || d[area] < '2')
        return 0;
    return area == 2 ? n - area == 8 : n - area == 7 || n - area == 8;
}

int shop_phone_cn_valid(const char *s)
{
    char d[32];
    size_t n = 0, groups = 0, last = 0, i = 0, len = s ? strlen(s) : 0;
    int intl = 0;
    if (len == 0 || len > 24)
        return 0;
    if (strncmp(s, "+86", 3) == 0 || strncmp(s, "0086", 4) == 0) {
        intl = 1;
        i = s[0] == '+' ? 3 : 4;
    }
    for (int in_group = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (n + 1 >= sizeof(d))
                return 0;
            if (!in_group) {
                groups++;
                last = 0;
            }
            d[n++] = s[i];
            last++;
            in_group = 1;
        } else if (s[i] == ' ' || s[i] == '-' || s[i] == '(' || s[i] == ')') {
            in_group = 0;
        } else {
            return 0;
        }
    }
    d[n] = '\0';
    if (n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9')
        return 1; /* a mobile number, grouped any way (138 0000 0000) */
    if (landline_digits(d, n, intl))
        return 1;
    /* a landline with an extension: its last group, after a separator */
    return groups >= 2 && last >= 1 && last <= 6 && landline_digits(d, n - last, intl);
}
