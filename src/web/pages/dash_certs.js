// dash_certs.js - the dashboard's certificates: the issue form (POST
// /api/v1/coops/{coop}/certificates: a conformity certificate with its
// commitments and test results, attached to a lot; or a third party's
// certification with its number in its format), attach (POST
// /api/v1/certificates/{id}/attachments) and revoke (POST .../revoke,
// admins). The server redraws the page after each write.
import { api } from '../lib/api.js';
import { data, en, onSubmit, Invalid } from '../lib/dash.js';

const T = en
  ? { pass: 'pass', fail: 'fail', remove: 'Remove', holder: 'Name the holder (the producer).', reason: 'Say why it is revoked.', target: 'Give a lot code, or "product 12" / "base 3".', row: 'Fill in every cell of a test result, or remove the row.', green: 'A green food number is shaped LB-XX-YYMM-PP-NNNN-A (or -AA).', organic: 'An organic number is shaped <body>-OP-<YY>-<serial>.', number: 'The certification needs its number.' }
  : { pass: '合格', fail: '不合格', remove: '删除', holder: '请填写生产者（持证人）。', reason: '请填写撤销原因。', target: '请填写批次号，或“商品 12”/“基地 3”。', row: '检测结果的每一格都要填写，或删除这一行。', green: '绿色食品编号格式为 LB-XX-YYMM-PP-NNNN-A（或 -AA）。', organic: '有机产品编号格式为 <认证机构>-OP-<年份>-<序号>。', number: '请填写证书编号。' };

// Which fields each kind shows (the API's rules: a conformity certificate
// is the producer's own, the others a third party's).
const CONFORMITY_ONLY = ['product_name', 'quantity', 'origin', 'address', 'contact', 'basis', 'commitments', 'test_results'];
const OTHERS_ONLY = ['issuing_body', 'valid_from', 'verify_url', 'scope'];

const form = document.getElementById('new-cert');
if (form) {
  const kind = form.elements.kind;
  const hint = document.getElementById('cf-number-hint');
  const tbody = document.querySelector('#results tbody');
  const addRow = (r = {}) => {
    const n = tbody.rows.length + 1;
    const tr = document.createElement('tr');
    const cell = (name, label, value) => {
      const td = document.createElement('td');
      const input = document.createElement('input');
      input.name = `r-${name}`;
      input.value = value || '';
      input.setAttribute('aria-label', `${label} ${n}`);
      td.append(input);
      return td;
    };
    const heads = [...document.querySelectorAll('#results thead th')].map((th) => th.textContent);
    tr.append(cell('item', heads[0], r.item), cell('method', heads[1], r.method), cell('result', heads[2], r.result),
      cell('limit', heads[3], r.limit));
    const td = document.createElement('td');
    const sel = document.createElement('select');
    sel.name = 'r-verdict';
    sel.setAttribute('aria-label', `${heads[4]} ${n}`);
    for (const v of ['pass', 'fail']) sel.append(new Option(T[v], v));
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.className = 'btn btn-small btn-outline';
    rm.textContent = T.remove;
    rm.addEventListener('click', () => tr.remove());
    td.append(sel, ' ', rm);
    tr.append(td);
    tbody.append(tr);
  };
  document.getElementById('add-result').addEventListener('click', () => addRow());
  addRow();
  const sync = () => {
    const conformity = kind.value === 'conformity';
    for (const k of CONFORMITY_ONLY) form.querySelector(`[data-field=${k}]`).hidden = !conformity;
    for (const k of OTHERS_ONLY) form.querySelector(`[data-field=${k}]`).hidden = conformity;
    hint.textContent = kind.selectedOptions[0].dataset.hint;
  };
  kind.addEventListener('change', sync);
  sync();

  onSubmit(form, async (f) => {
    const v = (name) => (f.elements[name] ? f.elements[name].value.trim() : '');
    const k = kind.value;
    const body = { kind: k, holder: v('holder'), issued_on: v('issued_on') };
    if (!body.holder) throw new Invalid('holder', T.holder);
    const number = v('number');
    if (k === 'green_food' && !/^LB-\d{2}-\d{4}-\d{2}-\d{4}-AA?$/.test(number)) throw new Invalid('number', T.green);
    if (k === 'organic' && !/^[A-Za-z0-9]+-OP-\d{2}-[A-Za-z0-9]+$/.test(number)) throw new Invalid('number', T.organic);
    if (k !== 'conformity' && !number) throw new Invalid('number', T.number);
    if (number) body.number = number;
    const fields = k === 'conformity' ? ['product_name', 'quantity', 'origin', 'address', 'contact', 'basis', 'valid_until']
      : ['issuing_body', 'valid_from', 'valid_until', 'verify_url', 'scope'];
    for (const name of fields) if (v(name)) body[name] = v(name);
    if (k === 'conformity') {
      body.commitments = v('commitments').split('\n').map((s) => s.trim()).filter(Boolean);
      const results = [];
      for (const tr of tbody.rows) {
        const get = (n) => tr.querySelector(`[name=r-${n}]`).value.trim();
        const r = { item: get('item'), method: get('method'), result: get('result'), limit: get('limit'), verdict: get('verdict') };
        if (!r.item && !r.method && !r.result && !r.limit) continue;
        if (!r.item || !r.method || !r.result || !r.limit) throw new Invalid(null, T.row);
        results.push(r);
      }
      if (results.length) body.test_results = results;
      const lot = v('lot').toUpperCase();
      if (lot) body.attach = { lots: [lot] };
    }
    await api('POST', `/api/v1/coops/${data.coop_id}/certificates`, body);
  });
}

for (const f of document.querySelectorAll('form.cert-attach')) onSubmit(f, async () => {
  const t = f.elements.target.value.trim();
  let body;
  const m = /^(product|base|商品|基地)\s*(\d+)$/i.exec(t);
  if (m) body = /^(product|商品)$/i.test(m[1]) ? { product_id: Number(m[2]) } : { base_id: Number(m[2]) };
  else if (/^[A-Za-z0-9][A-Za-z0-9-]{2,63}$/.test(t)) body = { lot_code: t.toUpperCase() };
  else throw new Invalid('target', T.target);
  await api('POST', `/api/v1/certificates/${f.dataset.cert}/attachments`, body);
});

for (const f of document.querySelectorAll('form.cert-revoke')) onSubmit(f, async () => {
  const reason = f.elements.reason.value.trim();
  if (!reason) throw new Invalid('reason', T.reason);
  await api('POST', `/api/v1/certificates/${f.dataset.cert}/revoke`, { reason });
});
