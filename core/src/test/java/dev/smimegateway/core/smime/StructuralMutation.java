package dev.smimegateway.core.smime;

import static dev.smimegateway.core.smime.SignedLayout.CRLF;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One change to the structure of a signed message, of the kinds an attacker (or a relay) makes:
 * delimiter look-alikes, moved and extra parts, nesting, line ends, preamble and epilogue, Content-Type
 * parameters, transport padding, folding; and for opaque messages headers and base64 layout. Every
 * random choice is drawn when the mutation is made, so applying it is deterministic and a case can be
 * replayed, and its description names the choice with the boundary written {b}.
 */
record StructuralMutation(String kind, String description, Consumer<SignedLayout> onLayout, UnaryOperator<String> onText) {
    static final String ATTACKER_TEXT = "Content-Type: text/plain; charset=us-ascii\r\n\r\nPay 900 EUR to account 6666.\r\n";
    static final String ATTACKER_HTML = "Content-Type: text/html; charset=us-ascii\r\n\r\n<p>Pay 900 EUR to account 6666.</p>\r\n";

    /** Kinds that a careful verifier may well accept: they do not change what a reader sees. */
    static final List<String> HARMLESS_KINDS = List.of("re-rendered", "transport padding", "epilogue white space",
        "outer header fields", "opaque: base64 line length");

    private record Kind(String name, Function<Random, StructuralMutation> generator) {
    }

    private record LookAlike(String label, UnaryOperator<String> line) {
    }

    /** Lines that start like a delimiter of boundary b; some are in fact delimiters (trailing white space is transport padding). */
    private static final List<LookAlike> LOOK_ALIKES = List.of(
        new LookAlike("--{b}X", b -> "--" + b + "X"),
        new LookAlike("--{b}x", b -> "--" + b + "x"),
        new LookAlike("--{b}-", b -> "--" + b + "-"),
        new LookAlike("--{b}--X", b -> "--" + b + "--X"),
        new LookAlike("--{b}_", b -> "--" + b + "_"),
        new LookAlike("--{b}0", b -> "--" + b + "0"),
        new LookAlike("--{b}=", b -> "--" + b + "="),
        new LookAlike("--{b} X", b -> "--" + b + " X"),
        new LookAlike("--{b}\\tX", b -> "--" + b + "\tX"),
        new LookAlike("--{b}--  X", b -> "--" + b + "--  X"),
        new LookAlike("--{b}<space>", b -> "--" + b + " "),
        new LookAlike("--{b}\\t", b -> "--" + b + "\t"),
        new LookAlike("--{b}--", b -> "--" + b + "--"),
        new LookAlike("--{b}--<space>", b -> "--" + b + "-- "),
        new LookAlike("<space>--{b}", b -> " --" + b),
        new LookAlike("-{b}", b -> "-" + b),
        new LookAlike("---{b}", b -> "---" + b),
        new LookAlike("--{b minus its last character}", b -> "--" + b.substring(0, b.length() - 1)),
        new LookAlike("--{B upper case}", b -> "--" + b.toUpperCase(Locale.ROOT)),
        new LookAlike("--{b}X--", b -> "--" + b + "X--"));

