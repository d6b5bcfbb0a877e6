//! Procedural macros of [stackdef](https://docs.rs/stackdef): compile-time checked stacks.
//! Use them through `stackdef`, which re-exports them.

mod builder;
mod expand;
mod model;
mod parse;

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

/// The checked builders of stackdef's model types (`Service::builder()…build()`): one setter per
/// field, each callable once, and `build()` a compile error naming any required field left unset.
/// Internal to stackdef; not part of its API.
#[doc(hidden)]
#[proc_macro_derive(Builder, attributes(builder))]
pub fn derive_builder(input: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(input).and_then(|i| builder::derive(&i)) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}
