//! Units with meaning: ports, byte sizes, CPU counts and compose durations.

use std::fmt;
use std::num::NonZeroU16;
use std::time::Duration;

use crate::error::{Error, Result};

/// A TCP or UDP port number; 0 is not a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(NonZeroU16);

impl Port {
    /// A port, or an error when `n` is 0.
    pub fn new(n: u16) -> Result<Self> {
        NonZeroU16::new(n)
            .map(Port)
            .ok_or_else(|| Error::invalid("port", "0", "a port must be between 1 and 65535"))
    }

    /// A port from a literal, checked by the compiler when used in a `const`.
    ///
    /// # Panics
    /// When `n` is 0: at compile time in a `const`, at run time otherwise.
    #[track_caller]
    #[allow(clippy::panic, reason = "documented: a const panic is a compile error")]
    pub const fn from_static(n: u16) -> Self {
        match NonZeroU16::new(n) {
            Some(p) => Port(p),
            None => panic!("a port must be between 1 and 65535"),
        }
    }

    /// The port number.
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One port or an inclusive range of ports (`8000-8010`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    start: Port,
    end: Port,
}

impl PortRange {
    /// A range of ports from `start` to `end` inclusive; `start` must not exceed `end`.
    pub fn new(start: u16, end: u16) -> Result<Self> {
        let (start, end) = (Port::new(start)?, Port::new(end)?);
        if start > end {
            return Err(Error::invalid(
                "port range",
                &format!("{start}-{end}"),
                "the first port must not exceed the last",
            ));
        }
        Ok(PortRange { start, end })
    }

    /// The first port.
    pub const fn start(self) -> Port {
        self.start
    }

    /// The last port (equal to the first for a single port).
    pub const fn end(self) -> Port {
        self.end
    }

    /// How many ports the range holds.
    pub const fn len(self) -> u32 {
        (self.end.get() - self.start.get()) as u32 + 1
    }

    /// Always false: a range holds at least one port.
    pub const fn is_empty(self) -> bool {
        false
    }

    /// Whether `port` lies in the range.
    pub const fn contains(self, port: u16) -> bool {
        self.start.get() <= port && port <= self.end.get()
    }

    #[cfg(feature = "import")]
    pub(crate) fn parse(field: &str, s: &str) -> Result<Self> {
        let num = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| Error::invalid(field, s, "expected a port number or a range `a-b`"))
        };
        let range = match s.split_once('-') {
            Some((a, b)) => PortRange::new(num(a)?, num(b)?),
            None => num(s).and_then(|p| Ok(PortRange::from(Port::new(p)?))),
        };
        range.map_err(|e| match e {
            Error::Invalid { reason, .. } => Error::invalid(field, s, reason),
            other => other,
        })
    }
}

impl From<Port> for PortRange {
    fn from(p: Port) -> Self {
        PortRange { start: p, end: p }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// A size in bytes (memory limits, tmpfs sizes, shm sizes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(u64);

impl ByteSize {
    /// A size in bytes.
    pub const fn bytes(n: u64) -> Self {
        ByteSize(n)
    }
    /// A size in kibibytes.
    pub const fn kib(n: u64) -> Self {
        ByteSize(n.saturating_mul(1 << 10))
    }
    /// A size in mebibytes.
    pub const fn mib(n: u64) -> Self {
        ByteSize(n.saturating_mul(1 << 20))
    }
    /// A size in gibibytes.
    pub const fn gib(n: u64) -> Self {
        ByteSize(n.saturating_mul(1 << 30))
    }
    /// The size in bytes.
    pub const fn as_bytes(self) -> u64 {
        self.0
    }

    #[cfg(feature = "import")]
    pub(crate) fn parse(field: &str, s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        let t = t.strip_suffix('b').unwrap_or(&t);
        let (digits, shift) = match t.as_bytes().last() {
            Some(b'k') => (&t[..t.len() - 1], 10),
            Some(b'm') => (&t[..t.len() - 1], 20),
            Some(b'g') => (&t[..t.len() - 1], 30),
            _ => (t, 0),
        };
        // a fraction (`1.5g`) counts whole bytes, the rest cut off, as compose reads it
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        let bytes = (!whole.is_empty() && all_digits(whole) && all_digits(frac) && frac.len() <= 9)
            .then(|| {
                let scale = 10u128.pow(frac.len() as u32);
                let n = whole.parse::<u128>().ok()? * scale + frac.parse::<u128>().unwrap_or(0);
                u64::try_from((n << shift) / scale).ok()
            })
            .flatten();
        bytes.map(ByteSize).ok_or_else(|| {
            Error::invalid(field, s, "expected a size such as `512m`, `1g` or `1.5g`")
        })
    }
}

#[cfg(all(test, feature = "import"))]
mod size_tests {
    use super::ByteSize;

    #[test]
    fn sizes_read_as_compose_reads_them() {
        let b = |s: &str| ByteSize::parse("size", s).map(ByteSize::as_bytes);
        assert_eq!(b("512m").unwrap(), 512 << 20);
        assert_eq!(b("1.5G").unwrap(), 3 << 29);
        assert_eq!(b("0.5k").unwrap(), 512);
        assert_eq!(b("100").unwrap(), 100);
        assert_eq!(b("1.3k").unwrap(), 1331);
        for bad in ["", ".5g", "1..5g", "-1g", "1.5.5g", "x"] {
            assert!(b(bad).is_err(), "{bad}");
        }
    }
}

impl fmt::Display for ByteSize {
    /// The largest exact unit: `512m`, `1g`, `1536k`, `100b` (compose's size syntax).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (shift, unit) in [(30, 'g'), (20, 'm'), (10, 'k')] {
            if n != 0 && n.is_multiple_of(1 << shift) {
                return write!(f, "{}{unit}", n >> shift);
            }
        }
        write!(f, "{n}b")
    }
}