    private static final List<Kind> DETACHED_KINDS = List.of(
        new Kind("re-rendered", r -> new StructuralMutation("re-rendered", "parsed and written again", layout -> { }, null)),
        new Kind("look-alike line", StructuralMutation::lookAlikeLine),
        new Kind("wrapping", StructuralMutation::wrapping),
        new Kind("signed part moved or duplicated", StructuralMutation::movedParts),
        new Kind("extra part", StructuralMutation::extraPart),
        new Kind("nested in multipart/signed", r -> nested(r, "multipart/signed")),
        new Kind("nested in multipart/mixed", r -> nested(r, "multipart/mixed")),
        new Kind("line endings", StructuralMutation::lineEndings),
        new Kind("preamble content", StructuralMutation::preamble),
        new Kind("epilogue content", StructuralMutation::epilogue),
        new Kind("epilogue white space", StructuralMutation::epilogueWhiteSpace),
        new Kind("duplicated boundary parameter", StructuralMutation::duplicatedBoundary),
        new Kind("boundary parameter spelling", StructuralMutation::boundarySpelling),
        new Kind("duplicated Content-Type field", StructuralMutation::duplicatedContentType),
        new Kind("transport padding", StructuralMutation::transportPadding),
        new Kind("close delimiter removed", r -> new StructuralMutation("close delimiter removed",
            "the close delimiter --{b}-- and the epilogue removed", layout -> layout.closeDelimiter = false, null)),
        new Kind("protocol or micalg", StructuralMutation::protocolOrMicalg),
        new Kind("header folding", StructuralMutation::headerFolding),
        new Kind("outer header fields", StructuralMutation::outerHeaders));

    private static final List<Kind> OPAQUE_KINDS = List.of(
        new Kind("re-rendered", r -> new StructuralMutation("re-rendered", "parsed and written again", layout -> { }, null)),
        new Kind("opaque: Content-Type", StructuralMutation::opaqueContentType),
        new Kind("opaque: Content-Transfer-Encoding", StructuralMutation::opaqueTransferEncoding),
        new Kind("opaque: base64 line length", StructuralMutation::base64LineLength),
        new Kind("opaque: white space in base64", StructuralMutation::base64WhiteSpace),
        new Kind("opaque: junk after base64", StructuralMutation::junkAfterBase64),
        new Kind("duplicated Content-Type field", StructuralMutation::duplicatedContentType),
        new Kind("nested in multipart/mixed", r -> nested(r, "multipart/mixed")),
        new Kind("line endings", StructuralMutation::lineEndings),
        new Kind("header folding", StructuralMutation::headerFolding),
        new Kind("outer header fields", StructuralMutation::outerHeaders));

    static StructuralMutation random(Random random, boolean detached) {
        List<Kind> kinds = detached ? DETACHED_KINDS : OPAQUE_KINDS;
        return kinds.get(random.nextInt(kinds.size())).generator().apply(random);
    }

