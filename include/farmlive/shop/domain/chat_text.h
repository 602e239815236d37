/* shop/domain/chat_text.h - the text rules of a live room's chat, pure
 * (chat_text.c): what a message may hold, the banned-word check, and how a
 * buyer's name is shown.
 *
 * A message is text, never markup: it is stored and sent as typed (the
 * pages put it in the DOM as text), after these rules. */
#ifndef FARMLIVE_SHOP_DOMAIN_CHAT_TEXT_H
#define FARMLIVE_SHOP_DOMAIN_CHAT_TEXT_H

#include <stddef.h>

#define SHOP_CHAT_MAX_CHARS 200                       /* characters (code points) */
#define SHOP_CHAT_MAX_BYTES (SHOP_CHAT_MAX_CHARS * 4) /* UTF-8 */

enum shop_chat_text {
    SHOP_CHAT_OK = 0,
    SHOP_CHAT_EMPTY = -1,    /* nothing but spaces and control characters */
    SHOP_CHAT_TOO_LONG = -2, /* over SHOP_CHAT_MAX_CHARS */
    SHOP_CHAT_NOT_UTF8 = -3, /* invalid UTF-8 (overlong, surrogates, truncated) */
};

/* Cleans the message in[0..len) into out (at least SHOP_CHAT_MAX_BYTES + 1
 * bytes): control characters (C0, DEL, C1) and line breaks become one
 * space, runs of spaces one space, leading and trailing spaces go; the
 * text is otherwise kept byte for byte (HTML stays text). Returns
 * SHOP_CHAT_OK with *chars the code points kept, or a SHOP_CHAT_* refusal
 * (out is then undefined). */
int shop_chat_text_clean(const char *in, size_t len, char *out, size_t *chars);

/* 1 when text contains one of words[0..n) (ASCII letters compared without
 * case; other characters as they are), else 0. Empty words never match. */
int shop_chat_banned(const char *text, const char *const *words, size_t n);

/* A buyer's name as the room shows it: its first character and "**"
 * ("张三" -> "张**", "alice" -> "a**"); "**" for an empty or invalid one.
 * out holds at least 8 bytes. */
void shop_chat_mask_name(const char *name, char out[8]);

#endif
