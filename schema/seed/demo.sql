-- demo.sql - the demo data set, loaded by `farmlive-shop seed-demo`.
--
-- Two cooperatives, each with an admin, two farmers, production bases and
-- listed products, plus one buyer and one platform operator:
--
--   萍乡市安源区大城生态农业专业合作社 (Anyuan, Pingxiang, Jiangxi)
--       bases: 大城基地 (1000 mu), 白源油茶基地
--       green-shell black-chicken eggs, chillies, camellia oil, rice ...
--   成都市青白江区福洪杏源茶果专业合作社 (Qingbaijiang, Chengdu, Sichuan)
--       bases: 福洪杏园基地, 龙泉山茶园基地
--       tea, apricots, kiwifruit, honey ...
--
-- Accounts (every password is "farmlive-demo"):
--   buyer@example.com                buyer
--   ops@example.com                  platform_admin
--   admin@anyuan.example.com         coop_admin of the Anyuan cooperative
--   farmer@anyuan.example.com        farmer     of the Anyuan cooperative
--   farmer2@anyuan.example.com       farmer     of the Anyuan cooperative
--   admin@qingbaijiang.example.com   coop_admin of the Qingbaijiang cooperative
--   farmer@qingbaijiang.example.com  farmer     of the Qingbaijiang cooperative
--   farmer2@qingbaijiang.example.com farmer     of the Qingbaijiang cooperative
--
-- Contract with the loader: the whole file runs in one transaction on one
-- connection (user variables carry ids from statement to statement). It is
-- meant for an empty database, but every insert is guarded (a unique key with
-- ON DUPLICATE KEY UPDATE, or NOT EXISTS), so a second run changes nothing
-- and does not fail. Ids are never assumed: each is looked up by its natural
-- key after the guarded insert. No string literal or comment here contains a
-- semicolon, so a loader that splits statements on it is safe too.
--
-- Prices are integer fen, weights grams (packed weight), areas mu.
-- GTIN-14s use the made-up GS1 company prefix 6970615 with correct check
-- digits. Credit codes are made up but pass the GB 32100 check character.
-- Images are the SVG files in media/, served at /assets/{file}.

-- ---------------------------------------------------------------- accounts
-- The hash is libsodium crypto_pwhash_str (argon2id, OPSLIMIT/MEMLIMIT
-- INTERACTIVE) of "farmlive-demo".
SET @demo_hash = '$argon2id$v=19$m=65536,t=2,p=1$K8/o7AMnSARalpSONM3zxA$wBxznybWdsQCg+nBx3mV60pMtsGrWswY7pjj1YyUpmE';

INSERT INTO accounts (email, phone, display_name, password_hash, role) VALUES
    ('buyer@example.com',                NULL, '王丽（买家）',     @demo_hash, 'buyer'),
    ('ops@example.com',                  NULL, '平台运营',         @demo_hash, 'platform_admin'),
    ('admin@anyuan.example.com',         NULL, '陈志刚',           @demo_hash, 'buyer'),
    ('farmer@anyuan.example.com',        NULL, '刘春花',           @demo_hash, 'buyer'),
    ('farmer2@anyuan.example.com',       NULL, '张建国',           @demo_hash, 'buyer'),
    ('admin@qingbaijiang.example.com',   NULL, '杨晓梅',           @demo_hash, 'buyer'),
    ('farmer@qingbaijiang.example.com',  NULL, '赵德明',           @demo_hash, 'buyer'),
    ('farmer2@qingbaijiang.example.com', NULL, '周秀英',           @demo_hash, 'buyer')
ON DUPLICATE KEY UPDATE id = id;

SET @anyuan_admin   = (SELECT id FROM accounts WHERE email = 'admin@anyuan.example.com');
SET @anyuan_farmer  = (SELECT id FROM accounts WHERE email = 'farmer@anyuan.example.com');
SET @anyuan_farmer2 = (SELECT id FROM accounts WHERE email = 'farmer2@anyuan.example.com');
SET @qbj_admin      = (SELECT id FROM accounts WHERE email = 'admin@qingbaijiang.example.com');
SET @qbj_farmer     = (SELECT id FROM accounts WHERE email = 'farmer@qingbaijiang.example.com');
SET @qbj_farmer2    = (SELECT id FROM accounts WHERE email = 'farmer2@qingbaijiang.example.com');

