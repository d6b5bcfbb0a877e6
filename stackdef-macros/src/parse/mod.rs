//! Parsing `stack! { … }`; errors are spanned and collected.

mod proxy;

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Token, braced, bracketed};

use crate::model::{
    Cond, DepDef, EnvEntry, MountDef, MountSource, Name, Named, PortDef, ServiceDef, StackDef,
};

fn list<T>(input: ParseStream, item: fn(ParseStream) -> syn::Result<T>) -> syn::Result<Vec<T>> {
    let content;
    bracketed!(content in input);
    let items = Punctuated::<T, Token![,]>::parse_terminated_with(&content, item)?;
    Ok(items.into_iter().collect())
}

/// Refuses a key given a second time in one block (the first value would be lost silently).
fn first_time(seen: &mut Vec<String>, key: &Ident) -> syn::Result<()> {
    let k = key.to_string();
    if seen.contains(&k) {
        return Err(syn::Error::new(
            key.span(),
            format!("`{k}` is given twice; merge the two into one"),
        ));
    }
    seen.push(k);
    Ok(())
}

/// A name: an identifier, then any `-` parts (`fastvue-network`, `web-1`).
pub fn name(input: ParseStream) -> syn::Result<Name> {
    let first: Ident = input.parse()?;
    name_from(first, input)
}

/// The rest of a name whose first identifier is read.
pub fn name_from(first: Ident, input: ParseStream) -> syn::Result<Name> {
    let span = first.span();
    let mut text = Named::text(&first);
    let mut ident = Some(first);
    while input.peek(Token![-]) && (input.peek2(Ident) || input.peek2(syn::LitInt)) {
        input.parse::<Token![-]>()?;
        text.push('-');
        if input.peek(Ident) {
            text.push_str(&Named::text(&input.parse::<Ident>()?));
        } else {
            let part: syn::LitInt = input.parse()?;
            if !part.suffix().is_empty() || !part.to_string().bytes().all(|b| b.is_ascii_digit()) {
                return Err(syn::Error::new(
                    part.span(),
                    "a name part is letters, digits and `_`",
                ));
            }
            text.push_str(&part.to_string());
        }
        ident = None;
    }
    Ok(Name { text, span, ident })
}

impl Parse for StackDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut name = None;
        let mut def = StackDef {
            name: Name {
                text: "stack".into(),
                span: input.span(),
                ident: None,
            },
            volumes: Vec::new(),
            networks: Vec::new(),
            secrets: Vec::new(),
            services: Vec::new(),
            proxies: Vec::new(),
            env: Vec::new(),
        };
        let mut seen = Vec::new();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            first_time(&mut seen, &key)?;
            match key.to_string().as_str() {
                "name" => name = Some(self::name(input)?),
                "volumes" => def.volumes = list(input, self::name)?,
                "networks" => def.networks = list(input, self::name)?,
                "secrets" => def.secrets = list(input, self::name)?,
                "proxies" => def.proxies = list(input, |i| i.parse())?,
                "env" => {
                    let content;
                    braced!(content in input);
                    while !content.is_empty() {
                        let name: Ident = content.parse()?;
                        content.parse::<Token![=>]>()?;
                        def.env.push((name, content.parse()?));
                        if !content.is_empty() {
                            content.parse::<Token![,]>()?;
                        }
                    }
                }
                "services" => {
                    let content;
                    braced!(content in input);
                    while !content.is_empty() {
                        def.services.push(content.parse()?);
                        if !content.is_empty() {
                            content.parse::<Token![,]>()?;
                        }
                    }
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown key `{other}`; expected `name`, `env`, `volumes`, `networks`, `secrets`, `services` or `proxies`"
                        ),
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        def.name = name.ok_or_else(|| input.error("missing `name: <project>`"))?;
        Ok(def)
    }
}

/// A compose-style port string (`"127.0.0.1:8080:80/udp"`) as `stack!` writes it.
fn port_hint(text: &str) -> String {
    let (rest, udp) = match text.rsplit_once('/') {
        Some((r, proto)) => (r, proto == "udp"),
        None => (text, false),
    };
    let parts: Vec<&str> = rest.rsplitn(3, ':').collect();
    let written = match parts.as_slice() {
        [target] => format!("{target} => {target}"),
        [target, published] => format!("{published} => {target}"),
        [target, published, ip] => format!("{published} => {target} on \"{ip}\""),
        _ => "8080 => 80".to_owned(),
    };
    format!("{written}{}", if udp { " udp" } else { "" })
}

