//! A reader for nginx configuration that follows the nginx lexer's rules, so tests can compare
//! the directive tree of an emitted file with what the stack says.

#![allow(dead_code)]

/// One directive: its name, its arguments and, for a block, its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub block: Option<Vec<Directive>>,
}

impl Directive {
    /// Every directive below this one (depth first), this one excluded.
    pub fn descendants(&self) -> Vec<&Directive> {
        let mut out = Vec::new();
        for d in self.block.iter().flatten() {
            out.push(d);
            out.extend(d.descendants());
        }
        out
    }

    /// The structure without argument values: names, argument counts and nesting.
    pub fn shape(&self) -> String {
        let mut s = format!("{}/{}", self.name, self.args.len());
        if let Some(children) = &self.block {
            s.push('{');
            for c in children {
                s.push_str(&c.shape());
                s.push(';');
            }
            s.push('}');
        }
        s
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Semi,
    Open,
    Close,
}

fn unescape(raw: &str) -> String {
    let mut out = String::new();
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' | '\n' => i += 1,
            ';' => {
                out.push(Token::Semi);
                i += 1;
            }
            '{' => {
                out.push(Token::Open);
                i += 1;
            }
            '}' => {
                out.push(Token::Close);
                i += 1;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '"' | '\'' => {
                let quote = c;
                let mut raw = String::new();
                i += 1;
                loop {
                    let Some(&ch) = chars.get(i) else {
                        return Err("unclosed quote".into());
                    };
                    if ch == '\\' {
                        raw.push(ch);
                        raw.push(*chars.get(i + 1).ok_or("dangling backslash")?);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    if ch == quote {
                        break;
                    }
                    raw.push(ch);
                }
                out.push(Token::Word(unescape(&raw)));
            }
            _ => {
                let mut raw = String::new();
                while i < chars.len() {
                    let ch = chars[i];
                    if ch == '\\' && i + 1 < chars.len() {
                        raw.push(ch);
                        raw.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    if matches!(ch, ' ' | '\t' | '\r' | '\n' | ';' | '{') {
                        break;
                    }
                    raw.push(ch);
                    i += 1;
                }
                out.push(Token::Word(unescape(&raw)));
            }
        }
    }
    Ok(out)
}

fn block(toks: &[Token], pos: &mut usize, nested: bool) -> Result<Vec<Directive>, String> {
    let mut out = Vec::new();
    loop {
        match toks.get(*pos) {
            None if nested => return Err("unclosed block".into()),
            None => return Ok(out),
            Some(Token::Close) if nested => {
                *pos += 1;
                return Ok(out);
            }
            Some(Token::Word(name)) => {
                let name = name.clone();
                *pos += 1;
                let mut args = Vec::new();
                loop {
                    match toks.get(*pos) {
                        Some(Token::Word(a)) => {
                            args.push(a.clone());
                            *pos += 1;
                        }
                        Some(Token::Semi) => {
                            *pos += 1;
                            out.push(Directive {
                                name,
                                args,
                                block: None,
                            });
                            break;
                        }
                        Some(Token::Open) => {
                            *pos += 1;
                            let children = block(toks, pos, true)?;
                            out.push(Directive {
                                name,
                                args,
                                block: Some(children),
                            });
                            break;
                        }
                        other => return Err(format!("unexpected {other:?} after `{name}`")),
                    }
                }
            }
            Some(other) => return Err(format!("unexpected {other:?}")),
        }
    }
}

/// Parses a whole file into a root directive named `main`.
pub fn parse(text: &str) -> Result<Directive, String> {
    let toks = tokens(text)?;
    let mut pos = 0;
    let children = block(&toks, &mut pos, false)?;
    Ok(Directive {
        name: "main".into(),
        args: Vec::new(),
        block: Some(children),
    })
}
