# Sourced by test.sh: the independent S/MIME implementations that the interoperability tests run
# against must be present. Installs the missing ones with apt-get when run as root on Debian/Ubuntu;
# otherwise names what to install.
required_tools="openssl:openssl gpgsm:gpgsm cmsutil:libnss3-tools pk12util:libnss3-tools certutil:libnss3-tools"
missing_packages=""
for entry in $required_tools; do
    tool=${entry%%:*}
    package=${entry##*:}
    command -v "$tool" >/dev/null 2>&1 || case " $missing_packages " in *" $package "*) ;; *) missing_packages="$missing_packages $package" ;; esac
done
# PostgreSQL's server binaries are not on PATH in Debian; the store's SQL is tested on a private server.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    missing_packages="$missing_packages postgresql"
fi
if [ -n "$missing_packages" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing test tools:$missing_packages"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing_packages >/dev/null
    else
        echo "error: the interoperability tests need:$missing_packages (install them, e.g. sudo apt-get install$missing_packages)" >&2
        exit 1
    fi
fi
