/* shop/domain/invitations.h - joining a cooperative by invitation
 * (domain/invitations.c).
 *
 * A coop admin invites a login (email or phone, normalized as accounts store
 * it) or an account id as farmer or coop_admin; nothing changes until the
 * invited account accepts. The admin's answer is the same whether or not
 * the login has an account (an invitation nobody holds stays pending), so
 * inviting cannot probe which addresses have accounts. */
#ifndef FARMLIVE_SHOP_DOMAIN_INVITATIONS_H
#define FARMLIVE_SHOP_DOMAIN_INVITATIONS_H

#include <jansson.h>
#include "farmlive/db.h"
#include "farmlive/shop/core/status.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/accounts.h"

/* Invites who (login already normalized, or id) to coop_id as role, for its
 * coop admin (account_id) or a platform admin: {invitation} with status
 * pending into *out. 403/404 by rights only. */
int shop_invitation_create(fl_db *db, long long account_id, int platform_admin, long long coop_id,
                           const shop_account_ref *who, const char *role, json_t **out, shop_fault *f);
/* One page (newest first, one-key cursor) of the invitations pending for
 * account_id: by its id, its email or its phone. */
int shop_invitations_mine(fl_db *db, long long account_id, const shop_page *pg, json_t **out, shop_fault *f);
/* The invited account takes (accept 1) or turns down (accept 0) invitation
 * id: {invitation} with its new status into *out; accepting makes the
 * membership. 404 when id is not pending for account_id; 409 when the
 * account is already a member. */
int shop_invitation_answer(fl_db *db, long long account_id, long long id, int accept, json_t **out, shop_fault *f);

#endif
