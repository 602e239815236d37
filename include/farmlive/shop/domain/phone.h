/* shop/domain/phone.h - a phone number a courier in mainland China can call
 * (phone.c): an address's phone is checked with it. */
#ifndef FARMLIVE_SHOP_DOMAIN_PHONE_H
#define FARMLIVE_SHOP_DOMAIN_PHONE_H

/* 1 when s is a mainland China phone number: a mobile number (11 digits,
 * 1[3-9]...) or a landline with its area code (010 or 02X and 8 digits,
 * 0XXX and 7 or 8, the local number not starting with 0 or 1), optionally
 * after +86 or 0086 (the landline then without its 0), grouped by spaces,
 * '-' or parentheses, a landline optionally with an extension of up to 6
 * digits as its last group ("0799-6231088-801"). 0 otherwise (NULL, "abc",
 * full-width digits included). */
int shop_phone_cn_valid(const char *s);

#endif