fn port(input: ParseStream) -> syn::Result<PortDef> {
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return Err(syn::Error::new(
            lit.span(),
            format!(
                "a port is `host => container`, not a compose string: write `{}`",
                port_hint(&lit.value())
            ),
        ));
    }
    let published = parse_operand(input)?;
    input.parse::<Token![=>]>()?;
    let target = parse_operand(input)?;
    let mut def = PortDef {
        published,
        target,
        host_ip: None,
        udp: false,
    };
    while input.peek(Ident) {
        let word: Ident = input.parse()?;
        match word.to_string().as_str() {
            "on" => def.host_ip = Some(host_ip(input)?),
            "udp" => def.udp = true,
            _ => return Err(syn::Error::new(word.span(), "expected `on <ip>` or `udp`")),
        }
    }
    Ok(def)
}

/// The address after `on`: an `IpAddr` expression, or a string literal checked here and
/// written as a constant (`on "127.0.0.1"`).
fn host_ip(input: ParseStream) -> syn::Result<Expr> {
    if !input.peek(LitStr) {
        return parse_operand(input);
    }
    let lit: LitStr = input.parse()?;
    let span = lit.span();
    let ip: std::net::IpAddr = lit
        .value()
        .parse()
        .map_err(|_| syn::Error::new(span, format!("`{}` is not an IP address", lit.value())))?;
    let tokens = match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            quote::quote_spanned! {span=>
                ::std::net::IpAddr::V4(::std::net::Ipv4Addr::new(#a, #b, #c, #d))
            }
        }
        std::net::IpAddr::V6(v6) => {
            let [a, b, c, d, e, f, g, h] = v6.segments();
            quote::quote_spanned! {span=>
                ::std::net::IpAddr::V6(::std::net::Ipv6Addr::new(#a, #b, #c, #d, #e, #f, #g, #h))
            }
        }
    };
    syn::parse2(tokens)
}

/// A literal, a path or a parenthesized/braced expression (so `=>` and `on` stay separators).
pub fn parse_operand(input: ParseStream) -> syn::Result<Expr> {
    if input.peek(syn::Lit) {
        return Ok(Expr::Lit(input.parse()?));
    }
    if input.peek(syn::token::Paren) || input.peek(syn::token::Brace) {
        return input.parse();
    }
    Ok(Expr::Path(input.parse()?))
}

fn env_entry(input: ParseStream) -> syn::Result<EnvEntry> {
    let name: Ident = input.parse()?;
    if input.peek(Token![:]) {
        let colon: Token![:] = input.parse()?;
        return Err(syn::Error::new(
            colon.span,
            format!(
                "an environment entry is `{name} = value` (or `{name}` alone to pass a declared variable), not `{name}: value`"
            ),
        ));
    }
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        return Ok(EnvEntry::Set(name, input.parse()?));
    }
    Ok(EnvEntry::Pass(name))
}

fn dep(input: ParseStream) -> syn::Result<DepDef> {
    let target = name(input)?;
    let (cond, cond_span) = if input.peek(Token![:]) {
        input.parse::<Token![:]>()?;
        let c: Ident = input.parse()?;
        let cond = match c.to_string().as_str() {
            "started" => Cond::Started,
            "healthy" => Cond::Healthy,
            "completed" => Cond::Completed,
            _ => {
                return Err(syn::Error::new(
                    c.span(),
                    "expected `started`, `healthy` or `completed`",
                ));
            }
        };
        (cond, c.span())
    } else {
        (Cond::Started, target.span)
    };
    Ok(DepDef {
        target,
        cond,
        cond_span,
    })
}

fn mount(input: ParseStream) -> syn::Result<MountDef> {
    let source = if input.peek(LitStr) {
        MountSource::Bind(input.parse()?)
    } else {
        MountSource::Volume(name(input)?)
    };
    input.parse::<Token![=>]>()?;
    let target = parse_operand(input)?;
    let read_only = if input.peek(Ident) {
        let ro: Ident = input.parse()?;
        if ro != "ro" {
            return Err(syn::Error::new(ro.span(), "expected `ro`"));
        }
        true
    } else {
        false
    };
    Ok(MountDef {
        source,
        target,
        read_only,
    })
}

/// A compose-style string where `stack!` takes a typed value: the error says what to write.
fn mistaken_value(key: &str, input: ParseStream) -> Option<syn::Error> {
    if !input.peek(LitStr) {
        return None;
    }
    let lit: LitStr = input.fork().parse().ok()?;
    let v = lit.value();
    let hint = match key {
        "source" => {
            format!("`source` takes an image or a build: write `source: Image::parse({v:?})?`")
        }
        "restart" => {
            let variant = match v.as_str() {
                "no" => "Restart::No",
                "always" => "Restart::Always",
                "on-failure" => "Restart::OnFailure(None)",
                "unless-stopped" => "Restart::UnlessStopped",
                _ => {
                    return Some(syn::Error::new(
                        lit.span(),
                        format!(
                            "`{v}` is not a restart policy: write `restart: Restart::No`, `Restart::Always`, `Restart::OnFailure(None)` or `Restart::UnlessStopped`"
                        ),
                    ));
                }
            };
            format!("`restart` takes a `Restart`: write `restart: {variant}`")
        }
        "command" | "entrypoint" => {
            let words: Vec<String> = v.split_whitespace().map(|w| format!("{w:?}")).collect();
            format!(
                "`{key}` takes a `Command` (no shell splits a string here): write `{key}: Command::exec([{}])`, or `Command::Shell(…)` for a shell",
                words.join(", ")
            )
        }
        _ => return None,
    };
    Some(syn::Error::new(lit.span(), hint))
}

impl Parse for ServiceDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = self::name(input)?;
        let content;
        braced!(content in input);
        let mut def = ServiceDef {
            name,
            source: None,
            container_name: None,
            healthcheck: None,
            ports: Vec::new(),
            depends_on: Vec::new(),
            volumes: Vec::new(),
            networks: Vec::new(),
            secrets: Vec::new(),
            expose: Vec::new(),
            profiles: Vec::new(),
            env: Vec::new(),
            internal: false,
            fields: Vec::new(),
        };
        let mut seen = Vec::new();
        while !content.is_empty() {
            let key: Ident = content.parse()?;
            content.parse::<Token![:]>()?;
            first_time(&mut seen, &key)?;
            let k = key.to_string();
            if let Some(err) = mistaken_value(&k, &content) {
                return Err(err);
            }
            match k.as_str() {
                "image" | "build" => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "a service's image or build is its `source`: write `source: Image::parse(\"redis:7\")?`{}",
                            if k == "build" {
                                " or `source: Build::builder().context(\".\").build()`"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
                "source" => def.source = Some(content.parse()?),
                "container_name" => def.container_name = Some(content.parse()?),
                "healthcheck" => def.healthcheck = Some(content.parse()?),
                "ports" => def.ports = list(&content, port)?,
                "depends_on" => def.depends_on = list(&content, dep)?,
                "volumes" => def.volumes = list(&content, mount)?,
                "networks" => def.networks = list(&content, self::name)?,
                "secrets" => def.secrets = list(&content, self::name)?,
                "expose" => def.expose = list(&content, parse_operand)?,
                "internal" => def.internal = content.parse::<syn::LitBool>()?.value,
                "env" => def.env = list(&content, env_entry)?,
                "profiles" => {
                    if !content.peek(syn::token::Bracket) {
                        return Err(content.error(
                            "`profiles` takes string literals, checked while compiling: write `profiles: [\"dev\"]`",
                        ));
                    }
                    def.profiles = list(&content, |i| i.parse::<LitStr>())?;
                }
                _ => def.fields.push((key, content.parse()?)),
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        if def.source.is_none() {
            return Err(syn::Error::new(
                def.name.span(),
                format!(
                    "service `{}` needs `source: <image or build>`",
                    def.name.text
                ),
            ));
        }
        Ok(def)
    }
}
