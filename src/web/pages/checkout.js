// checkout.js - place the orders: the chosen saved address, or a new one
// saved to the address book first (POST /api/v1/me/addresses); then
// POST /api/v1/orders with one Idempotency-Key for this page (a retry after
// a weak network cannot buy twice), then the order-placed page.
import { errorText } from '../lib/errors.js';
import { api, pageData } from '../lib/api.js';

const T = {
  zh: { net: '网络不太稳定，请再点一次。', missing: '请填写完整的收货地址。', failed: '没能下单：', placing: '正在提交…' },
  en: { net: 'The network is unsteady. Please tap again.', missing: 'Fill in the whole address.', failed: 'Could not place the order: ', placing: 'Placing…' },
};
const t = T[pageData().lang === 'en' ? 'en' : 'zh'];
const form = document.getElementById('checkout');
const err = document.getElementById('checkout-error');
const fresh = document.getElementById('addr-new');
const FIELDS = ['name', 'phone', 'province', 'city', 'county', 'detail'];
const key = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^0-9a-z-]/gi, '');

function chosen(name) {
  const c = form.querySelector(`input[name="${name}"]:checked`);
  return c ? c.value : null;
}

if (form) {
  form.addEventListener('change', (ev) => {
    if (ev.target.name === 'address') fresh.hidden = ev.target.value !== 'new';
  });
  let savedId = null; // a new address saved by an earlier attempt of this page
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const button = document.getElementById('place');
    let pick = chosen('address');
    const address = {};
    if (pick === 'new' || pick === null) {
      for (const f of FIELDS) address[f] = form.querySelector(`#a-${f}`).value.trim();
      if (FIELDS.some((f) => !address[f])) { err.textContent = t.missing; return; }
    }
    button.disabled = true;
    const label = button.textContent;
    button.textContent = t.placing;
    try {
      if (pick === 'new' || pick === null) {
        if (!savedId) savedId = (await api('POST', '/api/v1/me/addresses', address)).id;
      } else {
        const book = await api('GET', '/api/v1/me/addresses?limit=100');
        const a = (book.items || []).find((x) => String(x.id) === pick);
        for (const f of FIELDS) address[f] = a ? a[f] : '';
      }
      const res = await api('POST', '/api/v1/orders', { payment_method: chosen('payment') || 'cod', address },
        { 'Idempotency-Key': key });
      location.assign('/checkout/done?orders=' + res.orders.map((o) => o.id).join(','));
    } catch (e) {
      err.textContent = e.status === 0 ? t.net : t.failed + errorText(e, pageData().lang);
      button.disabled = false;
      button.textContent = label;
    }
  });
}
