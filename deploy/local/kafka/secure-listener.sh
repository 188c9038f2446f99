# shellcheck shell=bash
# Sourced by kafka-start.sh when KAFKA_SECURE_PORT is set: adds a SASL_SSL listener
# (SCRAM-SHA-512 over TLS) to the broker's server.properties, with a fresh self-signed
# certificate for 127.0.0.1 in a PKCS12 keystore (keytool, from the JDK). The certificate's
# PEM is written to <data dir>/tls/ca.pem: clients trust it and verify the host name.

# add_secure_listener DATA_DIR PLAINTEXT_PORT SECURE_PORT
add_secure_listener() {
  local data="$1" plain="$2" secure="$3" tls="$1/tls"
  local store_password
  store_password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  mkdir -p "$tls" && rm -f "$tls/broker.p12" "$tls/ca.pem"
  keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 2 \
    -dname "CN=127.0.0.1" -ext "SAN=IP:127.0.0.1,DNS:localhost" \
    -keystore "$tls/broker.p12" -storetype PKCS12 \
    -storepass "$store_password" -keypass "$store_password" >/dev/null 2>&1 \
    || { echo "kafka-start: keytool could not make the broker certificate." >&2; return 1; }
  keytool -exportcert -rfc -alias broker -keystore "$tls/broker.p12" -storetype PKCS12 \
    -storepass "$store_password" -file "$tls/ca.pem" >/dev/null 2>&1
  local props="$data/server.properties"
  sed -i \
    -e "s|^listeners=PLAINTEXT://127.0.0.1:$plain,|listeners=PLAINTEXT://127.0.0.1:$plain,SASL_SSL://127.0.0.1:$secure,|" \
    -e "s|^advertised.listeners=.*|&,SASL_SSL://127.0.0.1:$secure|" \
    -e "s|^listener.security.protocol.map=.*|&,SASL_SSL:SASL_SSL|" \
    "$props"
  cat >>"$props" <<PROPS

# The SASL_SSL listener (KAFKA_SECURE_PORT): SCRAM-SHA-512 users over TLS.
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.location=$tls/broker.p12
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.password=$store_password
listener.name.sasl_ssl.ssl.key.password=$store_password
PROPS
}
