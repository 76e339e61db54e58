#!/usr/bin/env bash
# Sign a Windows program or installer in place with an Authenticode
# signature (osslsigncode), when a certificate is given:
#
#   SIGN_CERT=cert.pem SIGN_KEY=key.pem [SIGN_PASS=passfile] [SIGN_TIMESTAMP=url] \
#       packaging/windows/sign.sh FILE.exe [DESCRIPTION]
#
# SIGN_CERT and SIGN_KEY are PEM or DER files (a PKCS#12 bundle can be split
# with openssl pkcs12). SIGN_PASS names a file holding the key's password;
# SIGN_TIMESTAMP an RFC 3161 timestamp server, so the signature outlives the
# certificate. Without SIGN_CERT it does nothing. packaging/package.sh calls
# it for hoist.exe (before the installer packs it) and for the installer.
set -euo pipefail
[ -n "${SIGN_CERT:-}" ] || exit 0
: "${SIGN_KEY:?SIGN_KEY names the private key for SIGN_CERT}"
file=$1 desc=${2:-Hoist}
args=(sign -certs "$SIGN_CERT" -key "$SIGN_KEY" -n "$desc" -h sha256)
[ -z "${SIGN_PASS:-}" ] || args+=(-readpass "$SIGN_PASS")
[ -z "${SIGN_TIMESTAMP:-}" ] || args+=(-ts "$SIGN_TIMESTAMP")
rm -f "$file.signed"
osslsigncode "${args[@]}" -in "$file" -out "$file.signed" >/dev/null
mv "$file.signed" "$file"
echo "signed $(basename "$file")"
