#!/usr/bin/env bash
# Runs every test of the S/MIME gateway: unit tests of each module, then the integration tests that
# start real Apache James 3.8.1 servers with the bundle deployed through extensions-jars/.
# Extra arguments go to Maven (e.g. ./test.sh -pl keystore-store).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/select-jdk.sh
source scripts/install-test-tools.sh
echo "Testing with JDK at $JAVA_HOME"
exec mvn -B verify "$@"
