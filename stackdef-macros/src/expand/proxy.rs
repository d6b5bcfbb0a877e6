//! Code generation for `proxies: [...]` of `stack!`: the route checks (#7, #8, proxy ports of
//! #2) and the code that builds the `Proxy` values.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::spanned::Spanned;
use syn::{Expr, LitStr};

use crate::model::{ActionDef, Name, PlacementDef, ProxyDef, RouteDef, TlsDef};

/// What the route checks need to know about a declared service.
pub struct Listening {
    pub name: String,
    /// Marked `internal: true`.
    pub internal: bool,
    /// TCP container port expressions, each with its host port (`0u16`: not published).
    pub ports: Vec<(TokenStream, TokenStream)>,
}

fn lit(s: &str, span: Span) -> LitStr {
    LitStr::new(s, span)
}

/// The ports a proxy service is given by `Stack::wire_proxies` (80, and 443 with TLS),
/// published: `(service name, port)`.
pub fn wired_ports(proxies: &[ProxyDef]) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    for p in proxies {
        let PlacementDef::Service(s) = &p.placement else {
            continue;
        };
        let name = super::name_of(s);
        out.push((name.clone(), 80));
        if p.servers.iter().any(|s| !matches!(s.tls, TlsDef::Off)) {
            out.push((name, 443));
        }
    }
    out
}

