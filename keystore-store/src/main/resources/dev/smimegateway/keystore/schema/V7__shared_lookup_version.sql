-- Key store schema, version 7: a counter every change to identities, certificates, announcements or
-- trust moves on in its own transaction. Each server reads it at most once a second and discards its
-- cached look-ups when it moved: a change made through one gateway is used by every gateway sharing
-- the database within a second.
INSERT INTO smime_meta (meta_key, meta_value) VALUES ('lookup.version', '0');
