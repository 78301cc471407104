//! A Python literal, read as `ast.literal_eval` reads it (the `.npy` header is one): strings
//! with every escape and implicit concatenation, numbers, `True`/`False`/`None`, tuples,
//! lists, dicts, comments and line continuations. Whatever this subset does not follow is an
//! error (the caller fails closed), never a guess.

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Bytes(Vec<u8>),
    Int(i128),
    Float,
    Bool(bool),
    None,
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

/// Nesting of containers, at most (a header is flat; deep nesting is an attack).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

pub fn parse(text: &str) -> Result<Lit, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser { s: &chars, i: 0 };
    let v = p.expr(0)?;
    p.space();
    if p.i != chars.len() {
        return Err(format!("unexpected {:?} after the literal", p.peek()));
    }
    Ok(v)
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    /// Whitespace, comments and backslash-newline continuations.
    fn space(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\n' | '\r' | '\x0c' => self.i += 1,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                '\\' if self.peek_at(1) == Some('\n') => self.i += 2,
                _ => break,
            }
        }
    }

    /// A value, or a bare tuple `a, b` at the top level.
    fn expr(&mut self, depth: usize) -> Result<Lit, String> {
        let first = self.atom(depth)?;
        self.space();
        if depth > 0 || self.peek() != Some(',') {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.peek() == Some(',') {
            self.i += 1;
            self.space();
            if self.peek().is_none() {
                break;
            }
            items.push(self.atom(depth)?);
            self.space();
        }
        Ok(Lit::Tuple(items))
    }

    fn atom(&mut self, depth: usize) -> Result<Lit, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deep".into());
        }
        self.space();
        let c = self.peek().ok_or("the literal ends early")?;
        match c {
            '(' => self.sequence(')', depth).map(|(items, trailing_comma)| {
                if items.len() == 1 && !trailing_comma {
                    items.into_iter().next().unwrap_or(Lit::None)
                } else {
                    Lit::Tuple(items)
                }
            }),
            '[' => self.sequence(']', depth).map(|(items, _)| Lit::List(items)),
            '{' => self.dict(depth),
            '-' | '+' => {
                self.i += 1;
                match self.atom(depth + 1)? {
                    Lit::Int(v) if c == '-' => Ok(Lit::Int(-v)),
                    Lit::Int(v) => Ok(Lit::Int(v)),
                    Lit::Float => Ok(Lit::Float),
                    _ => Err("a sign before something that is not a number".into()),
                }
            }
            '0'..='9' | '.' => self.number(),
            _ if c.is_alphabetic() || c == '_' => self.word_or_string(),
            '\'' | '"' => self.strings(String::new()),
            other => Err(format!("unexpected {other:?}")),
        }
    }

    fn sequence(&mut self, close: char, depth: usize) -> Result<(Vec<Lit>, bool), String> {
        self.i += 1;
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            self.space();
            if self.peek() == Some(close) {
                self.i += 1;
                return Ok((items, trailing_comma));
            }
            items.push(self.atom(depth + 1)?);
            self.space();
            match self.peek() {
                Some(',') => {
                    self.i += 1;
                    trailing_comma = true;
                }
                Some(c) if c == close => trailing_comma = false,
                other => return Err(format!("expected ',' or {close:?}, found {other:?}")),
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Lit, String> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.space();
            if self.peek() == Some('}') {
                self.i += 1;
                return Ok(Lit::Dict(items));
            }
            let k = self.atom(depth + 1)?;
            self.space();
            if self.peek() != Some(':') {
                return Err("a dict item without ':' (a set is not a header)".into());
            }
            self.i += 1;
            let v = self.atom(depth + 1)?;
            items.push((k, v));
            self.space();
            match self.peek() {
                Some(',') => self.i += 1,
                Some('}') => {}
                other => return Err(format!("expected ',' or '}}', found {other:?}")),
            }
        }
    }

    fn number(&mut self) -> Result<Lit, String> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            self.i += 1;
        }
        let text: String = self
            .s
            .get(start..self.i)
            .unwrap_or_default()
            .iter()
            .collect();
        let lower = text.to_ascii_lowercase();
        let digits = lower.replace('_', "");
        let (radix, body) = match digits.get(..2) {
            Some("0x") => (16, digits.get(2..).unwrap_or_default()),
            Some("0o") => (8, digits.get(2..).unwrap_or_default()),
            Some("0b") => (2, digits.get(2..).unwrap_or_default()),
            _ => (10, digits.as_str()),
        };
        if lower.contains("__") || lower.ends_with('_') {
            return Err(format!("bad number {text:?}"));
        }
        if radix == 10 && (body.contains(['.', 'e']) || body.ends_with('j')) {
            return body
                .trim_end_matches('j')
                .parse::<f64>()
                .map(|_| Lit::Float)
                .map_err(|_| format!("bad number {text:?}"));
        }
        if radix == 10
            && body.len() > 1
            && body.starts_with('0')
            && !body.trim_matches('0').is_empty()
        {
            return Err(format!("leading zeros in {text:?}"));
        }
        i128::from_str_radix(body, radix)
            .map(Lit::Int)
            .map_err(|_| format!("bad number {text:?}"))
    }

    fn word_or_string(&mut self) -> Result<Lit, String> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.i += 1;
        }
        let word: String = self
            .s
            .get(start..self.i)
            .unwrap_or_default()
            .iter()
            .collect();
        if matches!(self.peek(), Some('\'' | '"')) {
            return self.strings(word.to_ascii_lowercase());
        }
        match word.as_str() {
            "True" => Ok(Lit::Bool(true)),
            "False" => Ok(Lit::Bool(false)),
            "None" => Ok(Lit::None),
            _ => Err(format!("{word:?} is not a literal")),
        }
    }

    /// One or more adjacent string literals (concatenated); `prefix` of the first.
    fn strings(&mut self, mut prefix: String) -> Result<Lit, String> {
        let mut text = String::new();
        let mut bytes: Option<bool> = None;
        loop {
            if !matches!(prefix.as_str(), "" | "r" | "u" | "b" | "br" | "rb") {
                return Err(format!("string prefix {prefix:?} is not a literal"));
            }
            let is_bytes = prefix.contains('b');
            if bytes.is_some_and(|b| b != is_bytes) {
                return Err("str and bytes literals concatenated".into());
            }
            bytes = Some(is_bytes);
            text.push_str(&self.one_string(prefix.contains('r'))?);
            self.space();
            let start = self.i;
            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some('\'' | '"')) {
                self.i = start;
                break;
            }
            prefix = self
                .s
                .get(start..self.i)
                .unwrap_or_default()
                .iter()
                .collect::<String>()
                .to_ascii_lowercase();
        }
        if bytes == Some(true) {
            if text.chars().any(|c| u32::from(c) > 0xff) {
                return Err("bytes literal with a non-Latin-1 character".into());
            }
            return Ok(Lit::Bytes(text.chars().map(|c| c as u8).collect()));
        }
        Ok(Lit::Str(text))
    }

    fn one_string(&mut self, raw: bool) -> Result<String, String> {
        let q = self.peek().ok_or("the string ends early")?;
        let triple = self.peek_at(1) == Some(q) && self.peek_at(2) == Some(q);
        self.i += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let c = self.peek().ok_or("unterminated string")?;
            if c == q && (!triple || (self.peek_at(1) == Some(q) && self.peek_at(2) == Some(q))) {
                self.i += if triple { 3 } else { 1 };
                return Ok(out);
            }
            if c == '\n' && !triple {
                return Err("newline inside a string".into());
            }
            self.i += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = self.peek().ok_or("unterminated string")?;
            self.i += 1;
            if raw {
                out.push('\\');
                out.push(e);
                continue;
            }
            match e {
                '\n' => {}
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'v' => out.push('\x0b'),
                '\\' | '\'' | '"' => out.push(e),
                'x' => out.push(self.hex(2)?),
                'u' => out.push(self.hex(4)?),
                'U' => out.push(self.hex(8)?),
                '0'..='7' => {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|d| d.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d;
                                self.i += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(v).ok_or("bad octal escape")?);
                }
                'N' => return Err("\\N{...} escapes are not followed".into()),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn hex(&mut self, n: usize) -> Result<char, String> {
        let digits: String = self
            .s
            .get(self.i..self.i + n)
            .ok_or("truncated escape")?
            .iter()
            .collect();
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("truncated escape".into());
        }
        self.i += n;
        let v = u32::from_str_radix(&digits, 16).map_err(|_| "bad escape")?;
        // A lone surrogate is a valid str to Python; no dtype is spelled with one.
        Ok(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_literals() {
        let d = parse("{'descr': '\\x7cO', 'fortran_order': False, 'shape': (3,), }  \n").unwrap();
        let Lit::Dict(items) = d else { panic!() };
        assert_eq!(items[0].1, Lit::Str("|O".into()));
        assert_eq!(items[2].1, Lit::Tuple(vec![Lit::Int(3)]));
        assert_eq!(parse("'|' \"O\"").unwrap(), Lit::Str("|O".into()));
        assert_eq!(parse("u'\\u004f' # c").unwrap(), Lit::Str("O".into()));
        assert_eq!(parse("(2)").unwrap(), Lit::Int(2));
        assert_eq!(parse("-0x10").unwrap(), Lit::Int(-16));
        assert_eq!(parse("r'\\x7c'").unwrap(), Lit::Str("\\x7c".into()));
        assert!(parse("{'a': open('x')}").is_err());
        assert!(parse("{1, 2}").is_err());
        assert!(parse("f'x'").is_err());
    }
}
