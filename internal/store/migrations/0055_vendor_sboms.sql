-- The software bills of materials of a vendor's products: imports of
-- CycloneDX or SPDX files linked to the vendor that supplies them.
CREATE TABLE vendor_sboms (
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    import_id TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    PRIMARY KEY (vendor_id, import_id)
);

CREATE INDEX vendor_sboms_import ON vendor_sboms (import_id);
