#!/bin/sh
# Fills in alertmanager.yml's placeholders from the environment (Alertmanager reads none itself),
# writes the SMTP password to a file of its own, then runs Alertmanager with the result.
set -eu
: "${SMTP_HOST:?}" "${SMTP_PORT:?}" "${MAIL_FROM:?}" "${STAFF_ALERTS_EMAIL:?}" "${SMTP_STARTTLS:?}"
umask 077
printf %s "${SMTP_PASSWORD:-}" > /tmp/smtp-password
escape() { printf %s "$1" | sed -e 's/[\/&|\\]/\\&/g'; }
sed -e "s|\${SMTP_HOST}|$(escape "$SMTP_HOST")|g" \
    -e "s|\${SMTP_PORT}|$(escape "$SMTP_PORT")|g" \
    -e "s|\${SMTP_USERNAME}|$(escape "${SMTP_USERNAME:-}")|g" \
    -e "s|\${SMTP_STARTTLS}|$(escape "$SMTP_STARTTLS")|g" \
    -e "s|\${MAIL_FROM}|$(escape "$MAIL_FROM")|g" \
    -e "s|\${STAFF_ALERTS_EMAIL}|$(escape "$STAFF_ALERTS_EMAIL")|g" \
    /etc/alertmanager/alertmanager.yml > /tmp/alertmanager.yml
exec /bin/alertmanager --config.file=/tmp/alertmanager.yml --storage.path=/alertmanager "$@"
