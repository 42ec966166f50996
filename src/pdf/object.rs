/// A PDF object (ISO 32000-1 §7.3). Strings remember where they were in the
/// file so a signature's /Contents can be matched against its /ByteRange gap.
#[derive(Debug, Clone)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    Name(Vec<u8>),
    /// Decoded string bytes, and the byte span `[start, end)` of the token
    /// in the buffer it was read from (including delimiters).
    Str {
        bytes: Vec<u8>,
        start: usize,
        end: usize,
    },
    Array(Vec<Object>),
    Dict(Dict),
    Ref(u32, u16),
    Stream(PdfStream),
}

/// A stream: its dictionary and its still-encoded data.
#[derive(Debug, Clone)]
pub struct PdfStream {
    pub dict: Dict,
    pub raw: Vec<u8>,
}

/// A dictionary, in file order. Lookups are linear: PDF dictionaries are small.
#[derive(Debug, Clone, Default)]
pub struct Dict(pub Vec<(Vec<u8>, Object)>);

impl Dict {
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(|(k, _)| k.as_slice())
    }
    /// `/Type` (or another name-valued key) equals `name`.
    pub fn name_is(&self, key: &[u8], name: &[u8]) -> bool {
        matches!(self.get(key), Some(Object::Name(n)) if n == name)
    }
    pub fn get_int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Object::Int(i)) => Some(*i),
            _ => None,
        }
    }
}

impl Object {
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Object::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_ref(&self) -> Option<(u32, u16)> {
        match self {
            Object::Ref(n, g) => Some((*n, *g)),
            _ => None,
        }
    }

    /// Structural equality that ignores where strings were in the file.
    /// Used to tell an unchanged re-definition from a changed one.
    pub fn same_as(&self, other: &Object) -> bool {
        match (self, other) {
            (Object::Null, Object::Null) => true,
            (Object::Bool(a), Object::Bool(b)) => a == b,
            (Object::Int(a), Object::Int(b)) => a == b,
            (Object::Real(a), Object::Real(b)) => a.to_bits() == b.to_bits(),
            (Object::Int(a), Object::Real(b)) | (Object::Real(b), Object::Int(a)) => {
                (*a as f64) == *b
            }
            (Object::Name(a), Object::Name(b)) => a == b,
            (Object::Str { bytes: a, .. }, Object::Str { bytes: b, .. }) => a == b,
            (Object::Array(a), Object::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            (Object::Dict(a), Object::Dict(b)) => a.same_as(b),
            (Object::Ref(a, g), Object::Ref(b, h)) => a == b && g == h,
            (Object::Stream(a), Object::Stream(b)) => a.raw == b.raw && a.dict.same_as(&b.dict),
            _ => false,
        }
    }
}

impl Dict {
    /// Same keys with structurally equal values (order-insensitive).
    pub fn same_as(&self, other: &Dict) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| v.same_as(w)))
    }
    /// Keys whose values differ between `self` (old) and `new`, including
    /// keys present in only one of them.
    pub fn changed_keys(&self, new: &Dict) -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = Vec::new();
        for (k, v) in &self.0 {
            if !new.get(k).is_some_and(|w| v.same_as(w)) && !out.contains(k) {
                out.push(k.clone());
            }
        }
        for (k, _) in &new.0 {
            if self.get(k).is_none() && !out.contains(k) {
                out.push(k.clone());
            }
        }
        out
    }
}

/// Building objects to write (strings built here carry no file position).
impl Object {
    pub fn name(s: &str) -> Object {
        Object::Name(s.as_bytes().to_vec())
    }
    /// A string of raw bytes; the writer picks literal or hex syntax.
    pub fn string(bytes: impl Into<Vec<u8>>) -> Object {
        Object::Str {
            bytes: bytes.into(),
            start: 0,
            end: 0,
        }
    }
    pub fn reference(id: (u32, u16)) -> Object {
        Object::Ref(id.0, id.1)
    }
    pub fn as_str_bytes(&self) -> Option<&[u8]> {
        match self {
            Object::Str { bytes, .. } => Some(bytes),
            _ => None,
        }
    }
}

impl Dict {
    pub fn new() -> Self {
        Self::default()
    }
    /// Set `key` to `value`, in place of an existing entry (a key that a
    /// parsed file defined twice is left once).
    pub fn set(&mut self, key: &str, value: Object) {
        let key = key.as_bytes();
        match self.0.iter().position(|(k, _)| k == key) {
            Some(first) => {
                self.0[first].1 = value;
                let mut i = 0;
                self.0.retain(|(k, _)| {
                    i += 1;
                    i - 1 == first || k != key
                });
            }
            None => self.0.push((key.to_vec(), value)),
        }
    }
    /// Entries in file order (a key defined twice: the last one wins in
    /// [`Dict::get`]).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Object)> {
        self.0.iter().map(|(k, v)| (k.as_slice(), v))
    }
}
