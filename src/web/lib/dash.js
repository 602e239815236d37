// dash.js - what the cooperative dashboard's page scripts share: the page's
// language, one way to say an API refusal in the page (a 422 names the
// field, as the API's message does), yuan typed by a person as fen, and a
// form's submit wired to an async action that reloads the page on success
// (the page is drawn by the server: the reload shows what the API stored).
import { pageData } from './api.js';

export const data = pageData();
export const en = data.lang === 'en';

const WORDS = {
  zh: {
    net: '网络不太稳定，请重试。', 401: '登录已过期，请重新登录。', 403: '没有权限做这件事：',
    404: '找不到了（可能已被删除）：', 409: '与现有记录冲突：', 413: '文件太大：', 415: '文件格式不支持：',
    422: '请检查填写的内容：', 429: '操作太频繁，请稍后再试：', other: '没能完成：', busy: '正在提交…',
    price: '价格请填写元，例如 39.90。',
  },
  en: {
    net: 'The network is unsteady. Please try again.', 401: 'Your session has ended: please sign in again.',
    403: 'You may not do this: ', 404: 'Not found (it may have been removed): ', 409: 'It clashes with a record: ',
    413: 'The file is too large: ', 415: 'That file type is not accepted: ', 422: 'Please check the form: ',
    429: 'Too many attempts, wait a moment: ', other: 'Could not do it: ', busy: 'Sending…',
    price: 'Give the price in yuan, e.g. 39.90.',
  },
};
export const w = WORDS[en ? 'en' : 'zh'];

// An ApiError as a sentence for the page.
export function explain(e) {
  if (!e || e.status === 0) return w.net;
  if (e.status === 401) return w[401];
  return (w[e.status] || w.other) + (e.message || e.code || '');
}

// "39.9" / "39.90" / "39" -> 3990; null when it is not an amount of yuan.
export function fen(text) {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(String(text || ''));
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
}

// A local error thrown by an action before it asks the API (the form's
// field to focus, and the sentence).
export class Invalid extends Error {
  constructor(field, message) { super(message); this.field = field; }
}

// Runs action(form) on submit: the button is disabled meanwhile, a refusal
// shown in the form's .form-error; success reloads the page unless the
// action returns false.
export function onSubmit(form, action) {
  const err = form.querySelector('.form-error');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (err) err.textContent = '';
    const btn = form.querySelector('button[type=submit]');
    const label = btn ? btn.textContent : '';
    if (btn) { btn.disabled = true; btn.textContent = w.busy; }
    try {
      if ((await action(form)) !== false) { location.reload(); return; }
    } catch (e) {
      if (err) err.textContent = e instanceof Invalid ? e.message : explain(e);
      if (e instanceof Invalid && e.field && form.elements[e.field]) form.elements[e.field].focus();
    }
    if (btn) { btn.disabled = false; btn.textContent = label; }
  });
}

// Runs action() on a button's click, the refusal shown in errEl.
export function onClick(btn, errEl, action) {
  btn.addEventListener('click', async () => {
    if (errEl) errEl.textContent = '';
    btn.disabled = true;
    try {
      if ((await action()) !== false) { location.reload(); return; }
    } catch (e) {
      if (errEl) errEl.textContent = explain(e);
    }
    btn.disabled = false;
  });
}
