-- search_products.sql - the search benchmark's catalogue (ops/bench-search.sh):
-- @n listed products (SET @n before sourcing; the script uses 10,000) of
-- the demo's first cooperative, each named place + quality + produce in
-- Chinese and English, with a description of a few phrases and two SKUs,
-- so that common words ("鸡蛋", "tea") match hundreds of products and rare
-- combinations a few. Deterministic: the same @n makes the same rows.
SET @coop = (SELECT MIN(id) FROM cooperatives);
SET SESSION max_recursive_iterations = @n + 1;

INSERT INTO products (coop_id, name_zh, name_en, category, description, status)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < @n)
SELECT @coop,
    CONCAT(ELT(1 + n % 17, '安源', '萍乡', '龙泉山', '青白江', '福洪', '大城', '白源', '郫县', '眉山', '赣南',
                '婺源', '武夷山', '恩施', '普洱', '五常', '盘锦', '秭归'),
           ELT(1 + (n DIV 17) % 10, '有机', '散养', '生态', '高山', '精选', '特级', '手工', '新鲜', '农家', '原生态'),
           ELT(1 + (n DIV 170) % 16, '绿壳乌鸡蛋', '土鸡蛋', '咸鸭蛋', '鲜红辣椒', '干辣椒', '剁辣椒', '山茶油',
                '富硒大米', '明前绿茶', '茉莉花茶', '杏脯', '红心猕猴桃', '土蜂蜜', '脐橙', '香菇', '笋干')),
    CONCAT(ELT(1 + n % 17, 'Anyuan', 'Pingxiang', 'Longquan', 'Qingbaijiang', 'Fuhong', 'Dacheng', 'Baiyuan',
                'Pixian', 'Meishan', 'Gannan', 'Wuyuan', 'Wuyishan', 'Enshi', 'Puer', 'Wuchang', 'Panjin',
                'Zigui'), ' ',
           ELT(1 + (n DIV 17) % 10, 'organic', 'free-range', 'eco', 'mountain', 'select', 'premium', 'handmade',
                'fresh', 'farmhouse', 'wild'), ' ',
           ELT(1 + (n DIV 170) % 16, 'green-shell black-chicken eggs', 'farm eggs', 'salted duck eggs',
                'fresh red chillies', 'dried chillies', 'chopped chilli sauce', 'camellia oil',
                'selenium-rich rice', 'pre-Qingming green tea', 'jasmine tea', 'dried apricots',
                'red-heart kiwifruit', 'wildflower honey', 'navel oranges', 'shiitake mushrooms',
                'dried bamboo shoots')),
    ELT(1 + (n DIV 170) % 16, 'eggs', 'eggs', 'eggs', 'vegetables', 'dried', 'condiments', 'oil', 'grain', 'tea',
        'tea', 'dried', 'fruit', 'honey', 'fruit', 'dried', 'dried'),
    CONCAT(ELT(1 + n % 7, '基地直供，', '当天采收，', '社员自产，', '林下散养，', '手工挑选，', '冷链发货，',
                '按批检测，'),
           ELT(1 + (n DIV 7) % 5, '承诺达标合格证随货。', '顺丰包邮。', '支持溯源扫码。', '坏果包赔。',
                '产地直发。'),
           ' Batch ', n, ', QA ', ELT(1 + n % 3, 'passed', 'sampled', 'self-tested'), '.'),
    'listed'
FROM seq;

INSERT INTO skus (product_id, spec, unit, price_fen, weight_g, active)
SELECT p.id, ELT(1 + k.k, '小份装', '家庭装'), ELT(1 + k.k, '盒', '箱'), 1990 + k.k * 3000 + p.id % 500,
    500 + k.k * 2000, 1
FROM products p
JOIN (SELECT 0 AS k UNION ALL SELECT 1) k
WHERE p.coop_id = @coop AND p.description LIKE '% Batch %' AND NOT EXISTS (
    SELECT 1 FROM skus s WHERE s.product_id = p.id);
