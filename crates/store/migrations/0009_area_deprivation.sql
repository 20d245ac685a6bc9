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
