//! The protobuf wire format, read-only: a cursor over one message's bytes
//! that yields `(field number, value)` pairs. It knows nothing of schemas;
//! a field it is not asked about is consumed whole, which is how unknown
//! fields get skipped. Every read is bounds-checked: malformed input is a
//! [`WireError`], never a panic or an out-of-bounds slice.
//!
//! Reference: <https://protobuf.dev/programming-guides/encoding/>. Groups
//! (wire types 3 and 4, deprecated since proto2 and unused by Kubernetes)
//! are rejected rather than skipped.

/// Why a byte string is not a well-formed protobuf message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("input ends inside a field")]
    Truncated,
    #[error("varint longer than 64 bits")]
    VarintOverflow,
    #[error("field number 0 is reserved")]
    FieldZero,
    #[error("unsupported wire type {0}")]
    WireType(u8),
    #[error("length {0} does not fit in memory")]
    Length(u64),
}

/// One field's value as it appears on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire<'a> {
    /// Wire type 0: int32, int64, uint*, bool, enum.
    Varint(u64),
    /// Wire type 1: fixed64, sfixed64, double.
    Fixed64(u64),
    /// Wire type 2: string, bytes, embedded message, packed repeated.
    Len(&'a [u8]),
    /// Wire type 5: fixed32, sfixed32, float.
    Fixed32(u32),
}

impl Wire<'_> {
    /// The wire type number, for error messages.
    pub fn wire_type(&self) -> u8 {
        match self {
            Wire::Varint(_) => 0,
            Wire::Fixed64(_) => 1,
            Wire::Len(_) => 2,
            Wire::Fixed32(_) => 5,
        }
    }
}

/// A cursor over the fields of one message.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Whether every byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// The next field, or `None` at the end of the message.
    pub fn next_field(&mut self) -> Result<Option<(u32, Wire<'a>)>, WireError> {
        if self.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = key >> 3;
        if number == 0 {
            return Err(WireError::FieldZero);
        }
        // Field numbers are at most 2^29 - 1; a larger key is garbage.
        let number = u32::try_from(number).map_err(|_| WireError::VarintOverflow)?;
        let value = match (key & 7) as u8 {
            0 => Wire::Varint(self.varint()?),
            1 => Wire::Fixed64(u64::from_le_bytes(self.array::<8>()?)),
            2 => {
                let len = self.varint()?;
                let len = usize::try_from(len).map_err(|_| WireError::Length(len))?;
                Wire::Len(self.take(len)?)
            }
            5 => Wire::Fixed32(u32::from_le_bytes(self.array::<4>()?)),
            other => return Err(WireError::WireType(other)),
        };
        Ok(Some((number, value)))
    }

    /// A base-128 varint of at most ten bytes, least significant group first.
    pub fn varint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for i in 0..10 {
            let byte = *self.buf.get(self.pos).ok_or(WireError::Truncated)?;
            self.pos += 1;
            // The tenth byte carries bit 63 only.
            if i == 9 && byte > 1 {
                return Err(WireError::VarintOverflow);
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(WireError::VarintOverflow)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(len).ok_or(WireError::Truncated)?;
        let bytes = self.buf.get(self.pos..end).ok_or(WireError::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }
}
