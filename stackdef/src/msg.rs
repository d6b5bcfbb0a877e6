//! A fixed-size message buffer usable in `const` evaluation: the one renderer of every
//! diagnostic's text, at compile time (const panics) and at run time (`Display`).

/// Capacity of a message; longer messages end in `…`.
pub const CAP: usize = 1024;

/// A message being written.
#[derive(Debug)]
pub struct Msg {
    buf: [u8; CAP],
    len: usize,
    full: bool,
}

impl Msg {
    /// An empty message.
    pub const fn new() -> Self {
        Msg {
            buf: [0; CAP],
            len: 0,
            full: false,
        }
    }

    /// Appends `s`; when the buffer is full, the message ends in `…` at a character boundary.
    pub const fn push(&mut self, s: &str) {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() && !self.full {
            let width = match b[i] {
                0x00..=0x7F => 1,
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            // keep room for the three bytes of `…`
            if self.len + width + 3 > CAP {
                self.buf[self.len] = 0xE2;
                self.buf[self.len + 1] = 0x80;
                self.buf[self.len + 2] = 0xA6;
                self.len += 3;
                self.full = true;
                return;
            }
            let mut k = 0;
            while k < width {
                self.buf[self.len] = b[i + k];
                self.len += 1;
                k += 1;
            }
            i += width;
        }
    }

    /// Appends `` `s` ``.
    pub const fn code(&mut self, s: &str) {
        self.push("`");
        self.push(s);
        self.push("`");
    }

    /// Appends `; did you mean `s`?` for a suggestion, else `otherwise`.
    pub const fn suggest(&mut self, suggestion: Option<&str>, otherwise: &str) {
        match suggestion {
            Some(s) => {
                self.push("; did you mean ");
                self.code(s);
                self.push("?");
            }
            None => self.push(otherwise),
        }
    }

    /// Appends a number in decimal.
    pub const fn num(&mut self, mut n: u32) {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let (_, tail) = digits.split_at(i);
        match core::str::from_utf8(tail) {
            Ok(s) => self.push(s),
            Err(_) => self.push("?"),
        }
    }

    /// The message so far.
    pub const fn as_str(&self) -> &str {
        let (head, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(head) {
            Ok(s) => s,
            Err(_) => "<message was not UTF-8>",
        }
    }
}

impl Default for Msg {
    fn default() -> Self {
        Msg::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_truncation() {
        let mut m = Msg::new();
        m.push("port ");
        m.num(0);
        m.push(" ");
        m.num(65535);
        assert_eq!(m.as_str(), "port 0 65535");
        let mut m = Msg::new();
        for _ in 0..600 {
            m.push("→");
        }
        assert!(m.as_str().ends_with('…'));
        assert!(m.as_str().len() <= CAP);
    }
}
