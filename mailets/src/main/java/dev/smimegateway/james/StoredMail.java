package dev.smimegateway.james;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.PerRecipientHeaders;

import dev.smimegateway.core.smime.MimeEntities;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * A mail as {@link LosslessFileMailRepository} reads it back: the envelope, the attributes and the
 * message exactly as they were stored. A plain holder, as James's own mail class is; James copies it
 * into its own when the mail is reprocessed.
 */
final class StoredMail implements Mail {
    private static final long serialVersionUID = 1L;

    private String name;
    private String state;
    private String errorMessage;
    private MailAddress sender;
    private Collection<MailAddress> recipients;
    private String remoteHost;
    private String remoteAddr;
    private Date lastUpdated;
    private final LinkedHashMap<AttributeName, Attribute> attributes = new LinkedHashMap<>();
    private final PerRecipientHeaders perRecipientHeaders = new PerRecipientHeaders();
    private transient MimeMessage message;

    StoredMail(String name, MimeMessage message, Optional<MailAddress> sender, Collection<MailAddress> recipients) {
        this.name = name;
        this.message = message;
        this.sender = sender.orElse(null);
        this.recipients = new ArrayList<>(recipients);
        this.state = Mail.DEFAULT;
        this.lastUpdated = new Date();
    }

    void setRemote(String host, String address) {
        this.remoteHost = host;
        this.remoteAddr = address;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public void setName(String name) {
        this.name = name;
    }

    @Override
    public MimeMessage getMessage() {
        return message;
    }

    @Override
    public void setMessage(MimeMessage message) {
        this.message = message;
    }

    @Override
    public Collection<MailAddress> getRecipients() {
        return recipients;
    }

    @Override
    public void setRecipients(Collection<MailAddress> recipients) {
        this.recipients = new ArrayList<>(recipients);
    }

    @Override
    public MailAddress getSender() {
        return sender;
    }

    @Override
    public Mail duplicate() throws MessagingException {
        StoredMail copy = new StoredMail(name, message == null ? null : MimeEntities.parse(written()), Optional.ofNullable(sender), recipients);
        copy.state = state;
        copy.errorMessage = errorMessage;
        copy.setRemote(remoteHost, remoteAddr);
        copy.lastUpdated = lastUpdated;
        copy.attributes.putAll(attributes);
        copy.perRecipientHeaders.addAll(perRecipientHeaders);
        return copy;
    }

    @Override
    public String getState() {
        return state;
    }

    @Override
    public void setState(String state) {
        this.state = state;
    }

    @Override
    public String getRemoteHost() {
        return remoteHost;
    }

    @Override
    public String getRemoteAddr() {
        return remoteAddr;
    }

    @Override
    public String getErrorMessage() {
        return errorMessage;
    }

    @Override
    public void setErrorMessage(String errorMessage) {
        this.errorMessage = errorMessage;
    }

    @Override
    public Stream<Attribute> attributes() {
        return List.copyOf(attributes.values()).stream();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Serializable getAttribute(String name) {
        return getAttribute(AttributeName.of(name)).map(StoredMail::serializable).orElse(null);
    }

    @Override
    public Optional<Attribute> getAttribute(AttributeName name) {
        return Optional.ofNullable(attributes.get(name));
    }

    @Override
    public Iterator<String> getAttributeNames() {
        return attributeNames().map(AttributeName::asString).iterator();
    }

    @Override
    public Stream<AttributeName> attributeNames() {
        return List.copyOf(attributes.keySet()).stream();
    }

    @Override
    public boolean hasAttributes() {
        return !attributes.isEmpty();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Serializable removeAttribute(String name) {
        return removeAttribute(AttributeName.of(name)).map(StoredMail::serializable).orElse(null);
    }

    @Override
    public Optional<Attribute> removeAttribute(AttributeName name) {
        return Optional.ofNullable(attributes.remove(name));
    }

    @Override
    public void removeAllAttributes() {
        attributes.clear();
    }

    @Override
    @SuppressWarnings("deprecation")
    public Serializable setAttribute(String name, Serializable value) {
        return setAttribute(new Attribute(AttributeName.of(name), AttributeValue.ofAny(value))).map(StoredMail::serializable).orElse(null);
    }

    @Override
    public Optional<Attribute> setAttribute(Attribute attribute) {
        return Optional.ofNullable(attributes.put(attribute.getName(), attribute));
    }

    @Override
    public void addSpecificHeaderForRecipient(PerRecipientHeaders.Header header, MailAddress recipient) {
        perRecipientHeaders.addHeaderForRecipient(header, recipient);
    }

    @Override
    public PerRecipientHeaders getPerRecipientSpecificHeaders() {
        return perRecipientHeaders;
    }

    @Override
    public long getMessageSize() throws MessagingException {
        return message == null ? 0 : written().length;
    }

    @Override
    public Date getLastUpdated() {
        return lastUpdated;
    }

    @Override
    public void setLastUpdated(Date lastUpdated) {
        this.lastUpdated = lastUpdated;
    }

    Map<AttributeName, Attribute> attributeMap() {
        return attributes;
    }

    private byte[] written() throws MessagingException {
        try {
            return MimeEntities.write(message);
        } catch (IOException e) {
            throw new MessagingException("cannot write the stored message of mail " + name + ": " + e.getMessage(), e);
        }
    }

    private static Serializable serializable(Attribute attribute) {
        Object value = attribute.getValue().value();
        return value instanceof Serializable ? (Serializable) value : null;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        try {
            byte[] raw = message == null ? null : written();
            out.writeObject(raw);
        } catch (MessagingException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        byte[] raw = (byte[]) in.readObject();
        try {
            message = raw == null ? null : MimeEntities.parse(raw);
        } catch (MessagingException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
