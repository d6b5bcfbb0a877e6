// The macro's own locals (the stack being built, the service being built) are hygienic: an
// expression inside `stack!` cannot read them, so it can neither depend on nor break them.
fn main() -> Result<(), stackdef::Error> {
    let _ = stackdef::stack! {
        name: demo,
        services: {
            web {
                source: stackdef::Image::parse("nginx:1.27")?,
                user: __stackdef_stack.name.to_string(),
                working_dir: __svc.name.to_string(),
            },
        },
    }?;
    Ok(())
}
