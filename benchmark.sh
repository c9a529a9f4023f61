#!/usr/bin/env bash
# Runs the whole benchmark suite of issue 9 and prints one table: the hardware's limit, the engine,
# the mailets, heap growth on a 50 MB message, the peers (openssl cms, Apache James's SMIMESign) and
# the end-to-end throughput of a real James 3.8.1 over SMTP. 8 to 10 minutes on 2 cores after the build.
# Arguments go to the suite (./benchmark.sh --sizes=4k,10m --memory=0); with --parts=… the end-to-end
# part runs only when it is named (end-to-end). Progress on stderr, the table on stdout.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/select-jdk.sh
figures="$PWD/james-it/target/end-to-end.properties"
# As README advises for James 3.9 (James 3.8's javax.mail has no such look-up to spare).
jvm_options="-Djakarta.mail.util.StreamProvider=org.eclipse.angus.mail.util.MailStreamProvider"
end_to_end=yes
for argument in "$@"; do
    case "$argument" in
        --parts=*end-to-end*) ;;
        --parts=*) end_to_end=no ;;
    esac
done
rm -f "$figures"
if [ "$end_to_end" = yes ]; then
    echo "Building, then measuring end to end through James (james-it EndToEndThroughput)..." >&2
    mvn -B -q package -pl benchmarks,james-it -am -Dtest=EndToEndThroughput -Dsurefire.failIfNoSpecifiedTests=false \
        -De2e.output="$figures" >&2
    exec java --enable-native-access=ALL-UNNAMED $jvm_options -jar benchmarks/target/smime-gateway-benchmarks.jar --end-to-end="$figures" "$@"
fi
echo "Building..." >&2
mvn -B -q package -pl benchmarks -am -DskipTests >&2
exec java --enable-native-access=ALL-UNNAMED $jvm_options -jar benchmarks/target/smime-gateway-benchmarks.jar "$@"
