package dev.smimegateway.core.revocation;

import java.security.cert.X509CRL;

/**
 * A CRL that might say something about a certificate, and where it came from ("stored", "carried in
 * the message", "fetched from http://…") so that a verdict can tell the administrator which CRL
 * decided it. Nothing about it is trusted until its signature verifies against the path.
 */
record CandidateCrl(X509CRL crl, String origin) {
}
