//! Code generation: the stack value, plus one `const` check per reference and port, each spanned
//! at the user's token so a broken rule is reported there. The rules themselves live in
//! `::stackdef::__private::rules`; this file only resolves names and wires spans.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Ident, LitStr};

use crate::model::{Cond, MountSource, ServiceDef, StackDef};

fn name_of(i: &Ident) -> String {
    let s = i.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// A name value checked by the compiler: `{ const N: Ty = Ty::from_static("x"); N }`.
fn const_name(ty: &str, i: &Ident) -> TokenStream {
    let ty = Ident::new(ty, Span::call_site());
    let lit = LitStr::new(&name_of(i), i.span());
    quote_spanned! {i.span()=> {
        const __STACKDEF_NAME: ::stackdef::#ty = ::stackdef::#ty::from_static(#lit);
        __STACKDEF_NAME
    }}
}

struct Checks<'a> {
    def: &'a StackDef,
    out: TokenStream,
}

impl Checks<'_> {
    fn push(&mut self, span: Span, call: TokenStream) {
        self.out
            .extend(quote_spanned! {span=> const _: () = #call;});
    }

    fn reference(&mut self, kind: &str, from: &Ident, target: &Ident, declared: &[Ident]) {
        let names: Vec<String> = declared.iter().map(name_of).collect();
        let (from_s, target_s) = (name_of(from), name_of(target));
        if names.contains(&target_s) {
            return;
        }
        let kind = Ident::new(kind, Span::call_site());
        self.push(target.span(), quote_spanned! {target.span()=>
            ::stackdef::__private::rules::unknown(
                ::stackdef::__private::rules::RefKind::#kind, #from_s, #target_s, &[#(#names),*])
        });
    }

    fn duplicates(&mut self) {
        let mut seen = HashMap::new();
        let mut containers: HashMap<String, &Ident> = HashMap::new();
        for s in &self.def.services {
            let name = name_of(&s.name);
            if seen.insert(name.clone(), ()).is_some() {
                self.push(
                    s.name.span(),
                    quote_spanned! {s.name.span()=>
                        ::stackdef::__private::rules::duplicate_service(#name)
                    },
                );
            }
            let Some(c) = &s.container_name else { continue };
            if let Some(other) = containers.insert(c.value(), &s.name) {
                let (cv, other) = (c.value(), name_of(other));
                self.push(
                    c.span(),
                    quote_spanned! {c.span()=>
                        ::stackdef::__private::rules::duplicate_container_name(#cv, #name, #other)
                    },
                );
            }
        }
    }

    fn references(&mut self) {
        let def = self.def;
        let services: Vec<Ident> = def.services.iter().map(|s| s.name.clone()).collect();
        for s in &def.services {
            for d in &s.depends_on {
                self.reference("Service", &s.name, &d.target, &services);
                let target = def
                    .services
                    .iter()
                    .find(|t| name_of(&t.name) == name_of(&d.target));
                if let (Cond::Healthy, Some(t)) = (d.cond, target) {
                    let has = t.healthcheck.is_some();
                    let (from, to) = (name_of(&s.name), name_of(&t.name));
                    self.push(d.cond_span, quote_spanned! {d.cond_span=>
                        ::stackdef::__private::rules::healthy_needs_healthcheck(#from, #to, #has)
                    });
                }
            }
            for m in &s.volumes {
                if let MountSource::Volume(v) = &m.source {
                    self.reference("Volume", &s.name, v, &def.volumes);
                }
            }
            for n in &s.networks {
                self.reference("Network", &s.name, n, &def.networks);
            }
            for n in &s.secrets {
                self.reference("Secret", &s.name, n, &def.secrets);
            }
        }
    }

    fn ports(&mut self) {
        let mut uses = Vec::new();
        let mut spans = Vec::new();
        for s in &self.def.services {
            let service = name_of(&s.name);
            for p in &s.ports {
                let published = &p.published;
                let ip = match &p.host_ip {
                    Some(ip) => quote!(::core::option::Option::Some(#ip)),
                    None => quote!(::core::option::Option::None),
                };
                let protocol = u8::from(p.udp);
                uses.push(quote! {{
                    let (family, ip) = ::stackdef::__private::rules::ip_key(#ip);
                    ::stackdef::__private::rules::PortUse {
                        service: #service, ip, family, protocol: #protocol, start: #published, end: #published,
                    }
                }});
                spans.push(syn::spanned::Spanned::span(published));
            }
        }
        if uses.is_empty() {
            return;
        }
        let n = uses.len();
        self.out.extend(quote! {
            #[allow(unused_braces, unused_parens)]
            const __STACKDEF_PORTS: [::stackdef::__private::rules::PortUse<'static>; #n] = [#(#uses),*];
            const __STACKDEF_CLASH: [u32; #n] = ::stackdef::__private::rules::port_clashes_in(&__STACKDEF_PORTS);
        });
        for (i, span) in spans.into_iter().enumerate() {
            self.push(span, quote_spanned! {span=>
                ::stackdef::__private::rules::port_free(&__STACKDEF_PORTS, &__STACKDEF_CLASH, #i)
            });
        }
    }

    fn cycle(&mut self) {
        let def = self.def;
        let index: HashMap<String, u32> = def
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (name_of(&s.name), i as u32))
            .collect();
        let (mut from, mut to, mut spans) = (Vec::new(), Vec::new(), Vec::new());
        for (i, s) in def.services.iter().enumerate() {
            for d in &s.depends_on {
                if let Some(&j) = index.get(&name_of(&d.target)) {
                    from.push(i as u32);
                    to.push(j);
                    spans.push(d.target.span());
                }
            }
        }
        if from.is_empty() {
            return;
        }
        let names: Vec<String> = def.services.iter().map(|s| name_of(&s.name)).collect();
        let (n, e) = (names.len(), from.len());
        let (path, scratch) = (n + 1, 3 * n + 1);
        self.out.extend(quote! {
            const __STACKDEF_NAMES: [&str; #n] = [#(#names),*];
            const __STACKDEF_CYCLE: ::stackdef::__private::rules::CycleAt<#path> =
                ::stackdef::__private::rules::find_cycle_in::<#path, #e, #scratch>(&[#(#from),*], &[#(#to),*]);
        });
        for (k, span) in spans.into_iter().enumerate() {
            let k = k as u32;
            self.push(span, quote_spanned! {span=>
                ::stackdef::__private::rules::not_closing_cycle(&__STACKDEF_NAMES, &__STACKDEF_CYCLE, #k)
            });
        }
    }
}

fn service(s: &ServiceDef) -> TokenStream {
    let name = const_name("ServiceName", &s.name);
    let source = &s.source;
    let mut body = TokenStream::new();
    if let Some(c) = &s.container_name {
        body.extend(quote_spanned! {c.span()=>
            __svc.container_name = ::core::option::Option::Some({
                const __STACKDEF_NAME: ::stackdef::ContainerName = ::stackdef::ContainerName::from_static(#c);
                __STACKDEF_NAME
            });
        });
    }
    if let Some(h) = &s.healthcheck {
        body.extend(quote! { __svc.healthcheck = ::core::convert::Into::into(#h); });
    }
    for p in &s.ports {
        let (published, target) = (&p.published, &p.target);
        let ip = match &p.host_ip {
            Some(ip) => quote!(::core::option::Option::Some(#ip)),
            None => quote!(::core::option::Option::None),
        };
        let protocol = if p.udp { quote!(Udp) } else { quote!(Tcp) };
        let port = |e: &syn::Expr| {
            let span = syn::spanned::Spanned::span(e);
            quote_spanned! {span=> ::stackdef::PortRange::from({
                #[allow(unused_braces, unused_parens)]
                const __STACKDEF_PORT: ::stackdef::Port = ::stackdef::Port::from_static(#e);
                __STACKDEF_PORT
            })}
        };
        let (published, target) = (port(published), port(target));
        body.extend(quote! {
            __svc.ports.push(::stackdef::PortMapping {
                host_ip: #ip,
                published: ::core::option::Option::Some(#published),
                target: #target,
                protocol: ::stackdef::Protocol::#protocol,
            });
        });
    }
    for d in &s.depends_on {
        let target = const_name("ServiceName", &d.target);
        let cond = match d.cond {
            Cond::Started => quote!(Started),
            Cond::Healthy => quote!(Healthy),
            Cond::Completed => quote!(CompletedSuccessfully),
        };
        body.extend(quote! {
            __svc.depends_on.push(::stackdef::DependsOn {
                service: #target, condition: ::stackdef::Condition::#cond, restart: false,
            });
        });
    }
    for m in &s.volumes {
        let target = &m.target;
        let mount = match &m.source {
            MountSource::Volume(v) => {
                let v = const_name("VolumeName", v);
                quote!(::stackdef::Mount::volume(#v, #target)?)
            }
            MountSource::Bind(src) => quote!(::stackdef::Mount::bind(#src, #target)?),
        };
        let mount = if m.read_only {
            quote!(#mount.read_only())
        } else {
            mount
        };
        body.extend(quote! { __svc.mounts.push(#mount); });
    }
    for n in &s.networks {
        let n = const_name("NetworkName", n);
        body.extend(quote! { __svc.networks.push(::stackdef::ServiceNetwork::from(#n)); });
    }
    for n in &s.secrets {
        let n = const_name("SecretName", n);
        body.extend(quote! { __svc.secrets.push(#n); });
    }
    for (field, value) in &s.fields {
        body.extend(
            quote_spanned! {field.span()=> __svc.#field = ::core::convert::Into::into(#value); },
        );
    }
    quote! {{
        let mut __svc = ::stackdef::Service::builder()
            .name(#name)
            .source(::core::convert::Into::<::stackdef::Source>::into(#source))
            .build();
        #body
        __stackdef_stack.services.push(__svc);
    }}
}

pub fn expand(def: &StackDef) -> TokenStream {
    let mut checks = Checks {
        def,
        out: TokenStream::new(),
    };
    checks.duplicates();
    checks.references();
    checks.ports();
    checks.cycle();
    let checks = checks.out;
    let name = const_name("ProjectName", &def.name);
    let volumes = def.volumes.iter().map(|v| {
        let v = const_name("VolumeName", v);
        quote!(__stackdef_stack.volumes.push(::stackdef::Volume::new(#v));)
    });
    let networks = def.networks.iter().map(|n| {
        let n = const_name("NetworkName", n);
        quote!(__stackdef_stack.networks.push(::stackdef::Network::new(#n));)
    });
    let secrets = def.secrets.iter().map(|n| {
        let file = LitStr::new(&format!("./secrets/{}", name_of(n)), n.span());
        let n = const_name("SecretName", n);
        quote!(__stackdef_stack.secrets.push(::stackdef::Secret {
            name: #n, source: ::stackdef::SecretSource::File(::core::convert::Into::into(#file)),
        });)
    });
    let services = def.services.iter().map(service);
    quote! {
        (|| -> ::core::result::Result<::stackdef::Stack, ::stackdef::Error> {
            #checks
            let mut __stackdef_stack = ::stackdef::Stack::builder().name(#name).build();
            #(#volumes)*
            #(#networks)*
            #(#secrets)*
            #(#services)*
            ::stackdef::validate(&__stackdef_stack).map_err(::stackdef::Error::InvalidStack)?;
            ::core::result::Result::Ok(__stackdef_stack)
        })()
    }
}

/// What the macro expands to after a syntax error: the error, plus a value of the right type so
/// that the caller's code type-checks and no follow-on error buries the real one.
pub fn dummy(err: syn::Error) -> TokenStream {
    let err = err.to_compile_error();
    quote! {{
        #err
        ::stackdef::__private::after_syntax_error()
    }}
}
