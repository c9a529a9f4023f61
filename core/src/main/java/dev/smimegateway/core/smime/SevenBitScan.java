package dev.smimegateway.core.smime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Whether a written message has no leaf that {@link MimeEntities#sevenBitSafeContent} would re-encode, judged
 * from its bytes in one pass instead of by Jakarta Mail parsing every body part (which also looks its
 * stream provider up through a ServiceLoader for each part). The judgement errs towards "maybe": then
 * Jakarta Mail decides, as before.
 *
 * <p>A leaf is kept when it is base64 or quoted-printable, or 7bit (declared or by default) with a body
 * of 7-bit bytes other than NUL in lines of at most 998 bytes. Every leaf's body is a slice of the
 * message's body, so when the whole body keeps these rules every 7bit leaf does. And when every line
 * that could be a Content-Transfer-Encoding field, wherever it stands (a header section, a body, an
 * attached message, after white space or after a lone CR), names base64, quoted-printable or 7bit on
 * one unfolded line, no leaf has another encoding.
 */
final class SevenBitScan {
    private static final int MAX_LINE = 998;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long LOW_SEVEN_BITS = 0x7F7F7F7F7F7F7F7FL;
    private static final long ALL_LF = 0x0A0A0A0A0A0A0A0AL;
    private static final long ALL_CR = 0x0D0D0D0D0D0D0D0DL;
    private static final long ALL_14 = 0x0E0E0E0E0E0E0E0EL;
    private static final byte[] FIELD_NAME = "content-transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] KEPT_ENCODINGS = {
        "base64".getBytes(StandardCharsets.US_ASCII),
        "quoted-printable".getBytes(StandardCharsets.US_ASCII),
        "7bit".getBytes(StandardCharsets.US_ASCII),
    };

    private SevenBitScan() {
    }

    /** True when no leaf of the message in {@code message[0, length)} needs re-encoding; false when one may. */
    static boolean nothingToReencode(byte[] message, int length) {
        return loneLineBreaksWhenNothingToReencode(message, length) >= 0;
    }

    /**
     * When no leaf of the message in {@code message[0, length)} needs re-encoding: how many lone CRs and
     * LFs its body holds (as {@link LineBreaks#countLone} counts them, the body starting a line), found
     * in the same pass. -1 when a leaf may need re-encoding.
     */
    static int loneLineBreaksWhenNothingToReencode(byte[] message, int length) {
        int bodyStart = MimeEntities.headerEnd(message, length);
        if (!fieldLineKept(message, 0, length)) {
            return -1;
        }
        for (int i = 0; i < bodyStart; i++) {
            if ((message[i] == '\n' || message[i] == '\r') && !fieldLineKept(message, i + 1, length)) {
                return -1;
            }
        }
        return body(message, bodyStart, length);
    }

    /**
     * The body: 7-bit, no NUL, lines of at most 998 bytes, every line start checked; its lone line breaks
     * counted, or -1. Eight bytes at a time; in a word holding a CR or LF, only those bytes are looked at.
     */
    private static int body(byte[] bytes, int from, int to) {
        int lone = 0;
        int lineStart = from;
        int word = from;
        for (; word + Long.BYTES <= to; word += Long.BYTES) {
            long eight = (long) LONGS.get(bytes, word);
            // a byte is 7-bit and not NUL when its high bit is clear and its low seven bits are not all clear
            if (((~((eight & LOW_SEVEN_BITS) + LOW_SEVEN_BITS) | eight) & HIGH_BITS) != 0) {
                return -1;
            }
            // most words hold no byte below 14 (so no CR or LF): exact for 7-bit bytes, whose subtraction borrows nothing
            if (((eight - ALL_14) & ~eight & HIGH_BITS) == 0) {
                continue;
            }
            for (long breaks = zeroBytes(eight ^ ALL_LF) | zeroBytes(eight ^ ALL_CR); breaks != 0; breaks &= breaks - 1) {
                int at = word + (Long.numberOfTrailingZeros(breaks) >>> 3);
                if (bytes[at] == '\r' && at + 1 < to && bytes[at + 1] == '\n') {
                    // the CR of a CRLF: not lone, and the LF after it starts no line
                    continue;
                }
                lineStart = lineBreak(bytes, at, to, lineStart);
                if (lineStart < 0) {
                    return -1;
                }
                lone += lone(bytes, at, from, to) ? 1 : 0;
            }
        }
        for (int at = word; at < to; at++) {
            byte b = bytes[at];
            if (b <= 0) {
                return -1;
            }
            if (b == '\n' || b == '\r') {
                lineStart = lineBreak(bytes, at, to, lineStart);
                if (lineStart < 0) {
                    return -1;
                }
                lone += lone(bytes, at, from, to) ? 1 : 0;
            }
        }
        return to - lineStart <= MAX_LINE ? lone : -1;
    }

    /**
     * The CR or LF at {@code bytes[at]}: the start of the line after it (unchanged after a CR), or -1 when
     * the line it ends is longer than 998 bytes or the line after it may name another transfer encoding.
     */
    private static int lineBreak(byte[] bytes, int at, int to, int lineStart) {
        int next = lineStart;
        if (bytes[at] == '\n') {
            if (at - lineStart > MAX_LINE) {
                return -1;
            }
            next = at + 1;
        }
        return fieldLineKept(bytes, at + 1, to) ? next : -1;
    }

    /** The CR or LF at {@code bytes[at]} is not part of a CRLF in {@code [from, to)}. */
    private static boolean lone(byte[] bytes, int at, int from, int to) {
        return bytes[at] == '\n' ? at == from || bytes[at - 1] != '\r' : at + 1 == to || bytes[at + 1] != '\n';
    }

    /**
     * False when the line at {@code bytes[at]} may be a Content-Transfer-Encoding field naming another
     * encoding, or folded. Blanks are skipped where Jakarta Mail trims: before and after the name, around the value.
     */
    private static boolean fieldLineKept(byte[] bytes, int at, int to) {
        int i = skipBlanks(bytes, at, to);
        if (i >= to || (bytes[i] | 0x20) != 'c' || !startsWithIgnoringCase(bytes, i, to, FIELD_NAME)) {
            return true;
        }
        i = skipBlanks(bytes, i + FIELD_NAME.length, to);
        if (i >= to || bytes[i] != ':') {
            return false;
        }
        int valueStart = skipBlanks(bytes, i + 1, to);
        int lineEnd = valueStart;
        while (lineEnd < to && bytes[lineEnd] != '\r' && bytes[lineEnd] != '\n') {
            lineEnd++;
        }
        int valueEnd = lineEnd;
        while (valueEnd > valueStart && isBlank(bytes[valueEnd - 1])) {
            valueEnd--;
        }
        if (!keptEncoding(bytes, valueStart, valueEnd)) {
            return false;
        }
        int next = lineEnd < to && bytes[lineEnd] == '\r' ? lineEnd + 1 : lineEnd;
        next = next < to && bytes[next] == '\n' ? next + 1 : next;
        return next >= to || !isBlank(bytes[next]);
    }

    private static boolean keptEncoding(byte[] bytes, int from, int to) {
        for (byte[] encoding : KEPT_ENCODINGS) {
            if (to - from == encoding.length && startsWithIgnoringCase(bytes, from, to, encoding)) {
                return true;
            }
        }
        return false;
    }

    /** Compares with {@code lowerCase}, which holds lower-case letters, digits and '-' only. */
    private static boolean startsWithIgnoringCase(byte[] bytes, int from, int to, byte[] lowerCase) {
        if (to - from < lowerCase.length) {
            return false;
        }
        for (int i = 0; i < lowerCase.length; i++) {
            byte b = bytes[from + i];
            byte expected = lowerCase[i];
            if (b != expected && !(expected >= 'a' && expected <= 'z' && b == expected - ('a' - 'A'))) {
                return false;
            }
        }
        return true;
    }

    /** Skips what Java's String.trim() drops (control characters and space), but not a line break. */
    private static int skipBlanks(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && isBlank(bytes[i])) {
            i++;
        }
        return i;
    }

    private static boolean isBlank(byte b) {
        return b >= 0 && b <= ' ' && b != '\r' && b != '\n';
    }

    /** 0x80 in every byte of the word that is zero, 0 in every other. */
    private static long zeroBytes(long word) {
        return ~((word & LOW_SEVEN_BITS) + LOW_SEVEN_BITS | word | LOW_SEVEN_BITS);
    }
}
