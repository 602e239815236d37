/* trace_doc.c - a lot's public trace document (contract in
 * shop/domain/trace_doc.h): one query for the lot and what it belongs to,
 * then its certificates (certificates.c) and its checked chain (trace.c). */
#include "farmlive/shop/domain/trace_doc.h"

#include "farmlive/shop/core/values.h"
#include "farmlive/shop/domain/certificates.h"
#include "farmlive/shop/domain/live_room.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace.h"

/* Columns of DOC_SELECT. */
enum {
    DC_LOT,
    DC_CODE,
    DC_QTY,
    DC_UNIT,
    DC_HARVEST,
    DC_PACK,
    DC_CREATED,
    DC_SKU,
    DC_SPEC,
    DC_GTIN,
    DC_PRODUCT,
    DC_NAME_ZH,
    DC_NAME_EN,
    DC_CATEGORY,
    DC_COOP,
    DC_COOP_NAME,
    DC_COOP_EN,
    DC_PROVINCE,
    DC_CITY,
    DC_COUNTY,
    DC_PHONE,
    DC_BASE,
    DC_BASE_NAME,
    DC_BASE_LOC,
    DC_LAT,
    DC_LON,
    DC_FARMER
};

#define DOC_SELECT                                                                                                     \
    "SELECT l.id, l.code, l.quantity, l.unit, DATE_FORMAT(l.harvest_date, '%Y-%m-%d'), "                               \
    "DATE_FORMAT(l.pack_date, '%Y-%m-%d'), DATE_FORMAT(l.created_at, '%Y-%m-%dT%H:%i:%sZ'), s.id, s.spec, "            \
    "s.gtin, p.id, p.name_zh, p.name_en, p.category, c.id, c.name, c.name_en, c.province, c.city, c.county, "          \
    "c.contact_phone, b.id, b.name, b.location, b.latitude, b.longitude, a.display_name "                              \
    "FROM lots l JOIN skus s ON s.id = l.sku_id JOIN products p ON p.id = s.product_id "                               \
    "JOIN cooperatives c ON c.id = l.coop_id LEFT JOIN production_bases b ON b.id = COALESCE(l.base_id, p.base_id) "   \
    "LEFT JOIN accounts a ON a.id = l.farmer_account_id WHERE l.code = ?"

static json_t *col(const fl_rows *rows, int c)
{
    return shop_json_str(fl_rows_str(rows, 0, (size_t)c));
}

/* The lot, product, cooperative, base and farmer parts of the document. */
static json_t *doc_head(const fl_rows *rows, const char *code)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "lot",
                        json_pack("{s:s,s:I,s:o,s:o,s:o,s:o}", "code", code, "quantity",
                                  (json_int_t)fl_rows_int(rows, 0, DC_QTY), "unit", col(rows, DC_UNIT), "harvest_date",
                                  col(rows, DC_HARVEST), "pack_date", col(rows, DC_PACK), "created_at",
                                  col(rows, DC_CREATED)));
    json_object_set_new(doc, "product",
                        json_pack("{s:I,s:o,s:o,s:o,s:I,s:o,s:o}", "id", (json_int_t)fl_rows_int(rows, 0, DC_PRODUCT),
                                  "name_zh", col(rows, DC_NAME_ZH), "name_en", col(rows, DC_NAME_EN), "category",
                                  col(rows, DC_CATEGORY), "sku_id", (json_int_t)fl_rows_int(rows, 0, DC_SKU), "spec",
                                  col(rows, DC_SPEC), "gtin", col(rows, DC_GTIN)));
    json_object_set_new(doc, "cooperative",
                        json_pack("{s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)fl_rows_int(rows, 0, DC_COOP), "name",
                                  col(rows, DC_COOP_NAME), "name_en", col(rows, DC_COOP_EN), "region",
                                  json_pack("{s:o,s:o,s:o}", "province", col(rows, DC_PROVINCE), "city",
                                            col(rows, DC_CITY), "county", col(rows, DC_COUNTY)),
                                  "contact_phone", col(rows, DC_PHONE)));
    json_object_set_new(doc, "base",
                        fl_rows_str(rows, 0, DC_BASE)
                            ? json_pack("{s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)fl_rows_int(rows, 0, DC_BASE),
                                        "name", col(rows, DC_BASE_NAME), "location", col(rows, DC_BASE_LOC), "latitude",
                                        col(rows, DC_LAT), /* decimals stay text */
                                        "longitude", col(rows, DC_LON))
                            : json_null());
    json_object_set_new(doc, "farmer", col(rows, DC_FARMER));
    return doc;
}

int shop_trace_document(fl_db *db, const fl_signkey *key, const char *public_base, const char *code, fl_arena *a,
                        json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    json_t *certs = NULL, *verification = NULL, *events = NULL, *lives = NULL;
    long long lot_id, base_id;
    int rc;

    *out = NULL;
    if (!shop_lot_code_valid(code))
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot has code %s", code);
    if ((rc = fl_db_query(db, &rows, DOC_SELECT, "s", code)) != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_rows_count(rows) == 0) {
        rc = shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "no lot has code %s", code);
        goto out;
    }
    lot_id = fl_rows_int(rows, 0, DC_LOT);
    base_id = fl_rows_str(rows, 0, DC_BASE) ? fl_rows_int(rows, 0, DC_BASE) : 0;
    if ((rc = shop_cert_for_lot(db, key, lot_id, fl_rows_int(rows, 0, DC_PRODUCT), base_id, &certs, f)) ||
        (rc = shop_trace_check(db, key, lot_id, code, certs, &verification, &events, f)))
        goto out;
    if ((rc = shop_room_lot_sessions(db, lot_id, fl_rows_int(rows, 0, DC_PRODUCT), &lives)) != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out;
    }
    *out = doc_head(rows, code);
    json_object_set_new(*out, "certificates", certs);
    json_object_set_new(*out, "events", events);
    json_object_set_new(*out, "verification", verification);
    json_object_set_new(*out, "live_sessions", lives);
    json_object_set_new(*out, "links",
                        json_pack("{s:o,s:s,s:o,s:o,s:s}", "page", json_sprintf("/t/%s", code), "qr_url",
                                  shop_lot_qr_url(a, public_base, fl_rows_str(rows, 0, DC_GTIN), code), "verify",
                                  json_sprintf("/api/v1/trace/%s/verify", code), "epcis",
                                  json_sprintf("/api/v1/trace/%s/epcis", code), "public_key", "/api/v1/trace/keys"));
    certs = verification = events = lives = NULL;
    rc = SHOP_OK;
out:
    json_decref(lives);
    json_decref(certs);
    json_decref(verification);
    json_decref(events);
    fl_rows_free(rows);
    return rc;
}