/// A number of CPUs, in thousandths (`Cpus::millis(500)` is half a CPU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cpus(u32);

impl Cpus {
    /// Whole CPUs.
    pub const fn whole(n: u32) -> Self {
        Cpus(n.saturating_mul(1000))
    }
    /// Thousandths of a CPU.
    pub const fn millis(n: u32) -> Self {
        Cpus(n)
    }
    /// The count in thousandths of a CPU.
    pub const fn as_millis(self) -> u32 {
        self.0
    }

    #[cfg(feature = "import")]
    pub(crate) fn parse(field: &str, s: &str) -> Result<Self> {
        let bad = || Error::invalid(field, s, "expected a CPU count such as `0.5` or `2`");
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let whole: u32 = int.parse().map_err(|_| bad())?;
        let frac_millis: u32 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
        whole
            .checked_mul(1000)
            .and_then(|w| w.checked_add(frac_millis))
            .map(Cpus)
            .ok_or_else(bad)
    }
}

impl fmt::Display for Cpus {
    /// `0.5`, `2`, `1.25`: no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, frac) = (self.0 / 1000, self.0 % 1000);
        if frac == 0 {
            return write!(f, "{whole}");
        }
        let frac = format!("{frac:03}");
        write!(f, "{whole}.{}", frac.trim_end_matches('0'))
    }
}

/// Formats a duration in compose's syntax (`1m30s`, `500ms`), or an error when it has a
/// sub-microsecond part compose cannot express.
pub(crate) fn format_duration(field: &str, d: Duration) -> Result<String> {
    if !d.subsec_nanos().is_multiple_of(1000) {
        return Err(Error::invalid(
            field,
            &format!("{d:?}"),
            "compose durations have microsecond precision at most",
        ));
    }
    let mut micros = d.as_micros();
    if micros == 0 {
        return Ok("0s".to_owned());
    }
    let mut out = String::new();
    for (unit, size) in [
        ("h", 3_600_000_000u128),
        ("m", 60_000_000),
        ("s", 1_000_000),
        ("ms", 1_000),
        ("us", 1),
    ] {
        if micros >= size {
            out.push_str(&format!("{}{unit}", micros / size));
            micros %= size;
        }
    }
    Ok(out)
}

/// Parses compose's duration syntax (`1m30s`, `10s`, `1h`, `250ms`, `3us`).
#[cfg(feature = "import")]
pub(crate) fn parse_duration(field: &str, s: &str) -> Result<Duration> {
    let bad = || {
        Error::invalid(
            field,
            s,
            "expected a duration such as `10s`, `1m30s` or `500ms`",
        )
    };
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: u128 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let size = match &rest[..unit_len] {
            "h" => 3_600_000_000,
            "m" => 60_000_000,
            "s" => 1_000_000,
            "ms" => 1_000,
            "us" | "µs" => 1,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total = n
            .checked_mul(size)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    let secs = u64::try_from(total / 1_000_000).map_err(|_| bad())?;
    Ok(Duration::new(secs, (total % 1_000_000) as u32 * 1000))
}

// the tests read compose notation, which the `import` feature parses
#[cfg(all(test, feature = "import"))]
mod tests {
    use super::*;

    #[test]
    fn port_zero_is_rejected() {
        let err = Port::new(0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid port `0`: a port must be between 1 and 65535"
        );
        assert!(PortRange::new(9, 8).is_err());
        assert_eq!(PortRange::new(8000, 8010).unwrap().to_string(), "8000-8010");
        assert!(PortRange::parse("p", "0").is_err());
        assert!(PortRange::parse("p", "70000").is_err());
    }

    #[test]
    fn durations_round_trip() {
        for (d, s) in [
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_secs(3600 + 1), "1h1s"),
            (Duration::from_micros(1_000_003), "1s3us"),
            (Duration::ZERO, "0s"),
        ] {
            assert_eq!(format_duration("d", d).unwrap(), s);
            assert_eq!(parse_duration("d", s).unwrap(), d);
        }
        assert!(format_duration("interval", Duration::from_nanos(1500)).is_err());
        for bad in ["", "10", "10x", "s", "-1s", "1.5s"] {
            assert!(parse_duration("d", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_and_cpus() {
        assert_eq!(ByteSize::mib(512).to_string(), "512m");
        assert_eq!(ByteSize::gib(1).to_string(), "1g");
        assert_eq!(ByteSize::bytes(100).to_string(), "100b");
        assert_eq!(ByteSize::parse("m", "512m").unwrap(), ByteSize::mib(512));
        assert_eq!(ByteSize::parse("m", "2G").unwrap(), ByteSize::gib(2));
        assert!(ByteSize::parse("m", "lots").is_err());
        assert_eq!(Cpus::millis(500).to_string(), "0.5");
        assert_eq!(Cpus::whole(2).to_string(), "2");
        assert_eq!(Cpus::parse("c", "1.25").unwrap(), Cpus::millis(1250));
        assert!(Cpus::parse("c", "1.2345").is_err());
        assert!(Cpus::parse("c", "-1").is_err());
    }
}