-- ------------------------------------------------------------ cooperatives
INSERT INTO cooperatives (name, name_en, credit_code, province, city, county, township, village,
                          contact_name, contact_phone, description) VALUES
    ('萍乡市安源区大城生态农业专业合作社',
     'Anyuan Dacheng Ecological Agriculture Cooperative',
     '93360302MA35X7K2X4', '江西省', '萍乡市', '安源区', NULL, NULL,
     '陈志刚', '0799-6231088',
     '在复垦的矿区废弃地上建起千亩辣椒基地和林下乌鸡养殖场。绿壳乌鸡蛋入选全国名特优新农产品名录，每批产品出场都开具承诺达标合格证。'),
    ('成都市青白江区福洪杏源茶果专业合作社',
     'Qingbaijiang Fuhong Apricot and Tea Cooperative',
     '93510113MA62T4R86F', '四川省', '成都市', '青白江区', '福洪镇', NULL,
     '杨晓梅', '028-83601166',
     '由福洪镇的家庭农场和农户联合组建，种植杏、猕猴桃和龙泉山高山茶，村企合作统一分级、包装和冷链发货，产品发往全国。')
ON DUPLICATE KEY UPDATE id = id;

SET @anyuan = (SELECT id FROM cooperatives WHERE credit_code = '93360302MA35X7K2X4');
SET @qbj    = (SELECT id FROM cooperatives WHERE credit_code = '93510113MA62T4R86F');

INSERT INTO coop_members (coop_id, account_id, role) VALUES
    (@anyuan, @anyuan_admin,   'coop_admin'),
    (@anyuan, @anyuan_farmer,  'farmer'),
    (@anyuan, @anyuan_farmer2, 'farmer'),
    (@qbj,    @qbj_admin,      'coop_admin'),
    (@qbj,    @qbj_farmer,     'farmer'),
    (@qbj,    @qbj_farmer2,    'farmer')
ON DUPLICATE KEY UPDATE coop_id = coop_id;

-- ------------------------------------------------------- production bases
INSERT INTO production_bases (coop_id, name, location, latitude, longitude, area_mu, description)
SELECT @anyuan, '大城基地', '江西省萍乡市安源区 大城基地（矿区复垦地）', 27.620600, 113.873300, 1000.00,
       '千亩辣椒基地，坡地林下散养绿壳乌鸡，灌溉水和土壤每年送检。'
FROM DUAL WHERE NOT EXISTS
    (SELECT 1 FROM production_bases WHERE coop_id = @anyuan AND name = '大城基地');
SET @dacheng = (SELECT id FROM production_bases WHERE coop_id = @anyuan AND name = '大城基地');

INSERT INTO production_bases (coop_id, name, location, latitude, longitude, area_mu, description)
SELECT @anyuan, '白源油茶基地', '江西省萍乡市安源区 白源油茶林', 27.648200, 113.842500, 320.50,
       '老油茶林改造，人工采摘，物理压榨。'
FROM DUAL WHERE NOT EXISTS
    (SELECT 1 FROM production_bases WHERE coop_id = @anyuan AND name = '白源油茶基地');
SET @baiyuan = (SELECT id FROM production_bases WHERE coop_id = @anyuan AND name = '白源油茶基地');

INSERT INTO production_bases (coop_id, name, location, latitude, longitude, area_mu, description)
SELECT @qbj, '福洪杏园基地', '四川省成都市青白江区福洪镇', 30.882500, 104.380000, 800.00,
       '丘陵杏园与猕猴桃园，春季杏花节期间开放采摘。'
FROM DUAL WHERE NOT EXISTS
    (SELECT 1 FROM production_bases WHERE coop_id = @qbj AND name = '福洪杏园基地');
SET @fuhong = (SELECT id FROM production_bases WHERE coop_id = @qbj AND name = '福洪杏园基地');

INSERT INTO production_bases (coop_id, name, location, latitude, longitude, area_mu, description)
SELECT @qbj, '龙泉山茶园基地', '四川省成都市青白江区 龙泉山西麓', 30.858000, 104.412000, 300.00,
       '海拔六百米的坡地茶园，手工采摘明前芽叶。'
