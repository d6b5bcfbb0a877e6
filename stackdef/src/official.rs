//! What the official images a recipe knows need, in one place: the recipes give it to their
//! services' `cap_add`, and `validate()` refuses such an image whose capabilities hardening
//! drops. A leaf module, so that `check` and `recipes` do not depend on each other.

use crate::model::Image;

/// PostgreSQL's entrypoint owns the data directory to the `postgres` user (`CHOWN`, `FOWNER`,
/// `DAC_OVERRIDE`) and switches to that user (`SETUID`, `SETGID`).
pub(crate) const POSTGRES: &[&str] = &["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"];
/// Redis's entrypoint owns `/data` to the `redis` user and switches to it.
pub(crate) const REDIS: &[&str] = &["CHOWN", "SETGID", "SETUID"];
/// RabbitMQ's entrypoint owns the data directory and the Erlang cookie to the `rabbitmq` user
/// and switches to it.
pub(crate) const RABBITMQ: &[&str] = &["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"];
/// nginx's master binds port 80, owns its temporary directories to the worker user and starts
/// the workers as that user.
pub(crate) const NGINX: &[&str] = &["CHOWN", "NET_BIND_SERVICE", "SETGID", "SETUID"];

/// For an official image a recipe knows (`postgres`, `redis`, `rabbitmq`, `nginx`, also written
/// `library/…` or `docker.io/library/…`): its name and the capabilities its entrypoint needs.
pub fn capabilities(image: &Image) -> Option<(&str, &'static [&'static str])> {
    let name = image
        .name()
        .trim_start_matches("docker.io/")
        .trim_start_matches("library/");
    let needs = match name {
        "postgres" => POSTGRES,
        "redis" => REDIS,
        "rabbitmq" => RABBITMQ,
        "nginx" => NGINX,
        _ => return None,
    };
    Some((name, needs))
}
