#!/usr/bin/env bash
# Builds the S/MIME gateway and starts a real Apache James 3.8.1 server with it, on loopback only:
# SMTP 127.0.0.1:2525, IMAP 127.0.0.1:1143, webadmin http://127.0.0.1:8000.
# Everything the server writes (keys in embedded Derby, logs) is under ./run/ and survives restarts.
# The policy is conf-samples/policies/confidential-or-partner.xml; name another one to use it instead,
# e.g. ./run-demo.sh b2b-gateway (incoming verification, quarantine and certificate harvesting).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/select-jdk.sh

echo "Building the gateway and assembling James 3.8.1 (the first run downloads James from Maven Central)..."
mvn -B -q -DskipTests -pl james-server -am package

RUN="$PWD/run"
mkdir -p "$RUN/conf" "$RUN/extensions-jars" "$RUN/logs"
# The configuration is refreshed from conf-samples on every start; data in run/var is kept.
cp conf-samples/gateway/* "$RUN/conf/"
POLICY="conf-samples/policies/${1:-confidential-or-partner}.xml"
if [ ! -f "$POLICY" ]; then
    echo "error: no policy $POLICY; choose one of: $(ls conf-samples/policies | sed 's/\.xml$//' | tr '\n' ' ')" >&2
    exit 2
fi
cp "$POLICY" "$RUN/conf/mailetcontainer.xml"
cat >> "$RUN/conf/smime.properties" <<'PROPERTIES'

# Added by run-demo.sh. DEMO ONLY: the master secret is generated into run/var/smime/master-secret.
keystore.master.secret.generate=true
PROPERTIES
if [ "${SMIME_EXPORT_PRIVATE_KEYS:-false}" = true ]; then
    # SMIME_EXPORT_PRIVATE_KEYS=true ./run-demo.sh allows PKCS#12 backups (off by default, as in production).
    echo "keystore.export.privateKeys=true" >> "$RUN/conf/smime.properties"
fi
rm -f "$RUN"/extensions-jars/*.jar
cp james-server/target/extensions-jars/*.jar "$RUN/extensions-jars/"

cat <<BANNER

Starting Apache James 3.8.1 with the S/MIME gateway ($(ls "$RUN"/extensions-jars)), policy $POLICY
  SMTP      127.0.0.1:2525
  IMAP      127.0.0.1:1143
  webadmin  http://127.0.0.1:8000   (try: curl http://127.0.0.1:8000/smime/identities)
  metrics   curl -s http://127.0.0.1:8000/metrics | grep '^smime_'
  working directory  $RUN
  logs               $RUN/logs/james.log
  key store          $RUN/var/smime/keystore (embedded Derby)
Stop it with Ctrl-C. It is ready when "JAMES server started" ... or when webadmin answers.

BANNER
exec "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED \
    -Dworking.directory="$RUN" \
    -Dlogback.configurationFile="$RUN/conf/logback.xml" \
    -cp "$PWD/james-server/target/lib/*" \
    org.apache.james.MemoryJamesServerMain
