-- Data releases: the results of `fairer compute`, imported whole, one release at a time.
-- One schema for SQLite and PostgreSQL; {{id}} and {{without_rowid}} are replaced per backend
-- (see src/migrate.rs). Dates are text YYYY-MM-DD, times text RFC 3339 in UTC, JSON is text.

-- A release: one import of a results table. The newest (highest id) is what is shown; earlier
-- ones stay. Importing the same content again is refused by its hash.
CREATE TABLE release (
    id {{id}},
    name TEXT NOT NULL UNIQUE,
    released_on TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    catalogue_id TEXT,
    catalogue_version TEXT,
    -- SHA-256 of the rows as imported, in hex.
    content_hash TEXT NOT NULL UNIQUE,
    -- The inputs the results were computed from (files, sizes, hashes, options), as JSON.
    manifest TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    imported_by TEXT NOT NULL
);

-- The geography, as the latest release names it.
CREATE TABLE area (
    id {{id}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    area_type TEXT NOT NULL,
    parent_code TEXT,
    parent_name TEXT
);

-- The catalogue's indicators, as the latest release defines them.
CREATE TABLE indicator (
    id {{id}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    framework TEXT,
    domain TEXT,
    measure TEXT,
    polarity TEXT,
    definition TEXT
);

-- A breakdown of an area's values: sex, age, and a category of a category type (such as a
-- deprivation decile). The empty text stands for "none" in category_type and category (the
-- whole area), so that the unique key holds on both backends.
CREATE TABLE breakdown (
    id {{id}},
    sex TEXT NOT NULL,
    age TEXT NOT NULL,
    category_type TEXT NOT NULL,
    category TEXT NOT NULL,
    UNIQUE (sex, age, category_type, category)
);

-- One row of results: an indicator's value for an area, period and breakdown in a release.
-- Column names are the results table's. Rows are written only by the import, in the same
-- transaction as their release and dimensions, and never changed; the key's order (release,
-- area, indicator) serves "an area's values in the newest release" from one range of the key.
-- There are no foreign keys here: checking four of them for each of millions of rows would
-- cost more than the import itself, and the import is the only writer.
CREATE TABLE value (
    release_id BIGINT NOT NULL,
    area_id BIGINT NOT NULL,
    indicator_id BIGINT NOT NULL,
    breakdown_id BIGINT NOT NULL,
    time_period TEXT NOT NULL,
    time_period_sortable BIGINT,
    value DOUBLE PRECISION,
    lower_95 DOUBLE PRECISION,
    upper_95 DOUBLE PRECISION,
    lower_99_8 DOUBLE PRECISION,
    upper_99_8 DOUBLE PRECISION,
    count DOUBLE PRECISION,
    denominator DOUBLE PRECISION,
    value_note TEXT,
    recent_trend TEXT,
    compared_to_benchmark_95 TEXT,
    compared_to_benchmark_99_8 TEXT,
    statistic TEXT,
    method TEXT,
    benchmark TEXT,
    benchmark_value DOUBLE PRECISION,
    quintile TEXT,
    trend_reason TEXT,
    sii DOUBLE PRECISION,
    sii_lower_95 DOUBLE PRECISION,
    sii_upper_95 DOUBLE PRECISION,
    sii_lower_99_8 DOUBLE PRECISION,
    sii_upper_99_8 DOUBLE PRECISION,
    rii DOUBLE PRECISION,
    rii_lower_95 DOUBLE PRECISION,
    rii_upper_95 DOUBLE PRECISION,
    gap_most_minus_least_deprived DOUBLE PRECISION,
    ratio_most_to_least_deprived DOUBLE PRECISION,
    excess_count DOUBLE PRECISION,
    inequality_note TEXT,
    PRIMARY KEY (release_id, area_id, indicator_id, breakdown_id, time_period)
) {{without_rowid}};

-- "Every area's values for an indicator" (compare-areas charts, maps).
CREATE INDEX value_by_indicator ON value (release_id, indicator_id, breakdown_id, time_period);

-- The audit trail: every change made through the store, written in the change's transaction.
-- `actor` is a user id ("user:42") or "cli"; before and after are the entity as JSON (NULL
-- when it did not exist before, or no longer exists after).
CREATE TABLE audit (
    id {{id}},
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_by_entity ON audit (entity, entity_id);