FROM DUAL WHERE NOT EXISTS
    (SELECT 1 FROM production_bases WHERE coop_id = @qbj AND name = '龙泉山茶园基地');
SET @longquan = (SELECT id FROM production_bases WHERE coop_id = @qbj AND name = '龙泉山茶园基地');

-- ---------------------------------------------------------------- products
-- Each product: a guarded insert keyed by (coop_id, name_zh), its id looked
-- up into @p, then its images (unique by position) and SKUs (guarded by
-- product and spec).

-- Anyuan 1: green-shell black-chicken eggs
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @anyuan, @dacheng, '绿壳乌鸡蛋', 'Green-shell black-chicken eggs', 'eggs',
       '大城基地林下散养乌鸡所产，蛋壳青绿，蛋黄橙红。当天拣蛋，按批开具承诺达标合格证。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @anyuan AND name_zh = '绿壳乌鸡蛋');
SET @p = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '绿壳乌鸡蛋');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/eggs.svg', '一盒绿壳乌鸡蛋')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '30枚装', '盒', 3990, 1800, '06970615000112' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '30枚装');
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '60枚装', '箱', 7580, 3600, '06970615000129' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '60枚装');

-- Anyuan 2: fresh red chillies
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @anyuan, @dacheng, '大城鲜红辣椒', 'Dacheng fresh red chillies', 'vegetables',
       '千亩辣椒基地当季采摘，皮薄肉厚，香辣适中，顺丰冷链发货。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @anyuan AND name_zh = '大城鲜红辣椒');
SET @p = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '大城鲜红辣椒');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/chilli.svg', '新鲜红辣椒')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '500克', '袋', 1280, 540, '06970615000211' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '500克');
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '2.5千克', '箱', 5600, 2750, NULL FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '2.5千克');

-- Anyuan 3: sun-dried chillies
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @anyuan, @dacheng, '大城干辣椒', 'Dacheng sun-dried chillies', 'dried',
       '鲜椒分级后晾晒烘干，色泽红亮，适合炒菜、做辣椒油。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @anyuan AND name_zh = '大城干辣椒');
SET @p = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '大城干辣椒');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/dried-chilli.svg', '一串晒干的红辣椒')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '250克', '袋', 2680, 270, '06970615000310' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '250克');

-- Anyuan 4: chopped chilli sauce
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @anyuan, @dacheng, '萍乡剁辣椒', 'Pingxiang chopped chilli sauce', 'condiments',
       '基地鲜椒手工剁制，只加盐和蒜，坛装发酵。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @anyuan AND name_zh = '萍乡剁辣椒');
SET @p = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '萍乡剁辣椒');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/chilli.svg', '剁辣椒')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '500克', '瓶', 2290, 780, '06970615000419' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '500克');

-- Anyuan 5: free-range black-bone chicken
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @anyuan, @dacheng, '林下散养乌鸡', 'Free-range black-bone chicken', 'poultry',
       '林下散养一年以上，整只宰杀后真空包装，冷链发货。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @anyuan AND name_zh = '林下散养乌鸡');
SET @p = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '林下散养乌鸡');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/chicken.svg', '一只乌鸡')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '整只约1.2千克', '只', 12800, 1450, '06970615000518' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '整只约1.2千克');

-- Anyuan 6: camellia oil
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @anyuan, @baiyuan, '白源山茶油', 'Baiyuan cold-pressed camellia oil', 'oil',
       '白源油茶基地茶籽物理压榨，不添加，不勾兑。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @anyuan AND name_zh = '白源山茶油');
SET @p = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '白源山茶油');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/oil.svg', '一瓶山茶油')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '500毫升', '瓶', 6800, 720, '06970615000617' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '500毫升');
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '2.5升', '桶', 29800, 2600, NULL FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '2.5升');

-- Anyuan 7: rice
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @anyuan, NULL, '安源富硒大米', 'Anyuan selenium-rich rice', 'grain',
       '社员稻田一季稻，当季碾米，真空小包装。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @anyuan AND name_zh = '安源富硒大米');
SET @p = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '安源富硒大米');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/rice.svg', '一袋大米')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '5千克', '袋', 6980, 5100, '06970615000716' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '5千克');

