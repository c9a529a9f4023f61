package dev.smimegateway.mailets;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

/** Small helpers to set the S/MIME attributes on a mail. */
final class MailAttributes {
    private MailAttributes() {
    }

    static void set(Mail mail, String name, String value) {
        mail.setAttribute(new Attribute(AttributeName.of(name), AttributeValue.of(value)));
    }

    static void set(Mail mail, String name, boolean value) {
        mail.setAttribute(new Attribute(AttributeName.of(name), AttributeValue.of(value)));
    }

    static void remove(Mail mail, Iterable<String> names) {
        names.forEach(name -> mail.removeAttribute(AttributeName.of(name)));
    }
}
