-- Key store schema, version 1. ${BINARY} is BLOB on Derby and BYTEA on PostgreSQL; everything else
-- is SQL that both accept. Statements end with a semicolon at the end of a line.

CREATE TABLE smime_meta (
    meta_key VARCHAR(64) NOT NULL PRIMARY KEY,
    meta_value VARCHAR(4000) NOT NULL
);

-- A row every identity write locks first, so that "one active identity per address" holds even
-- when several spool threads or several James servers write at once.
INSERT INTO smime_meta (meta_key, meta_value) VALUES ('identity.lock', '0');

CREATE TABLE smime_identity (
    name VARCHAR(128) NOT NULL PRIMARY KEY,
    key_algorithm VARCHAR(32) NOT NULL,
    encrypted_key ${BINARY} NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Every certificate an identity's key has had; the current one signs, all of them decrypt.
CREATE TABLE smime_identity_certificate (
    fingerprint CHAR(64) NOT NULL PRIMARY KEY,
    identity_name VARCHAR(128) NOT NULL REFERENCES smime_identity (name) ON DELETE CASCADE,
    is_current BOOLEAN NOT NULL,
    chain ${BINARY} NOT NULL,
    issuer VARCHAR(4000) NOT NULL,
    serial VARCHAR(128) NOT NULL,
    subject_key_id VARCHAR(128) NOT NULL,
    not_before TIMESTAMP NOT NULL,
    not_after TIMESTAMP NOT NULL,
    added_at TIMESTAMP NOT NULL
);

CREATE INDEX smime_identity_certificate_serial ON smime_identity_certificate (serial);

CREATE INDEX smime_identity_certificate_skid ON smime_identity_certificate (subject_key_id);

-- The addresses (kind E) and domains (kind D) of each identity's current certificate.
CREATE TABLE smime_identity_address (
    identity_name VARCHAR(128) NOT NULL REFERENCES smime_identity (name) ON DELETE CASCADE,
    address VARCHAR(320) NOT NULL,
    kind CHAR(1) NOT NULL,
    PRIMARY KEY (identity_name, address, kind)
);

CREATE INDEX smime_identity_address_lookup ON smime_identity_address (address, kind);

CREATE TABLE smime_certificate (
    name VARCHAR(128) NOT NULL PRIMARY KEY,
    fingerprint CHAR(64) NOT NULL UNIQUE,
    der ${BINARY} NOT NULL,
    origin VARCHAR(16) NOT NULL,
    not_before TIMESTAMP NOT NULL,
    not_after TIMESTAMP NOT NULL,
    added_at TIMESTAMP NOT NULL
);

CREATE TABLE smime_certificate_address (
    certificate_name VARCHAR(128) NOT NULL REFERENCES smime_certificate (name) ON DELETE CASCADE,
    address VARCHAR(320) NOT NULL,
    kind CHAR(1) NOT NULL,
    PRIMARY KEY (certificate_name, address, kind)
);

CREATE INDEX smime_certificate_address_lookup ON smime_certificate_address (address, kind);

CREATE TABLE smime_trust_anchor (
    fingerprint CHAR(64) NOT NULL PRIMARY KEY,
    der ${BINARY} NOT NULL,
    subject VARCHAR(4000) NOT NULL,
    not_after TIMESTAMP NOT NULL,
    added_at TIMESTAMP NOT NULL
);
