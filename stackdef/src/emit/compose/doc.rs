//! The compose file as serde types: the shape of the YAML, both ways.
//!
//! Field order here is key order in the emitted file. Union forms (short and long syntax) are
//! `untagged` enums so that hand-written files in either style import.

// the forms that only hand-written files use are read by the `import` feature alone
#![cfg_attr(not(feature = "import"), allow(dead_code))]

use std::fmt;

#[cfg(feature = "import")]
use serde::Deserialize;
use serde::Serialize;

use crate::emit::yaml::Str;
use crate::model::ExtValue;

/// A mapping that keeps its keys in order (services in declaration order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<T> Ordered<T> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(feature = "import")]
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E>(self) -> Result<Ordered<T>, E> {
                Ok(Ordered(Vec::new()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, a: A) -> Result<Ordered<T>, A::Error> {
                crate::model::unique_entries(a).map(Ordered)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Any YAML scalar, read as text (`retries: 5`, `cpus: 0.5`, `memory: 512m`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum Scalar {
    Str(Str),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Str(s) => f.write_str(&s.0),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A string or a list of strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(Str),
    Many(Vec<Str>),
}

/// `KEY=value` list or `KEY: value` mapping (environment, labels, build args).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum Pairs {
    List(Vec<Str>),
    Map(Ordered<Option<Scalar>>),
}

/// The whole file. The emitter writes `services` through a type of its own that builds each
/// service's document as it is written; the importer reads them into `Ordered<ServiceDoc>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
pub(crate) struct File<S = Ordered<ServiceDoc>> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Scalar>,
    #[serde(default)]
    pub services: S,
    #[serde(default, skip_serializing_if = "Ordered::is_empty")]
    pub networks: Ordered<Option<NetworkDoc>>,
    #[serde(default, skip_serializing_if = "Ordered::is_empty")]
    pub volumes: Ordered<Option<VolumeDoc>>,
    #[serde(default, skip_serializing_if = "Ordered::is_empty")]
    pub secrets: Ordered<SecretDoc>,
    #[serde(default, skip_serializing_if = "Ordered::is_empty")]
    pub configs: Ordered<ConfigDoc>,
    #[serde(flatten)]
    pub extra: Ordered<ExtValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum BuildDoc {
    Context(Str),
    Long {
        context: Str,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dockerfile: Option<Str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<Str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        args: Option<Pairs>,
        /// Keys stackdef does not model (`network`, `cache_from`, `platforms`, …): refused on
        /// import, never written.
        #[serde(flatten, default, skip_serializing)]
        rest: Ordered<ExtValue>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum PortDoc {
    Number(u32),
    Short(Str),
    Long {
        target: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        published: Option<Scalar>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host_ip: Option<Str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        protocol: Option<Str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Str>,
        /// Keys stackdef does not model (`name`, `app_protocol`): refused on import.
        #[serde(flatten, default, skip_serializing)]
        rest: Ordered<ExtValue>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
pub(crate) struct TmpfsOpts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Scalar>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum MountDoc {
    Short(Str),
    Long {
        #[serde(rename = "type")]
        kind: Str,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<Str>,
        target: Str,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read_only: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tmpfs: Option<TmpfsOpts>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bind: Option<BindOpts>,
        /// Keys stackdef does not model (`volume.nocopy`, `consistency`, …): refused on
        /// import, never written.
        #[serde(flatten, default, skip_serializing)]
        rest: Ordered<ExtValue>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
pub(crate) struct BindOpts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_host_path: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selinux: Option<Str>,
    /// Keys stackdef does not model (`propagation`, `selinux`): refused on import.
    #[serde(flatten, default, skip_serializing)]
    pub rest: Ordered<ExtValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceNetworkDoc {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<Str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum NetworksDoc {
    List(Vec<Str>),
    Map(Ordered<Option<ServiceNetworkDoc>>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct DependDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum DependsDoc {
    List(Vec<Str>),
    Map(Ordered<DependDoc>),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct HealthDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourcesDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Scalar>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceSetDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourcesDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservations: Option<ResourcesDoc>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct DeployDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceSetDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct LoggingDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<Str>,
    #[serde(default, skip_serializing_if = "Ordered::is_empty")]
    pub options: Ordered<Scalar>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
pub(crate) struct ServiceDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_name: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_file: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Pairs>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<Scalar>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<MountDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<NetworksDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<DependsDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<DeployDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Pairs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<LoggingDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<Str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<Str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<Str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ConfigRefDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdin_open: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tty: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_policy: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sysctls: Option<Pairs>,
    #[serde(default, skip_serializing_if = "Ordered::is_empty")]
    pub ulimits: Ordered<UlimitDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_search: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_opt: Vec<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domainname: Option<Str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oom_score_adj: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_limit: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem_reservation: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_shares: Option<i64>,
    #[serde(flatten)]
    pub extra: Ordered<ExtValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum UlimitDoc {
    Single(i64),
    Range { soft: i64, hard: i64 },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum DeviceDoc {
    Short(Str),
    Long {
        source: Str,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<Str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        permissions: Option<Str>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct SubnetDoc {
    pub subnet: Str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct IpamDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<Str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<SubnetDoc>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipam: Option<IpamDoc>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct VolumeDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<Str>,
    #[serde(default, skip_serializing_if = "Ordered::is_empty")]
    pub driver_opts: Ordered<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct SecretDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Str>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "import", derive(Deserialize))]
#[serde(untagged)]
pub(crate) enum ConfigRefDoc {
    Short(Str),
    Long {
        source: Str,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<Str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        uid: Option<Str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gid: Option<Str>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Scalar>,
        /// Keys stackdef does not model: refused on import.
        #[serde(flatten, default, skip_serializing)]
        rest: Ordered<ExtValue>,
    },
}
