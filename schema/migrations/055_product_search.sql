-- 055_product_search.sql - the catalogue's full-text search (q on
-- GET /api/v1/products), read by domain/product_search.c.
--
-- Needs the Mroonga storage engine loaded by the server (Debian:
-- mariadb-plugin-mroonga; mariadbd --plugin-load-add=ha_mroonga, as
-- ops/stack.sh starts it). Without it this file fails on "Unknown storage
-- engine 'Mroonga'".
--
-- product_search is derived, never the truth: one row per listed product,
-- rebuilt from products, skus, cooperatives and product_category_words.
-- Every product, SKU or cooperative write rewrites its products' rows in
-- its own transaction, last, holding the products' row locks. Mroonga's
-- storage is not transactional (a transaction that fails after that
-- statement leaves its rows ahead), so the shop's product_search job
-- repairs any drift, and fills the table after this migration (so does
-- `farmlive-shop seed-demo` / `search-rebuild`). Nothing else writes it.
--
-- title: the names (zh, en), the category and its words, the cooperative's
-- names; body: the active SKUs' specs and the description. One FULLTEXT
-- index over both, tokenized as character bigrams (Chinese needs no word
-- breaks; letters and digits, symbols too, are bigrams as well, so "egg"
-- finds "eggs") and normalized by NormalizerAuto (NFKC, case, width).

-- Words a buyer may type for a category code (products.category), in both
-- languages, as the storefront names them.
CREATE TABLE product_category_words (
    category    VARCHAR(32) NOT NULL PRIMARY KEY,
    words       VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO product_category_words (category, words) VALUES
    ('eggs',       '禽蛋 蛋 eggs egg'),
    ('vegetables', '蔬菜 菜 vegetables vegetable'),
    ('fruit',      '水果 果 fruit fruits'),
    ('tea',        '茶叶 茶 tea'),
    ('honey',      '蜂蜜 蜜 honey'),
    ('poultry',    '禽肉 鸡 poultry chicken'),
    ('grain',      '粮食 米 grain rice'),
    ('oil',        '食用油 油 oil'),
    ('condiments', '调味品 调料 condiments sauce'),
    ('dried',      '干货 dried goods');

CREATE TABLE product_search (
    product_id  BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    title       TEXT NOT NULL,
    body        MEDIUMTEXT NOT NULL,
    FULLTEXT INDEX ft_product_search (title, body)
        COMMENT 'tokenizer "TokenBigramSplitSymbolAlphaDigit", normalizer "NormalizerAuto"'
) ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
