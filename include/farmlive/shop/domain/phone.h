/* shop/domain/phone.h - a phone number in China, as a buyer types it for a
 * delivery address (phone.c).
 *
 * Accepted, after dropping spaces and hyphens (anywhere but at the start)
 * and an optional leading "+86" or "86" before a mobile number:
 *   mobile    1[3-9] and 9 more digits             138 0013 8000, +86-138-0013-8000
 *   landline  an area code (010 or 02X, else 0 and three digits from 03 to
 *             09), then a local number of 7 or 8 digits not starting with 0
 *             or 1; the code optionally in parentheses
 *                                                  010-62345678, (0799)6812345
 * Anything else (letters, too few or too many digits, an empty string,
 * NULL) is refused. Pure: no I/O. */
#ifndef FARMLIVE_SHOP_DOMAIN_PHONE_H
#define FARMLIVE_SHOP_DOMAIN_PHONE_H

/* 1 when s is a Chinese mobile or landline number as above, else 0. */
int shop_phone_cn_valid(const char *s);

#endif
