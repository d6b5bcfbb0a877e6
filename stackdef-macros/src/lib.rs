//! Procedural macros of [stackdef](https://docs.rs/stackdef): compile-time checked stacks.
//! Use them through `stackdef`, which re-exports them.

mod expand;
mod model;
mod parse;
mod proxy;

use proc_macro::TokenStream;

/// Declares a stack whose cross-references and ports are checked while compiling; see
/// `stackdef::stack!`.
#[proc_macro]
pub fn stack(input: TokenStream) -> TokenStream {
    match syn::parse::<model::StackDef>(input) {
        Ok(def) => expand::expand(&def).into(),
        Err(err) => expand::dummy(err).into(),
    }
}
