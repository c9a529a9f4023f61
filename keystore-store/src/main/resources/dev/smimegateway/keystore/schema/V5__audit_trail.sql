-- Key store schema, version 5: the audit trail. One row per change to the key store, written in the
-- transaction of the change; never updated or deleted by the gateway. recorded_at is UTC.

CREATE TABLE smime_audit (
    id BIGINT NOT NULL GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recorded_at TIMESTAMP NOT NULL,
    operation VARCHAR(64) NOT NULL,
    entry VARCHAR(400) NOT NULL,
    fingerprint CHAR(64),
    detail VARCHAR(4000),
    node VARCHAR(255) NOT NULL,
    actor VARCHAR(32) NOT NULL,
    subject VARCHAR(1000)
);

CREATE INDEX smime_audit_time ON smime_audit (recorded_at);

CREATE INDEX smime_audit_entry ON smime_audit (entry, recorded_at);
