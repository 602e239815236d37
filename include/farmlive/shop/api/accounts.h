/* shop/api/accounts.h - account records shared by accounts.c and sessions.c. */
#ifndef FARMLIVE_SHOP_API_ACCOUNTS_H
#define FARMLIVE_SHOP_API_ACCOUNTS_H

#include "farmlive/shop/core/http.h"

/* The public JSON of account id ({id, email, phone, display_name, role,
 * created_at}) into *out; SHOP_OK, or an error already recorded (404 when
 * the account does not exist). */
int shop_accounts_json(shop_req *r, long long id, json_t **out);

/* Turns "YYYY-MM-DD HH:MM:SS[.fff]" (UTC, as MariaDB returns it) into an
 * ISO 8601 string "YYYY-MM-DDTHH:MM:SSZ" in the arena; NULL stays NULL. */
const char *shop_iso_time(shop_req *r, const char *sql_datetime);

#endif
