-- Each review of a vendor: when, by whom, and what it concluded
-- (approved, approved with conditions, not approved), with notes. The
-- newest review and the vendor's tier give its next review's date.
CREATE TABLE vendor_reviews (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    vendor_id   TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    reviewed_on TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('approved', 'approved-with-conditions', 'not-approved')),
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

CREATE INDEX vendor_reviews_vendor ON vendor_reviews (vendor_id, reviewed_on);
CREATE INDEX vendor_reviews_org ON vendor_reviews (org_id);
