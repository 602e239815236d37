// dash_inventory.js - the cooperative dashboard's inventory
// (/dash/{id}/inventory): restock a SKU (POST /api/v1/skus/{id}/restock: to
// a lot of it, or a new lot) and adjust a lot up or down with a reason
// (POST .../adjustments); the row's figures follow the answer. Refusals
// are shown in the dialog with the API's message (a 422 names the field).
import { api } from '../lib/api.js';
import { en, explain } from '../lib/dash.js';

const T = {
  zh: {
    qty: '请填写入库数量（正整数）。', lot: '请填写批次号。', delta: '请填写调整数量（不能为 0）。',
    reason: '请填写调整原因。',
    restocked: (n, code) => `已入库 ${n} 件到批次 ${code}。`, adjusted: (n, code) => `批次 ${code} 已调整 ${n}。`,
  },
  en: {
    qty: 'Give the units (a whole number above 0).', lot: 'Give the lot code.', delta: 'Give the units (not 0).',
    reason: 'Give the reason.',
    restocked: (n, code) => `${n} units into lot ${code}.`, adjusted: (n, code) => `Lot ${code} adjusted by ${n}.`,
  },
};
const t = T[en ? 'en' : 'zh'];
const note = document.getElementById('inv-note');
let sku = null;

function open(id, button) {
  const dialog = document.getElementById(id);
  sku = button.dataset.restock || button.dataset.adjust;
  const form = dialog.querySelector('form');
  form.reset();
  dialog.querySelector('.form-error').textContent = '';
  dialog.querySelector('.what').textContent = button.dataset.name;
  if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
  form.querySelector('input').focus();
}

document.addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-restock], button[data-adjust]');
  if (b) open(b.dataset.restock ? 'restock-dialog' : 'adjust-dialog', b);
  const c = ev.target.closest('dialog button.close');
  if (c) c.closest('dialog').close();
});

// the SKU's row after a change: its total and the lot's units (a reload
// draws a new lot in its place)
async function refresh(lot, text) {
  note.textContent = text;
  const row = document.querySelector(`tr[data-sku="${sku}"]`);
  const li = row && row.querySelector(`li[data-lot="${lot.id}"] .lot-left`);
  if (!li) { location.reload(); return; }
  li.textContent = lot.remaining;
  try {
    const stock = await api('GET', `/api/v1/skus/${sku}/stock`);
    row.querySelector('.avail').textContent = stock.available;
  } catch (e) { /* the figure stays until the next load */ }
}

function fail(form, e) {
  form.querySelector('.form-error').textContent = explain(e);
}

const restock = document.getElementById('restock');
if (restock) restock.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const err = restock.querySelector('.form-error');
  err.textContent = '';
  const quantity = Number(restock.quantity.value);
  if (!Number.isInteger(quantity) || quantity < 1) { err.textContent = t.qty; restock.quantity.focus(); return; }
  const body = { quantity };
  for (const k of ['lot_code', 'harvest_date', 'pack_date', 'note']) {
    const v = restock[k].value.trim();
    if (v) body[k] = v;
  }
  try {
    const lot = await api('POST', `/api/v1/skus/${sku}/restock`, body);
    restock.closest('dialog').close();
    await refresh(lot, t.restocked(quantity, lot.code));
  } catch (e) { fail(restock, e); }
});

const adjust = document.getElementById('adjust');
if (adjust) adjust.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const err = adjust.querySelector('.form-error');
  err.textContent = '';
  const lotCode = adjust.lot_code.value.trim();
  const delta = Number(adjust.delta.value);
  const reason = adjust.reason.value.trim();
  if (!lotCode) { err.textContent = t.lot; adjust.lot_code.focus(); return; }
  if (!Number.isInteger(delta) || delta === 0) { err.textContent = t.delta; adjust.delta.focus(); return; }
  if (!reason) { err.textContent = t.reason; adjust.reason.focus(); return; }
  try {
    const lot = await api('POST', `/api/v1/skus/${sku}/adjustments`, { lot_code: lotCode, delta, reason });
    adjust.closest('dialog').close();
    await refresh(lot, t.adjusted(delta, lot.code));
  } catch (e) { fail(adjust, e); }
});
