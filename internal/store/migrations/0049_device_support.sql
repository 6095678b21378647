-- Each device's operating system judged against the list of vendors'
-- support when it is imported, so that the checks count the devices past
-- their end of support in the database rather than reading every device:
-- os_support is the end of support of the device's release (YYYY-MM-DD),
-- 'ongoing' when its vendor has announced none, '' when the list does not
-- know the release; os_list is the date of the list that judged it ('' for
-- devices imported before, which the checks judge again as they do any
-- judged against an older list).
ALTER TABLE devices ADD COLUMN os_support TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN os_list TEXT NOT NULL DEFAULT '';

-- How many of each source's devices share what the device checks judge,
-- kept by each import of the source, so that the checks read these few
-- rows rather than every device.
CREATE TABLE device_counts (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    encrypted  TEXT NOT NULL,
    edr        TEXT NOT NULL,
    os_support TEXT NOT NULL,
    os_list    TEXT NOT NULL,
    devices    INTEGER NOT NULL,
    PRIMARY KEY (org_id, source, encrypted, edr, os_support, os_list)
);

INSERT INTO device_counts (org_id, source, encrypted, edr, os_support, os_list, devices)
SELECT org_id, source, encrypted, edr, os_support, os_list, COUNT(*) FROM devices
GROUP BY org_id, source, encrypted, edr, os_support, os_list;
