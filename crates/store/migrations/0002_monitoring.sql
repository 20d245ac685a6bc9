-- The monitoring of places: organisations, places and their partners, strategies,
-- recommendations with their status history, targets, progress updates and evaluations.
-- Indicators and areas are referred to by their codes (they come with the releases, and a
-- place may be written before the release that holds its area).

CREATE TABLE organisation (
    id {{id}},
    name TEXT NOT NULL UNIQUE,
    sector TEXT NOT NULL
);

-- A place: one area of the geography (area_code, the code its values are under) or a named
-- set of areas (place_area), compared with a benchmark area (England, Wales, …).
CREATE TABLE place (
    id {{id}},
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_code TEXT NOT NULL,
    benchmark_code TEXT NOT NULL,
    stage TEXT NOT NULL,
    commissioned_on TEXT,
    report_published_on TEXT,
    implementing_from TEXT,
    evaluated_on TEXT,
    synthetic BIGINT NOT NULL,
    description TEXT
);

CREATE TABLE place_area (
    place_id BIGINT NOT NULL REFERENCES place (id) ON DELETE CASCADE,
    area_code TEXT NOT NULL,
    PRIMARY KEY (place_id, area_code)
);

CREATE TABLE partner (
    place_id BIGINT NOT NULL REFERENCES place (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisation (id),
    role TEXT NOT NULL,
    PRIMARY KEY (place_id, organisation_id)
);

-- A strategy; themes (the Marmot principles it works to) and documents (title and link) as
-- JSON arrays.
CREATE TABLE strategy (
    id {{id}},
    place_id BIGINT NOT NULL REFERENCES place (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    themes TEXT NOT NULL,
    documents TEXT NOT NULL
);

CREATE TABLE recommendation (
    id {{id}},
    place_id BIGINT NOT NULL REFERENCES place (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    text TEXT NOT NULL,
    theme TEXT,
    horizon TEXT,
    owner_id BIGINT REFERENCES organisation (id),
    UNIQUE (place_id, code)
);

CREATE TABLE recommendation_indicator (
    recommendation_id BIGINT NOT NULL REFERENCES recommendation (id) ON DELETE CASCADE,
    indicator_code TEXT NOT NULL,
    PRIMARY KEY (recommendation_id, indicator_code)
);

-- Each change of a recommendation's status, dated, with a note and an evidence link; the
-- latest (by date, then id) is its status.
CREATE TABLE recommendation_status (
    id {{id}},
    recommendation_id BIGINT NOT NULL REFERENCES recommendation (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    changed_on TEXT NOT NULL,
    note TEXT,
    evidence_url TEXT
);
CREATE INDEX recommendation_status_by_recommendation ON recommendation_status (recommendation_id, changed_on);

-- A target on an indicator for the place: on its value (for a sex), or on the gap or SII
-- between deprivation deciles; goal_kind is value, change, match benchmark or narrower gap,
-- with goal_number the value, the change, or the share by which the gap narrows.
CREATE TABLE target (
    id {{id}},
    place_id BIGINT NOT NULL REFERENCES place (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    indicator_code TEXT NOT NULL,
    measure_on TEXT NOT NULL,
    sex TEXT NOT NULL,
    baseline_period TEXT NOT NULL,
    baseline_value DOUBLE PRECISION,
    goal_kind TEXT NOT NULL,
    goal_number DOUBLE PRECISION,
    target_period TEXT NOT NULL,
    note TEXT,
    UNIQUE (place_id, code)
);

CREATE TABLE progress_update (
    id {{id}},
    place_id BIGINT NOT NULL REFERENCES place (id) ON DELETE CASCADE,
    written_on TEXT NOT NULL,
    status TEXT NOT NULL,
    author TEXT NOT NULL,
    note TEXT NOT NULL
);

CREATE TABLE progress_recommendation (
    progress_id BIGINT NOT NULL REFERENCES progress_update (id) ON DELETE CASCADE,
    recommendation_id BIGINT NOT NULL REFERENCES recommendation (id) ON DELETE CASCADE,
    PRIMARY KEY (progress_id, recommendation_id)
);

CREATE TABLE evaluation (
    id {{id}},
    place_id BIGINT NOT NULL REFERENCES place (id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    method TEXT NOT NULL,
    findings TEXT NOT NULL,
    evaluated_on TEXT NOT NULL
);
