// product.js - a product's page: add the chosen SKU to the cart.
import { errorText } from '../lib/errors.js';
import { api, pageData } from '../lib/api.js';

const T = {
  zh: { added: '已加入购物车（共 {n} 件）', view: '去结算', net: '网络不太稳定，请重试。', pick: '请选择规格。', failed: '没能加入购物车：' },
  en: { added: 'Added to the cart ({n} in it)', view: 'Check out', net: 'The network is unsteady. Please try again.', pick: 'Choose an option.', failed: 'Could not add to the cart: ' },
};

const data = pageData();
const t = T[data.lang === 'en' ? 'en' : 'zh'];
const form = document.getElementById('buy');
const note = document.getElementById('buy-note');

if (form) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const chosen = form.querySelector('input[name="sku"]:checked');
    const qty = Math.max(1, Math.min(99, parseInt(form.qty.value, 10) || 1));
    if (!chosen) { note.textContent = t.pick; return; }
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    note.textContent = '';
    try {
      const cart = await api('GET', '/api/v1/cart');
      let have = 0;
      for (const g of cart.coops || []) for (const it of g.items || []) if (String(it.sku_id) === chosen.value) have = it.quantity;
      const after = await api('PUT', `/api/v1/cart/items/${chosen.value}`, { quantity: Math.min(99, have + qty) });
      note.textContent = t.added.replace('{n}', after.item_count);
      const link = document.createElement('a');
      link.href = '/cart';
      link.textContent = ' ' + t.view;
      note.appendChild(link);
    } catch (e) {
      note.textContent = e.status === 0 ? t.net : t.failed + errorText(e, data.lang);
    } finally {
      button.disabled = false;
    }
  });
}
