/* shop/api/room.h - a live room's social routes (api/room.c; rules in
 * domain/chat.c and domain/room_counts.c):
 *
 *   POST   /api/v1/live/{id}/chat                  post (signed in)              201 | 403 muted | 409 | 422 | 429
 *   GET    /api/v1/live/{id}/chat                  newest first, 50 a page        200
 *   DELETE /api/v1/live/{id}/chat/{msg_id}         delete (farmer, coop admin)    204
 *   POST   /api/v1/live/{id}/mutes                 mute (farmer, coop admin)      200
 *   DELETE /api/v1/live/{id}/mutes/{account_id}    unmute                         204
 *   POST   /api/v1/live/{id}/likes                 heart taps (signed in)         202
 *   GET    /api/v1/coops/{id}/banned-words         a coop admin                   200
 *   POST   /api/v1/coops/{id}/banned-words         add                            201 | 409
 *   DELETE /api/v1/coops/{id}/banned-words/{word_id}                              204
 *   GET    /api/v1/admin/banned-words              the platform's (platform admin) 200
 *   POST   /api/v1/admin/banned-words              add: every room                201 | 409
 *   DELETE /api/v1/admin/banned-words/{word_id}                                   204 */
#ifndef FARMLIVE_SHOP_API_ROOM_H
#define FARMLIVE_SHOP_API_ROOM_H

#include "farmlive/shop/core/http.h"

int shop_room_chat_post(shop_req *r);
int shop_room_chat_list(shop_req *r);
int shop_room_chat_delete(shop_req *r);
int shop_room_mute(shop_req *r);
int shop_room_unmute(shop_req *r);
int shop_room_likes_post(shop_req *r);
int shop_room_words_list(shop_req *r);
int shop_room_words_add(shop_req *r);
int shop_room_words_remove(shop_req *r);
int shop_room_platform_words_list(shop_req *r);
int shop_room_platform_words_add(shop_req *r);
int shop_room_platform_words_remove(shop_req *r);

#endif
