//! Parsing `proxies: [...]` of `stack!` into the model's proxy types.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, LitStr, Token, braced, parenthesized};

use super::parse_operand;
use crate::model::{ActionDef, PlacementDef, ProxyDef, RouteDef, ServerDef, TlsDef};

fn two(input: ParseStream) -> syn::Result<(Expr, Expr)> {
    let content;
    parenthesized!(content in input);
    let a: Expr = content.parse()?;
    content.parse::<Token![,]>()?;
    let b: Expr = content.parse()?;
    Ok((a, b))
}

impl Parse for RouteDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let exact = input.parse::<Option<Token![=]>>()?.is_some();
        let path: LitStr = input.parse()?;
        input.parse::<Token![=>]>()?;
        let word: Ident = input.parse()?;
        let action = if input.peek(Token![:]) || input.peek(Token![-]) {
            let service = super::name_from(word, input)?;
            input.parse::<Token![:]>()?;
            let port = parse_operand(input)?;
            let (mut websocket, mut limit, mut body) = (false, None, None);
            while input.peek(Ident) {
                let opt: Ident = input.parse()?;
                match opt.to_string().as_str() {
                    "websocket" => websocket = true,
                    "limit" => limit = Some(two(input)?),
                    "body" => {
                        let content;
                        parenthesized!(content in input);
                        body = Some(content.parse()?);
                    }
                    _ => {
                        return Err(syn::Error::new(
                            opt.span(),
                            "expected `websocket`, `limit(zone, burst)` or `body(size)`",
                        ));
                    }
                }
            }
            ActionDef::Proxy {
                service,
                port,
                websocket,
                limit,
                body,
            }
        } else {
            let args = Box::new(two(input)?);
            match word.to_string().as_str() {
                "respond" => ActionDef::Respond(args),
                "redirect" => ActionDef::Redirect(args),
                "spa" => ActionDef::Spa(args),
                _ => {
                    return Err(syn::Error::new(
                        word.span(),
                        "expected `service: port`, `respond(status, body)`, `redirect(status, url)` or `spa(root, assets)`",
                    ));
                }
            }
        };
        Ok(RouteDef {
            exact,
            path,
            action,
        })
    }
}

impl Parse for ServerDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let kw: Ident = input.parse()?;
        if kw != "server" {
            return Err(syn::Error::new(
                kw.span(),
                "expected `server \"host.name\" { … }` or `server _ { … }`",
            ));
        }
        let host = if input.peek(Token![_]) {
            input.parse::<Token![_]>()?;
            None
        } else {
            Some(input.parse()?)
        };
        let mut tls = TlsDef::Off;
        if input.peek(Ident) {
            let t: Ident = input.parse()?;
            if t != "tls" {
                return Err(syn::Error::new(
                    t.span(),
                    "expected `tls` or `tls(certificate, key)`",
                ));
            }
            tls = if input.peek(syn::token::Paren) {
                let (c, k) = two(input)?;
                TlsDef::Files(Box::new((c, k)))
            } else {
                TlsDef::LetsEncrypt
            };
        }
        let content;
        braced!(content in input);
        let mut def = ServerDef {
            span: kw.span(),
            host,
            tls,
            csp: None,
            routes: Vec::new(),
        };
        while !content.is_empty() {
            if content.peek(Ident) && content.peek2(Token![:]) {
                let key: Ident = content.parse()?;
                content.parse::<Token![:]>()?;
                if key != "csp" {
                    return Err(syn::Error::new(
                        key.span(),
                        "expected `csp: <value>` or a route",
                    ));
                }
                def.csp = Some(content.parse()?);
            } else {
                def.routes.push(content.parse()?);
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        Ok(def)
    }
}

impl Parse for ProxyDef {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let settings: Expr = input.parse()?;
        input.parse::<Token![=>]>()?;
        let kw: Ident = input.parse()?;
        let placement = match kw.to_string().as_str() {
            "host" => PlacementDef::Host(kw.span()),
            "service" => PlacementDef::Service(super::name(input)?),
            "frontend" => PlacementDef::Frontend(super::name(input)?),
            _ => {
                return Err(syn::Error::new(
                    kw.span(),
                    "expected `host`, `service <name>` or `frontend <name>`",
                ));
            }
        };
        let content;
        braced!(content in input);
        let mut servers = Vec::new();
        while !content.is_empty() {
            servers.push(content.parse()?);
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        Ok(ProxyDef {
            settings,
            placement,
            servers,
        })
    }
}
