-- sort=name follows the Unicode Collation Algorithm's root order (ICU "und"), not the bytes:
-- case and accents are secondary, so "aardvark" < "eagle" < "Éclair" < "edam" < "Zz".
-- The column keeps its collation (the generated search column depends on it and forbids
-- altering it); listings order by the expression, and these indexes hold it in that order.
-- ICU collations: https://www.postgresql.org/docs/15/collation.html#COLLATION-MANAGING-PREDEFINED-ICU
-- ("und-x-icu" is the root collation, created by initdb when PostgreSQL is built with ICU, as
-- Debian's and Amazon RDS/Aurora's builds are). ICU collations here are deterministic, so
-- (name, id) stays a total order for keyset paging.
DROP INDEX products_name;
DROP INDEX products_category_name;
CREATE INDEX products_name          ON products ((name COLLATE "und-x-icu"), id);
CREATE INDEX products_category_name ON products (category, (name COLLATE "und-x-icu"), id);
