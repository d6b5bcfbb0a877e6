//! `#[derive(Builder)]`: the compile-time checked builders of stackdef's model types
//! (`Service::builder().name(…).source(…).build()`).
//!
//! The builder `SBuilder<F1, …, Fn>` has one type parameter per field: `()` while the field is
//! unset, `(T,)` once its setter ran. Each setter exists only while its field is unset (so a field
//! cannot be set twice), and `build()` asks every required field's parameter for a trait that
//! only `(T,)` implements, named for that field, whose diagnostic says which setter is missing.
//!
//! Field attributes, `#[builder(…)]`: `default` (unset means `Default::default()`), `!default`
//! (required even under the struct's `field_defaults(default)`), `setter(into)` (the setter takes
//! `impl Into<T>`) and `setter(strip_option)` (an `Option<U>` field's setter takes `U`).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Error, Fields, GenericArgument, PathArguments, Type};

/// One field, as its attributes configure it.
struct Field<'a> {
    ident: &'a syn::Ident,
    ty: &'a Type,
    docs: Vec<&'a Attribute>,
    default: bool,
    into: bool,
    /// The `U` of an `Option<U>` field with `setter(strip_option)`.
    stripped: Option<&'a Type>,
}

/// What `#[builder(…)]` says, on the struct or on a field.
#[derive(Default)]
struct Options {
    default: Option<bool>,
    field_defaults: bool,
    into: bool,
    strip_option: bool,
}

fn options(attrs: &[Attribute]) -> syn::Result<Options> {
    let mut o = Options::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("builder")) {
        // `!default` is not a path, so the list is read item by item rather than as nested meta
        attr.parse_args_with(|input: syn::parse::ParseStream| {
            while !input.is_empty() {
                if input.peek(syn::Token![!]) {
                    input.parse::<syn::Token![!]>()?;
                    let word: syn::Ident = input.parse()?;
                    if word != "default" {
                        return Err(Error::new(word.span(), "expected `!default`"));
                    }
                    o.default = Some(false);
                } else {
                    match input.parse::<syn::Meta>()? {
                        syn::Meta::Path(p) if p.is_ident("default") => o.default = Some(true),
                        syn::Meta::List(l) if l.path.is_ident("field_defaults") => {
                            l.parse_nested_meta(|inner| {
                                if inner.path.is_ident("default") {
                                    o.field_defaults = true;
                                    Ok(())
                                } else {
                                    Err(inner.error("expected `default`"))
                                }
                            })?
                        }
                        syn::Meta::List(l) if l.path.is_ident("setter") => {
                            l.parse_nested_meta(|inner| {
                                if inner.path.is_ident("into") {
                                    o.into = true;
                                } else if inner.path.is_ident("strip_option") {
                                    o.strip_option = true;
                                } else {
                                    return Err(inner.error("expected `into` or `strip_option`"));
                                }
                                Ok(())
                            })?
                        }
                        other => {
                            return Err(Error::new(
                                other.span(),
                                "expected `default`, `!default`, `setter(…)` or `field_defaults(default)`",
                            ));
                        }
                    }
                }
                if !input.is_empty() {
                    input.parse::<syn::Token![,]>()?;
                }
            }
            Ok(())
        })?;
    }
    Ok(o)
}

fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// Expands `#[derive(Builder)]`.
pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Struct(data) = &input.data else {
        return Err(Error::new(
            input.ident.span(),
            "`Builder` derives only on structs",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(Error::new(
            input.ident.span(),
            "`Builder` needs named fields",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(Error::new(
            input.generics.span(),
            "`Builder` does not support generics",
        ));
    }
    let all_default = options(&input.attrs)?.field_defaults;
    let mut fields = Vec::new();
    for f in &named.named {
        let o = options(&f.attrs)?;
        let ident = f.ident.as_ref().expect("named field");
        let stripped = if o.strip_option {
            Some(option_inner(&f.ty).ok_or_else(|| {
                Error::new(
                    f.ty.span(),
                    "`setter(strip_option)` needs an `Option<…>` field",
                )
            })?)
        } else {
            None
        };
        fields.push(Field {
            ident,
            ty: &f.ty,
            docs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .collect(),
            default: o.default.unwrap_or(all_default),
            into: o.into,
            stripped,
        });
    }
    Ok(expand(&input.ident, &input.vis, &fields))
}

fn expand(name: &syn::Ident, vis: &syn::Visibility, fields: &[Field<'_>]) -> TokenStream {
    let builder = format_ident!("{name}Builder");
    let params: Vec<_> = (0..fields.len()).map(|i| format_ident!("F{i}")).collect();
    let unset = fields.iter().map(|_| quote!(()));
    let index: Vec<_> = (0..fields.len()).map(syn::Index::from).collect();
    let struct_doc = format!(
        "Builder of [`{name}`], made by [`{name}::builder`]: each setter once, then `build()`."
    );
    let builder_doc = format!(
        "A builder of [`{name}`]. Required: {}; the others default.",
        fields
            .iter()
            .filter(|f| !f.default)
            .map(|f| format!("`{}`", f.ident))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let setters = fields.iter().enumerate().map(|(i, f)| {
        let ident = f.ident;
        let docs = &f.docs;
        let value_ty = f.stripped.unwrap_or(f.ty);
        let ty = f.ty;
        let arg = if f.into {
            quote!(impl ::core::convert::Into<#value_ty>)
        } else {
            quote!(#value_ty)
        };
        let value = match (f.into, f.stripped.is_some()) {
            (true, true) => {
                quote!(::core::option::Option::Some(::core::convert::Into::into(#ident)))
            }
            (true, false) => quote!(::core::convert::Into::into(#ident)),
            (false, true) => quote!(::core::option::Option::Some(#ident)),
            (false, false) => quote!(#ident),
        };
        let others: Vec<_> = params
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, p)| p)
            .collect();
        let before = params
            .iter()
            .enumerate()
            .map(|(j, p)| if j == i { quote!(()) } else { quote!(#p) });
        let after = params
            .iter()
            .enumerate()
            .map(|(j, p)| if j == i { quote!((#ty,)) } else { quote!(#p) });
        let moved = index.iter().enumerate().map(|(j, n)| {
            if j == i {
                quote!((#value,))
            } else {
                quote!(self.#n)
            }
        });
        quote! {
            impl<#(#others),*> #builder<#(#before),*> {
                #(#docs)*
                #[inline]
                #vis fn #ident(self, #ident: #arg) -> #builder<#(#after),*> {
                    #builder(#(#moved),*)
                }
            }
        }
    });
    let required_traits = fields.iter().filter(|f| !f.default).map(|f| {
        let tr = required_trait(name, f.ident);
        let message = format!(
            "`{name}::builder()`: the required field `{}` is not set",
            f.ident
        );
        let label = format!("call `.{}(…)` before `.build()`", f.ident);
        quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label)]
            pub trait #tr<T> { fn value(self) -> T; }
            impl<T> #tr<T> for (T,) { #[inline] fn value(self) -> T { self.0 } }
        }
    });
    let bounds = fields.iter().zip(&params).map(|(f, p)| {
        let ty = f.ty;
        if f.default {
            quote!(#p: Optional<#ty>)
        } else {
            let tr = required_trait(name, f.ident);
            quote!(#p: #tr<#ty>)
        }
    });
    let values = fields.iter().zip(&index).map(|(f, n)| {
        let ident = f.ident;
        if f.default {
            quote!(#ident: Optional::value_or_default(self.#n))
        } else {
            let tr = required_trait(name, f.ident);
            quote!(#ident: #tr::value(self.#n))
        }
    });
    let builder_name = builder.to_string();
    quote! {
        #[doc = #struct_doc]
        #[must_use = "a builder does nothing until `build()`"]
        #vis struct #builder<#(#params = ()),*>(#(#params),*);

        impl<#(#params),*> ::core::fmt::Debug for #builder<#(#params),*> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(#builder_name)
            }
        }

        const _: () = {
            pub trait Optional<T> { fn value_or_default(self) -> T; }
            impl<T: ::core::default::Default> Optional<T> for () {
                #[inline] fn value_or_default(self) -> T { T::default() }
            }
            impl<T> Optional<T> for (T,) { #[inline] fn value_or_default(self) -> T { self.0 } }
            #(#required_traits)*

            impl #name {
                #[doc = #builder_doc]
                #[inline]
                #vis fn builder() -> #builder { #builder(#(#unset),*) }
            }

            #(#setters)*

            impl<#(#params),*> #builder<#(#params),*> {
                /// The value, once every required field is set.
                #[inline]
                #[allow(private_bounds)]
                #vis fn build(self) -> #name where #(#bounds),* {
                    #name { #(#values),* }
                }
            }
        };
    }
}

fn required_trait(name: &syn::Ident, field: &syn::Ident) -> syn::Ident {
    syn::Ident::new(&format!("{name}_{field}_is_required"), Span::call_site())
}