    /** The seed with the mutations applied in order: first to its layout, then to the rendered text. */
    static byte[] apply(byte[] seed, List<StructuralMutation> mutations) {
        SignedLayout layout = SignedLayout.parse(seed);
        for (StructuralMutation mutation : mutations) {
            if (mutation.onLayout() != null) {
                mutation.onLayout().accept(layout);
            }
        }
        String text = layout.render();
        for (StructuralMutation mutation : mutations) {
            if (mutation.onText() != null) {
                text = mutation.onText().apply(text);
            }
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return kind + ": " + description;
    }

    // ---- detached (multipart/signed) ----

    private static StructuralMutation lookAlikeLine(Random random) {
        LookAlike lookAlike = pick(random, LOOK_ALIKES);
        String[] regions = {"preamble", "signed part", "signature part", "epilogue"};
        String region = regions[random.nextInt(regions.length)];
        int position = random.nextInt(1 << 20);
        return new StructuralMutation("look-alike line", "line '" + lookAlike.label() + "' inserted in the " + region,
            layout -> {
                String line = lookAlike.line().apply(layout.boundary);
                switch (region) {
                    case "preamble" -> layout.preamble = insertLine(layout.preamble, line, position, true);
                    case "signed part" -> layout.parts.set(0, insertLine(layout.parts.get(0), line, position, true));
                    case "signature part" -> {
                        int last = layout.parts.size() - 1;
                        layout.parts.set(last, insertLine(layout.parts.get(last), line, position, true));
                    }
                    default -> layout.epilogue = insertLine(layout.epilogue, line, position, false);
                }
            }, null);
    }

    /**
     * The attack of issue 7 and its relatives: the genuinely signed part is hidden between look-alike
     * lines (in the preamble or the epilogue) and an attacker's part takes its place.
     */
    private static StructuralMutation wrapping(Random random) {
        LookAlike before = pick(random, LOOK_ALIKES);
        LookAlike after = pick(random, LOOK_ALIKES);
        String attacker = random.nextBoolean() ? ATTACKER_TEXT : ATTACKER_HTML;
        String shown = attacker == ATTACKER_TEXT ? "text/plain" : "text/html";
        int variant = random.nextInt(3);
        return switch (variant) {
            case 0 -> new StructuralMutation("wrapping", "the signed part moved into the preamble between lines '" + before.label()
                + "' and '" + after.label() + "'; an attacker's " + shown + " part takes its place", layout -> {
                    String genuine = layout.parts.get(0);
                    layout.preamble = withLineEnd(layout.preamble) + before.line().apply(layout.boundary) + CRLF + genuine + CRLF
                        + after.line().apply(layout.boundary) + CRLF;
                    layout.parts.set(0, attacker);
                }, null);
            case 1 -> new StructuralMutation("wrapping", "the signed part moved into the preamble after a line '" + before.label()
                + "' (the real first delimiter ends it); an attacker's " + shown + " part follows as the first part", layout -> {
                    String genuine = layout.parts.get(0);
                    layout.preamble = withLineEnd(layout.preamble) + before.line().apply(layout.boundary) + CRLF + genuine + CRLF;
                    layout.parts.set(0, attacker);
                }, null);
            default -> new StructuralMutation("wrapping", "the signed part moved into the epilogue between lines '" + before.label()
                + "' and '" + after.label() + "'; an attacker's " + shown + " part takes its place", layout -> {
                    String genuine = layout.parts.get(0);
                    layout.epilogue = CRLF + before.line().apply(layout.boundary) + CRLF + genuine + CRLF
                        + after.line().apply(layout.boundary) + CRLF;
                    layout.parts.set(0, attacker);
                }, null);
        };
    }

    private static StructuralMutation movedParts(Random random) {
        int[][] orders = {{0, 0, 1}, {0, 1, 0}, {1, 0}, {0, 1, 1}, {1, 0, 1}, {0}};
        String[] names = {"signed part, signed part, signature", "signed part, signature, signed part", "signature, signed part",
            "signed part, signature, signature", "signature, signed part, signature", "signed part only"};
        int choice = random.nextInt(orders.length);
        return new StructuralMutation("signed part moved or duplicated", "parts in the order: " + names[choice], layout -> {
            List<String> original = new ArrayList<>(layout.parts);
            List<String> reordered = new ArrayList<>();
            for (int index : orders[choice]) {
                reordered.add(original.get(Math.min(index, original.size() - 1)));
            }
            setParts(layout, reordered);
        }, null);
    }

    private static StructuralMutation extraPart(Random random) {
        String[] contents = {ATTACKER_TEXT, ATTACKER_HTML, CRLF + "Pay 900 EUR to account 6666 (a part without header fields)." + CRLF, ""};
        String[] names = {"an attacker's text/plain part", "an attacker's text/html part", "a part without header fields", "an empty part"};
        int choice = random.nextInt(contents.length);
        int index = random.nextInt(3);
        return new StructuralMutation("extra part", names[choice] + " inserted at index " + index, layout -> {
            List<String> parts = new ArrayList<>(layout.parts);
            parts.add(Math.min(index, parts.size()), contents[choice]);
            setParts(layout, parts);
        }, null);
    }

    private static StructuralMutation nested(Random random, String outerType) {
        int boundaryChoice = random.nextInt(3);
        String[] boundaryNames = {"a new boundary", "the same boundary {b}", "boundary {b}X"};
        int arrangement = random.nextInt(3);
        String[] arrangements = {"the signed message first, then ", "first ", "the signed message alone"};
        boolean signedOuter = outerType.equals("multipart/signed");
        String other = signedOuter && random.nextBoolean() ? "a copy of the signature part" : "an attacker's part";
        String description = "the whole root entity nested in a " + outerType + " with " + boundaryNames[boundaryChoice] + ": "
            + (arrangement == 2 ? arrangements[2] : arrangements[arrangement] + other + (arrangement == 1 ? ", then the signed message" : ""));
        return new StructuralMutation("nested in " + outerType, description, layout -> {
            String inner = layout.boundary == null ? "opaque-" + Integer.toHexString(description.hashCode()) : layout.boundary;
            String outerBoundary = switch (boundaryChoice) {
                case 0 -> "outer-" + Integer.toHexString(description.hashCode());
                case 1 -> inner;
                default -> inner + "X";
            };
            String otherPart = other.startsWith("a copy") && layout.isMultipart() ? layout.parts.get(layout.parts.size() - 1) : ATTACKER_TEXT;
            List<SignedLayout.Parameter> outerParameters = new ArrayList<>();
            if (signedOuter) {
                outerParameters.add(new SignedLayout.Parameter("protocol", "application/pkcs7-signature", true));
                outerParameters.add(new SignedLayout.Parameter("micalg", "sha-256", false));
            }
            List<String> others = arrangement == 2 ? List.of() : List.of(otherPart);
            layout.nestInto(outerType, outerBoundary, others, arrangement == 1 ? 1 : 0, outerParameters);
        }, null);
    }

    private static StructuralMutation lineEndings(Random random) {
        int variant = random.nextInt(6);
        long seed = random.nextLong();
        return switch (variant) {
            case 0 -> new StructuralMutation("line endings", "every CRLF made LF", null, text -> text.replace("\r\n", "\n"));
            case 1 -> new StructuralMutation("line endings", "header fields and delimiter lines end in LF, the parts keep CRLF",
                layout -> layout.eol = "\n", null);
            case 2 -> new StructuralMutation("line endings", "a random third of the CRLFs made LF (stream " + seed + ")", null,
                text -> replaceSomeLineEnds(text, "\n", 0.33, seed));
            case 3 -> new StructuralMutation("line endings", "a random twentieth of the CRLFs made a lone CR (stream " + seed + ")", null,
                text -> replaceSomeLineEnds(text, "\r", 0.05, seed));
            case 4 -> new StructuralMutation("line endings", "the signed part's (or body's) CRLFs made LF", layout -> {
                if (layout.isMultipart()) {
                    layout.parts.set(0, layout.parts.get(0).replace("\r\n", "\n"));
                } else {
                    layout.body = layout.body.replace("\r\n", "\n");
                }
            }, null);
            default -> new StructuralMutation("line endings", "the line end before the blank line after the header made CR CR LF",
                null, text -> text.replaceFirst("\r\n\r\n", "\r\r\n\r\n"));
        };
    }

    private static StructuralMutation preamble(Random random) {
        String[] preambles = {"", CRLF, " " + CRLF + "\t" + CRLF, "Hello Bob." + CRLF,
            "Content-Type: text/html; charset=us-ascii" + CRLF + CRLF + "<p>Pay 900 EUR to account 6666.</p>" + CRLF,
            ATTACKER_TEXT, "line of text\r\n".repeat(200),
            "--" + CRLF, "This is an S/MIME signed message (no line break after it)"};
        String[] names = {"empty", "a blank line", "white space lines", "a line of text", "text that looks like a text/html entity",
            "text that looks like an attacker's text/plain entity", "200 lines of text", "a line '--'",
            "text without a line break, so the first delimiter is not at a line start"};
        int choice = random.nextInt(preambles.length);
        return new StructuralMutation("preamble content", "preamble replaced by " + names[choice],
            layout -> layout.preamble = preambles[choice], null);
    }

    private static StructuralMutation epilogue(Random random) {
        int choice = random.nextInt(7);
        String[] names = {"a line of text", "text that looks like an attacker's entity", "a delimiter --{b} and an attacker's part",
            "a second close delimiter", "a delimiter, an attacker's part and a close delimiter", "text on the close delimiter line (--{b}--X)",
            "a close delimiter with padding and text that looks like a header"};
        return new StructuralMutation("epilogue content", "epilogue replaced by " + names[choice], layout -> {
            String b = layout.boundary;
            switch (choice) {
                case 0 -> layout.epilogue = CRLF + "Pay 900 EUR to account 6666." + CRLF;
                case 1 -> layout.epilogue = CRLF + ATTACKER_TEXT;
                case 2 -> layout.epilogue = CRLF + "--" + b + CRLF + ATTACKER_TEXT;
                case 3 -> layout.epilogue = CRLF + "--" + b + "--" + CRLF;
                case 4 -> layout.epilogue = CRLF + "--" + b + CRLF + ATTACKER_TEXT + CRLF + "--" + b + "--" + CRLF;
                case 5 -> layout.epilogue = "X" + CRLF;
                default -> layout.epilogue = " " + CRLF + "Content-Type: text/plain" + CRLF + CRLF + "Pay 900 EUR" + CRLF;
            }
        }, null);
    }

    private static StructuralMutation epilogueWhiteSpace(Random random) {
        String[] epilogues = {"", CRLF, CRLF + CRLF, CRLF + " \t" + CRLF, CRLF.repeat(5)};
        String[] names = {"nothing (no line break after the close delimiter)", "one line break", "a blank line",
            "a white-space line", "four blank lines"};
        int choice = random.nextInt(epilogues.length);
        return new StructuralMutation("epilogue white space", "epilogue replaced by " + names[choice],
            layout -> layout.epilogue = epilogues[choice], null);
    }

    private static StructuralMutation duplicatedBoundary(Random random) {
        boolean fakeFirst = random.nextBoolean();
        boolean fakeQuoted = random.nextBoolean();
        String[] nameSpellings = {"boundary", "BOUNDARY", "Boundary", "boundary*"};
        String fakeName = nameSpellings[random.nextInt(nameSpellings.length)];
        int fakeValue = random.nextInt(3);
        String[] fakeNames = {"{b}X", "fake-boundary", "{b minus its last character}"};
        return new StructuralMutation("duplicated boundary parameter", "a second parameter " + fakeName + "=" + (fakeQuoted ? "\"" : "")
            + fakeNames[fakeValue] + (fakeQuoted ? "\"" : "") + " " + (fakeFirst ? "before" : "after") + " the real boundary", layout -> {
                String b = layout.boundary;
                String value = switch (fakeValue) {
                    case 0 -> b + "X";
                    case 1 -> "fake-boundary";
                    default -> b.substring(0, b.length() - 1);
                };
                if (fakeName.endsWith("*")) {
                    value = "us-ascii''" + value;
                }
                SignedLayout.Parameter fake = new SignedLayout.Parameter(fakeName, value, fakeQuoted && !fakeName.endsWith("*"));
                int real = indexOfParameter(layout, "boundary");
                if (real < 0) {
                    layout.parameters.add(fake);
                } else {
                    layout.parameters.add(fakeFirst ? real : real + 1, fake);
                }
            }, null);
    }

    private static StructuralMutation boundarySpelling(Random random) {
        int choice = random.nextInt(6);
        String[] names = {"parameter name BOUNDARY", "parameter name Boundary", "the boundary value without quotes",
            "the boundary value in single quotes", "spaces around '='", "the boundary value in quotes with a backslash escape"};
        return new StructuralMutation("boundary parameter spelling", names[choice], layout -> {
            int index = indexOfParameter(layout, "boundary");
            if (index < 0) {
                return;
            }
            SignedLayout.Parameter real = layout.parameters.get(index);
            SignedLayout.Parameter changed = switch (choice) {
                case 0 -> new SignedLayout.Parameter("BOUNDARY", real.value(), real.quoted());
                case 1 -> new SignedLayout.Parameter("Boundary", real.value(), real.quoted());
                case 2 -> new SignedLayout.Parameter(real.name(), real.value(), false);
                case 3 -> new SignedLayout.Parameter(real.name(), "'" + real.value() + "'", false);
                case 4 -> new SignedLayout.Parameter(real.name() + " ", " \"" + real.value() + "\"", false);
                default -> new SignedLayout.Parameter(real.name(), real.value().substring(0, 1) + "\\" + real.value().substring(1), true);
            };
            layout.parameters.set(index, changed);
        }, null);
    }

    private static StructuralMutation duplicatedContentType(Random random) {
        int choice = random.nextInt(3);
        boolean before = random.nextBoolean();
        String[] names = {"Content-Type: multipart/mixed; boundary=\"{b}X\"", "Content-Type: text/plain; charset=us-ascii",
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"{b}X\""};
        return new StructuralMutation("duplicated Content-Type field", "a second field '" + names[choice] + "' "
            + (before ? "before" : "after") + " the real one", layout -> {
                String b = layout.boundary == null ? "x" : layout.boundary;
                String field = names[choice].replace("{b}", b);
                if (before) {
                    layout.fields.add(layout.contentTypeIndex, field);
                    layout.contentTypeIndex++;
                } else {
                    layout.fields.add(layout.contentTypeIndex + 1, field);
                }
            }, null);
    }

    private static StructuralMutation transportPadding(Random random) {
        String[] paddings = {" ", "\t", "  \t ", " \t"};
        String padding = paddings[random.nextInt(paddings.length)];
        int target = random.nextInt(4);
        String[] targets = {"every delimiter line", "the first delimiter line", "the second delimiter line", "the close delimiter line"};
        return new StructuralMutation("transport padding", "'" + printable(padding) + "' after " + targets[target], layout -> {
            for (int i = 0; i < layout.padding.size(); i++) {
                if (target == 0 || target == i + 1) {
                    layout.padding.set(i, padding);
                }
            }
            if (target == 0 || target == 3) {
                layout.closePadding = padding;
            }
        }, null);
    }

    private static StructuralMutation protocolOrMicalg(Random random) {
        String[][] changes = {{"protocol", "application/x-pkcs7-signature"}, {"protocol", "application/pgp-signature"}, {"protocol", null},
            {"protocol", "Application/PKCS7-Signature"}, {"protocol", "application/pkcs7-mime"}, {"micalg", "sha-1"}, {"micalg", "md5"},
            {"micalg", "sha-512"}, {"micalg", "SHA-256"}, {"micalg", null}, {"micalg", "x-unknown"}, {"micalg", "sha-256,sha-1"}};
        String[] change = changes[random.nextInt(changes.length)];
        return new StructuralMutation("protocol or micalg", change[1] == null ? change[0] + " removed" : change[0] + "=" + change[1],
            layout -> {
                if (change[1] == null) {
                    layout.removeParameter(change[0]);
                } else {
                    layout.setParameter(change[0], change[1]);
                }
            }, null);
    }

    private static StructuralMutation headerFolding(Random random) {
        int choice = random.nextInt(7);
        String[] names = {"Content-Type parameters folded with a tab", "Content-Type parameters folded with a space",
            "Content-Type parameters on one line", "Content-Type parameters without a space after ';'",
            "Content-Type value on a continuation line", "Subject folded", "a white-space-only continuation line in Content-Type"};
        return new StructuralMutation("header folding", names[choice], layout -> {
            switch (choice) {
                case 0 -> layout.parameterSeparator = ";\r\n\t";
                case 1 -> layout.parameterSeparator = ";\r\n ";
                case 2 -> layout.parameterSeparator = "; ";
                case 3 -> layout.parameterSeparator = ";";
                case 4 -> layout.afterColon = "\r\n ";
                case 5 -> layout.fields.replaceAll(field -> field.startsWith("Subject:") ? "Subject:\r\n " + field.substring(8).trim() : field);
                default -> layout.parameterSeparator = ";\r\n \r\n\t";
            }
        }, null);
    }

    private static StructuralMutation outerHeaders(Random random) {
        int choice = random.nextInt(5);
        String[] names = {"an X-Mailer field added", "a folded Received field added first", "a Comments field '--{b}X' added",
            "the Content-Type field moved to the end of the header", "a Content-Description field added"};
        return new StructuralMutation("outer header fields", names[choice], layout -> {
            switch (choice) {
                case 0 -> layout.fields.add("X-Mailer: property test");
                case 1 -> {
                    layout.fields.add(0, "Received: from relay.example by mx.example;\r\n\tWed, 1 Jan 2025 00:00:00 +0000");
                    layout.contentTypeIndex++;
                }
                case 2 -> layout.fields.add("Comments: --" + (layout.boundary == null ? "x" : layout.boundary) + "X");
                case 3 -> {
                    String field = layout.fields.remove(layout.contentTypeIndex);
                    layout.fields.add(field);
                    layout.contentTypeIndex = layout.fields.size() - 1;
                }
                default -> layout.fields.add("Content-Description: a signed message");
            }
        }, null);
    }

    // ---- opaque (application/pkcs7-mime) ----

    private static StructuralMutation opaqueContentType(Random random) {
        int choice = random.nextInt(7);
        String[] names = {"type application/x-pkcs7-mime", "type Application/PKCS7-MIME", "smime-type=Signed-Data", "smime-type removed",
            "name parameter removed", "a charset parameter added", "smime-type=enveloped-data before smime-type=signed-data"};
        return new StructuralMutation("opaque: Content-Type", names[choice], layout -> {
            switch (choice) {
                case 0 -> layout.type = "application/x-pkcs7-mime";
                case 1 -> layout.type = "Application/PKCS7-MIME";
                case 2 -> layout.setParameter("smime-type", "Signed-Data");
                case 3 -> layout.removeParameter("smime-type");
                case 4 -> layout.removeParameter("name");
                case 5 -> layout.parameters.add(new SignedLayout.Parameter("charset", "us-ascii", false));
                default -> layout.parameters.add(0, new SignedLayout.Parameter("smime-type", "enveloped-data", false));
            }
        }, null);
    }

    private static StructuralMutation opaqueTransferEncoding(Random random) {
        String[] fields = {"Content-Transfer-Encoding: BASE64", "Content-Transfer-Encoding:  base64 ", null, "Content-Transfer-Encoding: 7bit",
            "Content-Transfer-Encoding: base64 (encoded)"};
        String[] names = {"BASE64 in upper case", "base64 with extra white space", "removed", "7bit", "base64 with a comment"};
        int choice = random.nextInt(fields.length + 1);
        if (choice == fields.length) {
            return new StructuralMutation("opaque: Content-Transfer-Encoding", "a second field 7bit before base64", layout -> {
                layout.fields.add(0, "Content-Transfer-Encoding: 7bit");
                layout.contentTypeIndex++;
            }, null);
        }
        return new StructuralMutation("opaque: Content-Transfer-Encoding", names[choice], layout -> {
            for (int i = 0; i < layout.fields.size(); i++) {
                if (layout.fields.get(i).toLowerCase(Locale.ROOT).startsWith("content-transfer-encoding:")) {
                    if (fields[choice] == null) {
                        layout.fields.remove(i);
                        if (layout.contentTypeIndex > i) {
                            layout.contentTypeIndex--;
                        }
                    } else {
                        layout.fields.set(i, fields[choice]);
                    }
                    return;
                }
            }
        }, null);
    }

    private static StructuralMutation base64LineLength(Random random) {
        int[] widths = {64, 40, 72, 100, 990, 0, -1};
        int width = widths[random.nextInt(widths.length)];
        long seed = random.nextLong();
        String name = width == 0 ? "one line" : width < 0 ? "random lengths (stream " + seed + ")" : width + " characters";
        return new StructuralMutation("opaque: base64 line length", "base64 re-wrapped at " + name, layout -> {
            if (layout.body == null) {
                return;
            }
            String base64 = layout.body.replaceAll("\\s", "");
            StringBuilder out = new StringBuilder();
            Random lengths = new Random(seed);
            int at = 0;
            while (at < base64.length()) {
                int length = width == 0 ? base64.length() : width < 0 ? 4 * (1 + lengths.nextInt(25)) : width;
                int end = Math.min(base64.length(), at + length);
                out.append(base64, at, end).append(CRLF);
                at = end;
            }
            layout.body = out.toString();
        }, null);
    }

    private static StructuralMutation base64WhiteSpace(Random random) {
        int choice = random.nextInt(5);
        long seed = random.nextLong();
        String[] names = {"spaces inside some base64 lines", "trailing spaces and tabs on base64 lines", "blank lines between base64 lines",
            "leading white space on base64 lines", "a blank line before the base64"};
        return new StructuralMutation("opaque: white space in base64", names[choice] + " (stream " + seed + ")", layout -> {
            if (layout.body == null) {
                return;
            }
            Random where = new Random(seed);
            String[] lines = layout.body.split("\r\n", -1);
            StringBuilder out = new StringBuilder(choice == 4 ? CRLF : "");
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                boolean touch = !line.isEmpty() && where.nextInt(3) == 0;
                if (touch && choice == 0) {
                    int at = where.nextInt(line.length());
                    line = line.substring(0, at) + " " + line.substring(at);
                } else if (touch && choice == 1) {
                    line = line + (where.nextBoolean() ? " " : "\t ");
                } else if (touch && choice == 3) {
                    line = (where.nextBoolean() ? " " : "\t") + line;
                }
                out.append(line);
                if (i < lines.length - 1) {
                    out.append(CRLF);
                    if (touch && choice == 2) {
                        out.append(CRLF);
                    }
                }
            }
            layout.body = out.toString();
        }, null);
    }

