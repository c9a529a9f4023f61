package dev.smimegateway.matchers;

import java.util.Optional;

import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;

/** Reads the attributes SMimeDecrypt and SMimeVerify write. */
final class AttributeMatchers {
    private AttributeMatchers() {
    }

    static boolean isTrue(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(attribute -> Boolean.TRUE.equals(attribute.getValue().value())).orElse(false);
    }

    static Optional<String> text(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(attribute -> String.valueOf(attribute.getValue().value()));
    }
}
