// dash_lots.js - the dashboard's lots: "record a lot" on the list (POST
// /api/v1/coops/{coop}/lots, then the lot's own page), "add a trace
// event" on a lot's page (POST /api/v1/lots/{code}/events; an inspection
// carries its result as details.results). The server redraws the page.
import { api } from '../lib/api.js';
import { data, en, onSubmit, Invalid } from '../lib/dash.js';

const T = en
  ? { code: 'A lot code is 3–64 of A–Z, 0–9 and -.', qty: 'Give the quantity (a whole number).', at: 'Give the time of the event.', place: 'Say where it happened.', result: 'An inspection needs its test item and result.', future: 'The time is in the future.' }
  : { code: '批次号为 3–64 位大写字母、数字和 -。', qty: '请填写数量（整数）。', at: '请填写时间。', place: '请填写地点。', result: '检测记录需要填写检测项目和结果。', future: '时间不能晚于现在。' };

const nl = document.getElementById('new-lot');
if (nl) onSubmit(nl, async (f) => {
  const code = f.elements.code.value.trim().toUpperCase();
  if (!/^[A-Z0-9][A-Z0-9-]{2,63}$/.test(code)) throw new Invalid('code', T.code);
  const quantity = Number(f.elements.quantity.value);
  if (!Number.isInteger(quantity) || quantity < 1) throw new Invalid('quantity', T.qty);
  const body = { code, sku_id: Number(f.elements.sku_id.value), quantity };
  const base = Number(f.elements.base_id.value);
  if (base) body.base_id = base;
  if (f.elements.harvest_date.value) body.harvest_date = f.elements.harvest_date.value;
  if (f.elements.pack_date.value) body.pack_date = f.elements.pack_date.value;
  const lot = await api('POST', `/api/v1/coops/${data.coop_id}/lots`, body);
  location.assign(`/dash/${data.coop_id}/lots/${encodeURIComponent(lot.code || code)}`);
  return false;
});

const ev = document.getElementById('new-event');
if (ev) {
  const resultField = document.getElementById('ev-result-field');
  const sync = () => { resultField.hidden = ev.elements.kind.value !== 'inspected'; };
  ev.elements.kind.addEventListener('change', sync);
  sync();
  onSubmit(ev, async (f) => {
    const v = f.elements.occurred_at.value; // "2026-12-06T08:00", China's clock
    if (!v) throw new Invalid('occurred_at', T.at);
    const at = `${v.length === 16 ? v + ':00' : v}+08:00`;
    if (Date.parse(at) > Date.now() + 60000) throw new Invalid('occurred_at', T.future);
    const place = f.elements.place.value.trim();
    if (!place) throw new Invalid('place', T.place);
    const body = { kind: f.elements.kind.value, occurred_at: at, place };
    const details = {};
    const note = f.elements.note.value.trim();
    if (note) details.note = note;
    if (body.kind === 'inspected') {
      const item = f.elements.item.value.trim();
      const result = f.elements.result.value.trim();
      if (!item || !result) throw new Invalid('item', T.result);
      details.results = [{ item, result }];
    }
    body.details = details;
    await api('POST', `/api/v1/lots/${encodeURIComponent(data.lot_code)}/events`, body);
  });
}
