// cart.js - the cart page: change a line's quantity (0 or "remove" takes it
// out) through PUT /api/v1/cart/items/{sku}, then draw the page again from
// the server (it prices the cart).
import { errorText } from '../lib/errors.js';
import { api, pageData } from '../lib/api.js';

const T = {
  zh: { net: '网络不太稳定，请重试。', failed: '没能修改购物车：' },
  en: { net: 'The network is unsteady. Please try again.', failed: 'Could not change the cart: ' },
};
const t = T[pageData().lang === 'en' ? 'en' : 'zh'];
const form = document.getElementById('cart');
const note = document.getElementById('cart-note');

async function setQty(sku, qty) {
  note.textContent = '';
  form.setAttribute('aria-busy', 'true');
  try {
    await api('PUT', `/api/v1/cart/items/${sku}`, { quantity: Math.max(0, Math.min(99, qty)) });
    location.reload();
  } catch (e) {
    note.textContent = e.status === 0 ? t.net : t.failed + errorText(e, pageData().lang);
    form.removeAttribute('aria-busy');
  }
}

if (form) {
  form.addEventListener('submit', (ev) => ev.preventDefault());
  form.addEventListener('change', (ev) => {
    const input = ev.target.closest('.line-qty');
    if (input) setQty(input.closest('.line').dataset.sku, parseInt(input.value, 10) || 0);
  });
  form.addEventListener('click', (ev) => {
    const btn = ev.target.closest('.line-remove');
    if (btn) setQty(btn.closest('.line').dataset.sku, 0);
  });
  const go = document.getElementById('to-checkout');
  if (go && go.getAttribute('aria-disabled') === 'true') go.addEventListener('click', (ev) => ev.preventDefault());
}
