// errors.js - the API's refusals in the page's language. The shop answers
// {"error": {"code", "message", ...}} with the message in English for
// programs and logs; a buyer reading Chinese gets the code's own words
// here (schema/openapi.yaml's Error enum), with the numbers the refusal
// carries (a flash sale's left, held, may_buy, limit), and the server's
// message only for a code this table does not know.
//
//   import { errorText } from '../lib/errors.js';
//   catch (e) { note.textContent = errorText(e, lang); }   // e: api.js's ApiError

const BUSY = { zh: '系统繁忙，请稍后再试。', en: 'The shop is busy. Please try again shortly.' };

const WORDS = {
  network: { zh: '网络不太稳定，请重试。', en: 'The network is unsteady. Please try again.' },
  unauthorized: { zh: '请先登录。', en: 'Please sign in first.' },
  csrf_failed: { zh: '页面已过期，请刷新后再试。', en: 'This page is out of date. Please reload it and try again.' },
  forbidden: { zh: '没有权限这样做。', en: 'You may not do that.' },
  not_found: { zh: '找不到了，可能已被删除。', en: 'Not found: it may have been removed.' },
  rate_limited: { zh: '操作太频繁了，请稍等几秒再试。', en: 'Too many at once. Please wait a few seconds.' },
  muted: { zh: '你已被主播禁言，暂时不能发言。', en: 'You have been muted in this room.' },
  session_ended: { zh: '直播已结束。', en: 'The session has ended.' },
  live_ended: { zh: '直播已结束。', en: 'The session has ended.' },
  live_not_started: { zh: '直播还没开始。', en: 'The session has not started yet.' },
  not_on_shelf: { zh: '这件商品已不在直播间的货架上。', en: 'This product is no longer on the room\'s shelf.' },
  sale_not_started: { zh: '秒杀还没开始，请等倒计时结束。', en: 'The flash sale has not opened yet.' },
  sale_ended: { zh: '秒杀已结束。', en: 'The flash sale has ended.' },
  sold_out: { zh: '已抢光了。', en: 'Sold out.' },
  not_enough_left: { zh: '只剩 {left} 件了，请减少数量。', en: 'Only {left} left: please buy fewer.' },
  limit_reached: (d) => (d.held === undefined ? { zh: '每人限购 {limit} 件。', en: 'The limit is {limit} each.' }
    : { zh: '每人限购 {limit} 件，你已抢到 {held} 件，还可以买 {may_buy} 件。',
      en: 'The limit is {limit} each: you hold {held} and may buy {may_buy} more.' }),
  out_of_stock: { zh: '库存不足。', en: 'Not enough in stock.' },
  not_enough_stock: { zh: '库存不足。', en: 'Not enough in stock.' },
  sku_unavailable: { zh: '这个规格暂时买不了。', en: 'This option cannot be bought now.' },
  price_changed: { zh: '价格变了，请确认新价格后再下单。', en: 'The price has changed: please check it and order again.' },
  cart_empty: { zh: '购物车是空的。', en: 'The cart is empty.' },
  validation_failed: { zh: '填写的内容有误，请检查后再试。', en: 'Something filled in is not right: please check it.' },
  bad_request: { zh: '请求有误，请刷新后再试。', en: 'The request was not understood. Please reload and try again.' },
  malformed_json: { zh: '请求有误，请刷新后再试。', en: 'The request was not understood. Please reload and try again.' },
  payload_too_large: { zh: '内容太长了。', en: 'That is too long.' },
  conflict: { zh: '刚刚有变化，请刷新后再试。', en: 'Something changed meanwhile. Please reload and try again.' },
  duplicate: { zh: '已经有了。', en: 'That exists already.' },
  request_in_progress: { zh: '正在处理上一次提交，请稍候。', en: 'Your last try is still being processed.' },
  idempotency_key_reused: { zh: '请刷新后重新提交。', en: 'Please reload and submit again.' },
  illegal_transition: { zh: '订单状态已变化，请刷新。', en: 'The order has moved on. Please reload.' },
  busy: BUSY,
  unavailable: BUSY,
  internal: BUSY,
  database_unavailable: BUSY,
  redis_unavailable: BUSY,
};

// The words for an ApiError (or anything with code/status/message and the
// refusal's fields in detail) in lang ('zh' or 'en').
export function errorText(e, lang) {
  const l = lang === 'en' ? 'en' : 'zh';
  const code = e && e.status === 0 ? 'network' : e && e.code;
  const d = (e && e.detail) || {};
  const w = typeof WORDS[code] === 'function' ? WORDS[code](d) : WORDS[code];
  if (!w) return (e && e.message) || (l === 'en' ? 'Something went wrong.' : '出错了，请重试。');
  return w[l].replace(/\{(\w+)\}/g, (m, k) => (d[k] === undefined ? '?' : String(d[k])));
}

