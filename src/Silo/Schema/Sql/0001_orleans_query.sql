-- The Orleans ADO.NET providers run no SQL of their own. At start-up each provider reads
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and from then on executes those texts, binding parameters (@Name) and reading result
-- columns by name. This table is that catalogue; the migrations that follow fill it.
--
-- A query is never edited in place: changing one is a new migration that updates its row,
-- so every database says, through the history table, exactly which texts it runs.
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,

    CONSTRAINT pk_orleans_query PRIMARY KEY (QueryKey)
);
