#!/bin/sh
# Stand-in for the official RabbitMQ image's entrypoint: the default user and password from
# RABBITMQ_DEFAULT_USER / RABBITMQ_DEFAULT_PASS, reachable from other containers, data in
# /var/lib/rabbitmq, the server run as the rabbitmq user. The CLI tools (the healthcheck's
# rabbitmq-diagnostics) find the node's cookie from root's home too, as in the official image.
set -eu
mkdir -p /etc/rabbitmq/conf.d /var/lib/rabbitmq /var/log/rabbitmq
{
    echo "loopback_users = none"
    echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
    echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
    echo "log.console = true"
} >/etc/rabbitmq/conf.d/10-stackdef.conf
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
if [ ! -e /var/lib/rabbitmq/.erlang.cookie ]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >/var/lib/rabbitmq/.erlang.cookie
    chown rabbitmq:rabbitmq /var/lib/rabbitmq/.erlang.cookie
    chmod 400 /var/lib/rabbitmq/.erlang.cookie
fi
cp /var/lib/rabbitmq/.erlang.cookie /root/.erlang.cookie
chmod 400 /root/.erlang.cookie
export HOME=/var/lib/rabbitmq RABBITMQ_CONFIG_FILES=/etc/rabbitmq/conf.d
exec runuser -u rabbitmq -- /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
