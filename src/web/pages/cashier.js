// cashier.js - the sandbox cashier: posts the payment notice the page
// carries (body, X-Timestamp, X-Signature, as the provider would send it)
// to the real webhook, then shows the order - or goes back to the live
// room the buyer came from (?next=/live/ID: only a room's path is followed).
import { pageData } from '../lib/api.js';

const data = pageData();
const T = {
  zh: { paid: '支付成功，正在返回订单…', stale: '页面已过期，请刷新后再付款。', net: '网络不太稳定，请重试。', failed: '支付失败：' },
  en: { paid: 'Paid. Back to the order…', stale: 'This page is too old: reload it, then pay.', net: 'The network is unsteady. Please try again.', failed: 'Payment failed: ' },
};
const t = T[data.lang === 'en' ? 'en' : 'zh'];
const button = document.getElementById('pay');
const note = document.getElementById('pay-note');
const next = new URLSearchParams(location.search).get('next');
const back = next && /^\/live\/[0-9a-f]{16}$/.test(next) ? next : null;

if (button && data.notice) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    note.textContent = '';
    const csrf = document.querySelector('meta[name="csrf-token"]');
    const headers = {
      'Content-Type': 'application/json', Accept: 'application/json',
      'X-Timestamp': data.notice.timestamp, 'X-Signature': data.notice.signature,
    };
    if (csrf) headers['X-CSRF-Token'] = csrf.getAttribute('content');
    try {
      const res = await fetch('/api/v1/payments/notify', { method: 'POST', headers, body: data.notice.body, credentials: 'same-origin' });
      if (res.ok) {
        note.textContent = t.paid;
        location.assign(back ? `${back}?paid=${data.order_id}` : `/orders/${data.order_id}`);
        return;
      }
      const body = await res.json().catch(() => ({}));
      note.textContent = res.status === 401 ? t.stale : t.failed + ((body.error && body.error.message) || res.status);
    } catch (e) {
      note.textContent = t.net;
    }
    button.disabled = false;
  });
}
