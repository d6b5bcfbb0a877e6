//! Synthetic stacks of any size for benchmarks: each service publishes a port, reads an env
//! variable, mounts its own named volume, has a healthcheck, depends on the previous one, and
//! gets one proxy route.

use std::time::Duration;

use stackdef::{
    DependsOn, EnvSpec, EnvVar, Error, HealthTest, Healthcheck, Image, Mount, PortMapping, Proxy,
    Route, Server, Service, ServiceName, Stack, Tls, Volume, VolumeName,
};

/// A stack of `n` services (`n` ≤ 40,000: host ports 20000 + i).
pub fn stack(n: usize) -> Result<Stack, Error> {
    let mut stack = Stack::builder().name("synthetic".parse()?).build();
    let mut proxy = Proxy::new("nginx.conf", stackdef::Placement::Host)?;
    let mut server = Server::new(vec!["bench.example.com".parse()?], Tls::LetsEncrypt);
    let health = Healthcheck::builder()
        .test(HealthTest::Exec(vec![
            "wget".into(),
            "-q".into(),
            "http://127.0.0.1:8000/".into(),
        ]))
        .interval(Duration::from_secs(10))
        .timeout(Duration::from_secs(3))
        .retries(3)
        .build();
    for i in 0..n {
        let name = ServiceName::new(format!("svc{i}"))?;
        let volume = VolumeName::new(format!("data{i}"))?;
        let var = EnvVar::new(
            &format!("SVC{i}_TOKEN"),
            EnvSpec::new("Services", "Token")?.default("t"),
        )?;
        let mut s = Service::builder()
            .name(name.clone())
            .source(Image::parse("ghcr.io/example/app:1.0")?)
            .ports(vec![
                PortMapping::new(20000 + i as u16, 8000)?.on(stackdef::LOCALHOST),
            ])
            .mounts(vec![Mount::volume(volume.clone(), "/data")?])
            .healthcheck(health.clone())
            .build();
        s.set_env(var.key(), var.text());
        if i > 0 {
            s.depends_on
                .push(DependsOn::healthy(ServiceName::new(format!(
                    "svc{}",
                    i - 1
                ))?));
        }
        server
            .routes
            .push(Route::proxy(&format!("/svc{i}/"), name, 8000)?);
        stack.services.push(s);
        stack.volumes.push(Volume::new(volume));
        stack.env.push(var);
    }
    proxy.servers.push(server);
    stack.proxies.push(proxy);
    Ok(stack)
}

/// Validate and run all three emitters (`render` validates once); returns the bytes written.
pub fn validate_and_emit(stack: &Stack) -> Result<usize, Error> {
    let files = stackdef::write::render(stack, &stackdef::write::Plan::default())?;
    Ok(files.iter().map(|f| f.content.len()).sum())
}
