-- Key store schema, version 6: archived identities. Deleting an identity archives it (archived_at is
-- set, active cleared): it no longer signs or decrypts, but keeps its sealed key and certificates
-- until it is restored or destroyed for good.

ALTER TABLE smime_identity ADD COLUMN archived_at TIMESTAMP;