    private static StructuralMutation junkAfterBase64(Random random) {
        String[] junk = {"junk text" + CRLF, CRLF + "Pay 900 EUR to account 6666." + CRLF, "====" + CRLF, "QUJD" + CRLF,
            CRLF + ATTACKER_TEXT, "-----END PKCS7-----" + CRLF};
        String[] names = {"a line of text", "a blank line and text", "'===='", "more base64 ('QUJD')", "an attacker's entity", "a PEM trailer"};
        int choice = random.nextInt(junk.length);
        return new StructuralMutation("opaque: junk after base64", names[choice] + " appended after the base64",
            layout -> layout.body = layout.body == null ? null : withLineEnd(layout.body) + junk[choice], null);
    }

    // ---- helpers ----

    private static <T> T pick(Random random, List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    private static int indexOfParameter(SignedLayout layout, String name) {
        for (int i = 0; i < layout.parameters.size(); i++) {
            if (layout.parameters.get(i).name().trim().equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    private static void setParts(SignedLayout layout, List<String> parts) {
        layout.parts.clear();
        layout.parts.addAll(parts);
        layout.padding.clear();
        parts.forEach(part -> layout.padding.add(""));
    }

    /**
     * The text with the line inserted at one of its line starts (chosen by position); in an epilogue,
     * never before its first line break, which ends the close delimiter line.
     */
    static String insertLine(String text, String line, int position, boolean atStartAllowed) {
        List<Integer> starts = new ArrayList<>();
        if (atStartAllowed) {
            starts.add(0);
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        if (starts.isEmpty()) {
            return text + CRLF + line + CRLF;
        }
        int at = starts.get(position % starts.size());
        return text.substring(0, at) + line + CRLF + text.substring(at);
    }

    private static String withLineEnd(String text) {
        return text.isEmpty() || text.endsWith("\n") ? text : text + CRLF;
    }

    private static String replaceSomeLineEnds(String text, String replacement, double share, long seed) {
        Random random = new Random(seed);
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        while (true) {
            int next = text.indexOf("\r\n", at);
            if (next < 0) {
                return out.append(text, at, text.length()).toString();
            }
            out.append(text, at, next).append(random.nextDouble() < share ? replacement : "\r\n");
            at = next + 2;
        }
    }

    static String printable(String text) {
        return text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
    }
}
