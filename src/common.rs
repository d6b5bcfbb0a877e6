//! What the example stacks share.

/// Why a public image runs by tag: the reason its `UnpinnedImage` opt-out gives.
pub const BY_TAG: &str =
    "no registry digest is recorded for this tag; the tag names a fixed release";

/// Hardening for a public image named by tag.
pub fn by_tag() -> stackdef::Hardening {
    stackdef::Hardening::default().opt_out(stackdef::OptOut::UnpinnedImage, BY_TAG)
}

/// CPU (thousandths of a CPU) and memory (MiB) limits.
pub fn limits(cpus: u32, mib: u64) -> stackdef::Deploy {
    stackdef::Deploy::limited(stackdef::Cpus::millis(cpus), stackdef::ByteSize::mib(mib))
}
