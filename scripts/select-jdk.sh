# Sourced by run-demo.sh and test.sh: makes JAVA_HOME point at a JDK 21 or newer.
# The build compiles against James 3.9.0's mailet API, which is Java 21 bytecode; the code itself is
# Java 17 bytecode, so the James 3.8 flavour still runs on a Java 17 James.

java_major() {
    "$1/bin/java" -XshowSettings:properties -version 2>&1 \
        | awk -F'= ' '/java.specification.version/ {print $2}' | cut -d. -f1
}

select_jdk() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ]; then
        return 0
    fi
    local best="" best_major=0 candidate major
    for candidate in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
        [ -x "$candidate/bin/javac" ] || continue
        major=$(java_major "$candidate")
        if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
            best=$candidate
            best_major=$major
        fi
    done
    if [ -z "$best" ]; then
        echo "error: a JDK 21 or newer is needed (none in JAVA_HOME or /usr/lib/jvm). Install one, e.g. Temurin 21/25, and set JAVA_HOME." >&2
        return 1
    fi
    export JAVA_HOME=$best
}

select_jdk
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
    echo "error: Apache Maven (mvn) 3.8 or newer is needed on PATH" >&2
    return 1 2>/dev/null || exit 1
fi
