//! Wiring a proxy that runs as a service of the stack into that service: its config file,
//! published HTTP(S) ports, and for Let's Encrypt the shared certbot volumes and a renewing
//! certbot service.

use crate::error::{Error, Result};
use crate::model::name::{ServiceName, VolumeName};
use crate::model::{
    Command, Image, Mount, Placement, PortMapping, Proxy, Restart, Service, ServiceNetwork, Stack,
    Text, Tls, Volume,
};

/// The volume holding certbot's http-01 challenge files.
pub const CERTBOT_WEBROOT: VolumeName = VolumeName::from_static("certbot_webroot");
/// The volume holding `/etc/letsencrypt`.
pub const LETSENCRYPT: VolumeName = VolumeName::from_static("letsencrypt");
/// The renewing certbot service added for Let's Encrypt.
pub const CERTBOT: ServiceName = ServiceName::from_static("certbot");

/// Whether `proxy` needs certbot (a Let's Encrypt server).
fn lets_encrypt(proxy: &Proxy) -> bool {
    proxy.servers.iter().any(|s| s.tls == Tls::LetsEncrypt)
}

fn publish_if_missing(s: &mut Service, port: u16) -> Result<()> {
    if !s.ports.iter().any(|p| p.target.contains(port)) {
        s.ports.push(PortMapping::new(port, port)?);
    }
    Ok(())
}

fn mount_if_missing(s: &mut Service, mount: Mount) {
    if !s.mounts.iter().any(|m| m.target() == mount.target()) {
        s.mounts.push(mount);
    }
}

impl Stack {
    /// Wires every proxy that runs as a service of the stack into its service: mounts its file
    /// at `/etc/nginx/nginx.conf` (read-only), gives it the capabilities nginx needs (when it
    /// lists none and drops them all), publishes 80 (and 443 with TLS) unless already
    /// published, and for Let's Encrypt shares the certbot volumes and adds a `certbot` service
    /// that renews twice a day (the nginx service reloads every six hours to pick up renewed
    /// certificates). Idempotent: wiring twice changes nothing.
    pub fn wire_proxies(&mut self) -> Result<()> {
        let proxies: Vec<Proxy> = self.proxies.clone();
        for proxy in &proxies {
            let Placement::Service(name) = &proxy.placement else {
                continue;
            };
            let le = lets_encrypt(proxy);
            let service = self.service_mut(name.as_str()).ok_or_else(|| {
                Error::invalid("proxy placement", name.as_str(), "no service of this name")
            })?;
            let config =
                Mount::bind(&format!("./{}", proxy.file), "/etc/nginx/nginx.conf")?.read_only();
            mount_if_missing(service, config);
            if service.cap_add.is_empty() && service.hardening.keep_default_capabilities.is_none() {
                service.cap_add = crate::recipes::spa::capabilities();
            }
            publish_if_missing(service, 80)?;
            if proxy.has_tls() {
                publish_if_missing(service, 443)?;
            }
            if !le {
                continue;
            }
            mount_if_missing(
                service,
                Mount::volume(CERTBOT_WEBROOT, proxy.acme_webroot.as_str())?.read_only(),
            );
            mount_if_missing(
                service,
                Mount::volume(LETSENCRYPT, "/etc/letsencrypt")?.read_only(),
            );
            if service.command.is_none() {
                service.command = Some(Command::Exec(vec![
                    "/bin/sh".into(),
                    "-c".into(),
                    Text::lit(
                        "while :; do sleep 6h & wait $!; nginx -s reload; done & exec nginx -g 'daemon off;'",
                    ),
                ]));
            }
            let networks = service.networks.clone();
            self.certbot(proxy, networks)?;
        }
        Ok(())
    }

    /// `networks`: the proxy service's. certbot talks to nobody in the stack, but on no network
    /// at all compose would create the stack's `default` network for it, from Docker's address
    /// pools — where it can take a subnet that one of the stack's own networks names.
    fn certbot(&mut self, proxy: &Proxy, networks: Vec<ServiceNetwork>) -> Result<()> {
        for v in [CERTBOT_WEBROOT, LETSENCRYPT] {
            if !self.volumes.iter().any(|x| x.name == v) {
                self.volumes.push(Volume::new(v));
            }
        }
        if self.service(CERTBOT.as_str()).is_some() {
            return Ok(());
        }
        let mut certbot = Service::builder()
            .name(CERTBOT)
            .source(Image::parse("certbot/certbot:v3.1.0")?)
            .build();
        certbot.mounts = vec![
            Mount::volume(CERTBOT_WEBROOT, proxy.acme_webroot.as_str())?,
            Mount::volume(LETSENCRYPT, "/etc/letsencrypt")?,
        ];
        certbot.entrypoint = Some(Command::Exec(vec![
            "/bin/sh".into(),
            "-c".into(),
            Text::lit(format!(
                "trap exit TERM; while :; do certbot renew --webroot -w {} --quiet; sleep 12h & wait $!; done",
                proxy.acme_webroot
            )),
        ]));
        certbot.restart = Some(Restart::UnlessStopped);
        certbot.networks = networks
            .into_iter()
            .map(|n| ServiceNetwork::from(n.network))
            .collect();
        // renewals are short Python runs; the image is stackdef's choice, by tag
        certbot.deploy = Some(crate::model::Deploy::limited(
            crate::model::Cpus::millis(250),
            crate::model::ByteSize::mib(256),
        ));
        certbot.hardening = certbot.hardening.opt_out(
            crate::model::OptOut::UnpinnedImage,
            "stackdef's certbot service names a fixed release by tag; pin a digest by replacing its image",
        );
        self.services.push(certbot);
        Ok(())
    }
}
