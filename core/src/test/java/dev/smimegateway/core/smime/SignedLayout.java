package dev.smimegateway.core.smime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A signed message taken apart into what {@link StructuralMutation}s change: the outer header
 * fields, the root Content-Type as a type and a parameter list, and either a multipart body
 * (preamble, parts, delimiter padding, close delimiter, epilogue) or a single body. Mutable on
 * purpose: each test case parses a fresh layout from its seed, mutates it and renders it again.
 * Only well-formed seeds are parsed, so the parser here can be simple; every odd byte the test
 * sends comes from a mutation.
 */
final class SignedLayout {
    static final String CRLF = "\r\n";

    /** A Content-Type parameter as written: the name's case and the quoting are part of what is mutated. */
    record Parameter(String name, String value, boolean quoted) {
        String render() {
            return name + "=" + (quoted ? "\"" + value + "\"" : value);
        }
    }

    /** Header fields, each as written (folded lines joined with CRLF), without their final line break. */
    final List<String> fields = new ArrayList<>();
    /** Index in {@link #fields} of the root Content-Type, rendered from the fields below. */
    int contentTypeIndex;
    String contentTypeName = "Content-Type";
    /** What follows the colon: a space, or a fold that puts the value on a continuation line. */
    String afterColon = " ";
    String type;
    final List<Parameter> parameters = new ArrayList<>();
    /** What comes between the type and each parameter: "; ", or a fold such as ";\r\n\t". */
    String parameterSeparator = "; ";
    /** The line break of header fields and delimiter lines; the parts keep their own. */
    String eol = CRLF;

    // multipart bodies
    String boundary;
    String preamble = "";
    final List<String> parts = new ArrayList<>();
    /** Transport padding after each part's delimiter line, by part. */
    final List<String> padding = new ArrayList<>();
    boolean closeDelimiter = true;
    String closePadding = "";
    /** Everything after the close delimiter, its line break included. */
    String epilogue = CRLF;

    // single bodies (application/pkcs7-mime)
    String body;

    static SignedLayout parse(byte[] raw) {
        String text = new String(MimeEntities.toCrlf(raw), StandardCharsets.ISO_8859_1);
        int headerEnd = text.indexOf("\r\n\r\n");
        SignedLayout layout = new SignedLayout();
        for (String field : text.substring(0, headerEnd).split("\r\n(?![ \t])")) {
            layout.fields.add(field);
        }
        layout.contentTypeIndex = -1;
        for (int i = 0; i < layout.fields.size(); i++) {
            if (layout.fields.get(i).toLowerCase(Locale.ROOT).startsWith("content-type:")) {
                layout.contentTypeIndex = i;
                layout.parseContentType(layout.fields.get(i));
                break;
            }
        }
        if (layout.contentTypeIndex < 0) {
            throw new IllegalArgumentException("seed without Content-Type");
        }
        String body = text.substring(headerEnd + 4);
        if (layout.isMultipart()) {
            layout.boundary = layout.parameter("boundary");
            layout.parseMultipart(body);
        } else {
            layout.body = body;
        }
        return layout;
    }

    boolean isMultipart() {
        return type.toLowerCase(Locale.ROOT).startsWith("multipart/");
    }

    String parameter(String name) {
        return parameters.stream().filter(p -> p.name().equalsIgnoreCase(name)).map(Parameter::value).findFirst().orElse(null);
    }

    void setParameter(String name, String value) {
        for (int i = 0; i < parameters.size(); i++) {
            if (parameters.get(i).name().equalsIgnoreCase(name)) {
                parameters.set(i, new Parameter(parameters.get(i).name(), value, parameters.get(i).quoted()));
                return;
            }
        }
        parameters.add(new Parameter(name, value, true));
    }

    void removeParameter(String name) {
        parameters.removeIf(p -> p.name().equalsIgnoreCase(name));
    }

    private void parseContentType(String field) {
        String value = field.substring(field.indexOf(':') + 1).replace("\r\n", "").trim();
        List<String> pieces = splitOutsideQuotes(value);
        type = pieces.get(0).trim();
        for (String piece : pieces.subList(1, pieces.size())) {
            int equals = piece.indexOf('=');
            if (equals < 0) {
                continue;
            }
            String name = piece.substring(0, equals).trim();
            String raw = piece.substring(equals + 1).trim();
            boolean quoted = raw.startsWith("\"") && raw.endsWith("\"") && raw.length() >= 2;
            parameters.add(new Parameter(name, quoted ? raw.substring(1, raw.length() - 1) : raw, quoted));
        }
    }