-- Anyuan 8: a draft, not yet in the catalogue
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @anyuan, @dacheng, '乌鸡蛋礼盒', 'Black-chicken egg gift box', 'eggs',
       '春节礼盒，筹备中。', 'draft'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @anyuan AND name_zh = '乌鸡蛋礼盒');
SET @p = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '乌鸡蛋礼盒');
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '48枚礼盒', '盒', 9800, 3200, NULL FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '48枚礼盒');

-- Qingbaijiang 1: pre-Qingming green tea
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @qbj, @longquan, '龙泉山明前绿茶', 'Longquan Mountain pre-Qingming green tea', 'tea',
       '清明前手工采摘一芽一叶，炒青工艺，汤色嫩绿，栗香持久。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @qbj AND name_zh = '龙泉山明前绿茶');
SET @p = (SELECT id FROM products WHERE coop_id = @qbj AND name_zh = '龙泉山明前绿茶');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/tea.svg', '一杯绿茶和茶叶')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '100克', '罐', 8800, 260, '06970615000815' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '100克');
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '250克礼盒', '盒', 19800, 620, '06970615000822' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '250克礼盒');

-- Qingbaijiang 2: jasmine tea
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @qbj, @longquan, '青白江茉莉花茶', 'Qingbaijiang jasmine tea', 'tea',
       '夏茶为坯，茉莉鲜花窨制五次，花香鲜灵。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @qbj AND name_zh = '青白江茉莉花茶');
SET @p = (SELECT id FROM products WHERE coop_id = @qbj AND name_zh = '青白江茉莉花茶');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/tea.svg', '茉莉花茶')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '200克', '袋', 4800, 230, '06970615000914' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '200克');

-- Qingbaijiang 3: Fuhong apricots
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @qbj, @fuhong, '福洪杏', 'Fuhong apricots', 'fruit',
       '福洪杏园树上熟透才摘，果肉金黄，酸甜多汁，六月上市。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @qbj AND name_zh = '福洪杏');
SET @p = (SELECT id FROM products WHERE coop_id = @qbj AND name_zh = '福洪杏');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/apricot.svg', '枝头的杏')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '2.5千克', '箱', 5980, 2900, '06970615001010' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '2.5千克');
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '5千克', '箱', 9980, 5600, NULL FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '5千克');

-- Qingbaijiang 4: dried apricots
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @qbj, @fuhong, '福洪杏脯', 'Fuhong dried apricots', 'dried',
       '福洪杏去核低温烘制，少糖，软糯有嚼劲。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @qbj AND name_zh = '福洪杏脯');
SET @p = (SELECT id FROM products WHERE coop_id = @qbj AND name_zh = '福洪杏脯');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/apricot.svg', '杏脯')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '500克', '袋', 3580, 540, '06970615001119' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '500克');

-- Qingbaijiang 5: red-heart kiwifruit
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @qbj, @fuhong, '红心猕猴桃', 'Red-heart kiwifruit', 'fruit',
       '果心红艳，糖度十八度以上，九月采收，后熟即食。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @qbj AND name_zh = '红心猕猴桃');
SET @p = (SELECT id FROM products WHERE coop_id = @qbj AND name_zh = '红心猕猴桃');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/kiwi.svg', '切开的红心猕猴桃')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '12枚装', '盒', 6880, 1500, '06970615001218' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '12枚装');
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '24枚装', '箱', 12800, 2900, NULL FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '24枚装');

-- Qingbaijiang 6: wildflower honey
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @qbj, @longquan, '龙泉山土蜂蜜', 'Longquan Mountain wildflower honey', 'honey',
       '中华蜂一年一取的百花蜜，自然成熟，不浓缩。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @qbj AND name_zh = '龙泉山土蜂蜜');
SET @p = (SELECT id FROM products WHERE coop_id = @qbj AND name_zh = '龙泉山土蜂蜜');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/honey.svg', '一罐蜂蜜')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '500克', '瓶', 6800, 820, '06970615001317' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '500克');

-- Qingbaijiang 7: apricot-blossom honey
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @qbj, @fuhong, '福洪杏花蜜', 'Fuhong apricot-blossom honey', 'honey',
       '杏花季限定，色浅味清，产量很少。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @qbj AND name_zh = '福洪杏花蜜');
