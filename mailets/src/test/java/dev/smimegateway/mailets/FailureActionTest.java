package dev.smimegateway.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetException;
import org.apache.mailet.ProcessingState;
import org.apache.mailet.base.GenericMailet;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.smimegateway.mailets.FailureAction.Kind;

/** The failure vocabulary on its own: how a value is read, and what each action does to a mail. */
class FailureActionTest {
    private static final Logger LOGGER = LoggerFactory.getLogger(FailureActionTest.class);
    private static final Set<Kind> ALL = EnumSet.allOf(Kind.class);

    private final FakeMailContext context = FakeMailContext.defaultContext();

    /** A mailet that only holds parameters. */
    private static final class Probe extends GenericMailet {
        @Override
        public void service(Mail mail) {
        }
    }

    private static FailureAction parse(Set<Kind> accepted, String... parameters) throws Exception {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("Probe");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        Probe probe = new Probe();
        probe.init(config.build());
        return FailureAction.parse(probe, "onFailure", Kind.BOUNCE, accepted);
    }

    private static FakeMail mail(String sender) throws Exception {
        FakeMail.Builder mail = FakeMail.builder().name("mail1").state("transport").recipients("bob@partner.example", "dave@other.example")
            .mimeMessage(MailetFixtures.message("alice@example.com", "bob@partner.example", "Figures"));
        return (sender == null ? mail : mail.sender(sender)).build();
    }

    private void apply(FailureAction action, Mail mail) throws Exception {
        action.apply(mail, "the reason", "Message not sent: the reason", context, LOGGER);
    }

    @Test
    void bounceReturnsTheMailToItsSenderAndStopsIt() throws Exception {
        FakeMail mail = mail("alice@example.com");

        apply(parse(ALL, "onFailure", "bounce"), mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getBouncedMails()).singleElement().satisfies(bounce -> assertThat(bounce.getMessage())
            .isEqualTo("Message not sent: the reason"));
    }

    @Test
    void bounceSendsAMailWithANullSenderToTheErrorProcessorInstead() throws Exception {
        FakeMail notification = mail(null);

        apply(parse(ALL, "onFailure", "bounce"), notification);

        assertThat(context.getBouncedMails()).isEmpty();
        assertThat(notification.getState()).isEqualTo(Mail.ERROR);
    }

    @Test
    void passLetsTheMailGoOnUnchanged() throws Exception {
        FakeMail mail = mail("alice@example.com");

        apply(parse(ALL, "onFailure", "pass"), mail);

        assertThat(mail.getState()).isEqualTo("transport");
        assertThat(mail.getRecipients()).hasSize(2);
        assertThat(context.getBouncedMails()).isEmpty();
    }

    @Test
    void dropStopsTheMailWithoutBouncing() throws Exception {
        FakeMail mail = mail("alice@example.com");

        apply(parse(ALL, "onFailure", "drop"), mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getBouncedMails()).isEmpty();
    }

    @Test
    void anyOtherWordIsAProcessorTheMailIsMovedTo() throws Exception {
        FailureAction action = parse(ALL, "onFailure", "smime-review");
        FakeMail mail = mail("alice@example.com");

        apply(action, mail);

        assertThat(mail.getState()).isEqualTo("smime-review");
        assertThat(action.requiredProcessingState()).containsExactly(new ProcessingState("smime-review"));
        assertThat(context.getBouncedMails()).isEmpty();
    }

    @Test
    void onlyAProcessorActionRequiresAProcessor() throws Exception {
        assertThat(parse(ALL, "onFailure", "bounce").requiredProcessingState()).isEmpty();
        assertThat(parse(ALL, "onFailure", "pass").requiredProcessingState()).isEmpty();
        assertThat(parse(ALL, "onFailure", "drop").requiredProcessingState()).isEmpty();
    }

    @Test
    void theWordsAreCaseInsensitiveAndAnEmptyValueMeansTheDefault() throws Exception {
        FakeMail shouted = mail("alice@example.com");
        FakeMail empty = mail("alice@example.com");

        apply(parse(ALL, "onFailure", " DROP "), shouted);
        apply(parse(EnumSet.of(Kind.BOUNCE), "onFailure", " "), empty);

        assertThat(shouted.getState()).isEqualTo(Mail.GHOST);
        assertThat(empty.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getBouncedMails()).hasSize(1);
    }

    @Test
    void aWordTheMailetDoesNotAcceptIsRefusedNamingTheParameterAndTheAcceptedWords() {
        assertThatThrownBy(() -> parse(EnumSet.of(Kind.PASS, Kind.PROCESSOR), "onFailure", "Bounce"))
            .isInstanceOf(MailetException.class)
            .hasMessage("Probe: onFailure must be pass or a processor name, not 'Bounce'");
        assertThatThrownBy(() -> parse(EnumSet.of(Kind.BOUNCE, Kind.PASS), "onFailure", "quarantine"))
            .isInstanceOf(MailetException.class)
            .hasMessage("Probe: onFailure must be bounce or pass, not 'quarantine'");
    }

    @Test
    void splitNeedsTheProcessorForThePlainCopy() {
        assertThatThrownBy(() -> parse(ALL, "onFailure", "split")).isInstanceOf(MailetException.class)
            .hasMessageStartingWith("Probe: onFailure=split needs splitProcessor");
    }

    @Test
    void splitSendsAPlainCopyForTheUnprotectedRecipientsAndKeepsTheOthers() throws Exception {
        FailureAction action = parse(ALL, "onFailure", "split", "splitProcessor", "relay");
        FakeMail mail = mail("alice@example.com");

        boolean goesOn = action.split(mail, List.of(new MailAddress("dave@other.example")), context, LOGGER);

        assertThat(goesOn).isTrue();
        assertThat(mail.getRecipients()).containsExactly(new MailAddress("bob@partner.example"));
        assertThat(context.getSentMails()).singleElement().satisfies(plain -> {
            assertThat(plain.getState()).isEqualTo("relay");
            assertThat(plain.getRecipients()).containsExactly(new MailAddress("dave@other.example"));
        });
        assertThat(action.requiredProcessingState()).containsExactly(new ProcessingState("relay"));
    }

    @Test
    void splitStopsTheMailWhenNoRecipientIsLeft() throws Exception {
        FailureAction action = parse(ALL, "onFailure", "split", "splitProcessor", "relay");
        FakeMail mail = mail("alice@example.com");

        boolean goesOn = action.split(mail, List.copyOf(mail.getRecipients()), context, LOGGER);

        assertThat(goesOn).isFalse();
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(context.getSentMails()).singleElement().satisfies(plain -> assertThat(plain.getRecipients()).hasSize(2));
    }
}
