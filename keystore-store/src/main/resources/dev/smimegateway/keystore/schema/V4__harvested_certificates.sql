-- Key store schema, version 4: certificates harvested from partners' signed mail, the updates seen
-- for their addresses, risk alerts, and the S/MIME capabilities partners announced; and a version of
-- the trust material (anchors, intermediates, CRLs), so that verifiers reload it only when it changed.

-- Moved on by every change to trust anchors, intermediates and CRLs, in the same transaction: one row
-- read per mail tells every server sharing the database whether its copy is current.
INSERT INTO smime_meta (meta_key, meta_value) VALUES ('trust.version', '0');

-- Harvest writes (store, evict under the size cap, record updates, raise alerts) take this row lock
-- first, so the cap and the alert count hold with many spool threads and several servers.
INSERT INTO smime_meta (meta_key, meta_value) VALUES ('harvest.lock', '0');

-- A harvested certificate is a row of smime_certificate (origin HARVESTED) plus this bookkeeping.
CREATE TABLE smime_harvested (
    certificate_name VARCHAR(128) NOT NULL PRIMARY KEY REFERENCES smime_certificate (name) ON DELETE CASCADE,
    address VARCHAR(320) NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    last_used TIMESTAMP NOT NULL,
    message_id VARCHAR(998),
    stored_bytes INTEGER NOT NULL
);

CREATE INDEX smime_harvested_lru ON smime_harvested (last_used);

-- Every updated certificate seen for an address that already had one: stored (harvestUpdatedKeys)
-- or rejected. The certificate is kept either way, for audit.
CREATE TABLE smime_certificate_update (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    address VARCHAR(320) NOT NULL,
    domain VARCHAR(320) NOT NULL,
    fingerprint CHAR(64) NOT NULL,
    der ${BINARY} NOT NULL,
    outcome VARCHAR(16) NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    message_id VARCHAR(998)
);

CREATE INDEX smime_certificate_update_address ON smime_certificate_update (address, seen_at);

CREATE INDEX smime_certificate_update_domain ON smime_certificate_update (domain, seen_at);

CREATE TABLE smime_alert (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    scope VARCHAR(16) NOT NULL,
    subject VARCHAR(320) NOT NULL,
    raised_at TIMESTAMP NOT NULL,
    detail VARCHAR(4000) NOT NULL,
    acknowledged_at TIMESTAMP
);

-- RFC 8551 2.7.1: the newest capabilities announced in mail signed with each certificate, by signing
-- time. Kept per certificate, not per address: a certificate refused as an update can never change
-- how mail to the known certificate is encrypted.
CREATE TABLE smime_capabilities (
    fingerprint CHAR(64) NOT NULL PRIMARY KEY,
    capabilities VARCHAR(1000) NOT NULL,
    signing_time TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
