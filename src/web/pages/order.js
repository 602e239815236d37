// order.js - what a buyer does with an order: cancel it while allowed,
// confirm receipt once delivered (POST /api/v1/orders/{id}/cancel|complete),
// then the page is drawn again from the server.
import { errorText } from '../lib/errors.js';
import { api, pageData } from '../lib/api.js';

const T = {
  zh: { sure: '确定取消这个订单吗？', net: '网络不太稳定，请重试。', failed: '操作失败：' },
  en: { sure: 'Cancel this order?', net: 'The network is unsteady. Please try again.', failed: 'Could not do it: ' },
};
const t = T[pageData().lang === 'en' ? 'en' : 'zh'];
const note = document.getElementById('order-note');

document.addEventListener('click', async (ev) => {
  const btn = ev.target.closest('.act-cancel, .act-complete');
  if (!btn) return;
  const id = btn.closest('[data-order]').dataset.order;
  const cancel = btn.classList.contains('act-cancel');
  if (cancel && !window.confirm(t.sure)) return;
  btn.disabled = true;
  try {
    await api('POST', `/api/v1/orders/${id}/${cancel ? 'cancel' : 'complete'}`);
    location.reload();
  } catch (e) {
    if (note) note.textContent = e.status === 0 ? t.net : t.failed + errorText(e, pageData().lang);
    btn.disabled = false;
  }
});
