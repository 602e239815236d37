/* invitations.c - joining a cooperative by invitation (see
 * shop/domain/invitations.h). */
#include "farmlive/shop/domain/invitations.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/rights.h"

#include <stdio.h>

/* Columns of INVITATION_SELECT. */
enum { IC_ID, IC_COOP, IC_COOP_NAME, IC_ROLE, IC_STATUS, IC_CREATED };
#define INVITATION_SELECT                                                                                              \
    "SELECT i.id, i.coop_id, c.name, i.role, i.status, DATE_FORMAT(i.created_at, '%Y-%m-%dT%H:%i:%sZ') "               \
    "FROM coop_invitations i JOIN cooperatives c ON c.id = i.coop_id "
/* the invitations addressed to account ? (by id, email or phone) */
#define FOR_ACCOUNT                                                                                                    \
    "JOIN accounts a ON a.id = ? "                                                                                     \
    "WHERE (i.account_id = a.id OR i.login = a.email OR i.login = a.phone) "

/* clang-format off */
static const shop_col INVITATION_FIELDS[] = {
    {"id", IC_ID, SHOP_COL_INT},
    {"coop_id", IC_COOP, SHOP_COL_INT},
    {"coop_name", IC_COOP_NAME, SHOP_COL_STR},
    {"role", IC_ROLE, SHOP_COL_STR},
    {"status", IC_STATUS, SHOP_COL_STR},
    {"created_at", IC_CREATED, SHOP_COL_STR},
};
/* clang-format on */

static json_t *invitation_json(const fl_rows *rows, size_t i)
{
    return shop_row_json(rows, i, INVITATION_FIELDS, sizeof(INVITATION_FIELDS) / sizeof(INVITATION_FIELDS[0]));
}

/* {invitation} of id into *out; 404 when there is none. */
static int invitation_load(fl_db *db, long long id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, INVITATION_SELECT "WHERE i.id = ?", "i", id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "no invitation %lld", id)) == SHOP_OK)
        *out = json_pack("{s:o}", "invitation", invitation_json(rows, 0));
    fl_rows_free(rows);
    return rc;
}

int shop_invitation_create(fl_db *db, long long account_id, int platform_admin, long long coop_id,
                           const shop_account_ref *who, const char *role, json_t **out, shop_fault *f)
{
    int rc;
    if ((rc = shop_rights_coop_enter(db, coop_id, account_id, platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        return rc;
    /* no lookup of who: the answer must not depend on whether it has an account */
    if (who->login)
        rc = fl_db_exec(db, "INSERT INTO coop_invitations (coop_id, login, role, invited_by) VALUES (?, ?, ?, ?)",
                        "issi", coop_id, who->login, role, account_id);
    else
        rc = fl_db_exec(db, "INSERT INTO coop_invitations (coop_id, account_id, role, invited_by) VALUES (?, ?, ?, ?)",
                        "iisi", coop_id, who->id, role, account_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    return invitation_load(db, (long long)fl_db_insert_id(db), out, f);
}

int shop_invitations_mine(fl_db *db, long long account_id, const shop_page *pg, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         INVITATION_SELECT FOR_ACCOUNT "AND i.status = 'pending' AND (? = 0 OR i.id < ?) "
                                                       "ORDER BY i.id DESC LIMIT ?",
                         "iiii", account_id, pg->after[0], pg->after[0], pg->limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = shop_page_json(rows, pg->limit, invitation_json, (const size_t[]){IC_ID}, 1);
    fl_rows_free(rows);
    return SHOP_OK;
}

typedef struct answer_in {
    long long account_id, id;
    int accept;
} answer_in;

/* Inside a transaction: the pending invitation locked, the membership made
 * (accept), the invitation's status set. */
static int answer_step(fl_db *db, void *arg, shop_fault *f)
{
    enum { AC_COOP, AC_ROLE };
    const answer_in *in = arg;
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT i.coop_id, i.role FROM coop_invitations i " FOR_ACCOUNT
                         "AND i.id = ? AND i.status = 'pending' FOR UPDATE",
                         "ii", in->account_id, in->id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "no pending invitation %lld for you", in->id)) < 0) {
        fl_rows_free(rows);
        return rc;
    }
    if (in->accept) {
        rc = fl_db_exec(db, "INSERT INTO coop_members (coop_id, account_id, role) VALUES (?, ?, ?)", "iis",
                        fl_rows_int(rows, 0, AC_COOP), in->account_id, fl_rows_str(rows, 0, AC_ROLE));
        if (rc == FL_DB_EDUP) {
            fl_rows_free(rows);
            return shop_fault_set(f, SHOP_E_CONFLICT, NULL, "you are already a member of this cooperative");
        }
    }
    fl_rows_free(rows);
    if (rc == FL_DB_OK)
        rc = fl_db_exec(db, "UPDATE coop_invitations SET status = ?, answered_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
                        "si", in->accept ? "accepted" : "declined", in->id);
    return rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
}

int shop_invitation_answer(fl_db *db, long long account_id, long long id, int accept, json_t **out, shop_fault *f)
{
    answer_in in = {account_id, id, accept};
    int rc = shop_tx(db, answer_step, &in, f);
    return rc < 0 ? rc : invitation_load(db, id, out, f);
}
