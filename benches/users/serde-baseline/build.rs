//! Writes a compose file much like stackdef-user's, from plain serde structs.
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Compose {
    name: String,
    services: BTreeMap<String, Service>,
    volumes: BTreeMap<String, Option<()>>,
}

#[derive(Serialize)]
struct Service {
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build: Option<String>,
    environment: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    volumes: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    depends_on: BTreeMap<String, Condition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    healthcheck: Option<Healthcheck>,
    restart: String,
}

#[derive(Serialize)]
struct Condition {
    condition: String,
}

#[derive(Serialize)]
struct Healthcheck {
    test: Vec<String>,
    interval: String,
    retries: u32,
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let env = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut services = BTreeMap::new();
    services.insert("db".into(), Service {
        image: Some("postgres:16-alpine".into()),
        build: None,
        environment: env(&[("POSTGRES_USER", "${DB_USER}"), ("POSTGRES_PASSWORD", "${DB_PASSWORD}"), ("POSTGRES_DB", "${DB_NAME}")]),
        ports: vec![],
        volumes: vec!["pgdata:/var/lib/postgresql/data".into()],
        depends_on: BTreeMap::new(),
        healthcheck: Some(Healthcheck {
            test: vec!["CMD-SHELL".into(), "pg_isready -U \"$${POSTGRES_USER}\"".into()],
            interval: "5s".into(),
            retries: 10,
        }),
        restart: "unless-stopped".into(),
    });
    services.insert("web".into(), Service {
        image: None,
        build: Some(".".into()),
        environment: env(&[("DATABASE_URL", "postgresql://${DB_USER}:${DB_PASSWORD}@db:5432/${DB_NAME}"), ("SESSION_KEY", "${SESSION_KEY}")]),
        ports: vec!["127.0.0.1:8000:8000".into()],
        volumes: vec![],
        depends_on: [("db".to_string(), Condition { condition: "service_healthy".into() })].into(),
        healthcheck: None,
        restart: "unless-stopped".into(),
    });
    let compose = Compose { name: "notes".into(), services, volumes: [("pgdata".to_string(), None)].into() };
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("deploy");
    std::fs::create_dir_all(&dir).unwrap();
    let text = serde_yaml::to_string(&compose).unwrap();
    let path = dir.join("docker-compose.yml");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(path, text).unwrap();
    }
}
