-- Key store schema, version 2: certificate revocation lists the administrator imports, consulted
-- when verifying signatures (in addition to CRLs carried in the messages).

CREATE TABLE smime_crl (
    fingerprint CHAR(64) NOT NULL PRIMARY KEY,
    issuer VARCHAR(4000) NOT NULL,
    der ${BINARY} NOT NULL,
    this_update TIMESTAMP NOT NULL,
    next_update TIMESTAMP,
    added_at TIMESTAMP NOT NULL
);