SET @p = (SELECT id FROM products WHERE coop_id = @qbj AND name_zh = '福洪杏花蜜');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/honey.svg', '杏花蜜')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '250克', '瓶', 4580, 430, NULL FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '250克');

-- Qingbaijiang 8: fresh tea leaves for home roasting (fresh tea leaves are
-- covered by the certificate of conformity rule)
INSERT INTO products (coop_id, base_id, name_zh, name_en, category, description, status)
SELECT @qbj, @longquan, '高山鲜茶叶', 'Fresh mountain tea leaves', 'tea',
       '当天采摘的鲜叶，冷链次日达，可自己炒制或做茶饼。', 'listed'
FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM products WHERE coop_id = @qbj AND name_zh = '高山鲜茶叶');
SET @p = (SELECT id FROM products WHERE coop_id = @qbj AND name_zh = '高山鲜茶叶');
INSERT INTO product_images (product_id, position, url, alt) VALUES
    (@p, 0, '/assets/tea.svg', '鲜茶叶')
ON DUPLICATE KEY UPDATE product_id = product_id;
INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, gtin)
SELECT @p, '1千克', '箱', 3600, 1300, NULL FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM skus WHERE product_id = @p AND spec = '1千克');

-- ------------------------------------------------------- traceability
-- Lot AY-EGG-20261120-01: 300 boxes of 30 green-shell eggs from the Dacheng
-- base, its certificate of conformity with entrusted test results, the
-- product's green-food certification, and six trace events from raising to
-- shipping. Hashes and signatures need the platform key, so events and
-- certificates are inserted unsealed (hash and signature NULL) and sealed
-- by shop_trace_seal_all() after this file runs, or on their first read.
-- Times are UTC (06:30 in Pingxiang is 22:30 UTC the day before).
SET @egg_sku = (SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id
                WHERE p.coop_id = @anyuan AND p.name_zh = '绿壳乌鸡蛋' AND s.spec = '30枚装');
SET @egg_product = (SELECT id FROM products WHERE coop_id = @anyuan AND name_zh = '绿壳乌鸡蛋');

INSERT INTO lots (code, sku_id, coop_id, base_id, farmer_account_id, quantity, unit, remaining,
                  harvest_date, pack_date)
VALUES ('AY-EGG-20261120-01', @egg_sku, @anyuan, @dacheng, @anyuan_farmer, 300, '盒', 300,
        '2026-11-20', '2026-11-20')
ON DUPLICATE KEY UPDATE id = id;
SET @egg_lot = (SELECT id FROM lots WHERE code = 'AY-EGG-20261120-01');

INSERT INTO inventory_ledger (lot_id, sku_id, delta, reason, note, actor_account_id)
SELECT @egg_lot, @egg_sku, 300, 'produced', 'demo seed', @anyuan_admin FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM inventory_ledger WHERE lot_id = @egg_lot AND reason = 'produced');

INSERT INTO certificates (coop_id, kind, number, holder, product_name, quantity, contact, address,
                          origin, basis, commitments, test_results, issued_on, created_by)
SELECT @anyuan, 'conformity', 'HGZ-AY-20261120-01', '萍乡市安源区大城生态农业专业合作社',
       '绿壳乌鸡蛋（30枚装）', '300盒（9000枚）', '陈志刚 0799-6231088',
       '江西省萍乡市安源区 大城基地', '江西省萍乡市安源区', 'entrusted_test',
       '["不使用禁用农药兽药、停用兽药和非法添加物","常规农药兽药残留不超标","对承诺的真实性负责"]',
       '[{"item":"恩诺沙星","method":"GB 31658.17-2021","result":"未检出","limit":"不得检出","verdict":"pass"},{"item":"氟苯尼考","method":"GB 31658.17-2021","result":"未检出","limit":"不得检出","verdict":"pass"},{"item":"甲硝唑","method":"GB 31658.23-2022","result":"未检出","limit":"不得检出","verdict":"pass"}]',
       '2026-11-20', @anyuan_admin FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM certificates WHERE kind = 'conformity' AND number = 'HGZ-AY-20261120-01');
