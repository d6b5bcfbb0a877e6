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

/// The stack with its named volumes' sizes declared: what each claims on a cluster
/// ([`stackdef::Volume::size`]). A name the stack does not declare is an error.
pub fn sized(
    mut stack: stackdef::Stack,
    sizes: &[(&str, stackdef::ByteSize)],
) -> Result<stackdef::Stack, stackdef::Error> {
    for (name, size) in sizes {
        let volume = stack
            .volumes
            .iter_mut()
            .find(|v| v.name.as_str() == *name)
            .ok_or_else(|| {
                stackdef::Error::invalid("volume size", name, "the stack declares no such volume")
            })?;
        volume.size = Some(*size);
    }
    Ok(stack)
}
