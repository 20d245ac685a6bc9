-- What the pages say about an indicator beyond its name and its ids: the names of its
-- framework and domain, its numerator, denominator, source and method in words, its multiplier
-- and what its values are. JSON text (store::IndicatorMetadata), written at import from the
-- catalogue the results were computed from; NULL when the import was given none.
ALTER TABLE indicator ADD COLUMN metadata TEXT;
