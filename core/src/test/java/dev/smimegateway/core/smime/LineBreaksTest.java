package dev.smimegateway.core.smime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** CRLF canonical form (RFC 8551 section 3.1.1), checked against the rule in words: every CR, LF or CRLF ends a line with CRLF. */
class LineBreaksTest {
    private static final Random RANDOM = new Random(20261202);

    /** The rule, as a regular expression: the oracle the fast scan is held to. */
    private static String canonical(String text) {
        return text.replaceAll("\r\n|\r|\n", "\r\n");
    }

    /** Text of CR, LF and letters, long enough to span several eight-byte words. */
    private static String randomText() {
        StringBuilder text = new StringBuilder();
        int length = RANDOM.nextInt(60);
        for (int i = 0; i < length; i++) {
            text.append("ab\r\n".charAt(RANDOM.nextInt(4)));
        }
        return text.toString();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void nextLfFindsTheFirstLfOfAnyRangeAsIndexOfDoes() {
        for (int round = 0; round < 2000; round++) {
            String text = randomText();
            int from = text.isEmpty() ? 0 : RANDOM.nextInt(text.length());
            int to = from + RANDOM.nextInt(text.length() - from + 1);
            int expected = text.substring(0, to).indexOf('\n', from);

            assertThat(LineBreaks.nextLf(bytes(text), from, to)).as("%s [%d, %d)", text, from, to).isEqualTo(expected < 0 ? to : expected);
        }
    }

    @Test
    void everyLoneCrOrLfBecomesCrlfAndCrlfStays() {
        for (int i = 0; i < 100_000; i++) {
            String text = randomText();

            assertThat(new String(MimeEntities.toCrlf(bytes(text)), StandardCharsets.ISO_8859_1)).as(text).isEqualTo(canonical(text));
        }
    }

    @Test
    void aRangeInsideAnArrayIsCanonicalisedAsIfItStartedALine() throws Exception {
        for (int i = 0; i < 100_000; i++) {
            String before = randomText();
            String text = randomText();
            byte[] all = bytes(before + text + "x\r");
            ByteArrayOutputStream out = new ByteArrayOutputStream();

            LineBreaks.writeCrlf(all, before.length(), before.length() + text.length(), out);

            assertThat(out.toString(StandardCharsets.ISO_8859_1)).as("%s|%s", before, text).isEqualTo(canonical(text));
            assertThat(LineBreaks.countLone(all, before.length(), before.length() + text.length()))
                .isEqualTo(canonical(text).length() - text.length());
        }
    }

    @Test
    void aCrlfSplitAcrossTwoWordsIsNoLoneLineBreak() {
        byte[] text = bytes("1234567\r\n1234567\r\n");

        assertThat(LineBreaks.nextLone(text, 0, text.length)).isEqualTo(text.length);
        assertThat(LineBreaks.nextLone(text, 0, 8)).as("a CR ending the range is lone").isEqualTo(7);
    }

    @Test
    void largeRunsAreHandedOnInChunks() throws Exception {
        byte[] body = bytes("line\n".repeat(40_000));
        int[] largestWrite = {0};
        ByteArrayOutputStream collected = new ByteArrayOutputStream();
        java.io.OutputStream out = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                largestWrite[0] = Math.max(largestWrite[0], length);
                collected.write(bytes, offset, length);
            }
        };

        new CanonicalEntity(new byte[0], body, 0, body.length).writeTo(out);

        assertThat(collected.toString(StandardCharsets.ISO_8859_1)).isEqualTo("line\r\n".repeat(40_000));
        assertThat(largestWrite[0]).isEqualTo(LineBreaks.CHUNK);
    }
}