SET @egg_conformity = (SELECT id FROM certificates WHERE kind = 'conformity' AND number = 'HGZ-AY-20261120-01');
INSERT INTO certificate_links (certificate_id, lot_id) VALUES (@egg_conformity, @egg_lot)
ON DUPLICATE KEY UPDATE certificate_id = certificate_id;

INSERT INTO certificates (coop_id, kind, number, issuing_body, holder, scope, verify_url, issued_on,
                          valid_from, valid_until, created_by)
SELECT @anyuan, 'green_food', 'LB-15-2609-36-0213-A', '中国绿色食品发展中心',
       '萍乡市安源区大城生态农业专业合作社', '绿壳乌鸡蛋，大城基地，年产量 120 万枚',
       'https://www.greenfood.org.cn/', '2026-09-15', '2026-09-15', '2029-09-14', @anyuan_admin FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM certificates WHERE kind = 'green_food' AND number = 'LB-15-2609-36-0213-A');
SET @egg_green = (SELECT id FROM certificates WHERE kind = 'green_food' AND number = 'LB-15-2609-36-0213-A');
-- verified as a platform admin does once the number is found in the issuing
-- body's public lookup (POST /api/v1/certificates/{id}/verify); the shop
-- signs it on first read
UPDATE certificates SET status = 'valid', signature = NULL,
       verified_by = (SELECT id FROM accounts WHERE email = 'ops@example.com'), verified_at = UTC_TIMESTAMP(3)
WHERE id = @egg_green AND status = 'pending';
INSERT INTO certificate_links (certificate_id, product_id) VALUES (@egg_green, @egg_product)
ON DUPLICATE KEY UPDATE certificate_id = certificate_id;

-- Guarded by NOT EXISTS, never ON DUPLICATE KEY UPDATE: the append-only
-- trigger refuses any UPDATE of a sealed event, even a no-op one.
INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, actor_account_id, details)
SELECT @egg_lot, 1, 'raised', '2026-06-01 01:00:00', '大城基地 林下鸡舍 3 号', '刘春花', @anyuan_farmer,
       '{"flock":"绿壳乌鸡 1200 只","note":"林下散养，每只活动面积不少于 5 平方米"}' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM trace_events WHERE lot_id = @egg_lot AND seq = 1);
INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, actor_account_id, details)
SELECT @egg_lot, 2, 'fed', '2026-11-01 00:30:00', '大城基地 林下鸡舍 3 号', '刘春花', @anyuan_farmer,
       '{"feed":"自产玉米、稻谷和青菜，不添加促产蛋药物","supplier":"合作社自产"}' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM trace_events WHERE lot_id = @egg_lot AND seq = 2);
INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, actor_account_id, details)
SELECT @egg_lot, 3, 'inspected', '2026-11-18 02:00:00', '萍乡市农产品质量安全检测中心', '萍乡市农产品质量安全检测中心', NULL,
       '{"report":"PX-2026-11-0457","results":[{"item":"恩诺沙星","result":"未检出","verdict":"pass"},{"item":"氟苯尼考","result":"未检出","verdict":"pass"},{"item":"甲硝唑","result":"未检出","verdict":"pass"}]}' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM trace_events WHERE lot_id = @egg_lot AND seq = 3);
INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, actor_account_id, details)
SELECT @egg_lot, 4, 'harvested', '2026-11-19 22:30:00', '大城基地 林下鸡舍 3 号', '刘春花', @anyuan_farmer,
       '{"eggs":9000,"note":"当天拣蛋，剔除破壳和畸形蛋"}' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM trace_events WHERE lot_id = @egg_lot AND seq = 4);
INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, actor_account_id, details)
SELECT @egg_lot, 5, 'packed', '2026-11-20 02:00:00', '合作社分拣包装车间', '张建国', @anyuan_farmer2,
       '{"boxes":300,"per_box":"30枚","certificate":"HGZ-AY-20261120-01"}' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM trace_events WHERE lot_id = @egg_lot AND seq = 5);
INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, actor_account_id, details)
SELECT @egg_lot, 6, 'shipped', '2026-11-20 07:00:00', '合作社发货点', '陈志刚', @anyuan_admin,
       '{"carrier":"顺丰冷运","boxes":300}' FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM trace_events WHERE lot_id = @egg_lot AND seq = 6);
