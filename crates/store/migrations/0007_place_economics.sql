-- A place's stated figures for its economic case (store::PlaceEconomics as JSON text: the
-- value of a year of life, its currency and price year, and where the figure comes from),
-- written from the place file's [economics]; NULL when the file states none.
ALTER TABLE place ADD COLUMN economics TEXT;
