package dev.smimegateway.core.certificate;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes certificates as PEM (RFC 7468). A bundle may carry a {@code name: ...} line
 * before a certificate; the gateway writes one on export so that an export re-imports under the
 * same names. Other text between blocks (openssl's {@code subject=} lines, comments) is ignored.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
        "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final Pattern NAME_LINE = Pattern.compile("(?m)^\\s*name:\\s*(\\S+)\\s*$");
    private static final int LINE_LENGTH = 64;

    private Pem() {
    }

    /** One certificate of a bundle, or why it could not be read. */
    public record Entry(int index, Optional<String> name, Optional<CertificateFacts> certificate, Optional<String> error) {
    }

    /**
     * Every CERTIFICATE block of the text, in order, each parsed or with the reason it could not be.
     * Text without any block is refused: it is not PEM.
     */
    public static List<Entry> readBundle(String text) {
        List<Entry> entries = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(text);
        int previousEnd = 0;
        int index = 0;
        while (matcher.find()) {
            String between = text.substring(previousEnd, matcher.start());
            previousEnd = matcher.end();
            if (!matcher.group(1).equals("CERTIFICATE")) {
                continue;
            }
            index++;
            Optional<String> name = lastName(between);
            try {
                CertificateFacts facts = CertificateFacts.fromDer(decodeBase64(matcher.group(2)));
                entries.add(new Entry(index, name, Optional.of(facts), Optional.empty()));
            } catch (CertificateRejectedException e) {
                entries.add(new Entry(index, name, Optional.empty(), Optional.of(e.getMessage())));
            }
        }
        if (index == 0) {
            throw new CertificateRejectedException("no PEM certificate found (expected -----BEGIN CERTIFICATE-----)");
        }
        return entries;
    }

    /**
     * A certificate chain (PEM blocks, or one DER certificate) where every certificate must parse.
     */
    public static List<CertificateFacts> readChain(byte[] body) {
        if (body.length > 0 && body[0] == 0x30) {
            return List.of(CertificateFacts.fromDer(body));
        }
        List<CertificateFacts> chain = new ArrayList<>();
        for (Entry entry : readBundle(new String(body, StandardCharsets.US_ASCII))) {
            chain.add(entry.certificate().orElseThrow(() -> new CertificateRejectedException(
                "certificate " + entry.index() + " of the PEM text is invalid: " + entry.error().orElse(""))));
        }
        return chain;
    }

    /** Every X509 CRL block of the text (or one DER CRL), each parsed. */
    public static List<java.security.cert.X509CRL> readCrls(byte[] body) {
        List<java.security.cert.X509CRL> crls = new ArrayList<>();
        try {
            java.security.cert.CertificateFactory factory = java.security.cert.CertificateFactory.getInstance("X.509");
            if (body.length > 0 && body[0] == 0x30) {
                crls.add((java.security.cert.X509CRL) factory.generateCRL(new java.io.ByteArrayInputStream(body)));
                return crls;
            }
            Matcher matcher = BLOCK.matcher(new String(body, StandardCharsets.US_ASCII));
            int index = 0;
            while (matcher.find()) {
                if (!matcher.group(1).equals("X509 CRL")) {
                    continue;
                }
                index++;
                try {
                    crls.add((java.security.cert.X509CRL) factory.generateCRL(new java.io.ByteArrayInputStream(decodeBase64(matcher.group(2)))));
                } catch (java.security.cert.CRLException | RuntimeException e) {
                    throw new CertificateRejectedException("CRL " + index + " of the PEM text is invalid: " + e.getMessage(), e);
                }
            }
        } catch (java.security.cert.CertificateException | java.security.cert.CRLException e) {
            throw new CertificateRejectedException("not a valid CRL: " + e.getMessage(), e);
        }
        if (crls.isEmpty()) {
            throw new CertificateRejectedException("no CRL found (expected -----BEGIN X509 CRL----- or DER)");
        }
        return crls;
    }

    public static String write(X509Certificate certificate) {
        return block("CERTIFICATE", CertificateFacts.of(certificate).der());
    }

    public static String write(List<X509Certificate> certificates) {
        StringBuilder text = new StringBuilder();
        certificates.forEach(certificate -> text.append(write(certificate)));
        return text.toString();
    }

    /** A certificate preceded by its name and subject, the way an export writes it. */
    public static String writeNamed(String name, CertificateFacts facts) {
        return "name: " + name + "\nsubject: " + facts.subject() + "\n" + block("CERTIFICATE", facts.der());
    }

    public static String block(String label, byte[] der) {
        String base64 = Base64.getEncoder().encodeToString(der);
        StringBuilder text = new StringBuilder("-----BEGIN ").append(label).append("-----\n");
        for (int i = 0; i < base64.length(); i += LINE_LENGTH) {
            text.append(base64, i, Math.min(base64.length(), i + LINE_LENGTH)).append('\n');
        }
        return text.append("-----END ").append(label).append("-----\n").toString();
    }

    private static Optional<String> lastName(String text) {
        Matcher matcher = NAME_LINE.matcher(text);
        String name = null;
        while (matcher.find()) {
            name = matcher.group(1);
        }
        return Optional.ofNullable(name);
    }

    private static byte[] decodeBase64(String body) {
        try {
            return Base64.getMimeDecoder().decode(body.replaceAll("[^A-Za-z0-9+/=]", ""));
        } catch (IllegalArgumentException e) {
            throw new CertificateRejectedException("invalid base64 in PEM block: " + e.getMessage(), e);
        }
    }
}