    private static List<String> splitOutsideQuotes(String value) {
        List<String> pieces = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inQuotes = false;
        for (char c : value.toCharArray()) {
            if (c == '"') {
                inQuotes = !inQuotes;
            }
            if (c == ';' && !inQuotes) {
                pieces.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        pieces.add(current.toString());
        return pieces;
    }

    /** Splits at the lines that are exactly a delimiter or the close delimiter (a seed has no padding). */
    private void parseMultipart(String text) {
        String delimiter = "--" + boundary;
        List<int[]> lines = new ArrayList<>();
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf("\r\n", at);
            int lineEnd = end < 0 ? text.length() : end;
            String line = text.substring(at, lineEnd);
            if (line.equals(delimiter) || line.equals(delimiter + "--")) {
                lines.add(new int[] {at, lineEnd, line.endsWith("--") && !line.equals(delimiter) ? 1 : 0});
            }
            at = end < 0 ? text.length() : end + 2;
        }
        preamble = text.substring(0, lines.get(0)[0]);
        for (int i = 0; i < lines.size(); i++) {
            int[] line = lines.get(i);
            if (line[2] == 1) {
                epilogue = text.substring(line[1]);
                return;
            }
            int contentStart = line[1] + 2;
            int contentEnd = i + 1 < lines.size() ? lines.get(i + 1)[0] - 2 : text.length();
            parts.add(text.substring(contentStart, Math.max(contentStart, contentEnd)));
            padding.add("");
        }
        closeDelimiter = false;
        epilogue = "";
    }

    String contentTypeField() {
        StringBuilder field = new StringBuilder(contentTypeName).append(':').append(afterColon).append(type);
        for (Parameter parameter : parameters) {
            field.append(parameterSeparator).append(parameter.render());
        }
        return field.toString();
    }

    /** The root entity's body as it would be sent. */
    String renderBody() {
        if (!isMultipart()) {
            return body;
        }
        StringBuilder out = new StringBuilder(preamble);
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                out.append(eol);
            }
            out.append("--").append(boundary).append(padding.get(i)).append(eol).append(parts.get(i));
        }
        if (closeDelimiter) {
            out.append(eol).append("--").append(boundary).append("--").append(closePadding).append(epilogue);
        } else {
            out.append(eol);
        }
        return out.toString();
    }

    String render() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            out.append(i == contentTypeIndex ? contentTypeField() : fields.get(i)).append(eol);
        }
        return out.append(eol).append(renderBody()).toString();
    }

    /**
     * Makes the root entity (Content-Type and body) the only content of a new multipart root, at the
     * given index among the other parts: what nesting a signed message in another multipart does.
     */
    void nestInto(String outerType, String outerBoundary, List<String> otherParts, int index, List<Parameter> outerParameters) {
        StringBuilder contentFields = new StringBuilder(contentTypeField()).append(CRLF);
        List<String> outerFields = new ArrayList<>();
        int outerContentType = -1;
        for (int i = 0; i < fields.size(); i++) {
            if (i == contentTypeIndex) {
                outerContentType = outerFields.size();
                outerFields.add(fields.get(i));
            } else if (fields.get(i).toLowerCase(Locale.ROOT).startsWith("content-")) {
                contentFields.append(fields.get(i)).append(CRLF);
            } else {
                outerFields.add(fields.get(i));
            }
        }
        fields.clear();
        fields.addAll(outerFields);
        contentTypeIndex = outerContentType;
        String entity = contentFields + CRLF + renderBody();
        if (entity.endsWith(CRLF)) {
            entity = entity.substring(0, entity.length() - 2);
        }
        List<String> newParts = new ArrayList<>(otherParts);
        newParts.add(Math.min(index, newParts.size()), entity);
        type = outerType;
        parameters.clear();
        parameters.addAll(outerParameters);
        parameters.add(new Parameter("boundary", outerBoundary, true));
        parameterSeparator = "; ";
        boundary = outerBoundary;
        body = null;
        preamble = "";
        parts.clear();
        parts.addAll(newParts);
        padding.clear();
        newParts.forEach(part -> padding.add(""));
        closeDelimiter = true;
        closePadding = "";
        epilogue = CRLF;
    }
}
