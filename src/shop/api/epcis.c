/* epcis.c - a lot's trace as a GS1 EPCIS 2.0 JSON-LD document.
 *
 *   GET /api/v1/trace/{lot_code}/epcis
 *
 * One ObjectEvent per trace event: the lot as a quantity of its epcClass
 * (the GS1 Digital Link https://id.gs1.org/01/{gtin}/10/{lot} when the SKU
 * has a GTIN, else the lot's trace URL), CBV bizStep and disposition from
 * the event kind, readPoint and bizLocation from the production base (its
 * geo: URI and its API URL). The first event ADDs the class instance, later
 * ones OBSERVE it. Fields CBV has no word for (the place as written, the
 * actor, the details, the chain hashes) travel as farmlive: extensions,
 * declared in @context. Certificates go in certificationInfo. Event times
 * are UTC; eventTimeZoneOffset is China's +08:00, where every cooperative
 * is. */
#include "farmlive/shop/api/epcis.h"

#include <string.h>
#include <time.h>

#include "farmlive/shop/api/trace.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace_doc.h"
#include "farmlive/timefmt.h"

#define EPCIS_CONTEXT "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
#define EPCIS_TZ "+08:00"

static const struct {
    const char *kind, *biz_step, *disposition;
    int at_base; /* happens on the farm: bizLocation is the base */
} CBV[] = {
    {"planted", "commissioning", "active", 1},
    {"raised", "commissioning", "active", 1},
    {"fed", "other", "active", 1},
    {"treated", "other", "active", 1},
    {"harvested", "collecting", "active", 1},
    {"inspected", "inspecting", "conformant", 1},
    {"packed", "packing", "container_closed", 1},
    {"shipped", "shipping", "in_transit", 0},
    {"received", "receiving", "in_progress", 0},
    {"sold", "retail_selling", "retail_sold", 0},
};

static const char *S(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* GET /api/v1/trace/{lot_code}/epcis */
int shop_epcis_get(shop_req *r)
{
    const char *code = shop_lot_code_canon(r->arena, shop_param(r, 0)), *pb = r->ctx->cfg->public_base, *gtin;
    json_t *doc = NULL, *out, *events, *list, *ev, *certs, *cert_uris = NULL, *base, *product;
    const char *epc_class, *read_point = NULL, *location;
    const fl_signkey *key = NULL;
    char now[FL_TIME_LEN];
    fl_db *db = NULL;
    shop_fault f;
    size_t i;
    int rc;

    if ((rc = shop_trace_req(r, &db, &key)))
        return rc;
    if (shop_trace_document(db, key, pb, code, r->arena, &doc, &f))
        return shop_fail_fault(r, &f);
    product = json_object_get(doc, "product");
    base = json_object_get(doc, "base");
    gtin = S(product, "gtin");
    epc_class = gtin ? fl_arena_printf(r->arena, "https://id.gs1.org/01/%s/10/%s", gtin, code)
                     : fl_arena_printf(r->arena, "%s/t/%s", pb, code);
    location =
        json_is_object(base)
            ? fl_arena_printf(r->arena, "%s/api/v1/coops/%lld/bases/%lld", pb,
                              (long long)json_integer_value(json_object_get(json_object_get(doc, "cooperative"), "id")),
                              (long long)json_integer_value(json_object_get(base, "id")))
            : fl_arena_printf(
                  r->arena, "%s/api/v1/coops/%lld", pb,
                  (long long)json_integer_value(json_object_get(json_object_get(doc, "cooperative"), "id")));
    if (json_is_object(base) && S(base, "latitude") && S(base, "longitude"))
        read_point = fl_arena_printf(r->arena, "geo:%s,%s", S(base, "latitude"), S(base, "longitude"));
    else
        read_point = location;

    certs = json_object_get(doc, "certificates");
    json_array_foreach(certs, i, ev)
    {
        if (!cert_uris)
            cert_uris = json_array();
        json_array_append_new(cert_uris,
                              json_string(fl_arena_printf(r->arena, "%s/api/v1/certificates/%lld", pb,
                                                          (long long)json_integer_value(json_object_get(ev, "id")))));
    }

    events = json_array();
    list = json_object_get(doc, "events");
    json_array_foreach(list, i, ev)
    {
        const char *kind = S(ev, "kind");
        size_t k = 0;
        json_t *e;
        while (k < sizeof(CBV) / sizeof(CBV[0]) - 1 && strcmp(CBV[k].kind, kind) != 0)
            k++;
        e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:I}],s:s,s:s,s:{s:s}}", "type", "ObjectEvent", "eventID",
                      fl_arena_printf(r->arena, "%s/api/v1/trace/%s#event-%lld", pb, code,
                                      (long long)json_integer_value(json_object_get(ev, "seq"))),
                      "eventTime", S(ev, "occurred_at"), "eventTimeZoneOffset", EPCIS_TZ, "action",
                      i == 0 ? "ADD" : "OBSERVE", "quantityList", "epcClass", epc_class, "quantity",
                      json_integer_value(json_object_get(json_object_get(doc, "lot"), "quantity")), "bizStep",
                      CBV[k].biz_step, "disposition", CBV[k].disposition, "readPoint", "id", read_point);
        if (CBV[k].at_base)
            json_object_set_new(e, "bizLocation", json_pack("{s:s}", "id", location));
        if (cert_uris)
            json_object_set(e, "certificationInfo", cert_uris);
        json_object_set_new(e, "farmlive:kind", json_string(kind));
        json_object_set(e, "farmlive:place", json_object_get(ev, "place"));
        json_object_set(e, "farmlive:actor", json_object_get(ev, "actor"));
        json_object_set(e, "farmlive:details", json_object_get(ev, "details"));
        json_object_set(e, "farmlive:seq", json_object_get(ev, "seq"));
        json_object_set(e, "farmlive:prevHash", json_object_get(ev, "prev_hash"));
        json_object_set(e, "farmlive:hash", json_object_get(ev, "hash"));
        json_array_append_new(events, e);
    }
    fl_time_format((long long)time(NULL), now);
    out = json_pack("{s:[s,{s:s}],s:s,s:s,s:s,s:s,s:{s:o}}", "@context", EPCIS_CONTEXT, "farmlive",
                    fl_arena_printf(r->arena, "%s/ns/trace#", pb), "id",
                    fl_arena_printf(r->arena, "%s/api/v1/trace/%s/epcis", pb, code), "type", "EPCISDocument",
                    "schemaVersion", "2.0", "creationDate", now, "epcisBody", "eventList", events);
    json_decref(cert_uris);
    json_decref(doc);
    return shop_reply_json(r, 200, out);
}
