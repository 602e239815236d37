// dash_orders.js - the cooperative dashboard's orders (/dash/{id}/orders):
// tick orders in the table, give the carrier and a tracking number each,
// ship them at once (POST /api/v1/coops/{id}/orders/ship: a result per
// order, shown beside it); refund an order (admins), saying for a shipped
// one whether the goods come back. Refusals are shown in the page with
// the API's message (a 422 names the field).
import { api } from '../lib/api.js';
import { data, en, explain } from '../lib/dash.js';

const T = {
  zh: {
    carrier: '请填写快递公司。', tracking: (no) => `请填写订单 ${no} 的运单号。`,
    busy: '正在提交…', shipped: '已发货', notShipped: '未发货：', order: '订单', trackingLabel: '运单号',
    reason: '请填写退款原因。', goods: '货物已发出：请选择是否退回。', refunded: '已退款',
    summary: (a, b) => `发货 ${a} 单${b ? `，${b} 单未发货` : ''}。`,
  },
  en: {
    carrier: 'Give the carrier.', tracking: (no) => `Give the tracking number of order ${no}.`, busy: 'Sending…',
    shipped: 'Shipped',
    notShipped: 'Not shipped: ', order: 'Order', trackingLabel: 'tracking number', reason: 'Give the reason.',
    goods: 'The goods were shipped: say whether they come back.', refunded: 'Refunded',
    summary: (a, b) => `${a} shipped${b ? `, ${b} not` : ''}.`,
  },
};
const t = T[en ? 'en' : 'zh'];

// ---- shipping ------------------------------------------------------------
const shipForm = document.getElementById('ship');
const shipList = document.getElementById('ship-list');
const shipNone = document.getElementById('ship-none');
const shipError = document.getElementById('ship-error');
const results = document.getElementById('ship-results');

function picked() { return [...document.querySelectorAll('input.pick:checked')]; }

// one tracking field per ticked order, keeping what was typed
function syncShip() {
  const typed = {};
  for (const i of shipList.querySelectorAll('input')) typed[i.dataset.order] = i.value;
  shipList.textContent = '';
  for (const box of picked()) {
    const li = document.createElement('li');
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.id = `tn-${box.value}`;
    input.dataset.order = box.value;
    input.maxLength = 64;
    input.autocomplete = 'off';
    input.value = typed[box.value] || '';
    label.htmlFor = input.id;
    label.textContent = `${t.order} ${box.value} · ${box.dataset.name} · ${t.trackingLabel}`;
    li.append(label, input);
    shipList.append(li);
  }
  shipForm.hidden = picked().length === 0;
  shipNone.hidden = !shipForm.hidden;
}
document.addEventListener('change', (ev) => { if (ev.target.matches('input.pick')) syncShip(); });
syncShip();

function setStatus(id, label, extra) {
  const row = document.querySelector(`tr[data-order="${id}"]`);
  if (!row) return;
  const cell = row.querySelector('.st');
  cell.textContent = '';
  const span = document.createElement('span');
  span.className = 'st-label';
  span.textContent = label;
  cell.append(span);
  if (extra) {
    const small = document.createElement('small');
    small.className = 'tracking';
    small.textContent = extra;
    cell.append(document.createElement('br'), small);
  }
  const box = row.querySelector('input.pick');
  if (box) box.remove();
}

shipForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  shipError.textContent = '';
  results.textContent = '';
  const carrier = shipForm.carrier.value.trim();
  if (!carrier) { shipError.textContent = t.carrier; shipForm.carrier.focus(); return; }
  const orders = [];
  for (const input of shipList.querySelectorAll('input')) {
    const tracking = input.value.trim();
    if (!tracking) { shipError.textContent = t.tracking(input.dataset.order); input.focus(); return; }
    orders.push({ order_id: Number(input.dataset.order), carrier, tracking_no: tracking });
  }
  const btn = shipForm.querySelector('button[type=submit]');
  const label = btn.textContent;
  btn.disabled = true;
  btn.textContent = t.busy;
  try {
    const out = await api('POST', `/api/v1/coops/${data.coop_id}/orders/ship`, { orders });
    for (const it of out.items) {
      const li = document.createElement('li');
      li.className = it.shipped ? 'ok' : 'bad';
      li.dataset.order = it.order_id;
      li.textContent = `${t.order} ${it.order_id}: ${it.shipped ? t.shipped : t.notShipped + it.error.message}`;
      results.append(li);
      if (it.shipped) {
        const sent = orders.find((o) => o.order_id === it.order_id);
        setStatus(it.order_id, t.shipped, `${sent.carrier} ${sent.tracking_no}`);
      }
    }
    const sum = document.createElement('li');
    sum.textContent = t.summary(out.shipped, out.failed);
    results.prepend(sum);
    syncShip();
  } catch (e) {
    shipError.textContent = explain(e);
  } finally {
    btn.disabled = false;
    btn.textContent = label;
  }
});

// ---- refunds ---------------------------------------------------------------
const dialog = document.getElementById('refund-dialog');
const refundForm = document.getElementById('refund');
const refundError = document.getElementById('refund-error');
const goods = document.getElementById('refund-goods');
let refunding = null;

document.addEventListener('click', (ev) => {
  const b = ev.target.closest('button[data-refund]');
  if (!b) return;
  refunding = b;
  refundForm.reset();
  refundError.textContent = '';
  document.getElementById('refund-no').textContent = b.dataset.refund;
  goods.hidden = b.dataset.shipped !== '1';
  if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
  refundForm.reason.focus();
});
document.getElementById('refund-cancel').addEventListener('click', () => dialog.close());

refundForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  refundError.textContent = '';
  const reason = refundForm.reason.value.trim();
  if (!reason) { refundError.textContent = t.reason; refundForm.reason.focus(); return; }
  const body = { reason };
  if (!goods.hidden) {
    const r = refundForm.querySelector('input[name=return]:checked');
    if (!r) { refundError.textContent = t.goods; return; }
    body.return = r.value === 'true';
  }
  try {
    await api('POST', `/api/v1/orders/${refunding.dataset.refund}/refund`, body);
    setStatus(refunding.dataset.refund, t.refunded);
    refunding.remove();
    dialog.close();
  } catch (e) {
    refundError.textContent = explain(e);
  }
});
