-- Each vendor's agreements: business associate agreements, the other
-- arrangements 164.314(a)(2)(ii) allows, and other contracts, with their
-- dates, the document in the evidence vault, the incident notice the
-- vendor promises (hours), and which of the terms Safeguard checks each
-- says and where (JSON: term id to {present, where}).
CREATE TABLE vendor_agreements (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    vendor_id    TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('baa', 'other-arrangement', 'contract')),
    title        TEXT NOT NULL,
    signed_on    TEXT NOT NULL DEFAULT '',
    effective_on TEXT NOT NULL DEFAULT '',
    expires_on   TEXT NOT NULL DEFAULT '',
    review_by    TEXT NOT NULL DEFAULT '',
    reviewed_on  TEXT NOT NULL DEFAULT '',
    evidence_id  TEXT REFERENCES evidence (id) ON DELETE SET NULL,
    notice_hours INTEGER NOT NULL DEFAULT 0,
    terms        TEXT NOT NULL DEFAULT '{}',
    notes        TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE INDEX vendor_agreements_vendor ON vendor_agreements (vendor_id);
CREATE INDEX vendor_agreements_org ON vendor_agreements (org_id);
