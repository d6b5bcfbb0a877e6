//! The reference guides' compose files: every fenced YAML block with a top-level `services:`.

use std::path::Path;

/// The compose blocks of the guide at `path` (beside the repository, in `../shared`).
pub fn compose_blocks(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the reference guides live in ../shared)",
            path.display()
        )
    });
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```yaml") || l.starts_with("```yml") => {
                current = Some(String::new())
            }
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks.retain(|b| b.lines().any(|l| l.starts_with("services:")));
    blocks
}
