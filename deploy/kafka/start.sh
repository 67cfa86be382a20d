#!/bin/bash
# The broker of docker-compose.yml: one KRaft node whose client listener takes only SASL/SCRAM
# users over TLS, every request checked against ACLs (made by the `topics` job from
# vod_shared.topics.acl_entries). The same settings as the development broker's secured mode
# (tools/vod_devtools/_kafka_setup.py), which the tests run.
set -euo pipefail
: "${KAFKA_CLUSTER_ID:?set KAFKA_CLUSTER_ID (python -c 'import uuid,base64; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip(\"=\"))')}"
config=/tmp/server.properties
cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9094
listeners=SASL_SSL://:9093,CONTROLLER://localhost:9094
advertised.listeners=SASL_SSL://kafka:9093
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
ssl.keystore.type=PEM
ssl.keystore.location=/run/secrets/kafka-tls/broker.pem
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/kafka-tls/ca.pem
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=false
log.cleaner.backoff.ms=15000
PROPERTIES
users=()
for name in admin intake screening scheduling notifications; do
  var="KAFKA_${name^^}_PASSWORD"
  : "${!var:?set $var}"
  users+=(--add-scram "SCRAM-SHA-512=[name=${name},password=${!var}]")
done
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "$KAFKA_CLUSTER_ID" -c "$config" "${users[@]}"
exec /opt/kafka/bin/kafka-server-start.sh "$config"
