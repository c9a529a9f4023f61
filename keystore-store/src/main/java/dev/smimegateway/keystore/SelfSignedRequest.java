package dev.smimegateway.keystore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import dev.smimegateway.core.certificate.MailAddresses;

/**
 * What an administrator asks for when the gateway creates a self-signed S/MIME certificate:
 * the subject, the addresses and domains it binds, the algorithm, lifetime and key size.
 * {@link #builder()} validates everything at {@code build()}, naming the field at fault.
 */
public final class SelfSignedRequest {
    public static final int DEFAULT_VALIDITY_DAYS = 365;
    public static final int MAXIMUM_VALIDITY_DAYS = 3650;
    public static final int DEFAULT_RSA_KEY_SIZE = 2048;
    private static final Set<Integer> RSA_KEY_SIZES = Set.of(2048, 3072, 4096);
    private static final Set<String> ISO_COUNTRIES = Set.of(Locale.getISOCountries());

    private final String commonName;
    private final Optional<String> organisation;
    private final Optional<String> organisationalUnit;
    private final Optional<String> locality;
    private final Optional<String> state;
    private final Optional<String> country;
    private final List<String> domains;
    private final List<String> emails;
    private final SignatureAlgorithm signatureAlgorithm;
    private final int validityDays;
    private final int rsaKeySize;

    private SelfSignedRequest(Builder builder) {
        this.commonName = builder.commonName;
        this.organisation = builder.organisation;
        this.organisationalUnit = builder.organisationalUnit;
        this.locality = builder.locality;
        this.state = builder.state;
        this.country = builder.country;
        this.domains = List.copyOf(builder.domains);
        this.emails = List.copyOf(builder.emails);
        this.signatureAlgorithm = builder.signatureAlgorithm;
        this.validityDays = builder.validityDays;
        this.rsaKeySize = builder.keySize.orElse(DEFAULT_RSA_KEY_SIZE);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String commonName() {
        return commonName;
    }

    public Optional<String> organisation() {
        return organisation;
    }

    public Optional<String> organisationalUnit() {
        return organisationalUnit;
    }

    public Optional<String> locality() {
        return locality;
    }

    public Optional<String> state() {
        return state;
    }

    public Optional<String> country() {
        return country;
    }

    public List<String> domains() {
        return domains;
    }

    public List<String> emails() {
        return emails;
    }

    public SignatureAlgorithm signatureAlgorithm() {
        return signatureAlgorithm;
    }

    public int validityDays() {
        return validityDays;
    }

    /** Used for RSA algorithms only; EC and Ed25519 key sizes follow from the algorithm. */
    public int rsaKeySize() {
        return rsaKeySize;
    }

    public static final class Builder {
        private String commonName;
        private Optional<String> organisation = Optional.empty();
        private Optional<String> organisationalUnit = Optional.empty();
        private Optional<String> locality = Optional.empty();
        private Optional<String> state = Optional.empty();
        private Optional<String> country = Optional.empty();
        private final List<String> domains = new ArrayList<>();
        private final List<String> emails = new ArrayList<>();
        private SignatureAlgorithm signatureAlgorithm = SignatureAlgorithm.RSA_SHA256;
        private int validityDays = DEFAULT_VALIDITY_DAYS;
        private Optional<Integer> keySize = Optional.empty();

        private Builder() {
        }

        public Builder commonName(String value) {
            this.commonName = value;
            return this;
        }

        public Builder organisation(String value) {
            this.organisation = blankToEmpty(value);
            return this;
        }

        public Builder organisationalUnit(String value) {
            this.organisationalUnit = blankToEmpty(value);
            return this;
        }

        public Builder locality(String value) {
            this.locality = blankToEmpty(value);
            return this;
        }

        public Builder state(String value) {
            this.state = blankToEmpty(value);
            return this;
        }

        public Builder country(String value) {
            this.country = blankToEmpty(value);
            return this;
        }

        public Builder domain(String value) {
            this.domains.add(value);
            return this;
        }

        public Builder email(String value) {
            this.emails.add(value);
            return this;
        }

        public Builder signatureAlgorithm(SignatureAlgorithm value) {
            this.signatureAlgorithm = value;
            return this;
        }

        public Builder validityDays(int value) {
            this.validityDays = value;
            return this;
        }

        public Builder keySize(int value) {
            this.keySize = Optional.of(value);
            return this;
        }

        public SelfSignedRequest build() {
            if (commonName == null || commonName.isBlank()) {
                throw new InvalidRequestException("commonName is required");
            }
            if (commonName.length() > 64) {
                throw new InvalidRequestException("commonName is longer than 64 characters");
            }
            country.ifPresent(value -> {
                if (!ISO_COUNTRIES.contains(value)) {
                    throw new InvalidRequestException("country '" + value + "' is not a 2-letter ISO 3166 code such as DE or CN");
                }
            });
            if (domains.isEmpty() && emails.isEmpty()) {
                throw new InvalidRequestException("give at least one of emails or domains: the certificate must name the addresses it signs for");
            }
            for (int i = 0; i < emails.size(); i++) {
                String email = MailAddresses.normalise(emails.get(i));
                if (!MailAddresses.isValidAddress(email)) {
                    throw new InvalidRequestException("emails[" + i + "] '" + emails.get(i) + "' is not a mail address");
                }
                emails.set(i, email);
            }
            for (int i = 0; i < domains.size(); i++) {
                String domain = MailAddresses.normalise(domains.get(i));
                if (!MailAddresses.isValidDomainPattern(domain)) {
                    throw new InvalidRequestException("domains[" + i + "] '" + domains.get(i)
                        + "' is not a domain name (example.com) or wildcard (*.example.com)");
                }
                domains.set(i, domain);
            }
            if (validityDays < 1 || validityDays > MAXIMUM_VALIDITY_DAYS) {
                throw new InvalidRequestException("validityDays must be between 1 and " + MAXIMUM_VALIDITY_DAYS + ", not " + validityDays);
            }
            if (signatureAlgorithm.keyType() == SignatureAlgorithm.KeyType.RSA) {
                keySize.ifPresent(size -> {
                    if (!RSA_KEY_SIZES.contains(size)) {
                        throw new InvalidRequestException("keySize " + size + " is not allowed for RSA; use 2048, 3072 or 4096");
                    }
                });
            } else if (keySize.isPresent()) {
                throw new InvalidRequestException("keySize applies to RSA only; " + signatureAlgorithm.displayName()
                    + " fixes the key size");
            }
            return new SelfSignedRequest(this);
        }

        private static Optional<String> blankToEmpty(String value) {
            return Optional.ofNullable(value).map(String::strip).filter(text -> !text.isEmpty());
        }
    }
}
