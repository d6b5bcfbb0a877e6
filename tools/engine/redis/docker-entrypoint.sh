#!/bin/sh
# Stand-in for the official Redis image's entrypoint: flags alone mean redis-server; the server
# listens on every interface without protected mode, in /data, as the redis user.
set -eu
if [ $# -eq 0 ] || [ "${1#-}" != "$1" ]; then
    set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
    shift
    set -- redis-server --bind '* -::*' --protected-mode no "$@"
    chown -R redis:redis /data
    cd /data
    exec runuser -u redis -- "$@"
fi
exec "$@"
