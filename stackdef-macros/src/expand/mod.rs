//! Code generation: the stack value, plus one `const` check per reference and port, each spanned
//! at the user's token so a broken rule is reported there. The rules themselves live in
//! `::stackdef::__private::rules`; this file only resolves names and wires spans.

mod proxy;

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::{Ident, LitStr};

use crate::model::{Cond, EnvEntry, MountSource, Name, Named, ServiceDef, StackDef};

/// Whether the tokens of `e` contain the identifier `word`.
fn mentions(e: &syn::Expr, word: &str) -> bool {
    fn walk(ts: TokenStream, word: &str) -> bool {
        ts.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => i == word,
            proc_macro2::TokenTree::Group(g) => walk(g.stream(), word),
            _ => false,
        })
    }
    walk(quote_spanned!(Span::mixed_site()=> #e), word)
}

pub fn name_of(i: &impl Named) -> String {
    i.text()
}

/// One `const` array per kind of name, each element checked by the compiler and spanned at its
/// identifier; uses refer to elements by index (one const item per kind keeps compile time low).
struct Table {
    array: Ident,
    names: Names,
}

impl Table {
    fn new<N: Named>(array: &str, ty: &str, idents: &[&N], out: &mut TokenStream) -> Table {
        let array = Ident::new(array, Span::call_site());
        let ty = Ident::new(ty, Span::call_site());
        let n = idents.len();
        let items = idents.iter().map(|i| {
            let span = Named::span(*i);
            let lit = LitStr::new(&name_of(*i), span);
            quote_spanned! {span=> ::stackdef::#ty::from_static(#lit)}
        });
        out.extend(quote_spanned! {Span::mixed_site()=> const #array: [::stackdef::#ty; #n] = [#(#items),*]; });
        Table {
            array,
            names: Names::new(idents.iter().copied()),
        }
    }

    fn index(&self, i: &impl Named) -> Option<usize> {
        self.names.index(i)
    }

    /// A reference to the name at `i`, when declared.
    fn get_ref(&self, i: &impl Named) -> Option<TokenStream> {
        let array = &self.array;
        self.index(i)
            .map(|k| quote_spanned!(Span::mixed_site()=> &#array[#k]))
    }

    /// The name at `i` as a value, when declared.
    fn get(&self, i: &impl Named) -> Option<TokenStream> {
        let array = &self.array;
        self.index(i)
            .map(|k| quote_spanned!(Span::mixed_site()=> #array[#k].clone()))
    }
}

struct Tables {
    project: Table,
    services: Table,
    volumes: Table,
    networks: Table,
    secrets: Table,
    /// Declared env variables (locals of the macro, no table).
    env: Names,
}

fn refs(v: &[Name]) -> Vec<&Name> {
    v.iter().collect()
}

impl Tables {
    fn new(def: &StackDef, out: &mut TokenStream) -> Tables {
        let services: Vec<&Name> = def.services.iter().map(|s| &s.name).collect();
        Tables {
            project: Table::new("__STACKDEF_PROJECT", "ProjectName", &[&def.name], out),
            services: Table::new("__STACKDEF_SERVICES", "ServiceName", &services, out),
            volumes: Table::new("__STACKDEF_VOLUMES", "VolumeName", &refs(&def.volumes), out),
            networks: Table::new(
                "__STACKDEF_NETWORKS",
                "NetworkName",
                &refs(&def.networks),
                out,
            ),
            secrets: Table::new("__STACKDEF_SECRETS", "SecretName", &refs(&def.secrets), out),
            env: Names::new(def.env.iter().map(|(n, _)| n)),
        }
    }
}

/// Declared names of one kind: in order (for "did you mean" lists) and by name (for lookups;
/// a duplicate keeps its first index, the duplicate itself is reported).
struct Names {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Names {
    fn new<'i, N: Named + 'i>(idents: impl IntoIterator<Item = &'i N>) -> Names {
        let list: Vec<String> = idents.into_iter().map(name_of).collect();
        let mut index = HashMap::with_capacity(list.len());
        for (k, name) in list.iter().enumerate() {
            index.entry(name.clone()).or_insert(k);
        }
        Names { list, index }
    }

    fn index(&self, i: &impl Named) -> Option<usize> {
        self.index.get(&name_of(i)).copied()
    }

    fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }
}

struct Checks<'a> {
    def: &'a StackDef,
    tables: &'a Tables,
    /// Each service's profiles as the bit mask `rules::profile_mask` makes.
    masks: Vec<u64>,
    out: TokenStream,
}

/// Each service's profiles as a bit mask over the stack's distinct profile names in order of
/// first appearance, as `stackdef::check::rules::profile_mask` numbers them for `validate()`.
fn profile_masks(def: &StackDef) -> Vec<u64> {
    let mut all: Vec<String> = Vec::new();
    for p in def.services.iter().flat_map(|s| &s.profiles) {
        if !all.contains(&p.value()) {
            all.push(p.value());
        }
    }
    def.services
        .iter()
        .map(|s| {
            s.profiles
                .iter()
                .filter_map(|p| all.iter().position(|a| *a == p.value()))
                .fold(0u64, |m, i| m | 1 << (i % 64))
        })
        .collect()
}

impl Checks<'_> {
    fn push(&mut self, span: Span, call: TokenStream) {
        self.out
            .extend(quote_spanned! {span=> const _: () = #call;});
    }

    fn reference(&mut self, kind: &str, from: &Name, target: &Name, declared: &Names) {
        let (from_s, target_s) = (name_of(from), name_of(target));
        if declared.contains(&target_s) {
            return;
        }
        let names = &declared.list;
        let kind = Ident::new(kind, Span::call_site());
        self.push(
            target.span(),
            quote_spanned! {target.span()=>
                __stackdef_p::rules::unknown(
                    __stackdef_p::rules::RefKind::#kind, #from_s, #target_s, &[#(#names),*])
            },
        );
    }

    fn duplicates(&mut self) {
        let services = &self.tables.services;
        let mut containers: HashMap<String, &Name> = HashMap::new();
        for (i, s) in self.def.services.iter().enumerate() {
            let name = name_of(&s.name);
            // a duplicate: its name's first index is another service's
            if services.index(&s.name) != Some(i) {
                self.push(
                    s.name.span(),
                    quote_spanned! {s.name.span()=>
                        __stackdef_p::rules::duplicate_service(#name)
                    },
                );
            }
            let Some(c) = &s.container_name else { continue };
            if let Some(other) = containers.insert(c.value(), &s.name) {
                let (cv, other) = (c.value(), name_of(other));
                self.push(
                    c.span(),
                    quote_spanned! {c.span()=>
                        __stackdef_p::rules::duplicate_container_name(#cv, #name, #other)
                    },
                );
            }
        }
    }

    /// Reports each name of one list given more than once, at its second use and once per
    /// name, as `validate()` does.
    fn once<'i, N: Named + 'i>(
        &mut self,
        place: &str,
        what: &str,
        names: impl Iterator<Item = &'i N>,
    ) {
        let (mut seen, mut reported) = (
            std::collections::HashSet::new(),
            std::collections::HashSet::new(),
        );
        for name in names {
            let n = name_of(name);
            if !seen.insert(n.clone()) && reported.insert(n.clone()) {
                let span = Named::span(name);
                self.push(
                    span,
                    quote_spanned! {span=>
                        __stackdef_p::rules::twice(#place, #what, #n)
                    },
                );
            }
        }
    }

    /// Entries named twice in one list, as `validate()` reports them.
    fn twice(&mut self) {
        let def = self.def;
        self.once("the stack", "variable", def.env.iter().map(|(n, _)| n));
        self.once("the stack", "volume", def.volumes.iter());
        self.once("the stack", "network", def.networks.iter());
        self.once("the stack", "secret", def.secrets.iter());
        for s in &def.services {
            let place = name_of(&s.name);
            self.once(&place, "dependency", s.depends_on.iter().map(|d| &d.target));
            self.once(&place, "network", s.networks.iter());
            self.once(&place, "secret", s.secrets.iter());
        }
    }

    fn references(&mut self) {
        let (def, t) = (self.def, self.tables);
        for (i, s) in def.services.iter().enumerate() {
            for d in &s.depends_on {
                self.reference("Service", &s.name, &d.target, &t.services.names);
                if let Some(k) = t.services.index(&d.target)
                    && (self.masks[i] != 0 || self.masks[k] != 0)
                {
                    let (from, to) = (name_of(&s.name), name_of(&def.services[k].name));
                    let (fm, tm) = (self.masks[i], self.masks[k]);
                    let span = d.target.span;
                    self.push(
                        span,
                        quote_spanned! {span=>
                            __stackdef_p::rules::profile_dependency(#from, #to, #fm, #tm)
                        },
                    );
                }
                let target = t.services.index(&d.target).map(|k| &def.services[k]);
                if let (Cond::Healthy, Some(t)) = (d.cond, target) {
                    // `HealthTest::Disabled` written in the expression is no healthcheck, as
                    // `validate()` sees it
                    let has = t
                        .healthcheck
                        .as_ref()
                        .is_some_and(|h| !mentions(h, "Disabled"));
                    let (from, to) = (name_of(&s.name), name_of(&t.name));
                    self.push(
                        d.cond_span,
                        quote_spanned! {d.cond_span=>
                            __stackdef_p::rules::healthy_needs_healthcheck(#from, #to, #has)
                        },
                    );
                }
            }
            for m in &s.volumes {
                if let MountSource::Volume(v) = &m.source {
                    self.reference("Volume", &s.name, v, &t.volumes.names);
                }
            }
            for n in &s.networks {
                self.reference("Network", &s.name, n, &t.networks.names);
            }
            for n in &s.secrets {
                self.reference("Secret", &s.name, n, &t.secrets.names);
            }
            for e in &s.env {
                let EnvEntry::Pass(var) = e else { continue };
                let name = name_of(var);
                if !t.env.contains(&name) {
                    let declared = &t.env.list;
                    let from = name_of(&s.name);
                    self.push(
                        var.span(),
                        quote_spanned! {var.span()=>
                            __stackdef_p::rules::undeclared_env(#from, #name, &[#(#declared),*])
                        },
                    );
                }
            }
        }
    }

    fn ports(&mut self) {
        let mut uses = Vec::new();
        let mut spans = Vec::new();
        // in the order `validate()` sees them: proxies on the host first, then each service's
        // ports, a proxy service's 80/443 after its own (where `wire_proxies` adds them)
        let (host, mut wired): (Vec<_>, Vec<_>) =
            proxy::host_ports(&self.def.proxies, &self.def.services)
                .into_iter()
                .partition(|(_, _, owner)| owner.is_none());
        for (port_use, span, _) in host {
            uses.push(port_use);
            spans.push(span);
        }
        for (k, s) in self.def.services.iter().enumerate() {
            let service = name_of(&s.name);
            let mask = self.masks[k];
            let (mine, rest): (Vec<_>, Vec<_>) = wired
                .into_iter()
                .partition(|(_, _, owner)| owner.as_deref() == Some(service.as_str()));
            wired = rest;
            for p in &s.ports {
                let published = &p.published;
                let ip = match &p.host_ip {
                    Some(ip) => {
                        quote_spanned!(Span::mixed_site()=> ::core::option::Option::Some(#ip))
                    }
                    None => quote_spanned!(Span::mixed_site()=> __stackdef_p::NO_IP),
                };
                let protocol = u8::from(p.udp);
                uses.push(quote_spanned! {Span::mixed_site()=>
                    __stackdef_p::rules::PortUse::new(#service, #ip, #protocol, #published, #published)
                        .in_profiles(#mask)
                });
                spans.push(syn::spanned::Spanned::span(published));
            }
            for (port_use, span, _) in mine {
                uses.push(port_use);
                spans.push(span);
            }
        }
        if uses.is_empty() {
            return;
        }
        let n = uses.len();
        self.out.extend(quote_spanned! {Span::mixed_site()=>
            #[allow(unused_braces, unused_parens)]
            const __STACKDEF_PORTS: [__stackdef_p::rules::PortUse<'static>; #n] = [#(#uses),*];
            const __STACKDEF_CLASH: [u32; #n] = __stackdef_p::rules::port_clashes_in(&__STACKDEF_PORTS);
        });
        // one item per port: each clash is its own error, so one build reports every clash
        for (i, span) in spans.iter().enumerate() {
            self.push(
                *span,
                quote_spanned! {*span=>
                    __stackdef_p::rules::port_free(&__STACKDEF_PORTS, &__STACKDEF_CLASH, #i)
                },
            );
        }
    }

    fn cycle(&mut self) {
        let (def, services) = (self.def, &self.tables.services.names);
        let (mut from, mut to, mut spans) = (Vec::new(), Vec::new(), Vec::new());
        for (i, s) in def.services.iter().enumerate() {
            for d in &s.depends_on {
                if let Some(j) = services.index(&d.target) {
                    from.push(i as u32);
                    to.push(j as u32);
                    spans.push(d.target.span());
                }
            }
        }
        if from.is_empty() {
            return;
        }
        let names = &services.list;
        let (n, e) = (names.len(), from.len());
        let (path, marks, scratch) = (n + 1, 8 * n + 1, 3 * n + 1);
        self.out.extend(quote_spanned! {Span::mixed_site()=>
            const __STACKDEF_NAMES: [&str; #n] = [#(#names),*];
            const __STACKDEF_FROM: [u32; #e] = [#(#from),*];
            const __STACKDEF_TO: [u32; #e] = [#(#to),*];
            const __STACKDEF_CLOSING: [u32; #e] =
                __stackdef_p::rules::closing_edges_in::<#n, #e, #marks>(&__STACKDEF_FROM, &__STACKDEF_TO);
        });
        // one item per edge: every cycle is reported, each at the edge that closes it
        for (k, span) in spans.into_iter().enumerate() {
            self.push(
                span,
                quote_spanned! {span=>
                    __stackdef_p::rules::not_closing_cycle::<#path, #scratch>(
                        &__STACKDEF_NAMES, &__STACKDEF_FROM, &__STACKDEF_TO, &__STACKDEF_CLOSING, #k)
                },
            );
        }
    }
}

/// A local of the generated code: mixed-site, so the user's expressions inside `stack!` can
/// neither see it nor be captured by it.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

fn service(
    s: &ServiceDef,
    t: &Tables,
    env: &Names,
    port_slots: std::ops::Range<usize>,
) -> TokenStream {
    let port_slots = port_slots.step_by(2).map(|k| (k, k + 1));
    let __svc = local("__svc");
    let __stackdef_stack = local("__stackdef_stack");
    let name = t.services.get_ref(&s.name);
    let source = &s.source;
    let mut body = TokenStream::new();
    if let Some(c) = &s.container_name {
        body.extend(quote_spanned! {c.span()=>
            #__svc.container_name = ::core::option::Option::Some({
                const __STACKDEF_NAME: ::stackdef::ContainerName = ::stackdef::ContainerName::from_static(#c);
                __STACKDEF_NAME
            });
        });
    }
    if let Some(h) = &s.healthcheck {
        body.extend(quote_spanned! {Span::mixed_site()=> #__svc.healthcheck = ::core::convert::Into::into(#h); });
    }
    for (p, (published, target)) in s.ports.iter().zip(port_slots) {
        let ip = match &p.host_ip {
            Some(ip) => quote_spanned!(Span::mixed_site()=> ::core::option::Option::Some(#ip)),
            None => quote_spanned!(Span::mixed_site()=> __stackdef_p::NO_IP),
        };
        let udp = p.udp;
        body.extend(quote_spanned! {Span::mixed_site()=>
            #__svc.ports.push(__stackdef_p::port(
                #ip, __STACKDEF_PORT_NUMBERS[#published], __STACKDEF_PORT_NUMBERS[#target], #udp));
        });
    }
    if s.internal {
        body.extend(quote_spanned! {Span::mixed_site()=> #__svc.internal = true; });
    }
    for p in &s.profiles {
        body.extend(quote_spanned! {p.span()=>
            #__svc.profiles.push(::std::string::String::from(#p));
        });
    }
    for e in &s.expose {
        let span = syn::spanned::Spanned::span(e);
        body.extend(quote_spanned! {span=>
            #__svc.expose.push(::stackdef::PortRange::from({
                #[allow(unused_braces, unused_parens)]
                const __STACKDEF_PORT: ::stackdef::Port = ::stackdef::Port::from_static(#e);
                __STACKDEF_PORT
            }));
        });
    }
    for d in &s.depends_on {
        let Some(target) = t.services.get_ref(&d.target) else {
            continue;
        };
        let cond: u8 = match d.cond {
            Cond::Started => 0,
            Cond::Healthy => 1,
            Cond::Completed => 2,
        };
        body.extend(quote_spanned! {Span::mixed_site()=>
            #__svc.depends_on.push(__stackdef_p::depends(#target, #cond));
        });
    }
    for m in &s.volumes {
        let target = &m.target;
        let mount = match &m.source {
            MountSource::Volume(v) => {
                let Some(v) = t.volumes.get(v) else { continue };
                quote_spanned!(Span::mixed_site()=> ::stackdef::Mount::volume(#v, #target)?)
            }
            MountSource::Bind(src) => {
                quote_spanned!(Span::mixed_site()=> ::stackdef::Mount::bind(#src, #target)?)
            }
        };
        let mount = if m.read_only {
            quote_spanned!(Span::mixed_site()=> #mount.read_only())
        } else {
            mount
        };
        body.extend(quote_spanned! {Span::mixed_site()=> #__svc.mounts.push(#mount); });
    }
    for n in s.networks.iter().filter_map(|n| t.networks.get(n)) {
        body.extend(quote_spanned! {Span::mixed_site()=> #__svc.networks.push(::stackdef::ServiceNetwork::from(#n)); });
    }
    for n in s.secrets.iter().filter_map(|n| t.secrets.get(n)) {
        body.extend(quote_spanned! {Span::mixed_site()=> #__svc.secrets.push(#n); });
    }
    for e in &s.env {
        let entry = match e {
            // an undeclared one is reported by its check, not by rustc as well
            EnvEntry::Pass(var) if !env.contains(&name_of(var)) => continue,
            EnvEntry::Pass(var) => quote_spanned! {var.span()=> (#var.key(), #var.text())},
            EnvEntry::Set(key, value) => {
                let lit = LitStr::new(&name_of(key), key.span());
                quote_spanned! {key.span()=> ({
                    const __STACKDEF_KEY: ::stackdef::EnvKey = ::stackdef::EnvKey::from_static(#lit);
                    __STACKDEF_KEY
                }, ::core::convert::Into::<::stackdef::Text>::into(#value))}
            }
        };
        body.extend(quote_spanned! {Span::mixed_site()=> #__svc.environment.push(#entry); });
    }
    for (field, value) in &s.fields {
        body.extend(
            quote_spanned! {field.span()=> #__svc.#field = ::core::convert::Into::into(#value); },
        );
    }
    quote_spanned! {Span::mixed_site()=>{
        let mut #__svc = __stackdef_p::service(
            #name,
            __stackdef_p::source(#source),
        );
        #body
        #__stackdef_stack.services.push(#__svc);
    }}
}

/// Services per generated closure.
const CHUNK: usize = 16;

pub fn expand(def: &StackDef) -> TokenStream {
    let __stackdef_stack = local("__stackdef_stack");
    let mut items = TokenStream::new();
    let t = Tables::new(def, &mut items);
    let mut checks = Checks {
        def,
        tables: &t,
        masks: profile_masks(def),
        out: TokenStream::new(),
    };
    checks.duplicates();
    checks.twice();
    checks.references();
    checks.ports();
    checks.cycle();
    let mut checks = checks.out;
    // what each service listens on once built: its ports and exposes, and what
    // `wire_proxies` publishes on a proxy service (the same facts `validate()` sees)
    let wired = proxy::wired_ports(&def.proxies);
    let listening: Vec<proxy::Listening> = def
        .services
        .iter()
        .map(|s| {
            let name = name_of(&s.name);
            let wired = wired.iter().filter(|(n, _)| *n == name).map(|(_, p)| {
                (
                    quote_spanned!(Span::mixed_site()=> #p),
                    quote_spanned!(Span::mixed_site()=> #p),
                )
            });
            proxy::Listening {
                internal: s.internal,
                ports: s
                    .ports
                    .iter()
                    .filter(|p| !p.udp)
                    .map(|p| {
                        let (t, h) = (&p.target, &p.published);
                        (
                            quote_spanned!(Span::mixed_site()=> #t),
                            quote_spanned!(Span::mixed_site()=> #h),
                        )
                    })
                    .chain(s.expose.iter().map(|e| {
                        (
                            quote_spanned!(Span::mixed_site()=> #e),
                            quote_spanned!(Span::mixed_site()=> 0u16),
                        )
                    }))
                    .chain(wired)
                    .collect(),
                name,
            }
        })
        .collect();
    proxy::checks(&def.proxies, &listening, &mut checks);
    let proxies = proxy::build(&def.proxies, &|i| t.services.get(i));
    let project = t.project.get(&def.name);
    let volumes = def
        .volumes
        .iter()
        .filter_map(|v| t.volumes.get(v))
        .map(|v| quote_spanned!(Span::mixed_site()=> #__stackdef_stack.volumes.push(::stackdef::Volume::new(#v));));
    let networks = def
        .networks
        .iter()
        .filter_map(|n| t.networks.get(n))
        .map(|n| quote_spanned!(Span::mixed_site()=> #__stackdef_stack.networks.push(::stackdef::Network::new(#n));));
    let secrets = def
        .secrets
        .iter()
        .filter_map(|n| Some((n, t.secrets.get(n)?)))
        .map(|(i, n)| {
            let file = LitStr::new(&format!("./secrets/{}", name_of(i)), i.span());
            quote_spanned!(Span::mixed_site()=> #__stackdef_stack.secrets.push(::stackdef::Secret {
            name: #n, source: ::stackdef::SecretSource::File(::core::convert::Into::into(#file)),
        });)
        });
    let numbers: Vec<&syn::Expr> = def
        .services
        .iter()
        .flat_map(|s| &s.ports)
        .flat_map(|p| [&p.published, &p.target])
        .collect();
    let n = numbers.len();
    let numbers = numbers.iter().map(|e| {
        let span = syn::spanned::Spanned::span(e);
        quote_spanned! {span=> ::stackdef::Port::from_static(#e)}
    });
    items.extend(quote_spanned! {Span::mixed_site()=>
        #[allow(unused_braces, unused_parens)]
        const __STACKDEF_PORT_NUMBERS: [::stackdef::Port; #n] = [#(#numbers),*];
    });
    let mut slot = 0;
    let services: Vec<TokenStream> = def
        .services
        .iter()
        .map(|s| {
            let start = slot;
            slot += 2 * s.ports.len();
            service(s, &t, &t.env, start..slot)
        })
        .collect();
    // Services are built in closures of CHUNK each: debug builds give every local its own stack
    // slot, so one frame for hundreds of services overflows the stack; a closure per service
    // costs compile time.
    let chunks = services.chunks(CHUNK).map(|chunk| {
        quote_spanned! {Span::mixed_site()=>
            (|#__stackdef_stack: &mut ::stackdef::Stack| -> ::core::result::Result<(), ::stackdef::Error> {
                #(#chunk)*
                ::core::result::Result::Ok(())
            })(&mut #__stackdef_stack)?;
        }
    });
    // Declared variables and service names become locals named by the user's own identifiers:
    // a use of an undeclared one is rustc's "cannot find value" on that use (defect #9).
    let env = def.env.iter().map(|(name, spec)| {
        let lit = LitStr::new(&name_of(name), name.span());
        quote_spanned! {name.span()=>
            #[allow(non_snake_case)]
            let #name: ::stackdef::EnvVar = {
                const _: () = __stackdef_p::rules::valid(
                    "env variable name", #lit, __stackdef_p::upper_snake(#lit));
                ::stackdef::EnvVar::new(#lit, #spec)?
            };
            #__stackdef_stack.env.push(::core::clone::Clone::clone(&#name));
        }
    });
    // a service named by an identifier is a local of that name; one named with `-` is not
    let service_locals = def.services.iter().filter_map(|s| {
        let value = t.services.get(&s.name)?;
        let name = s.name.ident.as_ref()?;
        Some(quote_spanned! {Span::mixed_site()=>
            #[allow(unused_variables)]
            let #name = #value;
        })
    });
    quote_spanned! {Span::mixed_site()=>
        (|| -> ::core::result::Result<::stackdef::Stack, ::stackdef::Error> {
            use ::stackdef::__private as __stackdef_p;
            #items
            #checks
            let mut #__stackdef_stack = ::stackdef::Stack::builder().name(#project).build();
            #(#env)*
            #(#service_locals)*
            #(#volumes)*
            #(#networks)*
            #(#secrets)*
            #(#chunks)*
            #proxies
            ::stackdef::validate(&#__stackdef_stack).map_err(::stackdef::Error::InvalidStack)?;
            ::core::result::Result::Ok(#__stackdef_stack)
        })()
    }
}

/// What the macro expands to after a syntax error: the error, plus a value of the right type so
/// that the caller's code type-checks and no follow-on error buries the real one.
pub fn dummy(err: syn::Error) -> TokenStream {
    let err = err.to_compile_error();
    quote_spanned! {Span::mixed_site()=>{
        #err
        ::stackdef::__private::after_syntax_error()
    }}
}
