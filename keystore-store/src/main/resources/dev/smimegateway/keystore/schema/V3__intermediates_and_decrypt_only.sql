-- Key store schema, version 3.
-- Intermediate CA certificates partners do not always send: used to build a signer's path up to a
-- trust anchor, never trusted themselves.

CREATE TABLE smime_intermediate (
    fingerprint CHAR(64) NOT NULL PRIMARY KEY,
    der ${BINARY} NOT NULL,
    subject VARCHAR(4000) NOT NULL,
    not_after TIMESTAMP NOT NULL,
    added_at TIMESTAMP NOT NULL
);

-- An identity kept only to decrypt archived mail (typically its certificate has expired): it never
-- signs and is never active.
ALTER TABLE smime_identity ADD COLUMN decrypt_only BOOLEAN DEFAULT FALSE NOT NULL;
