/* phone.c - a phone number in China (contract in shop/domain/phone.h). */
#include "farmlive/shop/domain/phone.h"

#include <string.h>

#define PHONE_DIGITS_MAX 16 /* more is no phone number */

/* The digits of s with spaces, hyphens and one pair of parentheses around
 * the area code dropped, a leading "+" noted; -1 for any other character
 * or too many digits. */
static int digits_of(const char *s, char out[PHONE_DIGITS_MAX + 1], int *plus, int *paren)
{
    int n = 0, open = 0;
    *plus = *paren = 0;
    if (*s == '+') {
        *plus = 1;
        s++;
    }
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (n == PHONE_DIGITS_MAX)
                return -1;
            out[n++] = *s;
        } else if ((*s == ' ' || *s == '-') && n > 0) {
            continue;
        } else if (*s == '(' && n == 0 && !*paren && !*plus) {
            open = 1;
            *paren = 1;
        } else if (*s == ')' && open) {
            open = 0;
            *paren = n; /* the digits inside */
        } else {
            return -1;
        }
    }
    if (open)
        return -1;
    out[n] = '\0';
    return n;
}

static int mobile(const char *d, int n)
{
    return n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

int shop_phone_cn_valid(const char *s)
{
    char d[PHONE_DIGITS_MAX + 1];
    int plus, paren, n;
    if (!s || (n = digits_of(s, d, &plus, &paren)) <= 0)
        return 0;
    if (n == 13 && strncmp(d, "86", 2) == 0 && !paren)
        return mobile(d + 2, 11);
    if (plus)
        return 0; /* "+" only before 86 and a mobile number */
    if (mobile(d, n) && !paren)
        return 1;
    if (d[0] != '0')
        return 0;
    /* landline: the area code is 010 or 02X (three digits) or 0 and three
     * digits from 03 to 09; the local number 7 or 8 digits, not from 0 or 1 */
    int area = d[1] == '1' || d[1] == '2' ? 3 : 4, local = n - area;
    if (d[1] == '0' || (d[1] == '1' && d[2] != '0') || (paren && paren != area))
        return 0;
    if (local >= 7 && local <= 8 && d[area] >= '2' && d[area] <= '9')
        return 1;
    return 0;
}
