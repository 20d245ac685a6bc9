-- Each area's deprivation in a release, derived at import from the release's own rows
-- (store::AreaDeprivation): `score` is the population-weighted mean of the national
-- deprivation deciles of its small areas (1 most deprived … 10 least), the weights being the
-- denominators of the release's national deprivation-decile rows of one population (`basis`
-- says which); `decile` is its decile among the areas of its type (1 the most deprived tenth;
-- NULL when fewer than ten areas of the type have a score). The area profile's peer group of
-- an area is the areas of its type in its decile.
CREATE TABLE area_deprivation (
    release_id BIGINT NOT NULL,
    area_id BIGINT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    decile BIGINT,
    basis TEXT NOT NULL,
    PRIMARY KEY (release_id, area_id)
);

-- The members of the catalogue's named peer groups (`[[peer_group]]`, such as CIPFA's nearest
-- neighbours) in a release, as the import was told them; the group's own rows (area type "Peer
-- group", computed by `compute` from its members' pooled data) are its values.
CREATE TABLE peer_group_member (
    release_id BIGINT NOT NULL,
    group_code TEXT NOT NULL,
    area_code TEXT NOT NULL,
    PRIMARY KEY (release_id, group_code, area_code)
) {{without_rowid}};

-- PostgreSQL: the value table partitioned by release, so that an import fills its release's
-- partition with no index to keep up to date, builds its key and index by indicator whole, and
-- attaches it without making readers wait (src/release.rs). Each release stored already gets
-- its partition; the key and the index by indicator are declared on the whole table (each
-- partition has its own). SQLite keeps one table.
--postgres: ALTER TABLE value RENAME TO value_unpartitioned;
--postgres: ALTER TABLE value_unpartitioned RENAME CONSTRAINT value_pkey TO value_unpartitioned_pkey;
--postgres: ALTER INDEX value_by_indicator RENAME TO value_unpartitioned_by_indicator;
--postgres: CREATE TABLE value (LIKE value_unpartitioned INCLUDING DEFAULTS) PARTITION BY LIST (release_id);
--postgres: ALTER TABLE value ADD PRIMARY KEY (release_id, area_id, indicator_id, breakdown_id, time_period);
--postgres: CREATE INDEX value_by_indicator ON value (release_id, indicator_id, breakdown_id, time_period);
--postgres: DO $$ DECLARE r BIGINT; BEGIN FOR r IN SELECT DISTINCT release_id FROM value_unpartitioned LOOP EXECUTE format('CREATE TABLE value_r%s PARTITION OF value FOR VALUES IN (%s)', r, r); END LOOP; END $$;
--postgres: INSERT INTO value SELECT * FROM value_unpartitioned;
--postgres: DROP TABLE value_unpartitioned;