/// The const checks of every proxy: literals, targets, ports, duplicates.
pub fn checks(proxies: &[ProxyDef], services: &[Listening], out: &mut TokenStream) {
    let known: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    // the first of two same-named services, as everywhere else
    let mut by_name = std::collections::HashMap::with_capacity(services.len());
    for s in services {
        by_name.entry(s.name.as_str()).or_insert(s);
    }
    for p in proxies {
        let host_placed = matches!(p.placement, PlacementDef::Host(_));
        let mut servers = std::collections::HashSet::new();
        for server in &p.servers {
            let host = server
                .host
                .as_ref()
                .map_or_else(|| "_".to_owned(), LitStr::value);
            let tls = !matches!(server.tls, TlsDef::Off);
            let span = server.host.as_ref().map_or(server.span, LitStr::span);
            if let Some(h) = &server.host {
                out.extend(quote_spanned! {h.span()=>
                    const _: () = __stackdef_p::rules::valid("host name", #h, __stackdef_p::host_name(#h));
                });
            } else if tls {
                out.extend(quote_spanned! {span=>
                    const _: () = __stackdef_p::rules::tls_without_name();
                });
            }
            // every server listens on 80; a TLS one on 443 too (the same facts as validate())
            if !servers.insert(host.clone()) {
                let h = lit(&host, span);
                out.extend(quote_spanned! {span=>
                    const _: () = __stackdef_p::rules::duplicate_server(#h, 80u16);
                });
            }
            let mut seen = std::collections::HashSet::new();
            for r in &server.routes {
                let path = &r.path;
                out.extend(quote_spanned! {path.span()=>
                    const _: () = __stackdef_p::rules::valid("location path", #path, __stackdef_p::uri_path(#path));
                });
                // `respond` is always an exact match; an SPA also writes its assets prefix
                let exact = r.exact || matches!(r.action, ActionDef::Respond(_));
                let mut keys = vec![(exact, path.value(), path)];
                if let ActionDef::Spa(args) = &r.action
                    && let Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(assets),
                        ..
                    }) = &args.1
                {
                    keys.push((false, assets.value(), assets));
                }
                for (exact, value, at) in keys {
                    if !seen.insert((exact, value)) {
                        let h = lit(&host, at.span());
                        out.extend(quote_spanned! {at.span()=>
                            const _: () = __stackdef_p::rules::duplicate_route(#h, #at);
                        });
                    }
                }
                let ActionDef::Proxy { service, port, .. } = &r.action else {
                    continue;
                };
                let name = super::name_of(service);
                let Some(target) = by_name.get(name.as_str()) else {
                    out.extend(quote_spanned! {service.span()=>
                        const _: () = __stackdef_p::rules::route_unknown(#path, #name, &[#(#known),*]);
                    });
                    continue;
                };
                if target.internal {
                    out.extend(quote_spanned! {service.span()=>
                        const _: () = __stackdef_p::rules::route_to_internal(#path, #name);
                    });
                    continue;
                }
                let ranges = target
                    .ports
                    .iter()
                    .map(|(e, _)| quote_spanned!(Span::mixed_site()=> (#e, #e)));
                let published = target.ports.iter().map(|(_, p)| p);
                out.extend(quote_spanned! {port.span()=>
                    #[allow(unused_braces, unused_parens)]
                    const _: () = __stackdef_p::rules::route_port(
                        #path, #name, #port, &[#(#ranges),*], &[#(#published),*], #host_placed);
                });
            }
        }
    }
}

/// Port uses of proxies (HTTP, and HTTPS when a server has TLS) with the span their clash check
/// points at and the proxy service holding them (`None` on the host): a proxy on the host holds
/// them itself; a proxy service publishes them (wired by `Stack::wire_proxies`) unless it maps
/// those container ports itself.
pub fn host_ports(
    proxies: &[ProxyDef],
    services: &[crate::model::ServiceDef],
) -> Vec<(TokenStream, Span, Option<String>)> {
    let mut out = Vec::new();
    let on_host = proxies
        .iter()
        .filter(|p| matches!(p.placement, PlacementDef::Host(_)))
        .count();
    let (several, mut k) = (on_host > 1, 0usize);
    for p in proxies {
        let (owner, span, targets, by) = match &p.placement {
            PlacementDef::Host(span) => {
                k += 1;
                let index = k - 1;
                (
                    quote_spanned!(Span::mixed_site()=> __stackdef_p::rules::host_proxy(#index, #several)),
                    *span,
                    Vec::new(),
                    None,
                )
            }
            PlacementDef::Service(s) => {
                let name = super::name_of(s);
                // the owner's container ports, the first service of that name
                let targets = services
                    .iter()
                    .find(|d| super::name_of(&d.name) == name)
                    .map(|d| d.ports.iter().map(|p| &p.target).collect())
                    .unwrap_or_default();
                (
                    quote_spanned!(Span::mixed_site()=> #name),
                    s.span(),
                    targets,
                    Some(name),
                )
            }
            PlacementDef::Frontend(_) => continue,
        };
        let tls = p.servers.iter().any(|s| !matches!(s.tls, TlsDef::Off));
        let ports: &[u16] = if tls { &[80, 443] } else { &[80] };
        for port in ports {
            let targets = targets
                .iter()
                .map(|t| quote_spanned!(Span::mixed_site()=> (#t, #t)));
            out.push((
                quote_spanned! {Span::mixed_site()=>
                    __stackdef_p::rules::PortUse::proxy(#owner, #port, &[#(#targets),*])
                },
                span,
                by.clone(),
            ));
        }
    }
    out
}

/// The route's value; `None` when its target is not declared (the check reports that).
fn route(r: &RouteDef, service: impl Fn(&Name) -> Option<TokenStream>) -> Option<TokenStream> {
    let (path, exact) = (&r.path, r.exact);
    match &r.action {
        ActionDef::Proxy {
            service: s,
            port,
            websocket,
            limit,
            body,
        } => {
            let s = service(s)?;
            let limit = match limit {
                Some((zone, burst)) => {
                    quote_spanned!(Span::mixed_site()=> ::core::option::Option::Some((::core::convert::Into::into(#zone), #burst)))
                }
                None => quote_spanned!(Span::mixed_site()=> ::core::option::Option::None),
            };
            let body = match body {
                Some(b) => quote_spanned!(Span::mixed_site()=> ::core::option::Option::Some(#b)),
                None => quote_spanned!(Span::mixed_site()=> ::core::option::Option::None),
            };
            Some(quote_spanned! {Span::mixed_site()=>{
                let mut __upstream = ::stackdef::Upstream::new(#s, ::stackdef::Port::new(#port)?);
                __upstream.websocket = #websocket;
                let mut __route = ::stackdef::Route::new(
                    ::stackdef::UriPath::new(#path)?, ::stackdef::Action::Proxy(__upstream));
                __route.exact = #exact;
                __route.rate_limit = #limit;
                __route.client_max_body_size = #body;
                __route
            }})
        }
        ActionDef::Respond(args) => {
            let (status, text) = &**args;
            Some(
                quote_spanned!(Span::mixed_site()=> ::stackdef::Route::respond(#path, #status, #text)?),
            )
        }
        ActionDef::Redirect(args) => Some({
            let (status, to) = &**args;
            quote_spanned!(Span::mixed_site()=> {
                let mut __route = ::stackdef::Route::redirect(#path, #status, #to)?;
                __route.exact = #exact;
                __route
            })
        }),
        ActionDef::Spa(args) => Some({
            let (root, assets) = &**args;
            quote_spanned!(Span::mixed_site()=> {
                let mut __route = ::stackdef::Route::spa(#path, #root, #assets)?;
                __route.exact = #exact;
                __route
            })
        }),
    }
}

/// The code that builds each proxy and adds it to `__stackdef_stack`.
pub fn build(proxies: &[ProxyDef], service: &dyn Fn(&Name) -> Option<TokenStream>) -> TokenStream {
    let mut out = TokenStream::new();
    for p in proxies {
        let settings = &p.settings;
        let placement = match &p.placement {
            PlacementDef::Host(_) => {
                Some(quote_spanned!(Span::mixed_site()=> ::stackdef::Placement::Host))
            }
            PlacementDef::Service(s) => service(s)
                .map(|s| quote_spanned!(Span::mixed_site()=> ::stackdef::Placement::Service(#s))),
            PlacementDef::Frontend(s) => service(s)
                .map(|s| quote_spanned!(Span::mixed_site()=> ::stackdef::Placement::Frontend(#s))),
        };
        let Some(placement) = placement else { continue };
        let servers = p.servers.iter().map(|s| {
            let names = match &s.host {
                Some(h) => quote_spanned!(Span::mixed_site()=> ::std::vec![::stackdef::HostName::new(#h)?]),
                None => quote_spanned!(Span::mixed_site()=> ::std::vec::Vec::new()),
            };
            let tls = match &s.tls {
                TlsDef::Off => quote_spanned!(Span::mixed_site()=> ::stackdef::Tls::Off),
                TlsDef::LetsEncrypt => quote_spanned!(Span::mixed_site()=> ::stackdef::Tls::LetsEncrypt),
                TlsDef::Files(files) => {
                    let (c, k) = &**files;
                    quote_spanned!(Span::mixed_site()=> ::stackdef::Tls::Files { certificate: #c, key: #k })
                }
            };
            let csp = s
                .csp
                .as_ref()
                .map(|c| quote_spanned!(Span::mixed_site()=> __server.csp = ::core::option::Option::Some(#c);));
            let routes = s.routes.iter().filter_map(|r| route(r, service));
            quote_spanned! {Span::mixed_site()=>{
                let mut __server = ::stackdef::Server::new(#names, #tls);
                #csp
                #(__server.routes.push(#routes);)*
                __proxy.servers.push(__server);
            }}
        });
        out.extend(quote_spanned! {Span::mixed_site()=>{
            let mut __proxy: ::stackdef::Proxy = #settings;
            __proxy.placement = #placement;
            #(#servers)*
            __stackdef_stack.proxies.push(__proxy);
        }});
    }
    if proxies
        .iter()
        .any(|p| matches!(p.placement, PlacementDef::Service(_)))
    {
        out.extend(quote_spanned! {Span::mixed_site()=> __stackdef_stack.wire_proxies()?; });
    }
    out
}
