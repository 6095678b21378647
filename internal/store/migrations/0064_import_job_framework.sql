-- The framework id an uploaded OSCAL catalog or profile becomes ('' to
-- make it from the document's title).
ALTER TABLE import_jobs ADD COLUMN framework TEXT NOT NULL DEFAULT '';
