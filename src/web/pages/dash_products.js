// dash_products.js - the dashboard's products (/dash/{coop}/products): a new
// product with its first SKU (POST /api/v1/products), edits (PATCH), on sale
// and off (PATCH status, POST .../delist), photos (POST .../images, the
// file as the body), SKUs (POST .../skus) and their prices (PATCH
// .../skus/{id}). The server redraws the page after each write.
import { api, upload } from '../lib/api.js';
import { data, en, w, fen, Invalid, onSubmit, onClick } from '../lib/dash.js';

const T = en
  ? { name: 'Give the product a Chinese name.', spec: 'Give the SKU its spec and unit.', weight: 'Give the weight in grams.', photo: 'Choose a photo first.' }
  : { name: '请填写商品的中文名称。', spec: '请填写规格和单位。', weight: '请填写重量（克）。', photo: '请先选择一张图片。' };

function sku(form) {
  const spec = form.elements.spec.value.trim();
  const unit = form.elements.unit.value.trim();
  if (!spec) throw new Invalid('spec', T.spec);
  if (!unit) throw new Invalid('unit', T.spec);
  const price = fen(form.elements.price.value);
  if (price === null) throw new Invalid('price', w.price);
  const weight = Number(form.elements.weight_g.value);
  if (!Number.isInteger(weight) || weight < 1) throw new Invalid('weight_g', T.weight);
  return { spec, unit, price_fen: price, weight_g: weight };
}

const np = document.getElementById('new-product');
if (np) onSubmit(np, async (f) => {
  const name = f.elements.name_zh.value.trim();
  if (!name) throw new Invalid('name_zh', T.name);
  const body = {
    coop_id: data.coop_id, name_zh: name, category: f.elements.category.value,
    status: f.elements.listed.checked ? 'listed' : 'draft', skus: [sku(f)],
  };
  const nameEn = f.elements.name_en.value.trim();
  if (nameEn) body.name_en = nameEn;
  const desc = f.elements.description.value.trim();
  if (desc) body.description = desc;
  const base = Number(f.elements.base_id.value);
  if (base) body.base_id = base;
  await api('POST', '/api/v1/products', body);
});

for (const f of document.querySelectorAll('form.product-edit')) onSubmit(f, async () => {
  const name = f.elements.name_zh.value.trim();
  if (!name) throw new Invalid('name_zh', T.name);
  const base = Number(f.elements.base_id.value);
  await api('PATCH', `/api/v1/products/${f.dataset.product}`, {
    name_zh: name, name_en: f.elements.name_en.value.trim() || null,
    description: f.elements.description.value.trim() || null, base_id: base || null,
  });
});

for (const f of document.querySelectorAll('form.product-photo')) onSubmit(f, async () => {
  const file = f.elements.photo.files[0];
  if (!file) throw new Invalid('photo', T.photo);
  await upload(`/api/v1/products/${f.dataset.product}/images`, file);
});

for (const f of document.querySelectorAll('form.sku-new')) onSubmit(f, async () => {
  await api('POST', `/api/v1/products/${f.dataset.product}/skus`, sku(f));
});

for (const f of document.querySelectorAll('form.sku-price-form')) onSubmit(f, async () => {
  const price = fen(f.elements.price.value);
  if (price === null) throw new Invalid('price', w.price);
  await api('PATCH', `/api/v1/products/${f.dataset.product}/skus/${f.dataset.sku}`, { price_fen: price });
});

for (const b of document.querySelectorAll('button.product-delist')) {
  onClick(b, b.closest('details').querySelector('.status-error'),
    () => api('POST', `/api/v1/products/${b.dataset.product}/delist`));
}
for (const b of document.querySelectorAll('button.product-list')) {
  onClick(b, b.closest('details').querySelector('.status-error'),
    () => api('PATCH', `/api/v1/products/${b.dataset.product}`, { status: 'listed' }));
}
