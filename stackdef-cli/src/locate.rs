//! Where a key path is in a YAML file's text: `services` → `web` → `ports` → `8080` becomes a
//! line and column, for diagnostics that read like a compiler's. The YAML is not re-parsed: the
//! search follows block indentation, which is how compose files are written; flow mappings
//! (`{a: b}`) and lists (`[a, b]`) are searched as text. When the full path is not found, the
//! deepest key found is the place.

/// A place in a file: 1-based line and column, and the length of the marked text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// How many characters to mark.
    pub len: usize,
}

/// The key a line holds in block style: `key:` or `"key":` / `'key':` (after a `- ` item
/// marker), with its column.
fn line_key(line: &str) -> Option<(usize, &str)> {
    let body = line.trim_start();
    let mut col = line.len() - body.len();
    let body = match body.strip_prefix("- ") {
        Some(b) => {
            let b2 = b.trim_start();
            col += 2 + (b.len() - b2.len());
            b2
        }
        None => body,
    };
    let (key, _) = if let Some(q) = body.strip_prefix('"') {
        let end = q.find('"')?;
        q[end + 1..].strip_prefix(':')?;
        return Some((col, &q[..end]));
    } else if let Some(q) = body.strip_prefix('\'') {
        let end = q.find('\'')?;
        q[end + 1..].strip_prefix(':')?;
        return Some((col, &q[..end]));
    } else {
        body.split_once(':')?
    };
    // `key:` must end the line or be followed by a space (not `8080:80`)
    let after = &body[key.len() + 1..];
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some((col, key.trim_end()))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn significant(line: &str) -> bool {
    let t = line.trim_start();
    !t.is_empty() && !t.starts_with('#')
}

fn chars_before(line: &str, byte: usize) -> usize {
    line[..byte].chars().count()
}

/// The first occurrence of `word` in `line` not inside a longer name.
fn find_word(line: &str, word: &str) -> Option<usize> {
    let inner = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).map(|(i, _)| i).find(|&i| {
        !line[..i].chars().next_back().is_some_and(inner)
            && !line[i + word.len()..].chars().next().is_some_and(inner)
    })
}

/// Finds `path` in `text`, with how many of its keys were found; `None` when not even its
/// first key is there.
pub fn locate(text: &str, path: &[String]) -> Option<(Place, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    // the block being searched: lines[start..end], whose keys sit deeper than `parent`
    let (mut start, mut end, mut parent): (usize, usize, Option<usize>) = (0, lines.len(), None);
    let mut found: Option<(Place, usize)> = None;
    for (depth, key) in path.iter().enumerate() {
        let mut hit = None;
        let mut level: Option<usize> = None;
        for (i, line) in lines.iter().enumerate().take(end).skip(start) {
            if !significant(line) {
                continue;
            }
            let ind = indent(line);
            if parent.is_some_and(|p| ind <= p) {
                break;
            }
            // the block's own keys are at its first line's indentation
            let lvl = *level.get_or_insert(ind);
            if ind == lvl
                && let Some((col, k)) = line_key(line)
                && k == key
            {
                hit = Some((i, col, k.chars().count()));
                break;
            }
        }
        if hit.is_none() {
            // a list item or a flow value holding the text: `- "8080:80"`, `[db, cache]`
            for (i, line) in lines.iter().enumerate().take(end).skip(start) {
                if !significant(line) {
                    continue;
                }
                if parent.is_some_and(|p| indent(line) <= p) {
                    break;
                }
                if let Some(b) = find_word(line, key) {
                    let t = line.trim_start();
                    let (col, len) = match t.strip_prefix("- ") {
                        // a list item holding it: mark the item
                        Some(item) if item.trim().contains(key.as_str()) => {
                            let item = item.trim_start();
                            (line.len() - item.len(), item.trim_end())
                        }
                        _ => (b, key.as_str()),
                    };
                    let place = Place {
                        line: i + 1,
                        column: chars_before(line, col) + 1,
                        len: len.chars().count(),
                    };
                    return Some((place, depth + 1));
                }
            }
            return found;
        }
        let (i, col, len) = hit?;
        let place = Place {
            line: i + 1,
            column: chars_before(lines[i], col) + 1,
            len,
        };
        found = Some((place, depth + 1));
        // the next key is searched in this key's block
        let ind = indent(lines[i]);
        let own = if lines[i].trim_start().starts_with("- ") {
            col.saturating_sub(1)
        } else {
            ind
        };
        parent = Some(own);
        start = i + 1;
        // an inline value (`ports: ["8080:80"]`) is the block itself
        let inline = lines[i][col..]
            .split_once(':')
            .map(|(_, v)| v.trim())
            .unwrap_or("");
        if !inline.is_empty() && !inline.starts_with('#') && !inline.starts_with(['|', '>', '&']) {
            start = i;
            end = i + 1;
            parent = None;
            continue;
        }
        end = lines.len();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
services:
  db:
    image: postgres:16
  web:
    image: nginx:1.27   # the front
    ports:
      - \"8080:80\"
      - 9000:9000
    depends_on:
      db:
        condition: service_healthy
  worker:
    depends_on: [db, web]
";

    fn at(path: &[&str]) -> Option<(usize, usize, usize)> {
        let path: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        locate(FILE, &path).map(|(p, _)| (p.line, p.column, p.len))
    }

    #[test]
    fn keys_items_and_flow_values_are_found() {
        assert_eq!(at(&["services", "web"]), Some((4, 3, 3)));
        assert_eq!(at(&["services", "web", "ports", "8080"]), Some((7, 9, 9)));
        assert_eq!(at(&["services", "web", "ports", "9000"]), Some((8, 9, 9)));
        assert_eq!(
            at(&["services", "web", "depends_on", "db"]),
            Some((10, 7, 2))
        );
        assert_eq!(
            at(&["services", "worker", "depends_on", "web"]),
            Some((13, 22, 3))
        );
    }

    #[test]
    fn the_deepest_key_found_is_the_place() {
        assert_eq!(at(&["services", "db", "ports", "5432"]), Some((2, 3, 2)));
        assert_eq!(at(&["volumes", "x"]), None);
        // `image` of `web`, not of `db`
        assert_eq!(at(&["services", "web", "image"]), Some((5, 5, 5)));
    }
}
